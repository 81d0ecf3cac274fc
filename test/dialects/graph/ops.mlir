// RUN: gaon-opt %s | gaon-opt | FileCheck %s
// RUN: gaon-opt %s --mlir-print-op-generic | gaon-opt | FileCheck %s

// Every graph op parses, verifies, prints and parses back.

// CHECK-LABEL: func @constants
func.func @constants() -> (tensor<2xf32>, tensor<i64>) {
  // CHECK: graph.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
  %0 = graph.constant dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: graph.constant dense<7> : tensor<i64>
  %1 = graph.constant dense<7> : tensor<i64>
  return %0, %1 : tensor<2xf32>, tensor<i64>
}

// CHECK-LABEL: func @unary_float
func.func @unary_float(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: graph.exp %{{.*}} : tensor<2x3xf32>
  %0 = graph.exp %x : tensor<2x3xf32>
  // CHECK: graph.log
  %1 = graph.log %0 : tensor<2x3xf32>
  // CHECK: graph.tanh
  %2 = graph.tanh %1 : tensor<2x3xf32>
  // CHECK: graph.sigmoid
  %3 = graph.sigmoid %2 : tensor<2x3xf32>
  // CHECK: graph.erf
  %4 = graph.erf %3 : tensor<2x3xf32>
  // CHECK: graph.sqrt
  %5 = graph.sqrt %4 : tensor<2x3xf32>
  // CHECK: graph.rsqrt
  %6 = graph.rsqrt %5 : tensor<2x3xf32>
  // CHECK: graph.reciprocal
  %7 = graph.reciprocal %6 : tensor<2x3xf32>
  // CHECK: graph.silu
  %8 = graph.silu %7 : tensor<2x3xf32>
  // CHECK: graph.hard_swish
  %9 = graph.hard_swish %8 : tensor<2x3xf32>
  // CHECK: graph.sin
  %10 = graph.sin %9 : tensor<2x3xf32>
  // CHECK: graph.cos
  %11 = graph.cos %10 : tensor<2x3xf32>
  // CHECK: graph.tan
  %12 = graph.tan %11 : tensor<2x3xf32>
  // CHECK: graph.asin
  %13 = graph.asin %12 : tensor<2x3xf32>
  // CHECK: graph.acos
  %14 = graph.acos %13 : tensor<2x3xf32>
  // CHECK: graph.atan
  %15 = graph.atan %14 : tensor<2x3xf32>
  // CHECK: graph.sinh
  %16 = graph.sinh %15 : tensor<2x3xf32>
  // CHECK: graph.cosh
  %17 = graph.cosh %16 : tensor<2x3xf32>
  // CHECK: graph.asinh
  %18 = graph.asinh %17 : tensor<2x3xf32>
  // CHECK: graph.acosh
  %19 = graph.acosh %18 : tensor<2x3xf32>
  // CHECK: graph.atanh
  %20 = graph.atanh %19 : tensor<2x3xf32>
  // CHECK: graph.softplus
  %21 = graph.softplus %20 : tensor<2x3xf32>
  // CHECK: graph.softsign
  %22 = graph.softsign %21 : tensor<2x3xf32>
  // CHECK: graph.floor
  %23 = graph.floor %22 : tensor<2x3xf32>
  // CHECK: graph.ceil
  %24 = graph.ceil %23 : tensor<2x3xf32>
  // CHECK: graph.round
  %25 = graph.round %24 : tensor<2x3xf32>
  // CHECK: graph.gelu %{{.*}} {tanh_approximation = true}
  %26 = graph.gelu %25 {tanh_approximation = true} : tensor<2x3xf32>
  // CHECK: graph.elu %{{.*}} {alpha = 1.000000e+00 : f32}
  %27 = graph.elu %26 {alpha = 1.0 : f32} : tensor<2x3xf32>
  // CHECK: graph.celu
  %28 = graph.celu %27 {alpha = 1.0 : f32} : tensor<2x3xf32>
  // CHECK: graph.leaky_relu
  %29 = graph.leaky_relu %28 {alpha = 0.01 : f32} : tensor<2x3xf32>
  // CHECK: graph.thresholded_relu
  %30 = graph.thresholded_relu %29 {alpha = 1.0 : f32} : tensor<2x3xf32>
  // CHECK: graph.selu
  %31 = graph.selu %30 {alpha = 1.67 : f32, gamma = 1.05 : f32} : tensor<2x3xf32>
  // CHECK: graph.hard_sigmoid
  %32 = graph.hard_sigmoid %31 {alpha = 0.2 : f32, beta = 0.5 : f32} : tensor<2x3xf32>
  // CHECK: graph.shrink
  %33 = graph.shrink %32 {bias = 0.0 : f32, lambd = 0.5 : f32} : tensor<2x3xf32>
  // CHECK: graph.clip %{{.*}} {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64}
  %34 = graph.clip %33 {min = 0.0 : f64, max = 6.0 : f64} : tensor<2x3xf32>
  // CHECK: graph.lrn
  %35 = graph.lrn %34 {size = 3 : i64, alpha = 1.0e-4 : f32, beta = 0.75 : f32, bias = 1.0 : f32} : tensor<2x3xf32>
  return %35 : tensor<2x3xf32>
}

// CHECK-LABEL: func @unary_numeric
func.func @unary_numeric(%x: tensor<4xi32>, %b: tensor<4xi1>, %f: tensor<4xf16>)
    -> (tensor<4xi32>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  // CHECK: graph.abs
  %0 = graph.abs %x : tensor<4xi32>
  // CHECK: graph.neg
  %1 = graph.neg %0 : tensor<4xi32>
  // CHECK: graph.sign
  %2 = graph.sign %1 : tensor<4xi32>
  // CHECK: graph.relu
  %3 = graph.relu %2 : tensor<4xi32>
  // CHECK: graph.bitwise_not
  %4 = graph.bitwise_not %3 : tensor<4xi32>
  // CHECK: graph.not
  %5 = graph.not %b : tensor<4xi1>
  // CHECK: graph.is_nan %{{.*}} : tensor<4xf16> -> tensor<4xi1>
  %6 = graph.is_nan %f : tensor<4xf16> -> tensor<4xi1>
  // CHECK: graph.is_inf %{{.*}} {detect_negative = false}
  %7 = graph.is_inf %f {detect_negative = false} : tensor<4xf16> -> tensor<4xi1>
  return %4, %5, %6, %7 : tensor<4xi32>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}

// CHECK-LABEL: func @binary
func.func @binary(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %i: tensor<2x1xi64>,
                  %j: tensor<4xi64>, %p: tensor<2x3xi1>, %q: tensor<3xi1>,
                  %u: tensor<3xui8>) {
  // CHECK: graph.add %{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %0 = graph.add %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: graph.sub
  %1 = graph.sub %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: graph.mul
  %2 = graph.mul %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: graph.div
  %3 = graph.div %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: graph.pow
  %4 = graph.pow %a, %i : tensor<2x3xf32>, tensor<2x1xi64> -> tensor<2x3xf32>
  // CHECK: graph.max
  %5 = graph.max %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: graph.min
  %6 = graph.min %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: graph.mod %{{.*}} {fmod = true}
  %7 = graph.mod %a, %b {fmod = true} : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: graph.mod %{{.*}} : tensor<2x1xi64>, tensor<4xi64> -> tensor<2x4xi64>
  %8 = graph.mod %i, %j : tensor<2x1xi64>, tensor<4xi64> -> tensor<2x4xi64>
  // CHECK: graph.prelu
  %9 = graph.prelu %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  // CHECK: graph.and
  %10 = graph.and %p, %q : tensor<2x3xi1>, tensor<3xi1> -> tensor<2x3xi1>
  // CHECK: graph.or
  %11 = graph.or %p, %q : tensor<2x3xi1>, tensor<3xi1> -> tensor<2x3xi1>
  // CHECK: graph.xor
  %12 = graph.xor %p, %q : tensor<2x3xi1>, tensor<3xi1> -> tensor<2x3xi1>
  // CHECK: graph.bit_shift %{{.*}} {left = true}
  %13 = graph.bit_shift %u, %u {left = true} : tensor<3xui8>, tensor<3xui8> -> tensor<3xui8>
  // CHECK: graph.equal
  %14 = graph.equal %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  // CHECK: graph.less
  %15 = graph.less %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  // CHECK: graph.less_equal
  %16 = graph.less_equal %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  // CHECK: graph.greater
  %17 = graph.greater %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  // CHECK: graph.greater_equal
  %18 = graph.greater_equal %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xi1>
  // CHECK: graph.select %{{.*}} : tensor<3xi1>, tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  %19 = graph.select %q, %a, %b : tensor<3xi1>, tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return
}

// CHECK-LABEL: func @linear_algebra
func.func @linear_algebra(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>,
                          %bias: tensor<4xf32>, %a: tensor<5x2x3xf32>,
                          %b: tensor<3x4xf32>, %v: tensor<3xf32>,
                          %tw: tensor<3x2x2x2xf32>) {
  // CHECK: graph.matmul %{{.*}} : tensor<5x2x3xf32>, tensor<3x4xf32> -> tensor<5x2x4xf32>
  %0 = graph.matmul %a, %b : tensor<5x2x3xf32>, tensor<3x4xf32> -> tensor<5x2x4xf32>
  // CHECK: graph.matmul %{{.*}} : tensor<5x2x3xf32>, tensor<3xf32> -> tensor<5x2xf32>
  %1 = graph.matmul %a, %v : tensor<5x2x3xf32>, tensor<3xf32> -> tensor<5x2xf32>
  // CHECK: graph.conv {{.*}} -> tensor<1x4x8x8xf32>
  %2 = graph.conv %x, %w, %bias {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  // CHECK: graph.conv {{.*}} -> tensor<1x4x3x3xf32>
  %3 = graph.conv %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x3x3xf32>
  // CHECK: graph.conv_transpose {{.*}} -> tensor<1x2x16x16xf32>
  %4 = graph.conv_transpose %x, %tw {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x3x8x8xf32>, tensor<3x2x2x2xf32>) -> tensor<1x2x16x16xf32>
  // CHECK: graph.max_pool {{.*}} -> tensor<1x3x4x4xf32>
  %5 = graph.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, ceil_mode = true} : tensor<1x3x8x8xf32> -> tensor<1x3x4x4xf32>
  // CHECK: graph.avg_pool {{.*}} -> tensor<1x3x8x8xf32>
  %6 = graph.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = true} : tensor<1x3x8x8xf32> -> tensor<1x3x8x8xf32>
  return
}

// CHECK-LABEL: func @reductions_and_norms
func.func @reductions_and_norms(%x: tensor<2x3x4xf32>, %c: tensor<3xf32>,
                                %s: tensor<4xf32>) {
  // CHECK: graph.reduce <sum> {{.*}} -> tensor<2x1x1xf32>
  %0 = graph.reduce <sum> %x {axes = array<i64: 1, 2>} : tensor<2x3x4xf32> -> tensor<2x1x1xf32>
  // CHECK: graph.reduce <log_sum_exp> {{.*}} -> tensor<2x4xf32>
  %1 = graph.reduce <log_sum_exp> %x {axes = array<i64: 1>, keepdims = false} : tensor<2x3x4xf32> -> tensor<2x4xf32>
  // CHECK: graph.arg_max {{.*}} -> tensor<2x4xi64>
  %2 = graph.arg_max %x {axis = 1 : i64, keepdims = false} : tensor<2x3x4xf32> -> tensor<2x4xi64>
  // CHECK: graph.arg_min {{.*}} -> tensor<2x3x1xi64>
  %3 = graph.arg_min %x {axis = 2 : i64, select_last_index = true} : tensor<2x3x4xf32> -> tensor<2x3x1xi64>
  // CHECK: graph.softmax
  %4 = graph.softmax %x {axis = 2 : i64} : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  // CHECK: graph.log_softmax
  %5 = graph.log_softmax %x {axis = 0 : i64} : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  // CHECK: graph.hardmax
  %6 = graph.hardmax %x {axis = 1 : i64} : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  // CHECK: graph.cumsum {{.*}} {axis = 1 : i64, exclusive = true, reverse = true}
  %7 = graph.cumsum %x {axis = 1 : i64, exclusive = true, reverse = true} : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
  // CHECK: graph.batch_norm
  %8 = graph.batch_norm %x, %c, %c, %c, %c {epsilon = 1.0e-5 : f32} : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
  // CHECK: graph.instance_norm
  %9 = graph.instance_norm %x, %c, %c {epsilon = 1.0e-5 : f32} : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
  // CHECK: graph.layer_norm
  %10 = graph.layer_norm %x, %s, %s {axis = 2 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  // CHECK: graph.layer_norm
  %11 = graph.layer_norm %x, %s {axis = 2 : i64, epsilon = 1.0e-5 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  // CHECK: graph.rms_norm
  %12 = graph.rms_norm %x, %s {axis = 2 : i64, epsilon = 1.0e-6 : f32} : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return
}

// CHECK-LABEL: func @data_movement
func.func @data_movement(%x: tensor<2x3x4xf32>, %i: tensor<5xi64>,
                         %ie: tensor<2x3x4xi64>, %nd: tensor<2x2xi64>,
                         %upd: tensor<2x4xf32>, %k: tensor<3xi64>) {
  // CHECK: graph.reshape {{.*}} : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %0 = graph.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  // CHECK: graph.transpose {{.*}} -> tensor<4x2x3xf32>
  %1 = graph.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  // CHECK: graph.concat {{.*}} -> tensor<2x6x4xf32>
  %2 = graph.concat %x, %x {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x6x4xf32>
  // CHECK: graph.split {{.*}} -> tensor<2x1x4xf32>, tensor<2x2x4xf32>
  %3:2 = graph.split %x {axis = 1 : i64, sizes = array<i64: 1, 2>} : tensor<2x3x4xf32> -> tensor<2x1x4xf32>, tensor<2x2x4xf32>
  // CHECK: graph.slice {{.*}} -> tensor<2x2x2xf32>
  %4 = graph.slice %x {starts = array<i64: 0, 2, 3>, steps = array<i64: 1, -1, -2>} : tensor<2x3x4xf32> -> tensor<2x2x2xf32>
  // CHECK: graph.pad <reflect> {{.*}} -> tensor<2x5x4xf32>
  %5 = graph.pad <reflect> %x {pads = array<i64: 0, 1, 0, 0, 1, 0>} : tensor<2x3x4xf32> -> tensor<2x5x4xf32>
  // CHECK: graph.pad <constant> {{.*}} -> tensor<2x2x6xf32>
  %6 = graph.pad <constant> %x {pads = array<i64: 0, 0, 1, 0, -1, 1>, value = 2.0 : f64} : tensor<2x3x4xf32> -> tensor<2x2x6xf32>
  // CHECK: graph.gather {{.*}} -> tensor<2x5x4xf32>
  %7 = graph.gather %x[%i] {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<5xi64>) -> tensor<2x5x4xf32>
  // CHECK: graph.gather_elements
  %8 = graph.gather_elements %x[%ie] {axis = 2 : i64} : (tensor<2x3x4xf32>, tensor<2x3x4xi64>) -> tensor<2x3x4xf32>
  // CHECK: graph.gather_nd {{.*}} -> tensor<2x4xf32>
  %9 = graph.gather_nd %x[%nd] : (tensor<2x3x4xf32>, tensor<2x2xi64>) -> tensor<2x4xf32>
  // CHECK: graph.scatter_elements {{.*}}reduction = #graph.scatter_reduction<add>
  %10 = graph.scatter_elements %x, %ie, %x {axis = 0 : i64, reduction = #graph.scatter_reduction<add>} : (tensor<2x3x4xf32>, tensor<2x3x4xi64>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  // CHECK: graph.scatter_nd
  %11 = graph.scatter_nd %x, %nd, %upd : (tensor<2x3x4xf32>, tensor<2x2xi64>, tensor<2x4xf32>) -> tensor<2x3x4xf32>
  // CHECK: graph.expand {{.*}} -> tensor<5x2x3x4xf32>
  %12 = graph.expand %x : tensor<2x3x4xf32> -> tensor<5x2x3x4xf32>
  // CHECK: graph.tile {{.*}} -> tensor<2x6x4xf32>
  %13 = graph.tile %x {repeats = array<i64: 1, 2, 1>} : tensor<2x3x4xf32> -> tensor<2x6x4xf32>
  // CHECK: graph.cast {{.*}} -> tensor<2x3x4xf16>
  %14 = graph.cast %x : tensor<2x3x4xf32> -> tensor<2x3x4xf16>
  // CHECK: graph.resize <linear> {{.*}} -> tensor<2x6x8xf32>
  %15 = graph.resize <linear> %x {coordinate_mode = #graph.coordinate_mode<half_pixel>, scales = array<f64: 1.0, 2.0, 2.0>} : tensor<2x3x4xf32> -> tensor<2x6x8xf32>
  // CHECK: graph.top_k {{.*}} -> tensor<2x3x2xf32>, tensor<2x3x2xi64>
  %16:2 = graph.top_k %x {k = 2 : i64, axis = 2 : i64} : tensor<2x3x4xf32> -> tensor<2x3x2xf32>, tensor<2x3x2xi64>
  // CHECK: graph.trilu {{.*}} {k = 1 : i64, upper = false}
  %17 = graph.trilu %x {upper = false, k = 1 : i64} : tensor<2x3x4xf32>
  // CHECK: graph.one_hot {{.*}} -> tensor<3x10xf32>
  %18 = graph.one_hot %k {axis = 1 : i64, off_value = 0.0 : f64, on_value = 1.0 : f64} : tensor<3xi64> -> tensor<3x10xf32>
  return
}

// CHECK-LABEL: func @quantization
func.func @quantization(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: graph.quantize {{.*}} -> tensor<2x3x!quant.uniform<u8:f32, 1.000000e-01:128>>
  %0 = graph.quantize %x : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<u8:f32, 0.1:128>>
  // CHECK: graph.storage_cast {{.*}} -> tensor<2x3xui8>
  %1 = graph.storage_cast %0 : tensor<2x3x!quant.uniform<u8:f32, 0.1:128>> -> tensor<2x3xui8>
  // CHECK: graph.storage_cast {{.*}} -> tensor<2x3x!quant.uniform<u8:f32, 1.000000e-01:128>>
  %2 = graph.storage_cast %1 : tensor<2x3xui8> -> tensor<2x3x!quant.uniform<u8:f32, 0.1:128>>
  // CHECK: graph.dequantize
  %3 = graph.dequantize %2 : tensor<2x3x!quant.uniform<u8:f32, 0.1:128>> -> tensor<2x3xf32>
  // CHECK: graph.quantize {{.*}} -> tensor<2x3x!quant.uniform<i8:f32:1, {1.000000e-01,2.000000e-01,3.000000e-01}>>
  %4 = graph.quantize %3 : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>>
  %5 = graph.dequantize %4 : tensor<2x3x!quant.uniform<i8:f32:1, {0.1, 0.2, 0.3}>> -> tensor<2x3xf32>
  return %5 : tensor<2x3xf32>
}

// CHECK-LABEL: func @integer_ops
func.func @integer_ops(%x: tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:10>>,
                       %w: tensor<3x2x3x3x!quant.uniform<i8:f32:0, {0.25, 0.5, 1.0}>>,
                       %b: tensor<3xi32>,
                       %a: tensor<4x6x!quant.uniform<i8:f32, 0.5:-3>>,
                       %m: tensor<6x2x!quant.uniform<i8:f32, 0.25>>,
                       %f: tensor<2x3xf32>) {
  // CHECK: graph.qconv {{.*}} -> tensor<1x3x3x3x!quant.uniform<i32:f32:1, {1.250000e-01,2.500000e-01,5.000000e-01}>>
  %0 = graph.qconv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x5x5x!quant.uniform<u8:f32, 0.5:10>>, tensor<3x2x3x3x!quant.uniform<i8:f32:0, {0.25, 0.5, 1.0}>>, tensor<3xi32>) -> tensor<1x3x3x3x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.5}>>
  // CHECK: graph.requantize {{.*}} {clamp_min = 0.000000e+00 : f64} {{.*}} -> tensor<1x3x3x3x!quant.uniform<i8:f32, 2.000000e-01:-128>>
  %1 = graph.requantize %0 {clamp_min = 0.0 : f64} : tensor<1x3x3x3x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.5}>> -> tensor<1x3x3x3x!quant.uniform<i8:f32, 0.2:-128>>
  // CHECK: graph.max_pool {{.*}} -> tensor<1x3x2x2x!quant.uniform<i8:f32, 2.000000e-01:-128>>
  %2 = graph.max_pool %1 {kernel_shape = array<i64: 2, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x3x3x3x!quant.uniform<i8:f32, 0.2:-128>> -> tensor<1x3x2x2x!quant.uniform<i8:f32, 0.2:-128>>
  // CHECK: graph.qadd {{.*}} -> tensor<1x3x2x2x!quant.uniform<i8:f32, 4.000000e-01:-128>>
  %3 = graph.qadd %2, %2 {clamp_max = 6.0 : f64} : tensor<1x3x2x2x!quant.uniform<i8:f32, 0.2:-128>>, tensor<1x3x2x2x!quant.uniform<i8:f32, 0.2:-128>> -> tensor<1x3x2x2x!quant.uniform<i8:f32, 0.4:-128>>
  // CHECK: graph.qmatmul {{.*}} -> tensor<4x2x!quant.uniform<i32:f32, 1.250000e-01>>
  %4 = graph.qmatmul %a, %m : (tensor<4x6x!quant.uniform<i8:f32, 0.5:-3>>, tensor<6x2x!quant.uniform<i8:f32, 0.25>>) -> tensor<4x2x!quant.uniform<i32:f32, 0.125>>
  // CHECK: graph.dynamic_quantize {{.*}} -> (tensor<2x3xui8>, tensor<f32>, tensor<ui8>)
  %5:3 = graph.dynamic_quantize %f : (tensor<2x3xf32>) -> (tensor<2x3xui8>, tensor<f32>, tensor<ui8>)
  return
}

// CHECK-LABEL: func @quantize_linear
func.func @quantize_linear(%x: tensor<2x3xf32>, %s: tensor<f32>, %z: tensor<ui8>) -> tensor<2x3xui8> {
  // CHECK: graph.quantize_linear {{.*}} -> tensor<2x3xui8>
  %0 = graph.quantize_linear %x, %s, %z : (tensor<2x3xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x3xui8>
  return %0 : tensor<2x3xui8>
}

// CHECK-LABEL: func @block_dequantize
func.func @block_dequantize(%q: tensor<10x4xi4>, %s: tensor<3x4xf32>, %z: tensor<3x4xi4>) -> (tensor<10x4xf32>, tensor<10x4xf32>) {
  // CHECK: graph.block_dequantize %{{.*}}, %{{.*}} {axis = 0 : i64, block_size = 4 : i64} : (tensor<10x4xi4>, tensor<3x4xf32>) -> tensor<10x4xf32>
  %0 = graph.block_dequantize %q, %s {axis = 0 : i64, block_size = 4 : i64} : (tensor<10x4xi4>, tensor<3x4xf32>) -> tensor<10x4xf32>
  // CHECK: graph.block_dequantize %{{.*}}, %{{.*}}, %{{.*}} {axis = 0
  %1 = graph.block_dequantize %q, %s, %z {axis = 0 : i64, block_size = 4 : i64} : (tensor<10x4xi4>, tensor<3x4xf32>, tensor<3x4xi4>) -> tensor<10x4xf32>
  return %0, %1 : tensor<10x4xf32>, tensor<10x4xf32>
}

// CHECK-LABEL: func @transformer_blocks
func.func @transformer_blocks(%x: tensor<1x4x3x8xf32>, %cos: tensor<1x1x3x4xf32>, %sin: tensor<1x1x3x4xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x6xf32>, %m: tensor<1x1x3x5xf32>, %l: tensor<1xi32>) -> (tensor<1x4x3x6xf32>, tensor<1x4x3x6xf32>) {
  // CHECK: graph.rotary_embedding %{{.*}} {interleaved = true}
  %r = graph.rotary_embedding %x, %cos, %sin {interleaved = true} : (tensor<1x4x3x8xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x4x3x8xf32>
  // CHECK: graph.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} {causal = true, scale = 3.500000e-01 : f32}
  %a = graph.attention %r, %k, %v mask %m {scale = 0.35 : f32, causal = true} : (tensor<1x4x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x6xf32>, tensor<1x1x3x5xf32>) -> tensor<1x4x3x6xf32>
  // CHECK: graph.attention %{{.*}}, %{{.*}}, %{{.*}} kv_lengths %{{.*}} {causal = true, scale = 3.500000e-01 : f32, softcap = 3.000000e+01 : f32, window = 2 : i64}
  %b = graph.attention %r, %k, %v kv_lengths %l {scale = 0.35 : f32, causal = true, window = 2 : i64, softcap = 30.0 : f32} : (tensor<1x4x3x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x6xf32>, tensor<1xi32>) -> tensor<1x4x3x6xf32>
  return %a, %b : tensor<1x4x3x6xf32>, tensor<1x4x3x6xf32>
}

// CHECK-LABEL: func @cache_update
func.func @cache_update(%c: tensor<1x2x8x4xf32>, %u: tensor<1x2x1x4xf32>, %p: tensor<1xi64>) -> tensor<1x2x8x4xf32> {
  // CHECK: graph.cache_update %{{.*}}, %{{.*}}, %{{.*}} {axis = 2 : i64}
  %0 = graph.cache_update %c, %u, %p {axis = 2 : i64} : (tensor<1x2x8x4xf32>, tensor<1x2x1x4xf32>, tensor<1xi64>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}
