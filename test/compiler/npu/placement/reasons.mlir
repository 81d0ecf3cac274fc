// RUN: gaon-opt %s --gaon-npu-placement | FileCheck %s
// RUN: gaon-opt %s --gaon-npu-placement=npu-config=server | FileCheck %s --check-prefix=SERVER

// Every reason placement gives for keeping an op on the CPU, one function
// each: the rules of compiler/npu/Placement/Legality.cpp, then the two about
// neighbours.

!i8 = !quant.uniform<i8:f32, 0.5>
!i8zp = !quant.uniform<u8:f32, 0.5:10>
!w8 = !quant.uniform<i8:f32, 0.25>
!w8zp = !quant.uniform<i8:f32, 0.25:3>
!s32 = !quant.uniform<i32:f32, 0.125>
!o8 = !quant.uniform<i8:f32, 0.2>

// CHECK-LABEL: func @qconv_activation_zero_point
func.func @qconv_activation_zero_point(%x: tensor<1x2x5x5x!i8zp>) -> tensor<1x3x3x3x!o8> {
  %w0 = graph.constant dense<1> : tensor<3x2x3x3xi8>
  %w = graph.storage_cast %w0 : tensor<3x2x3x3xi8> -> tensor<3x2x3x3x!w8>
  // CHECK: graph.qconv {{.*}}npu.device = "cpu", npu.reason = "the NPU's integer convolutions read 8-bit activations quantized per tensor with zero point 0 (so the zero halo is the value 0)"
  %0 = graph.qconv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!i8zp>, tensor<3x2x3x3x!w8>) -> tensor<1x3x3x3x!s32>
  %1 = graph.requantize %0 : tensor<1x3x3x3x!s32> -> tensor<1x3x3x3x!o8>
  return %1 : tensor<1x3x3x3x!o8>
}

// CHECK-LABEL: func @qconv_grouped
func.func @qconv_grouped(%x: tensor<1x2x5x5x!i8>) -> tensor<1x2x3x3x!o8> {
  %w0 = graph.constant dense<1> : tensor<2x1x3x3xi8>
  %w = graph.storage_cast %w0 : tensor<2x1x3x3xi8> -> tensor<2x1x3x3x!w8>
  // CHECK: graph.qconv {{.*}}npu.reason = "only 2-D integer convolutions with group 1 have a matrix-engine lowering"
  %0 = graph.qconv %x, %w {group = 2 : i64, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!i8>, tensor<2x1x3x3x!w8>) -> tensor<1x2x3x3x!s32>
  %1 = graph.requantize %0 : tensor<1x2x3x3x!s32> -> tensor<1x2x3x3x!o8>
  return %1 : tensor<1x2x3x3x!o8>
}

// CHECK-LABEL: func @qconv_runtime_weights
func.func @qconv_runtime_weights(%x: tensor<1x2x5x5x!i8>, %w: tensor<3x2x3x3x!w8>) -> tensor<1x3x3x3x!o8> {
  // CHECK: graph.qconv {{.*}}npu.reason = "the matrix engine's integer modes take constant int8 weights"
  %0 = graph.qconv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!i8>, tensor<3x2x3x3x!w8>) -> tensor<1x3x3x3x!s32>
  %1 = graph.requantize %0 : tensor<1x3x3x3x!s32> -> tensor<1x3x3x3x!o8>
  return %1 : tensor<1x3x3x3x!o8>
}

// CHECK-LABEL: func @qconv_weight_zero_point
func.func @qconv_weight_zero_point(%x: tensor<1x2x5x5x!i8>) -> tensor<1x3x3x3x!o8> {
  %w0 = graph.constant dense<1> : tensor<3x2x3x3xi8>
  %w = graph.storage_cast %w0 : tensor<3x2x3x3xi8> -> tensor<3x2x3x3x!w8zp>
  // CHECK: graph.qconv {{.*}}npu.reason = "weights with a nonzero zero point: the matrix engine multiplies stored values"
  %0 = graph.qconv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!i8>, tensor<3x2x3x3x!w8zp>) -> tensor<1x3x3x3x!s32>
  %1 = graph.requantize %0 : tensor<1x3x3x3x!s32> -> tensor<1x3x3x3x!o8>
  return %1 : tensor<1x3x3x3x!o8>
}

// CHECK-LABEL: func @qconv_runtime_bias
func.func @qconv_runtime_bias(%x: tensor<1x2x5x5x!i8>, %b: tensor<3xi32>) -> tensor<1x3x3x3x!o8> {
  %w0 = graph.constant dense<1> : tensor<3x2x3x3xi8>
  %w = graph.storage_cast %w0 : tensor<3x2x3x3xi8> -> tensor<3x2x3x3x!w8>
  // CHECK: graph.qconv {{.*}}npu.reason = "the bias is computed at run time"
  %0 = graph.qconv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!i8>, tensor<3x2x3x3x!w8>, tensor<3xi32>) -> tensor<1x3x3x3x!s32>
  %1 = graph.requantize %0 : tensor<1x3x3x3x!s32> -> tensor<1x3x3x3x!o8>
  return %1 : tensor<1x3x3x3x!o8>
}

// CHECK-LABEL: func @qconv_without_requantize
func.func @qconv_without_requantize(%x: tensor<1x2x5x5x!i8>) -> tensor<1x3x3x3x!s32> {
  %w0 = graph.constant dense<1> : tensor<3x2x3x3xi8>
  %w = graph.storage_cast %w0 : tensor<3x2x3x3xi8> -> tensor<3x2x3x3x!w8>
  // CHECK: graph.qconv {{.*}}npu.reason = "its int32 sums leave the NPU only through a requantization to 8 bits per tensor with zero point 0 and a scale ratio below 1, fused into the output stage"
  %0 = graph.qconv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!i8>, tensor<3x2x3x3x!w8>) -> tensor<1x3x3x3x!s32>
  return %0 : tensor<1x3x3x3x!s32>
}

// CHECK-LABEL: func @qconv_too_big
func.func @qconv_too_big(%x: tensor<1x4096x2x2x!i8>) -> tensor<1x4096x2x2x!o8> {
  %w0 = graph.constant dense<1> : tensor<4096x4096x3x3xi8>
  %w = graph.storage_cast %w0 : tensor<4096x4096x3x3xi8> -> tensor<4096x4096x3x3x!w8>
  // CHECK: graph.qconv {{.*}}npu.reason = "no tiling of this convolution fits half of the SRAM"
  %0 = graph.qconv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4096x2x2x!i8>, tensor<4096x4096x3x3x!w8>) -> tensor<1x4096x2x2x!s32>
  %1 = graph.requantize %0 : tensor<1x4096x2x2x!s32> -> tensor<1x4096x2x2x!o8>
  return %1 : tensor<1x4096x2x2x!o8>
}

// CHECK-LABEL: func @lone_requantize
func.func @lone_requantize(%x: tensor<4x!s32>) -> tensor<4x!o8> {
  // CHECK: graph.requantize {{.*}}npu.reason = "a requantization runs on the NPU only fused into the integer convolution before it"
  %0 = graph.requantize %x : tensor<4x!s32> -> tensor<4x!o8>
  return %0 : tensor<4x!o8>
}

// CHECK-LABEL: func @qmean
func.func @qmean(%x: tensor<1x4x2x2x!i8>) -> tensor<1x4x1x1x!i8> {
  // CHECK: graph.qmean {{.*}}npu.reason = "the NPU has no integer reduction yet; the CPU computes the exact mean (a float pool on the NPU would round through bf16)"
  %0 = graph.qmean %x {axes = array<i64: 2, 3>} : tensor<1x4x2x2x!i8> -> tensor<1x4x1x1x!i8>
  return %0 : tensor<1x4x1x1x!i8>
}

// CHECK-LABEL: func @lone_block_dequantize
func.func @lone_block_dequantize() -> tensor<8x2xf32> {
  %q = graph.constant dense<1> : tensor<8x2xi8>
  %s = graph.constant dense<0.5> : tensor<2x2xf32>
  // CHECK: graph.block_dequantize {{.*}}npu.reason = "weight-only weights dequantize on the NPU only as the matrix engine reads them for the matmul they feed"
  %0 = graph.block_dequantize %q, %s {axis = 0 : i64, block_size = 4 : i64} : (tensor<8x2xi8>, tensor<2x2xf32>) -> tensor<8x2xf32>
  return %0 : tensor<8x2xf32>
}

// CHECK-LABEL: func @quantize_with_zero_point
func.func @quantize_with_zero_point(%x: tensor<2x3xf32>) -> tensor<2x3x!i8zp> {
  // CHECK: graph.quantize {{.*}}npu.reason = "the vector engine quantizes f32 (bf16 on the device) to 8 bits per tensor with zero point 0"
  %0 = graph.quantize %x : tensor<2x3xf32> -> tensor<2x3x!i8zp>
  return %0 : tensor<2x3x!i8zp>
}

// CHECK-LABEL: func @dequantize_with_zero_point
func.func @dequantize_with_zero_point(%x: tensor<2x3x!i8zp>) -> tensor<2x3xf32> {
  // CHECK: graph.dequantize {{.*}}npu.reason = "the vector engine dequantizes 8 bits per tensor with zero point 0 to f32 (bf16 on the device)"
  %0 = graph.dequantize %x : tensor<2x3x!i8zp> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// CHECK-LABEL: func @qmatmul_activation_zero_point
func.func @qmatmul_activation_zero_point(%a: tensor<4x6x!i8zp>) -> tensor<4x2x!o8> {
  %m0 = graph.constant dense<1> : tensor<6x2xi8>
  %m = graph.storage_cast %m0 : tensor<6x2xi8> -> tensor<6x2x!w8>
  // CHECK: graph.qmatmul {{.*}}npu.reason = "the NPU's integer matmuls read 8-bit activations quantized per tensor with zero point 0"
  %0 = graph.qmatmul %a, %m : (tensor<4x6x!i8zp>, tensor<6x2x!w8>) -> tensor<4x2x!s32>
  %1 = graph.requantize %0 : tensor<4x2x!s32> -> tensor<4x2x!o8>
  return %1 : tensor<4x2x!o8>
}

// CHECK-LABEL: func @qmatmul_vector
func.func @qmatmul_vector(%a: tensor<6x!i8>) -> tensor<2x!o8> {
  %m0 = graph.constant dense<1> : tensor<6x2xi8>
  %m = graph.storage_cast %m0 : tensor<6x2xi8> -> tensor<6x2x!w8>
  // CHECK: graph.qmatmul {{.*}}npu.reason = "the matrix engine's integer modes take a rank >= 2 activation and 2-D weights"
  %0 = graph.qmatmul %a, %m : (tensor<6x!i8>, tensor<6x2x!w8>) -> tensor<2x!s32>
  %1 = graph.requantize %0 : tensor<2x!s32> -> tensor<2x!o8>
  return %1 : tensor<2x!o8>
}

// CHECK-LABEL: func @qmatmul_runtime_weights
func.func @qmatmul_runtime_weights(%a: tensor<4x6x!i8>, %m: tensor<6x2x!w8>) -> tensor<4x2x!o8> {
  // CHECK: graph.qmatmul {{.*}}npu.reason = "the matrix engine's integer modes take constant int8 weights"
  %0 = graph.qmatmul %a, %m : (tensor<4x6x!i8>, tensor<6x2x!w8>) -> tensor<4x2x!s32>
  %1 = graph.requantize %0 : tensor<4x2x!s32> -> tensor<4x2x!o8>
  return %1 : tensor<4x2x!o8>
}

// CHECK-LABEL: func @qmatmul_runtime_bias
func.func @qmatmul_runtime_bias(%a: tensor<4x6x!i8>, %b: tensor<2xi32>) -> tensor<4x2x!o8> {
  %m0 = graph.constant dense<1> : tensor<6x2xi8>
  %m = graph.storage_cast %m0 : tensor<6x2xi8> -> tensor<6x2x!w8>
  // CHECK: graph.qmatmul {{.*}}npu.reason = "the bias is computed at run time"
  %0 = graph.qmatmul %a, %m, %b : (tensor<4x6x!i8>, tensor<6x2x!w8>, tensor<2xi32>) -> tensor<4x2x!s32>
  %1 = graph.requantize %0 : tensor<4x2x!s32> -> tensor<4x2x!o8>
  return %1 : tensor<4x2x!o8>
}

// CHECK-LABEL: func @qmatmul_without_requantize
func.func @qmatmul_without_requantize(%a: tensor<4x6x!i8>) -> tensor<4x2x!s32> {
  %m0 = graph.constant dense<1> : tensor<6x2xi8>
  %m = graph.storage_cast %m0 : tensor<6x2xi8> -> tensor<6x2x!w8>
  // CHECK: graph.qmatmul {{.*}}npu.reason = "its int32 sums leave the NPU only through a requantization to 8 bits per tensor with zero point 0, fused into the output stage"
  %0 = graph.qmatmul %a, %m : (tensor<4x6x!i8>, tensor<6x2x!w8>) -> tensor<4x2x!s32>
  return %0 : tensor<4x2x!s32>
}

// CHECK-LABEL: func @qmatmul_too_big
func.func @qmatmul_too_big(%a: tensor<12000x4194304x!i8>) -> tensor<12000x256x!o8> {
  %m0 = graph.constant dense<1> : tensor<4194304x256xi8>
  %m = graph.storage_cast %m0 : tensor<4194304x256xi8> -> tensor<4194304x256x!w8>
  // CHECK: graph.qmatmul {{.*}}npu.reason = "no tiling of this matmul fits half of the SRAM"
  %0 = graph.qmatmul %a, %m : (tensor<12000x4194304x!i8>, tensor<4194304x256x!w8>) -> tensor<12000x256x!s32>
  %1 = graph.requantize %0 : tensor<12000x256x!s32> -> tensor<12000x256x!o8>
  return %1 : tensor<12000x256x!o8>
}

// CHECK-LABEL: func @int8_max_pool_1d
func.func @int8_max_pool_1d(%x: tensor<1x2x8x!i8>) -> tensor<1x2x4x!i8> {
  // CHECK: graph.max_pool {{.*}}npu.reason = "only 2-D max pooling has a vector engine lowering"
  %0 = graph.max_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 2>, dilations = array<i64: 1>, pads = array<i64: 0, 0>} : tensor<1x2x8x!i8> -> tensor<1x2x4x!i8>
  return %0 : tensor<1x2x4x!i8>
}

// CHECK-LABEL: func @int8_reshape_reorders
func.func @int8_reshape_reorders(%x: tensor<1x2x2x2x!i8>) -> tensor<1x8x!i8> {
  // CHECK: graph.reshape {{.*}}npu.reason = "this reshape reorders data the NPU stores channels-last"
  %0 = graph.reshape %x : tensor<1x2x2x2x!i8> -> tensor<1x8x!i8>
  return %0 : tensor<1x8x!i8>
}

// CHECK-LABEL: func @qadd_zero_point
func.func @qadd_zero_point(%a: tensor<4x!i8zp>, %b: tensor<4x!i8zp>) -> tensor<4x!o8> {
  // CHECK: graph.qadd {{.*}}npu.reason = "the vector engine's qadd takes 8-bit tensors quantized per tensor with zero point 0"
  %0 = graph.qadd %a, %b : tensor<4x!i8zp>, tensor<4x!i8zp> -> tensor<4x!o8>
  return %0 : tensor<4x!o8>
}

// CHECK-LABEL: func @qadd_tiny_output_scale
func.func @qadd_tiny_output_scale(%a: tensor<4x!i8>, %b: tensor<4x!i8>) -> tensor<4x!quant.uniform<i8:f32, 1.0e-9>> {
  // CHECK: graph.qadd {{.*}}npu.reason = "the output scale is too small for the vector engine's multiplier (the CPU adds in double)"
  %0 = graph.qadd %a, %b : tensor<4x!i8>, tensor<4x!i8> -> tensor<4x!quant.uniform<i8:f32, 1.0e-9>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 1.0e-9>>
}

// CHECK-LABEL: func @integer_operand
func.func @integer_operand(%x: tensor<4xi32>) -> tensor<4xi32> {
  // CHECK: graph.relu {{.*}}npu.reason = "operand of type tensor<4xi32>: the NPU's float path takes static f32 tensors (integer programs come with quantization)"
  %0 = graph.relu %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// CHECK-LABEL: func @integer_result
func.func @integer_result(%x: tensor<4xf32>) -> tensor<4xi64> {
  // CHECK: graph.cast {{.*}}npu.reason = "its result is not a static, non-empty f32 tensor"
  %0 = graph.cast %x : tensor<4xf32> -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// CHECK-LABEL: func @conv_1d
func.func @conv_1d(%x: tensor<1x3x8xf32>) -> tensor<1x4x8xf32> {
  %w = graph.constant dense<1.0> : tensor<4x3x3xf32>
  // CHECK: graph.conv {{.*}}npu.reason = "only 2-D convolutions have a matrix-engine lowering"
  %0 = graph.conv %x, %w {strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 1, 1>} : (tensor<1x3x8xf32>, tensor<4x3x3xf32>) -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}

// CHECK-LABEL: func @conv_grouped
func.func @conv_grouped(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %w = graph.constant dense<1.0> : tensor<4x1x3x3xf32>
  // CHECK: graph.conv {{.*}}npu.reason = "grouped convolution (group 4): the matrix engine lowering needs group 1; depthwise convolutions stay on the CPU until the vector engine runs them"
  %0 = graph.conv %x, %w {group = 4 : i64, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// CHECK-LABEL: func @conv_runtime_weights
func.func @conv_runtime_weights(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // CHECK: graph.conv {{.*}}npu.reason = "the weights are computed at run time; the NPU needs constant weights to pack them"
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// CHECK-LABEL: func @conv_runtime_bias
func.func @conv_runtime_bias(%x: tensor<1x3x8x8xf32>, %b: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %w = graph.constant dense<1.0> : tensor<4x3x3x3xf32>
  // CHECK: graph.conv {{.*}}npu.reason = "the bias is computed at run time"
  %0 = graph.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// The message names the configuration's SRAM.
// CHECK-LABEL: func @conv_too_big
// SERVER-LABEL: func @conv_too_big
func.func @conv_too_big(%x: tensor<1x4096x2x2xf32>) -> tensor<1x4096x2x2xf32> {
  %w = graph.constant dense<1.0> : tensor<4096x4096x3x3xf32>
  // CHECK: graph.conv {{.*}}npu.reason = "no tiling of this convolution fits half of the 16 MiB SRAM"
  // SERVER: graph.conv {{.*}}npu.reason = "no tiling of this convolution fits half of the 32 MiB SRAM"
  %0 = graph.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4096x2x2xf32>, tensor<4096x4096x3x3xf32>) -> tensor<1x4096x2x2xf32>
  return %0 : tensor<1x4096x2x2xf32>
}

// CHECK-LABEL: func @matmul_weight_only_zero_points
func.func @matmul_weight_only_zero_points(%a: tensor<2x8xf32>) -> tensor<2x2xf32> {
  %q = graph.constant dense<1> : tensor<8x2xi8>
  %s = graph.constant dense<0.5> : tensor<2x2xf32>
  %z = graph.constant dense<1> : tensor<2x2xi8>
  %w = graph.block_dequantize %q, %s, %z {axis = 0 : i64, block_size = 4 : i64} : (tensor<8x2xi8>, tensor<2x2xf32>, tensor<2x2xi8>) -> tensor<8x2xf32>
  // CHECK: graph.matmul {{.*}}npu.reason = "its weight-only weights have zero points, blocks along N or of under 4 rows, or other users; the matrix engine takes constant symmetric blocks of 4 or more rows along K, one matmul each"
  %0 = graph.matmul %a, %w : tensor<2x8xf32>, tensor<8x2xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// CHECK-LABEL: func @matmul_runtime_operands
func.func @matmul_runtime_operands(%a: tensor<2x8xf32>, %b: tensor<8x2xf32>) -> tensor<2x2xf32> {
  // CHECK: graph.matmul {{.*}}npu.reason = "both operands are computed at run time; the NPU lowering needs a constant right-hand side (weights) for now"
  %0 = graph.matmul %a, %b : tensor<2x8xf32>, tensor<8x2xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// CHECK-LABEL: func @matmul_vector
func.func @matmul_vector(%a: tensor<8xf32>) -> tensor<2xf32> {
  %b = graph.constant dense<1.0> : tensor<8x2xf32>
  // CHECK: graph.matmul {{.*}}npu.reason = "the NPU lowering takes a rank >= 2 left operand and a 2-D constant right operand"
  %0 = graph.matmul %a, %b : tensor<8xf32>, tensor<8x2xf32> -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// CHECK-LABEL: func @matmul_too_big
func.func @matmul_too_big(%a: tensor<12000x4194304xf32>) -> tensor<12000x256xf32> {
  %b = graph.constant dense<1.0> : tensor<4194304x256xf32>
  // CHECK: graph.matmul {{.*}}npu.reason = "no tiling of this matmul fits half of the SRAM"
  %0 = graph.matmul %a, %b : tensor<12000x4194304xf32>, tensor<4194304x256xf32> -> tensor<12000x256xf32>
  return %0 : tensor<12000x256xf32>
}

// CHECK-LABEL: func @add_constant
func.func @add_constant(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %c = graph.constant dense<1.0> : tensor<2x3xf32>
  // CHECK: graph.add {{.*}}npu.reason = "an operand is a constant; the vector engine lowering takes two computed tensors of one shape"
  %0 = graph.add %a, %c : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// CHECK-LABEL: func @mul_broadcast
func.func @mul_broadcast(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  // CHECK: graph.mul {{.*}}npu.reason = "broadcasting; the vector engine lowering takes operands of the result's shape"
  %0 = graph.mul %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// CHECK-LABEL: func @clip_open
func.func @clip_open(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: graph.clip {{.*}}npu.reason = "a clip with one bound open; the vector engine clamps both"
  %0 = graph.clip %x {min = 0.0 : f64} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// CHECK-LABEL: func @max_pool_1d
func.func @max_pool_1d(%x: tensor<1x2x8xf32>) -> tensor<1x2x4xf32> {
  // CHECK: graph.max_pool {{.*}}npu.reason = "only 2-D max pooling has a vector engine lowering"
  %0 = graph.max_pool %x {kernel_shape = array<i64: 2>, strides = array<i64: 2>, dilations = array<i64: 1>, pads = array<i64: 0, 0>} : tensor<1x2x8xf32> -> tensor<1x2x4xf32>
  return %0 : tensor<1x2x4xf32>
}

// CHECK-LABEL: func @reduce_max
func.func @reduce_max(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32> {
  // CHECK: graph.reduce {{.*}}npu.reason = "only global mean and sum pooling (axes 2, 3 of a 4-D tensor) run on the NPU"
  %0 = graph.reduce <max> %x {axes = array<i64: 2, 3>} : tensor<1x2x4x4xf32> -> tensor<1x2x1x1xf32>
  return %0 : tensor<1x2x1x1xf32>
}

// CHECK-LABEL: func @softmax_inner_axis
func.func @softmax_inner_axis(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // CHECK: graph.softmax {{.*}}npu.reason = "the vector engine normalizes rows of the last axis of tensors of rank 3 or less"
  %0 = graph.softmax %x {axis = 1 : i64} : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// CHECK-LABEL: func @softmax_huge_row
func.func @softmax_huge_row(%x: tensor<1x262144xf32>) -> tensor<1x262144xf32> {
  // CHECK: graph.softmax {{.*}}npu.reason = "one row does not fit the vector engine's SRAM tiles"
  %0 = graph.softmax %x {axis = 1 : i64} : tensor<1x262144xf32> -> tensor<1x262144xf32>
  return %0 : tensor<1x262144xf32>
}

// CHECK-LABEL: func @layer_norm_runtime_scale
func.func @layer_norm_runtime_scale(%x: tensor<2x4xf32>, %s: tensor<4xf32>) -> tensor<2x4xf32> {
  // CHECK: graph.layer_norm {{.*}}npu.reason = "scale and bias must be constants of the normalized axis's length"
  %0 = graph.layer_norm %x, %s {axis = 1 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// CHECK-LABEL: func @batch_too_large
func.func @batch_too_large(%x: tensor<300x2x64x2xf32>) -> tensor<300x2x64x2xf32> {
  // CHECK: graph.relu {{.*}}npu.reason = "batch 300 of 64-row images: NPU programs unroll every image row, so more than 16384 in a batch run on the CPU (compile a smaller batch and run it repeatedly for the NPU)"
  %0 = graph.relu %x : tensor<300x2x64x2xf32>
  return %0 : tensor<300x2x64x2xf32>
}

// An empty tensor has no rows: the size rules must not divide by its zero.
// CHECK-LABEL: func @empty_tensor
func.func @empty_tensor(%x: tensor<4x0xf32>) -> tensor<4x0xf32> {
  // CHECK: graph.relu {{.*}}npu.reason = "operand of type tensor<4x0xf32>
  %0 = graph.relu %x : tensor<4x0xf32>
  return %0 : tensor<4x0xf32>
}

// CHECK-LABEL: func @rows_too_many
func.func @rows_too_many(%x: tensor<131073x2xf32>) -> tensor<131073x2xf32> {
  // CHECK: graph.relu {{.*}}npu.reason = "131073 rows: NPU programs unroll every row tile, so tensors of over 2^17 rows run on the CPU"
  %0 = graph.relu %x : tensor<131073x2xf32>
  return %0 : tensor<131073x2xf32>
}

// CHECK-LABEL: func @rms_norm_runtime_scale
func.func @rms_norm_runtime_scale(%x: tensor<2x4xf32>, %s: tensor<4xf32>) -> tensor<2x4xf32> {
  // CHECK: graph.rms_norm {{.*}}npu.reason = "the scale must be a constant of the normalized axis's length"
  %0 = graph.rms_norm %x, %s {axis = 1 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// Attention runs on the NPU as a decoder step over the session's caches
// (attention-group.mlir); plain attention over activations does not.
// CHECK-LABEL: func @attention_not_a_decoder_step
func.func @attention_not_a_decoder_step(%q: tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32> {
  // CHECK: graph.attention {{.*}}npu.reason = "attention: the NPU lowers a decoder step's causal attention over the cache (gaonc --max-seq-len), without an additive mask or softcap"
  %0 = graph.attention %q, %q, %q {scale = 1.0 : f32} : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  return %0 : tensor<1x2x3x8xf32>
}

// CHECK-LABEL: func @reshape_reorders
func.func @reshape_reorders(%x: tensor<1x2x2x2xf32>) -> tensor<1x8xf32> {
  // CHECK: graph.reshape {{.*}}npu.reason = "this reshape reorders data the NPU stores channels-last"
  %0 = graph.reshape %x : tensor<1x2x2x2xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// CHECK-LABEL: func @no_lowering
func.func @no_lowering(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: graph.exp {{.*}}npu.reason = "no NPU lowering for graph.exp yet"
  %0 = graph.exp %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// Neighbours: a vector-engine op fed only by the host stays there, and so
// does a dequantize whose result only goes back to the host.
// CHECK-LABEL: func @fed_by_cpu
func.func @fed_by_cpu(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: graph.add {{.*}}npu.reason = "its inputs come from the CPU; moving them to the NPU for this op alone costs more than it saves"
  %0 = graph.add %a, %b : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// CHECK-LABEL: func @dequantize_for_cpu
func.func @dequantize_for_cpu(%x: tensor<1x2x5x5x!i8>) -> tensor<1x3x3x3xf32> {
  %w0 = graph.constant dense<1> : tensor<3x2x3x3xi8>
  %w = graph.storage_cast %w0 : tensor<3x2x3x3xi8> -> tensor<3x2x3x3x!w8>
  // CHECK: graph.qconv {{.*}}npu.device = "npu", npu.group = 0
  %0 = graph.qconv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!i8>, tensor<3x2x3x3x!w8>) -> tensor<1x3x3x3x!s32>
  // CHECK: graph.requantize {{.*}}npu.device = "npu", npu.fused_into = 0
  %1 = graph.requantize %0 : tensor<1x3x3x3x!s32> -> tensor<1x3x3x3x!o8>
  // CHECK: graph.dequantize {{.*}}npu.reason = "its result only leaves for the CPU, which dequantizes the 8-bit tensor itself"
  %2 = graph.dequantize %1 : tensor<1x3x3x3x!o8> -> tensor<1x3x3x3xf32>
  return %2 : tensor<1x3x3x3xf32>
}
