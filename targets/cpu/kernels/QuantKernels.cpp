//===- QuantKernels.cpp - integer kernels on quantized tensors ------------===//
//
// graph.qconv and graph.qmatmul produce exact int32 sums; graph.requantize
// and graph.qadd produce 8-bit values through targets/npu/Requantize.h, the
// same header the NPU simulator uses, so the CPU target's integer program
// and the NPU agree bit for bit. Sums come from oneDNN's integer GEMM and
// convolution where those are exact (docs/runtime.md, "Integer kernels"),
// else from the plain loops here.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/QuantKernels.h"
#include "targets/cpu/kernels/OneDnn.h"

#include "runtime/src/Internal.h"
#include "targets/npu/Requantize.h"

#include <algorithm>
#include <cmath>

namespace gaon::cpu {
namespace {

using rt::OpDesc;
using Views = std::vector<View>;

/// Element i of an 8-bit (or narrower) integer view, widened.
inline int32_t load8(const View &v, int64_t i) {
  return v.dtype == GAON_U8 ? int32_t(v.as<uint8_t>()[i])
                            : int32_t(v.as<int8_t>()[i]);
}

bool is8Bit(const View &v) { return v.dtype == GAON_U8 || v.dtype == GAON_I8; }

int64_t zeroPoint(const View &v, int64_t channel = 0) {
  return v.quantAxis < 0 ? (*v.zeroPoints)[0] : (*v.zeroPoints)[channel];
}
double scaleOf(const View &v, int64_t channel = 0) {
  return v.quantAxis < 0 ? (*v.scales)[0] : (*v.scales)[channel];
}

std::string needQuant(const View &v, const char *what) {
  if (!v.scales || !v.zeroPoints || v.scales->empty() ||
      v.scales->size() != v.zeroPoints->size())
    return std::string(what) + " has no quantization parameters";
  if (v.quantAxis >= 0 &&
      ((size_t)v.quantAxis >= v.shape.size() ||
       (int64_t)v.scales->size() != v.shape[v.quantAxis]))
    return std::string(what) + "'s per-axis parameters do not fit its shape";
  return "";
}

//===----------------------------------------------------------------------===//
// graph.qconv
//===----------------------------------------------------------------------===//

/// (x - zx) and (w - zw) as int32, then direct loops over up to three
/// spatial axes.
std::string qconvReference(const OpDesc &op, const Views &in, const Views &out,
                           int threads) {
  const View &x = in[0], &w = in[1], &y = out[0];
  size_t k = x.shape.size() - 2;
  auto st = op.getInts("strides"), dil = op.getInts("dilations"),
       pads = op.getInts("pads");
  int64_t group = op.getInt("group", 1);
  // Spatial axes padded to three (depth, height, width).
  int64_t xs[3] = {1, 1, 1}, ws[3] = {1, 1, 1}, ys[3] = {1, 1, 1},
          s[3] = {1, 1, 1}, d[3] = {1, 1, 1}, p[3] = {0, 0, 0};
  for (size_t i = 0; i < k; ++i) {
    size_t j = 3 - k + i;
    xs[j] = x.shape[i + 2];
    ws[j] = w.shape[i + 2];
    ys[j] = y.shape[i + 2];
    s[j] = st[i];
    d[j] = dil[i];
    p[j] = pads[i];
  }
  int64_t N = x.shape[0], C = x.shape[1], M = w.shape[0], Cg = C / group,
          Mg = M / group;
  int64_t xPlane = xs[0] * xs[1] * xs[2], wTaps = ws[0] * ws[1] * ws[2];
  std::vector<int32_t> xc(x.count()), wc(w.count());
  int32_t zx = (int32_t)zeroPoint(x);
  for (int64_t i = 0; i < x.count(); ++i)
    xc[i] = load8(x, i) - zx;
  for (int64_t m = 0; m < M; ++m) {
    int32_t zw = (int32_t)zeroPoint(w, m);
    for (int64_t i = 0; i < Cg * wTaps; ++i)
      wc[m * Cg * wTaps + i] = load8(w, m * Cg * wTaps + i) - zw;
  }
  const int32_t *bias = in.size() > 2 && in[2].data ? in[2].as<int32_t>()
                                                    : nullptr;
  int32_t *yp = y.as<int32_t>();
#pragma omp parallel for collapse(2) num_threads(std::max(1, threads))
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m) {
      int64_t g = m / Mg;
      for (int64_t o0 = 0; o0 < ys[0]; ++o0)
        for (int64_t o1 = 0; o1 < ys[1]; ++o1)
          for (int64_t o2 = 0; o2 < ys[2]; ++o2) {
            int32_t acc = bias ? bias[m] : 0;
            for (int64_t c = 0; c < Cg; ++c) {
              const int32_t *xq = &xc[(n * C + g * Cg + c) * xPlane];
              const int32_t *wq = &wc[(m * Cg + c) * wTaps];
              for (int64_t k0 = 0; k0 < ws[0]; ++k0) {
                int64_t i0 = o0 * s[0] + k0 * d[0] - p[0];
                if (i0 < 0 || i0 >= xs[0])
                  continue;
                for (int64_t k1 = 0; k1 < ws[1]; ++k1) {
                  int64_t i1 = o1 * s[1] + k1 * d[1] - p[1];
                  if (i1 < 0 || i1 >= xs[1])
                    continue;
                  for (int64_t k2 = 0; k2 < ws[2]; ++k2) {
                    int64_t i2 = o2 * s[2] + k2 * d[2] - p[2];
                    if (i2 < 0 || i2 >= xs[2])
                      continue;
                    // int32 wraps like the NPU's accumulators; unsigned
                    // arithmetic makes the wrap defined.
                    acc = int32_t(uint32_t(acc) +
                                  uint32_t(xq[(i0 * xs[1] + i1) * xs[2] + i2] *
                                           wq[(k0 * ws[1] + k1) * ws[2] + k2]));
                  }
                }
              }
            }
            yp[((n * M + m) * ys[0] + o0) * ys[1] * ys[2] + o1 * ys[2] + o2] =
                acc;
          }
    }
  return "";
}

std::string kQConv(const OpDesc &op, const Views &in, const Views &out,
                   int threads) {
  return qconvReference(op, in, out, threads);
}

//===----------------------------------------------------------------------===//
// graph.qmatmul
//===----------------------------------------------------------------------===//

std::string kQMatMul(const OpDesc &op, const Views &in, const Views &out,
                     int threads) {
  const View &a = in[0], &b = in[1], &y = out[0];
  std::vector<int64_t> as = a.shape, bs = b.shape;
  if (as.size() == 1)
    as.insert(as.begin(), 1);
  if (bs.size() == 1)
    bs.push_back(1);
  int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
  // Batch offsets by numpy broadcasting over the result's batch axes.
  size_t batchRank = std::max(as.size(), bs.size()) - 2;
  std::vector<int64_t> batch(batchRank), aStride(batchRank, 0),
      bStride(batchRank, 0);
  int64_t batches = 1;
  for (size_t i = 0; i < batchRank; ++i) {
    int64_t ai = (int64_t)i - (int64_t)(batchRank - (as.size() - 2));
    int64_t bi = (int64_t)i - (int64_t)(batchRank - (bs.size() - 2));
    int64_t da = ai >= 0 ? as[ai] : 1, db = bi >= 0 ? bs[bi] : 1;
    batch[i] = std::max(da, db);
    batches *= batch[i];
  }
  for (int64_t i = batchRank - 1, sa = M * K, sb = K * N; i >= 0; --i) {
    int64_t ai = i - (int64_t)(batchRank - (as.size() - 2));
    int64_t bi = i - (int64_t)(batchRank - (bs.size() - 2));
    int64_t da = ai >= 0 ? as[ai] : 1, db = bi >= 0 ? bs[bi] : 1;
    aStride[i] = da == 1 ? 0 : sa;
    bStride[i] = db == 1 ? 0 : sb;
    sa *= da;
    sb *= db;
  }
  int32_t za = (int32_t)zeroPoint(a);
  bool perColumn = b.quantAxis >= 0;
  std::vector<int32_t> zb(N);
  bool bZero = true;
  for (int64_t j = 0; j < N; ++j) {
    zb[j] = (int32_t)zeroPoint(b, perColumn ? j : 0);
    bZero &= zb[j] == 0;
  }
  const int32_t *bias = in.size() > 2 && in[2].data ? in[2].as<int32_t>()
                                                    : nullptr;
  int32_t *yp = y.as<int32_t>();
  // oneDNN's integer GEMM where it is exact: b int8 with zero point 0.
  bool fast = b.dtype == GAON_I8 && bZero && oneDnnIntegerGemmIsExact();
  for (int64_t bt = 0; bt < batches; ++bt) {
    int64_t rem = bt, aOff = 0, bOff = 0;
    for (int64_t i = batchRank - 1; i >= 0; --i) {
      int64_t idx = rem % batch[i];
      rem /= batch[i];
      aOff += idx * aStride[i];
      bOff += idx * bStride[i];
    }
    int32_t *yb = yp + bt * M * N;
    if (fast) {
      std::string error = oneDnnIntegerGemm(
          M, N, K, a.data, a.dtype == GAON_U8, aOff, b.as<int8_t>() + bOff,
          yb, threads);
      if (!error.empty())
        return error;
      // (a - za) b = a b - za * (column sums of b), plus the bias.
      if (za != 0 || bias) {
        std::vector<int32_t> correction(N, 0);
        for (int64_t j = 0; j < N; ++j) {
          int64_t sum = 0;
          if (za != 0)
            for (int64_t kk = 0; kk < K; ++kk)
              sum += b.as<int8_t>()[bOff + kk * N + j];
          correction[j] = int32_t(uint32_t(bias ? bias[j] : 0) -
                                  uint32_t(int64_t(za) * sum));
        }
        for (int64_t i = 0; i < M; ++i)
          for (int64_t j = 0; j < N; ++j)
            yb[i * N + j] =
                int32_t(uint32_t(yb[i * N + j]) + uint32_t(correction[j]));
      }
      continue;
    }
#pragma omp parallel for num_threads(std::max(1, threads))
    for (int64_t i = 0; i < M; ++i) {
      std::vector<int32_t> row(N, 0);
      for (int64_t kk = 0; kk < K; ++kk) {
        int32_t av = load8(a, aOff + i * K + kk) - za;
        if (!av)
          continue;
        for (int64_t j = 0; j < N; ++j)
          row[j] = int32_t(uint32_t(row[j]) +
                           uint32_t(av * (load8(b, bOff + kk * N + j) - zb[j])));
      }
      for (int64_t j = 0; j < N; ++j)
        yb[i * N + j] =
            int32_t(uint32_t(row[j]) + uint32_t(bias ? bias[j] : 0));
    }
  }
  return "";
}

//===----------------------------------------------------------------------===//
// graph.requantize, graph.qadd
//===----------------------------------------------------------------------===//

/// The output clamp of a requantizing op, from its real-valued attributes.
void outputClamp(const OpDesc &op, const View &y, int32_t &lo, int32_t &hi) {
  int32_t storageMin = y.dtype == GAON_U8 ? 0 : -128;
  int32_t storageMax = y.dtype == GAON_U8 ? 255 : 127;
  double clampMin = op.getFloat("clamp_min", 0), clampMax =
                                                     op.getFloat("clamp_max", 0);
  npu::clampBounds(scaleOf(y), (int32_t)zeroPoint(y), storageMin, storageMax,
                   op.has("clamp_min") ? &clampMin : nullptr,
                   op.has("clamp_max") ? &clampMax : nullptr, lo, hi);
}

void store8(const View &v, int64_t i, int32_t q) {
  if (v.dtype == GAON_U8)
    v.as<uint8_t>()[i] = uint8_t(q);
  else
    v.as<int8_t>()[i] = int8_t(q);
}

std::string kRequantize(const OpDesc &op, const Views &in, const Views &out,
                        int threads) {
  const View &x = in[0], &y = out[0];
  int32_t lo, hi;
  outputClamp(op, y, lo, hi);
  double sy = scaleOf(y);
  int32_t zy = (int32_t)zeroPoint(y);
  // Channel c of x spans `inner` consecutive elements, every `size * inner`.
  int64_t channels = 1, inner = x.count();
  if (x.quantAxis >= 0) {
    channels = x.shape[x.quantAxis];
    inner = 1;
    for (size_t d = x.quantAxis + 1; d < x.shape.size(); ++d)
      inner *= x.shape[d];
  }
  struct Channel {
    bool integer;
    npu::Multiplier mult;
    double ratio;
    int32_t zx;
  };
  std::vector<Channel> ch(channels);
  for (int64_t c = 0; c < channels; ++c) {
    ch[c].ratio = scaleOf(x, c) / sy;
    ch[c].integer = npu::quantizeMultiplier(ch[c].ratio, ch[c].mult);
    ch[c].zx = (int32_t)zeroPoint(x, c);
  }
  bool wide = x.dtype == GAON_I32;
  int64_t n = x.count();
#pragma omp parallel for num_threads(std::max(1, threads))
  for (int64_t i = 0; i < n; ++i) {
    const Channel &c = ch[channels == 1 ? 0 : (i / inner) % channels];
    int32_t acc = wide ? x.as<int32_t>()[i] : load8(x, i) - c.zx;
    int32_t q;
    if (c.integer) {
      q = npu::requantize(acc, c.mult, zy, lo, hi);
    } else {
      // A ratio of 1 or more: the NPU cannot apply it; exact enough in
      // double, and the compiler keeps such ops off the NPU.
      double v = std::nearbyint(double(acc) * c.ratio) + zy;
      q = (int32_t)std::clamp(v, double(lo), double(hi));
    }
    store8(y, i, q);
  }
  return "";
}

std::string kQAdd(const OpDesc &op, const Views &in, const Views &out,
                  int threads) {
  const View &a = in[0], &b = in[1], &y = out[0];
  int32_t lo, hi;
  outputClamp(op, y, lo, hi);
  int32_t za = (int32_t)zeroPoint(a), zb = (int32_t)zeroPoint(b),
          zy = (int32_t)zeroPoint(y);
  double sa = scaleOf(a), sb = scaleOf(b), sy = scaleOf(y);
  npu::AddRescale r;
  bool integer = npu::addRescale(sa, sb, sy, r);
  int64_t n = y.count();
#pragma omp parallel for num_threads(std::max(1, threads))
  for (int64_t i = 0; i < n; ++i) {
    int32_t av = load8(a, i) - za, bv = load8(b, i) - zb, q;
    if (integer) {
      q = npu::addRequantize(av, bv, r, zy, lo, hi);
    } else {
      double v = std::nearbyint((sa * av + sb * bv) / sy) + zy;
      q = (int32_t)std::clamp(v, double(lo), double(hi));
    }
    store8(y, i, q);
  }
  return "";
}

//===----------------------------------------------------------------------===//
// graph.dynamic_quantize
//===----------------------------------------------------------------------===//

std::string kDynamicQuantize(const OpDesc &, const Views &in, const Views &out,
                             int) {
  const float *x = in[0].as<float>();
  int64_t n = in[0].count();
  float lo = 0, hi = 0; // the range always includes 0
  for (int64_t i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  // ONNX computes in float32; so does this.
  float scale = (hi - lo) / 255.0f;
  float zp = scale == 0 ? 0.0f
                        : std::clamp(std::nearbyint(-lo / scale), 0.0f, 255.0f);
  uint8_t *y = out[0].as<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    float q = scale == 0 ? zp : std::nearbyint(x[i] / scale) + zp;
    y[i] = (uint8_t)std::clamp(q, 0.0f, 255.0f);
  }
  *out[1].as<float>() = scale;
  *out[2].as<uint8_t>() = (uint8_t)zp;
  return "";
}

std::string kQuantizeLinear(const OpDesc &, const Views &in, const Views &out,
                            int) {
  const float *x = in[0].as<float>();
  float scale = *in[1].as<float>();
  int32_t zp = load8(in[2], 0);
  int32_t lo = out[0].dtype == GAON_U8 ? 0 : -128, hi = lo + 255;
  for (int64_t i = 0, n = in[0].count(); i < n; ++i) {
    // As ONNX's reference: x / scale in float32, ties to even.
    float q = std::nearbyint(x[i] / scale) + float(zp);
    store8(out[0], i, (int32_t)std::clamp(q, float(lo), float(hi)));
  }
  return "";
}

} // namespace

std::string checkQuantCall(const OpDesc &op, const Views &in,
                           const Views &out) {
  const std::string &k = op.kind;
  const View &x = in[0], &y = out[0];
  if (k == "graph.quantize_linear")
    return x.dtype == GAON_F32 && in[1].dtype == GAON_F32 &&
                   in[1].count() == 1 && is8Bit(in[2]) &&
                   in[2].count() == 1 && in[2].dtype == y.dtype &&
                   y.count() == x.count()
               ? ""
               : "needs f32 data and scale, and an 8-bit zero point of the "
                 "result's type";
  if (k == "graph.dynamic_quantize")
    return x.dtype == GAON_F32 && out[0].dtype == GAON_U8 &&
                   out[0].count() == x.count() && out[1].dtype == GAON_F32 &&
                   out[1].count() == 1 && out[2].dtype == GAON_U8 &&
                   out[2].count() == 1
               ? ""
               : "needs f32 in, u8 data, f32 scale and u8 zero point out";
  for (const View &v : in)
    if (v.data && v.scales) {
      if (std::string e = needQuant(v, "an operand"); !e.empty())
        return e;
    }
  if (std::string e = needQuant(y, "the result"); !e.empty())
    return e;
  if (k == "graph.requantize") {
    if (!is8Bit(y) || y.quantAxis >= 0)
      return "the result must be 8-bit, quantized per tensor";
    if (x.shape != y.shape || !(is8Bit(x) || x.dtype == GAON_I32))
      return "the input must be 8-bit or int32 sums of the result's shape";
    return needQuant(x, "the input");
  }
  if (k == "graph.qadd") {
    for (const View *v : {&in[0], &in[1], &y}) {
      if (!is8Bit(*v) || v->quantAxis >= 0 || v->shape != y.shape)
        return "operands and result must be 8-bit, per tensor, one shape";
      if (std::string e = needQuant(*v, "an operand"); !e.empty())
        return e;
    }
    return "";
  }
  // qconv, qmatmul: 8-bit quantized operands, int32 sums.
  const View &w = in[1];
  if (!is8Bit(x) || !is8Bit(w) || y.dtype != GAON_I32)
    return "operands must be 8-bit and the result int32";
  if (std::string e = needQuant(x, "the input"); !e.empty())
    return e;
  if (std::string e = needQuant(w, "the weight"); !e.empty())
    return e;
  if (x.quantAxis >= 0)
    return "the input must be quantized per tensor";
  bool hasBias = in.size() > 2 && in[2].data;
  if (k == "graph.qconv") {
    if (w.quantAxis > 0)
      return "the weight may only be quantized per output channel";
    if (hasBias && (in[2].dtype != GAON_I32 || in[2].shape.size() != 1 ||
                    in[2].shape[0] != w.shape[0]))
      return "the bias must be int32, one per output channel";
    return "";
  }
  if (w.quantAxis >= 0 && (size_t)w.quantAxis != w.shape.size() - 1)
    return "the rhs may only be quantized per column";
  if (hasBias && (in[2].dtype != GAON_I32 || in[2].shape.size() != 1 ||
                  in[2].shape[0] != w.shape.back()))
    return "the bias must be int32, one per column";
  return "";
}

void addQuantKernels(std::map<std::string, Kernel> &table) {
  table["graph.qconv"] = kQConv;
  table["graph.qmatmul"] = kQMatMul;
  table["graph.requantize"] = kRequantize;
  table["graph.qadd"] = kQAdd;
  table["graph.dynamic_quantize"] = kDynamicQuantize;
  table["graph.quantize_linear"] = kQuantizeLinear;
}

} // namespace gaon::cpu
