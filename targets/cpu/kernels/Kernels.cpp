//===- Kernels.cpp - the CPU target's kernel table ------------------------===//
//
// Reference-quality kernels: exact integer semantics, straightforward float
// loops, threads where the work is large. Performance work (AVX-512, oneDNN)
// replaces individual kernels without changing this interface. Each family
// lives in its own file and adds its kernels to the table here; this file
// holds float <-> integer quantization.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/KernelSupport.h"

#include "targets/cpu/kernels/OneDnn.h"
#include "targets/cpu/kernels/QuantKernels.h"
#include "targets/cpu/kernels/QuantRows.h"

#include <cmath>
#include <limits>

namespace gaon::cpu {
namespace {

//===----------------------------------------------------------------------===//

/// Scale and zero point of element i of a quantized view.
std::pair<double, int64_t> quantParams(const View &q, int64_t i) {
  if (q.quantAxis < 0)
    return {(*q.scales)[0], (*q.zeroPoints)[0]};
  AxisSplit s(q.shape, q.quantAxis);
  int64_t c = (i / s.inner) % s.size;
  return {(*q.scales)[c], (*q.zeroPoints)[c]};
}

std::string kQuantize(const OpDesc &op, const Views &in, const Views &out,
                      int threads) {
  const View &q = out[0];
  if (!q.scales)
    return "quantize result has no quantization parameters";
  if (in[0].dtype == GAON_F32 && q.quantAxis < 0 &&
      (q.dtype == GAON_I8 || q.dtype == GAON_U8)) {
    auto [scale, zp] = quantParams(q, 0);
    // Spans of 16K elements: large inputs (images) split across threads.
    int64_t n = in[0].count(), span = 1 << 14;
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads)) if (n > span)
    for (int64_t at = 0; at < n; at += span)
      quantizeRow(in[0].as<float>() + at, std::min(span, n - at), scale,
                  int32_t(zp), static_cast<uint8_t *>(q.data) + at,
                  q.dtype == GAON_U8);
    return "";
  }
  std::vector<double> x(in[0].count());
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = in[0].as<T>()[i];
  })
  GAON_DISPATCH(q.dtype, T, return unsupportedType(op, q.dtype), {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      for (size_t i = 0; i < x.size(); ++i) {
        auto [scale, zp] = quantParams(q, i);
        double v = std::nearbyint(x[i] / scale) + zp; // ties to even
        v = std::clamp(v, double(std::numeric_limits<T>::min()),
                       double(std::numeric_limits<T>::max()));
        q.as<T>()[i] = static_cast<T>(v);
      }
    } else {
      return unsupportedType(op, q.dtype);
    }
  })
  return "";
}

std::string kDequantize(const OpDesc &op, const Views &in, const Views &out,
                        int) {
  const View &q = in[0];
  if (!q.scales)
    return "dequantize input has no quantization parameters";
  std::vector<double> x(q.count());
  GAON_DISPATCH(q.dtype, T, return unsupportedType(op, q.dtype), {
    for (size_t i = 0; i < x.size(); ++i) {
      auto [scale, zp] = quantParams(q, i);
      x[i] = (double(q.as<T>()[i]) - zp) * scale;
    }
  })
  GAON_DISPATCH_FLOAT(out[0].dtype, T, return unsupportedType(op, out[0].dtype), {
    for (size_t i = 0; i < x.size(); ++i)
      out[0].as<T>()[i] = static_cast<T>(static_cast<float>(x[i]));
  })
  return "";
}

const std::map<std::string, Kernel> &table() {
  static const std::map<std::string, Kernel> kernels = [] {
    KernelTable t = {
      {"graph.quantize", halfAsFloat<kQuantize>},
      {"graph.dequantize", halfAsFloat<kDequantize>},
    };
    addElementwiseKernels(t);
    addTensorKernels(t);
    addNnKernels(t);
    addTransformerKernels(t);
    addQuantKernels(t);
    return t;
  }();
  return kernels;
}

} // namespace

const PreparedKernel *findPreparedKernel(const std::string &kind) {
  static const PreparedKernel conv{oneDnnConvPrepare, oneDnnConvRun};
  if (kind == "graph.conv")
    return &conv;
  return quantPreparedKernel(kind);
}

Kernel findKernel(const std::string &kind) {
  auto it = table().find(kind);
  return it == table().end() ? nullptr : it->second;
}

std::vector<std::string> kernelNames() {
  std::vector<std::string> names;
  for (const auto &entry : table())
    names.push_back(entry.first);
  return names;
}

} // namespace gaon::cpu
