// RUN: gaon-opt %s -convert-onnx-to-graph -split-input-file -verify-diagnostics

// The conversion's own errors: each names the ONNX node and says why.

// expected-error @+1 {{the model uses 2 ONNX node(s) that Gaon cannot convert: NonZero version 13, Upsample version 1}}
module {
func.func @unsupported(%x: tensor<4xf32>) {
  // expected-note @+1 {{unsupported: NonZero version 13}}
  %0 = onnx.node "NonZero"(%x) version 13 : (tensor<4xf32>) -> tensor<1x?xi64>
  // expected-note @+1 {{unsupported: Upsample version 1 (Gaon converts versions 7 9 10)}}
  %1 = onnx.node "Upsample"(%x, %x) version 1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}
}

// -----

func.func @contradicts_onnx_shape_inference(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{(Relu version 14): output 0 has type 'tensor<2x3xf32>', but ONNX shape inference says 'tensor<3x2xf32>'}}
  %0 = onnx.node "Relu"(%x) version 14 : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = onnx.node "Identity"(%0) version 16 : (tensor<3x2xf32>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}

// -----

func.func @unranked_input(%x: tensor<*xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{(Relu version 14): input 0 has unranked type 'tensor<*xf32>'}}
  %0 = onnx.node "Relu"(%x) version 14 : (tensor<*xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @unused_output_not_computed(%x: tensor<1x1x4x4xf32>) -> tensor<*xi64> {
  // expected-error @+1 {{(MaxPool version 12): the Indices output is not supported}}
  %0:2 = onnx.node "MaxPool"(%x) version 12 attributes {kernel_shape = array<i64: 2, 2>} : (tensor<1x1x4x4xf32>) -> (tensor<*xf32>, tensor<*xi64>)
  return %0#1 : tensor<*xi64>
}

// -----

func.func @not_constant(%x: tensor<2x3xf32>, %s: tensor<2xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{input 1 (shape) must be a compile-time constant; Gaon compiles static shapes}}
  %0 = onnx.node "Reshape"(%x, %s) version 14 : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @operands_do_not_broadcast(%x: tensor<2x3xf32>, %y: tensor<4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{operand shapes 'tensor<2x3xf32>' and 'tensor<4xf32>' do not broadcast}}
  %0 = onnx.node "Add"(%x, %y) version 14 : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @bad_axis(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{(Softmax version 13): axis 2 is out of range for rank 2}}
  %0 = onnx.node "Softmax"(%x) version 13 attributes {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %s = onnx.constant dense<[4, 2]> : tensor<2xi64>
  // expected-error @+1 {{cannot reshape 'tensor<2x3xf32>' (6 elements) to 8 elements}}
  %0 = onnx.node "Reshape"(%x, %s) version 14 : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @training_dropout(%x: tensor<2xf32>) -> tensor<*xf32> {
  %r = onnx.constant dense<0.5> : tensor<f32>
  %t = onnx.constant dense<true> : tensor<i1>
  // expected-error @+1 {{training_mode=true is not supported (Gaon compiles inference)}}
  %0 = onnx.node "Dropout"(%x, %r, %t) version 13 : (tensor<2xf32>, tensor<f32>, tensor<i1>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @downstream_of_failure_waits(%x: tensor<2xf32>) -> tensor<*xf32> {
  %s = onnx.constant dense<[3]> : tensor<1xi64>
  // expected-error @+1 {{cannot reshape}}
  %0 = onnx.node "Reshape"(%x, %s) version 14 : (tensor<2xf32>, tensor<1xi64>) -> tensor<*xf32>
  // No second error: this node waits for the failed one.
  %1 = onnx.node "Relu"(%0) version 14 : (tensor<*xf32>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}
