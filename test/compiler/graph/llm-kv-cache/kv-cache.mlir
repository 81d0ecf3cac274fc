// RUN: gaon-opt %s -gaon-llm-kv-cache -split-input-file -verify-diagnostics | FileCheck %s

// A one-layer decode step as imported for --max-seq-len=4: past of 3, one
// new token. The window of 2 keys is read off the mask; the caches are
// written in place at `position`.
// CHECK-LABEL: func @step
// CHECK-SAME: {onnx.name = "input_ids"}, %[[POS:[^:]*]]: tensor<1xi64> {onnx.name = "position"}
// CHECK-SAME: %[[K:[^:]*]]: tensor<1x1x4x2xf32> {gaon.state = "past_key_values.0.key", onnx.name = "past_key_values.0.key"}, %[[V:[^:]*]]: tensor<1x1x4x2xf32> {gaon.state = "past_key_values.0.value", onnx.name = "past_key_values.0.value"}
// The caches are session state: each present result names the state it
// updates in place.
// CHECK-SAME: -> (tensor<1x1x1x2xf32> {onnx.name = "out"}, tensor<1x1x4x2xf32> {gaon.state = "past_key_values.0.key", onnx.name = "present.0.key"}, tensor<1x1x4x2xf32> {gaon.state = "past_key_values.0.value", onnx.name = "present.0.value"})
// CHECK: %[[KC:.*]] = graph.cache_update %[[K]], %{{.*}}, %[[POS]] {axis = 2 : i64}
// CHECK: %[[VC:.*]] = graph.cache_update %[[V]], %{{.*}}, %[[POS]] {axis = 2 : i64}
// Each attention computes its own key counts (an NPU attention fuses them).
// CHECK: %[[LEN:.*]] = graph.add %[[POS]]
// CHECK: graph.attention %{{.*}}, %[[KC]], %[[VC]] kv_lengths %[[LEN]] {causal = true, scale = 5.000000e-01 : f32, window = 2 : i64}
// CHECK: return %{{.*}}, %[[KC]], %[[VC]]
func.func @step(%ids: tensor<1x1xi64> {onnx.name = "input_ids"}, %mask: tensor<1x4xi64> {onnx.name = "attention_mask"}, %pk: tensor<1x1x3x2xf32> {onnx.name = "past_key_values.0.key"}, %pv: tensor<1x1x3x2xf32> {onnx.name = "past_key_values.0.value"}, %q: tensor<1x1x1x2xf32> {onnx.name = "q"}, %k: tensor<1x1x1x2xf32> {onnx.name = "k"}) -> (tensor<1x1x1x2xf32> {onnx.name = "out"}, tensor<1x1x4x2xf32> {onnx.name = "present.0.key"}, tensor<1x1x4x2xf32> {onnx.name = "present.0.value"}) {
  %m = graph.constant dense<[[[[-3.0e38, -3.0e38, 0.0, 0.0]]]]> : tensor<1x1x1x4xf32>
  %ck = graph.concat %pk, %k {axis = 2 : i64} : (tensor<1x1x3x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x1x4x2xf32>
  %cv = graph.concat %pv, %k {axis = 2 : i64} : (tensor<1x1x3x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x1x4x2xf32>
  %a = graph.attention %q, %ck, %cv mask %m {scale = 0.5 : f32} : (tensor<1x1x1x2xf32>, tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>, tensor<1x1x1x4xf32>) -> tensor<1x1x1x2xf32>
  return %a, %ck, %cv : tensor<1x1x1x2xf32>, tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>
}

// -----

// A mask that adds a bias (ALiBi-like) is refused: it does more than hide keys.
func.func @bias(%ids: tensor<1x1xi64> {onnx.name = "input_ids"}, %pk: tensor<1x1x3x2xf32> {onnx.name = "past_key_values.0.key"}, %pv: tensor<1x1x3x2xf32> {onnx.name = "past_key_values.0.value"}, %q: tensor<1x1x1x2xf32> {onnx.name = "q"}, %k: tensor<1x1x1x2xf32> {onnx.name = "k"}) -> (tensor<1x1x1x2xf32> {onnx.name = "out"}, tensor<1x1x4x2xf32> {onnx.name = "present.0.key"}, tensor<1x1x4x2xf32> {onnx.name = "present.0.value"}) {
  %m = graph.constant dense<[[[[-0.5, -0.25, 0.0, 0.0]]]]> : tensor<1x1x1x4xf32>
  %ck = graph.concat %pk, %k {axis = 2 : i64} : (tensor<1x1x3x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x1x4x2xf32>
  %cv = graph.concat %pv, %k {axis = 2 : i64} : (tensor<1x1x3x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x1x4x2xf32>
  // expected-error @+1 {{--max-seq-len: the attention mask adds a bias (-5.000000e-01), not only hides keys; not supported}}
  %a = graph.attention %q, %ck, %cv mask %m {scale = 0.5 : f32} : (tensor<1x1x1x2xf32>, tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>, tensor<1x1x1x4xf32>) -> tensor<1x1x1x2xf32>
  return %a, %ck, %cv : tensor<1x1x1x2xf32>, tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>
}

// -----

// A present that is not past ++ new is refused.
// expected-error @+1 {{--max-seq-len: present.0.key is not the past with the new entries appended}}
func.func @not_appended(%ids: tensor<1x1xi64> {onnx.name = "input_ids"}, %pk: tensor<1x1x3x2xf32> {onnx.name = "past_key_values.0.key"}, %k: tensor<1x1x1x2xf32> {onnx.name = "k"}) -> (tensor<1x1x4x2xf32> {onnx.name = "present.0.key"}) {
  %ck = graph.concat %k, %pk {axis = 2 : i64} : (tensor<1x1x1x2xf32>, tensor<1x1x3x2xf32>) -> tensor<1x1x4x2xf32>
  return %ck : tensor<1x1x4x2xf32>
}

// -----

// A prefill step (two tokens) whose LM head, a matmul by constant weights
// producing `logits`, reads the last position only: one row of logits.
// CHECK-LABEL: func @prefill
// CHECK-SAME: -> (tensor<1x1x5xf32> {onnx.name = "logits"}
// CHECK: %[[LAST:.*]] = graph.slice %{{.*}} {starts = array<i64: 0, 1, 0>, steps = array<i64: 1, 1, 1>} : tensor<1x2x3xf32> -> tensor<1x1x3xf32>
// CHECK: %[[LOGITS:.*]] = graph.matmul %[[LAST]], %{{.*}} : tensor<1x1x3xf32>, tensor<3x5xf32> -> tensor<1x1x5xf32>
// CHECK: return %[[LOGITS]]
func.func @prefill(%ids: tensor<1x2xi64> {onnx.name = "input_ids"}, %pk: tensor<1x1x2x2xf32> {onnx.name = "past_key_values.0.key"}, %pv: tensor<1x1x2x2xf32> {onnx.name = "past_key_values.0.value"}, %q: tensor<1x1x2x2xf32> {onnx.name = "q"}, %k: tensor<1x1x2x2xf32> {onnx.name = "k"}, %h: tensor<1x2x3xf32> {onnx.name = "h"}) -> (tensor<1x2x5xf32> {onnx.name = "logits"}, tensor<1x1x2x2xf32> {onnx.name = "out"}, tensor<1x1x4x2xf32> {onnx.name = "present.0.key"}, tensor<1x1x4x2xf32> {onnx.name = "present.0.value"}) {
  %w = graph.constant dense<1.0> : tensor<3x5xf32>
  %logits = graph.matmul %h, %w : tensor<1x2x3xf32>, tensor<3x5xf32> -> tensor<1x2x5xf32>
  %ck = graph.concat %pk, %k {axis = 2 : i64} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x4x2xf32>
  %cv = graph.concat %pv, %k {axis = 2 : i64} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x4x2xf32>
  %a = graph.attention %q, %ck, %cv {scale = 0.5 : f32, causal = true} : (tensor<1x1x2x2xf32>, tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x2x2xf32>
  return %logits, %a, %ck, %cv : tensor<1x2x5xf32>, tensor<1x1x2x2xf32>, tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>
}
