// RUN: gaon-opt %s -split-input-file -verify-diagnostics

func.func @empty_op_type(%x: tensor<2xf32>) {
  // expected-error @+1 {{needs a non-empty op_type}}
  %0 = onnx.node ""(%x) version 1 : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @bad_version(%x: tensor<2xf32>) {
  // expected-error @+1 {{since_version must be at least 1, got 0}}
  %0 = onnx.node "Relu"(%x) version 0 : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @spelled_default_domain(%x: tensor<2xf32>) {
  // expected-error @+1 {{the default domain is spelled by omitting `domain`}}
  %0 = onnx.node "Relu"(%x) domain "ai.onnx" version 14 : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @non_tensor_input(%x: i32) {
  // expected-error @+1 {{operand #0 must be variadic of tensor of any type values or none type}}
  %0 = onnx.node "Relu"(%x) version 14 : (i32) -> tensor<2xf32>
  return
}

// -----

func.func @dynamic_constant() {
  // expected-error @+1 {{result #0 must be statically shaped tensor of any type values}}
  %0 = "onnx.constant"() {value = dense<1.0> : tensor<2xf32>} : () -> tensor<?xf32>
  return
}
