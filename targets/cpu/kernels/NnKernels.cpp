//===- NnKernels.cpp - neural network kernels -------------------------------===//
//
// Convolution, matmul and pooling (through oneDNN where it is fastest),
// reductions, softmax and normalizations, LRN and resize.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/OneDnn.h"
#include "targets/cpu/kernels/QuantRows.h"
#include "targets/cpu/kernels/VectorMath.h"
#include "targets/cpu/kernels/KernelSupport.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace gaon::cpu {
namespace {

//===----------------------------------------------------------------------===//

/// C[m x n] (+)= A[m x k] * B[k x n], row-major, with leading dimensions.
template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, const T *a, int64_t lda, const T *b,
          int64_t ldb, T *c, int64_t ldc, int threads) {
  parallelFor(m, threads, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, n * k)),
              [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      T *ci = c + i * ldc;
      std::fill(ci, ci + n, T(0));
      for (int64_t p = 0; p < k; ++p) {
        T av = a[i * lda + p];
        const T *bp = b + p * ldb;
        for (int64_t j = 0; j < n; ++j)
          ci[j] += av * bp[j];
      }
    }
  });
}

/// Dense row-major C = A * B: float on oneDNN, other types exactly here.
template <typename T>
std::string anyGemm(int64_t m, int64_t n, int64_t k, const T *a, const T *b,
                    T *c, int threads) {
  if constexpr (std::is_same_v<T, float>) {
    return oneDnnSgemm(m, n, k, a, k, b, n, c, n, threads);
  } else {
    gemm<T>(m, n, k, a, k, b, n, c, n, threads);
    return "";
  }
}

std::string kMatMul(const OpDesc &op, const Views &in, const Views &out,
                    int threads) {
  auto as = in[0].shape, bs = in[1].shape;
  bool aVec = as.size() == 1, bVec = bs.size() == 1;
  if (aVec)
    as.insert(as.begin(), 1);
  if (bVec)
    bs.push_back(1);
  int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  std::vector<int64_t> ab(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
  size_t rank = std::max(ab.size(), bb.size());
  std::vector<int64_t> batch(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - ab.size() ? 1 : ab[i - (rank - ab.size())];
    int64_t y = i < rank - bb.size() ? 1 : bb[i - (rank - bb.size())];
    batch[i] = std::max(x, y);
  }
  auto ma = broadcastMap(ab, batch), mb = broadcastMap(bb, batch);
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      if constexpr (std::is_same_v<T, bool>)
        return unsupportedType(op, in[0].dtype);
      else
        for (size_t bi = 0; bi < ma.size(); ++bi) {
          std::string error = anyGemm<T>(
              m, n, k, in[0].as<T>() + ma[bi] * m * k, in[1].as<T>() + mb[bi] * k * n,
              out[0].as<T>() + bi * m * n, threads);
          if (!error.empty())
            return error;
        }
    })
  return "";
}

std::string convReference(const OpDesc &op, const Views &in, const Views &out,
                          int threads);

std::string kConv(const OpDesc &op, const Views &in, const Views &out,
                  int threads) {
  if (in[0].dtype == GAON_F32 && in[0].shape.size() <= 5)
    return oneDnnConv(op, in, out, threads);
  // A fused residual add, then a fused activation (gaon-cpu-fuse-
  // activations), apply after the convolution. In place (fused_sum 2), the
  // output holds the residual until the convolution overwrites it.
  std::vector<float> residual;
  if (op.getInt("fused_sum", 0)) {
    const float *r = in[3].as<float>();
    residual.assign(r, r + out[0].count());
  }
  std::string error = convReference(op, in, out, threads);
  if (!error.empty())
    return error;
  if (!residual.empty()) {
    float *y = out[0].as<float>();
    for (size_t i = 0; i < residual.size(); ++i)
      y[i] += residual[i];
  }
  std::string activation = op.getString("fused_activation", "");
  if (activation.empty())
    return "";
  auto bounds = op.getFloats("fused_activation");
  float lo = activation == "clip" ? bounds[0] : 0.0f;
  float hi = activation == "clip" ? bounds[1] : INFINITY;
  float *y = out[0].as<float>();
  for (int64_t i = 0, n = out[0].count(); i < n; ++i)
    y[i] = std::min(std::max(y[i], lo), hi);
  return "";
}

/// Convolution by im2col and GEMM, per batch and group, any spatial rank.
std::string convReference(const OpDesc &op, const Views &in, const Views &out,
                          int threads) {
  if (in[0].dtype != GAON_F32)
    return unsupportedType(op, in[0].dtype);
  const View &x = in[0], &w = in[1], &y = out[0];
  auto strides_ = op.getInts("strides"), dil = op.getInts("dilations"),
       pads = op.getInts("pads");
  int64_t group = op.getInt("group", 1);
  int64_t N = x.shape[0], C = x.shape[1], M = w.shape[0];
  int64_t spatial = x.shape.size() - 2, cg = C / group, mg = M / group;
  int64_t kernelSize = 1, outSize = 1, inSize = 1;
  for (int64_t d = 0; d < spatial; ++d) {
    kernelSize *= w.shape[d + 2];
    outSize *= y.shape[d + 2];
    inSize *= x.shape[d + 2];
  }
  int64_t rows = cg * kernelSize;
  std::vector<float> cols(rows * outSize);
  const float *bias = in.size() > 2 && in[2].data ? in[2].as<float>() : nullptr;
  for (int64_t nb = 0; nb < N; ++nb)
    for (int64_t g = 0; g < group; ++g) {
      const float *xg = x.as<float>() + (nb * C + g * cg) * inSize;
      // im2col: row (c, kernel position), column (output position).
      parallelFor(rows, threads, 16, [&](int64_t rb, int64_t re) {
        std::vector<int64_t> kpos(spatial), opos(spatial);
        for (int64_t r = rb; r < re; ++r) {
          int64_t c = r / kernelSize, kr = r % kernelSize;
          for (int64_t d = spatial - 1; d >= 0; --d) {
            kpos[d] = kr % w.shape[d + 2];
            kr /= w.shape[d + 2];
          }
          float *row = cols.data() + r * outSize;
          std::fill(opos.begin(), opos.end(), 0);
          for (int64_t o = 0; o < outSize; ++o) {
            int64_t src = 0;
            bool inside = true;
            for (int64_t d = 0; d < spatial; ++d) {
              int64_t p = opos[d] * strides_[d] + kpos[d] * dil[d] - pads[d];
              if (p < 0 || p >= x.shape[d + 2]) {
                inside = false;
                break;
              }
              src = src * x.shape[d + 2] + p;
            }
            row[o] = inside ? xg[c * inSize + src] : 0.0f;
            for (int64_t d = spatial - 1; d >= 0; --d) {
              if (++opos[d] < y.shape[d + 2])
                break;
              opos[d] = 0;
            }
          }
        }
      });
      float *yg = y.as<float>() + (nb * M + g * mg) * outSize;
      gemm<float>(mg, outSize, rows, w.as<float>() + g * mg * rows, rows,
                  cols.data(), outSize, yg, outSize, threads);
      if (bias)
        for (int64_t m = 0; m < mg; ++m)
          for (int64_t o = 0; o < outSize; ++o)
            yg[m * outSize + o] += bias[g * mg + m];
    }
  return "";
}

std::string pool(const OpDesc &op, const Views &in, const Views &out, bool max,
                 int threads) {
  if (in[0].dtype != GAON_F32)
    return unsupportedType(op, in[0].dtype);
  auto kernel = op.getInts("kernel_shape"), st = op.getInts("strides"),
       dil = op.getInts("dilations"), pads = op.getInts("pads");
  bool includePad = op.getInt("count_include_pad", 0);
  const View &x = in[0], &y = out[0];
  int64_t spatial = x.shape.size() - 2;
  int64_t planes = x.shape[0] * x.shape[1], inSize = 1, outSize = 1, ksize = 1;
  for (int64_t d = 0; d < spatial; ++d) {
    inSize *= x.shape[d + 2];
    outSize *= y.shape[d + 2];
    ksize *= kernel[d];
  }
  parallelFor(planes, threads, 1, [&](int64_t pb, int64_t pe) {
    std::vector<int64_t> opos(spatial), kpos(spatial);
    for (int64_t p = pb; p < pe; ++p) {
      const float *xp = x.as<float>() + p * inSize;
      float *yp = y.as<float>() + p * outSize;
      std::fill(opos.begin(), opos.end(), 0);
      for (int64_t o = 0; o < outSize; ++o) {
        float acc = max ? -std::numeric_limits<float>::infinity() : 0.0f;
        int64_t counted = 0, padded = 0;
        for (int64_t kk = 0; kk < ksize; ++kk) {
          int64_t kr = kk;
          for (int64_t d = spatial - 1; d >= 0; --d) {
            kpos[d] = kr % kernel[d];
            kr /= kernel[d];
          }
          int64_t src = 0;
          bool inside = true, inPadded = true;
          for (int64_t d = 0; d < spatial; ++d) {
            int64_t q = opos[d] * st[d] + kpos[d] * dil[d] - pads[d];
            if (q < 0 || q >= x.shape[d + 2])
              inside = false;
            if (q < -pads[d] || q >= x.shape[d + 2] + pads[d + spatial])
              inPadded = false;
            src = src * x.shape[d + 2] + q;
          }
          padded += inPadded;
          if (!inside)
            continue;
          ++counted;
          float v = xp[src];
          acc = max ? (std::isnan(v) || v > acc ? v : acc) : acc + v;
        }
        yp[o] = max ? acc : acc / float(includePad ? padded : std::max<int64_t>(counted, 1));
        for (int64_t d = spatial - 1; d >= 0; --d) {
          if (++opos[d] < y.shape[d + 2])
            break;
          opos[d] = 0;
        }
      }
    }
  });
  return "";
}
/// 2-D max pooling of 8-bit NCHW planes: per output row and kernel tap,
/// a max over the row's valid span (oneDNN's NCHW int8 pooling is its
/// reference loop, far slower).
template <typename T>
void maxPool2d8(const OpDesc &op, const View &x, const View &y, int threads) {
  auto kernel = op.getInts("kernel_shape"), st = op.getInts("strides"),
       dil = op.getInts("dilations"), pads = op.getInts("pads");
  int64_t H = x.shape[2], W = x.shape[3], OH = y.shape[2], OW = y.shape[3];
  int64_t planes = x.shape[0] * x.shape[1];
  parallelFor(planes, threads, 1, [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      const T *xp = x.as<T>() + p * H * W;
      T *yp = y.as<T>() + p * OH * OW;
      std::fill(yp, yp + OH * OW, std::numeric_limits<T>::min());
      for (int64_t oh = 0; oh < OH; ++oh) {
        T *dst = yp + oh * OW;
        for (int64_t i = 0; i < kernel[0]; ++i) {
          int64_t ih = oh * st[0] + i * dil[0] - pads[0];
          if (ih < 0 || ih >= H)
            continue;
          const T *src = xp + ih * W;
          for (int64_t j = 0; j < kernel[1]; ++j) {
            int64_t offset = j * dil[1] - pads[1];
            int64_t begin = std::min<int64_t>(
                OW, std::max<int64_t>(0, (-offset + st[1] - 1) / st[1]));
            int64_t end = std::min<int64_t>(
                OW, std::max<int64_t>(begin, (W - offset + st[1] - 1) / st[1]));
            for (int64_t ow = begin; ow < end; ++ow)
              dst[ow] = std::max(dst[ow], src[ow * st[1] + offset]);
          }
        }
      }
    }
  });
}

std::string kMaxPool(const OpDesc &op, const Views &in, const Views &out, int t) {
  if ((in[0].dtype == GAON_I8 || in[0].dtype == GAON_U8) &&
      in[0].shape.size() == 4 && !in[0].channelsLast && !out[0].channelsLast &&
      out.size() == 1) {
    if (in[0].dtype == GAON_I8)
      maxPool2d8<int8_t>(op, in[0], out[0], t);
    else
      maxPool2d8<uint8_t>(op, in[0], out[0], t);
    return "";
  }
  if ((in[0].dtype == GAON_F32 || in[0].dtype == GAON_I8 ||
       in[0].dtype == GAON_U8) &&
      in[0].shape.size() <= 5)
    return oneDnnMaxPool(op, in, out, t); // the only one for channels-last
  return pool(op, in, out, true, t);
}
std::string kAvgPool(const OpDesc &op, const Views &in, const Views &out, int t) {
  return pool(op, in, out, false, t);
}

//===----------------------------------------------------------------------===//
// Reductions, normalization, softmax
//===----------------------------------------------------------------------===//

/// sum, mean and max over the trailing axes of f32 data (global pooling,
/// norms): contiguous blocks, no index arithmetic.
bool reduceTrailingF32(const std::string &kind, const std::vector<int64_t> &axes,
                       const View &x, const View &y) {
  int64_t rank = x.shape.size();
  if (x.dtype != GAON_F32 || axes.empty() ||
      (kind != "sum" && kind != "mean" && kind != "max"))
    return false;
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != rank - (int64_t)axes.size() + (int64_t)i)
      return false;
  int64_t block = 1;
  for (int64_t a : axes)
    block *= x.shape[a];
  if (block == 0)
    return false;
  int64_t outer = x.count() / block;
  const float *xp = x.as<float>();
  float *yp = y.as<float>();
  for (int64_t o = 0; o < outer; ++o) {
    const float *b = xp + o * block;
    if (kind == "max") {
      float m = b[0];
      for (int64_t i = 1; i < block; ++i)
        m = std::isnan(b[i]) || b[i] > m ? b[i] : m;
      yp[o] = m;
      continue;
    }
    double acc = 0;
    for (int64_t i = 0; i < block; ++i)
      acc += b[i];
    yp[o] = static_cast<float>(kind == "mean" ? acc / block : acc);
  }
  return true;
}

/// sum, mean or max over H and W of a channels-last f32 tensor (global
/// pooling after channels-last convolutions): rows of C channels.
std::string reduceSpatialChannelsLast(const std::string &kind, const View &x,
                                      const View &y) {
  int64_t n = x.shape[0], c = x.shape[1], hw = x.shape[2] * x.shape[3];
  const float *xp = x.as<float>();
  float *yp = y.as<float>();
  std::vector<double> acc(c);
  for (int64_t b = 0; b < n; ++b) {
    const float *xb = xp + b * hw * c;
    if (kind == "max") {
      for (int64_t ch = 0; ch < c; ++ch)
        yp[b * c + ch] = hw ? xb[ch] : -std::numeric_limits<float>::infinity();
      for (int64_t p = 1; p < hw; ++p)
        for (int64_t ch = 0; ch < c; ++ch) {
          float v = xb[p * c + ch], &m = yp[b * c + ch];
          m = std::isnan(v) || v > m ? v : m;
        }
      continue;
    }
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t p = 0; p < hw; ++p)
      for (int64_t ch = 0; ch < c; ++ch)
        acc[ch] += xb[p * c + ch];
    for (int64_t ch = 0; ch < c; ++ch)
      yp[b * c + ch] = static_cast<float>(
          kind == "mean" ? (hw ? acc[ch] / hw
                               : std::numeric_limits<double>::quiet_NaN())
                         : acc[ch]);
  }
  return "";
}

std::string kReduce(const OpDesc &op, const Views &in, const Views &out, int) {
  std::string kind = op.getString("kind", "sum");
  auto axes = op.getInts("axes");
  const View &x = in[0];
  if (x.channelsLast) // validated: f32, axes (2, 3), sum, mean or max
    return reduceSpatialChannelsLast(kind, x, out[0]);
  if (reduceTrailingF32(kind, axes, x, out[0]))
    return "";
  int64_t rank = x.shape.size(), count = x.count(), outCount = out[0].count();
  auto is = strides(x.shape);
  // Output index of every input element (reduced axes collapse).
  std::vector<int64_t> keptShape(x.shape);
  for (int64_t a : axes)
    keptShape[a] = 1;
  auto ks = strides(keptShape);
  std::vector<double> acc(outCount, 0.0);
  std::vector<int64_t> counts(outCount, 0);
  bool isMax = kind == "max", isMin = kind == "min", isProd = kind == "prod";
  if (isProd)
    std::fill(acc.begin(), acc.end(), 1.0);
  if (isMax)
    std::fill(acc.begin(), acc.end(), -std::numeric_limits<double>::infinity());
  if (isMin)
    std::fill(acc.begin(), acc.end(), std::numeric_limits<double>::infinity());
  // log_sum_exp subtracts each output's max first for stability.
  std::vector<double> shift(outCount, -std::numeric_limits<double>::infinity());
  std::vector<double> values(count);
  GAON_DISPATCH(x.dtype, T, return unsupportedType(op, x.dtype),
    { for (int64_t i = 0; i < count; ++i) values[i] = static_cast<double>(x.as<T>()[i]); })
  std::vector<int64_t> target(count);
  for (int64_t i = 0; i < count; ++i) {
    int64_t rest = i, o = 0;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t c = rest / is[d];
      rest %= is[d];
      o += (keptShape[d] == 1 ? 0 : c) * ks[d];
    }
    target[i] = o;
    if (kind == "log_sum_exp")
      shift[o] = std::max(shift[o], values[i]);
  }
  for (int64_t i = 0; i < count; ++i) {
    double v = values[i];
    double &a = acc[target[i]];
    ++counts[target[i]];
    if (kind == "sum" || kind == "mean" || kind == "log_sum")
      a += v;
    else if (isMax)
      a = std::isnan(v) || v > a ? v : a;
    else if (isMin)
      a = std::isnan(v) || v < a ? v : a;
    else if (isProd)
      a *= v;
    else if (kind == "l1")
      a += std::fabs(v);
    else if (kind == "l2" || kind == "sum_square")
      a += v * v;
    else if (kind == "log_sum_exp")
      a += std::exp(v - shift[target[i]]);
  }
  for (int64_t o = 0; o < outCount; ++o) {
    double &a = acc[o];
    if (kind == "mean")
      a = counts[o] ? a / counts[o] : std::numeric_limits<double>::quiet_NaN();
    else if (kind == "l2")
      a = std::sqrt(a);
    else if (kind == "log_sum")
      a = std::log(a);
    else if (kind == "log_sum_exp")
      a = counts[o] ? std::log(a) + shift[o]
                    : -std::numeric_limits<double>::infinity();
  }
  GAON_DISPATCH(out[0].dtype, T, return unsupportedType(op, out[0].dtype),
    { for (int64_t o = 0; o < outCount; ++o) out[0].as<T>()[o] = static_cast<T>(acc[o]); })
  return "";
}

std::string argReduce(const OpDesc &op, const Views &in, const Views &out,
                      bool max) {
  int64_t axis = op.getInt("axis", 0);
  bool last = op.getInt("select_last_index", 0);
  AxisSplit s(in[0].shape, axis);
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      const T *x = in[0].as<T>();
      int64_t *y = out[0].as<int64_t>();
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t i = 0; i < s.inner; ++i) {
          int64_t best = 0;
          for (int64_t k = 1; k < s.size; ++k) {
            T v = x[(o * s.size + k) * s.inner + i];
            T b = x[(o * s.size + best) * s.inner + i];
            if (max ? (v > b || (last && v == b)) : (v < b || (last && v == b)))
              best = k;
          }
          y[o * s.inner + i] = best;
        }
    })
  return "";
}
std::string kArgMax(const OpDesc &op, const Views &in, const Views &out, int) {
  return argReduce(op, in, out, true);
}
std::string kArgMin(const OpDesc &op, const Views &in, const Views &out, int) {
  return argReduce(op, in, out, false);
}

enum class SoftKind { Softmax, LogSoftmax, Hardmax };
std::string softmax(const OpDesc &op, const Views &in, const Views &out,
                    SoftKind kind) {
  AxisSplit s(in[0].shape, op.getInt("axis", 0));
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      const T *x = in[0].as<T>();
      T *y = out[0].as<T>();
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t i = 0; i < s.inner; ++i) {
          auto at = [&](int64_t k) { return (o * s.size + k) * s.inner + i; };
          double m = -std::numeric_limits<double>::infinity();
          int64_t arg = 0;
          for (int64_t k = 0; k < s.size; ++k)
            if (x[at(k)] > m) {
              m = x[at(k)];
              arg = k;
            }
          if (kind == SoftKind::Hardmax) {
            for (int64_t k = 0; k < s.size; ++k)
              y[at(k)] = k == arg ? T(1) : T(0);
            continue;
          }
          // One exponential per element: kept in the output, then scaled.
          double sum = 0;
          for (int64_t k = 0; k < s.size; ++k) {
            T e = std::exp(static_cast<T>(x[at(k)] - m));
            y[at(k)] = e;
            sum += e;
          }
          if (kind == SoftKind::Softmax) {
            T inv = static_cast<T>(1.0 / sum);
            for (int64_t k = 0; k < s.size; ++k)
              y[at(k)] *= inv;
          } else {
            T shift = static_cast<T>(m + std::log(sum));
            for (int64_t k = 0; k < s.size; ++k)
              y[at(k)] = static_cast<T>(x[at(k)] - shift);
          }
        }
    })
  return "";
}
/// Softmax over the innermost axis of f32 data: vectorized rows.
bool softmaxFastF32(const OpDesc &op, const Views &in, const Views &out,
                    int threads, bool log) {
  AxisSplit s(in[0].shape, op.getInt("axis", 0));
  if (in[0].dtype != GAON_F32 || s.inner != 1 || s.size == 0)
    return false;
  const float *x = in[0].as<float>();
  float *y = out[0].as<float>();
  parallelFor(s.outer, threads, std::max<int64_t>(1, 4096 / s.size),
              [&](int64_t b, int64_t e) {
    vec::softmaxRowsF32(x + b * s.size, y + b * s.size, e - b, s.size, log);
  });
  return true;
}
std::string kSoftmax(const OpDesc &op, const Views &in, const Views &out,
                     int threads) {
  if (softmaxFastF32(op, in, out, threads, false))
    return "";
  return softmax(op, in, out, SoftKind::Softmax);
}
std::string kLogSoftmax(const OpDesc &op, const Views &in, const Views &out,
                        int threads) {
  if (softmaxFastF32(op, in, out, threads, true))
    return "";
  return softmax(op, in, out, SoftKind::LogSoftmax);
}
std::string kHardmax(const OpDesc &op, const Views &in, const Views &out, int) {
  return softmax(op, in, out, SoftKind::Hardmax);
}

std::string kCumSum(const OpDesc &op, const Views &in, const Views &out, int) {
  AxisSplit s(in[0].shape, op.getInt("axis", 0));
  bool exclusive = op.getInt("exclusive", 0), reverse = op.getInt("reverse", 0);
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      const T *x = in[0].as<T>();
      T *y = out[0].as<T>();
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t i = 0; i < s.inner; ++i) {
          T acc = T(0);
          for (int64_t j = 0; j < s.size; ++j) {
            int64_t k = reverse ? s.size - 1 - j : j;
            int64_t at = (o * s.size + k) * s.inner + i;
            T v = x[at];
            if (exclusive) {
              y[at] = acc;
              acc = wrapArith(acc, v, '+');
            } else {
              acc = wrapArith(acc, v, '+');
              y[at] = acc;
            }
          }
        }
    })
  return "";
}

std::string kBatchNorm(const OpDesc &op, const Views &in, const Views &out, int) {
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      AxisSplit s(in[0].shape, 1);
      double eps = op.getFloat("epsilon", 1e-5);
      const T *x = in[0].as<T>(), *scale = in[1].as<T>(), *bias = in[2].as<T>(),
              *mean = in[3].as<T>(), *var = in[4].as<T>();
      T *y = out[0].as<T>();
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t c = 0; c < s.size; ++c) {
          double a = scale[c] / std::sqrt(double(var[c]) + eps);
          double b = bias[c] - mean[c] * a;
          for (int64_t i = 0; i < s.inner; ++i) {
            int64_t at = (o * s.size + c) * s.inner + i;
            y[at] = static_cast<T>(x[at] * a + b);
          }
        }
    })
  return "";
}

/// Normalizes each row of `rows x size` (with an optional per-element
/// affine part broadcast over the normalized shape).
template <typename T>
void normalizeRows(const T *x, T *y, int64_t rows, int64_t size, double eps,
                   bool subtractMean, const std::function<double(int64_t, int64_t)> &scale,
                   const std::function<double(int64_t, int64_t)> &bias) {
  for (int64_t r = 0; r < rows; ++r) {
    const T *xr = x + r * size;
    double mean = 0, var = 0;
    if (subtractMean) {
      for (int64_t i = 0; i < size; ++i)
        mean += xr[i];
      mean /= size;
    }
    for (int64_t i = 0; i < size; ++i)
      var += (xr[i] - mean) * (xr[i] - mean);
    var /= size;
    double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < size; ++i)
      y[r * size + i] =
          static_cast<T>((xr[i] - mean) * inv * scale(r, i) + bias(r, i));
  }
}

std::string layerNorm(const OpDesc &op, const Views &in, const Views &out,
                      bool rms, int threads) {
  int64_t axis = op.getInt("axis", 0);
  bool hasBias = !rms && in.size() > 2 && in[2].data;
  std::vector<int64_t> normShape(in[0].shape.begin() + axis, in[0].shape.end());
  int64_t size = 1;
  for (int64_t d : normShape)
    size *= d;
  auto perElement = [&](const View &v) {
    return v.dtype == GAON_F32 && v.count() == size;
  };
  // f32 with per-element scale and bias: the vectorized rows.
  if (in[0].dtype == GAON_F32 && size > 0 && perElement(in[1]) &&
      (!hasBias || perElement(in[2]))) {
    const float *x = in[0].as<float>(), *scale = in[1].as<float>();
    const float *bias = hasBias ? in[2].as<float>() : nullptr;
    float *y = out[0].as<float>();
    double eps = op.getFloat("epsilon", 1e-5);
    parallelFor(in[0].count() / size, threads, std::max<int64_t>(1, 4096 / size),
                [&](int64_t b, int64_t e) {
      vec::normRowsF32(x + b * size, y + b * size, e - b, size, eps, !rms,
                       scale, bias);
    });
    return "";
  }
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      int64_t rows = 1;
      for (int64_t d = 0; d < axis; ++d)
        rows *= in[0].shape[d];
      auto sm = broadcastMap(in[1].shape, normShape);
      std::vector<int64_t> bm;
      if (hasBias)
        bm = broadcastMap(in[2].shape, normShape);
      const T *scale = in[1].as<T>();
      const T *bias = hasBias ? in[2].as<T>() : nullptr;
      normalizeRows<T>(in[0].as<T>(), out[0].as<T>(), rows, size,
                       op.getFloat("epsilon", 1e-5), !rms,
                       [&](int64_t, int64_t i) { return double(scale[sm[i]]); },
                       [&](int64_t, int64_t i) { return bias ? double(bias[bm[i]]) : 0.0; });
    })
  return "";
}
std::string kLayerNorm(const OpDesc &op, const Views &in, const Views &out,
                       int threads) {
  return layerNorm(op, in, out, false, threads);
}
std::string kRmsNorm(const OpDesc &op, const Views &in, const Views &out,
                     int threads) {
  return layerNorm(op, in, out, true, threads);
}

std::string kInstanceNorm(const OpDesc &op, const Views &in, const Views &out, int) {
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype),
    {
      int64_t N = in[0].shape[0], C = in[0].shape[1];
      int64_t size = in[0].count() / std::max<int64_t>(1, N * C);
      const T *scale = in[1].as<T>(), *bias = in[2].as<T>();
      normalizeRows<T>(in[0].as<T>(), out[0].as<T>(), N * C, size,
                       op.getFloat("epsilon", 1e-5), true,
                       [&](int64_t r, int64_t) { return double(scale[r % C]); },
                       [&](int64_t r, int64_t) { return double(bias[r % C]); });
    })
  return "";
}

//===----------------------------------------------------------------------===//
// Indexing: gather_elements, gather_nd, scatter_*, one_hot, top_k, trilu
//===----------------------------------------------------------------------===//

std::string kConvTranspose(const OpDesc &op, const Views &in, const Views &out,
                           int) {
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    const View &x = in[0], &w = in[1], &y = out[0];
    auto st = op.getInts("strides"), dil = op.getInts("dilations"),
         pads = op.getInts("pads");
    int64_t group = op.getInt("group", 1);
    int64_t N = x.shape[0], C = x.shape[1], M = y.shape[1];
    int64_t spatial = x.shape.size() - 2, cg = C / group, mg = M / group;
    int64_t inSize = 1, outSize = 1, ksize = 1;
    for (int64_t d = 0; d < spatial; ++d) {
      inSize *= x.shape[d + 2];
      outSize *= y.shape[d + 2];
      ksize *= w.shape[d + 2];
    }
    T *yp = y.as<T>();
    const T *bias = in.size() > 2 && in[2].data ? in[2].as<T>() : nullptr;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t m = 0; m < M; ++m)
        for (int64_t o = 0; o < outSize; ++o)
          yp[(n * M + m) * outSize + o] = bias ? bias[m] : T(0);
    std::vector<int64_t> ipos(spatial), kpos(spatial);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c) {
        int64_t g = c / cg;
        for (int64_t i = 0; i < inSize; ++i) {
          int64_t r = i;
          for (int64_t d = spatial - 1; d >= 0; --d) {
            ipos[d] = r % x.shape[d + 2];
            r /= x.shape[d + 2];
          }
          T xv = x.as<T>()[(n * C + c) * inSize + i];
          for (int64_t kk = 0; kk < ksize; ++kk) {
            int64_t kr = kk;
            for (int64_t d = spatial - 1; d >= 0; --d) {
              kpos[d] = kr % w.shape[d + 2];
              kr /= w.shape[d + 2];
            }
            int64_t dst = 0;
            bool inside = true;
            for (int64_t d = 0; d < spatial; ++d) {
              int64_t p = ipos[d] * st[d] + kpos[d] * dil[d] - pads[d];
              if (p < 0 || p >= y.shape[d + 2]) {
                inside = false;
                break;
              }
              dst = dst * y.shape[d + 2] + p;
            }
            if (!inside)
              continue;
            for (int64_t mm = 0; mm < mg; ++mm) {
              T wv = w.as<T>()[(c * mg + mm) * ksize + kk];
              yp[(n * M + g * mg + mm) * outSize + dst] += xv * wv;
            }
          }
        }
      }
  })
  return "";
}

std::string kLrn(const OpDesc &op, const Views &in, const Views &out, int) {
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    int64_t size = op.getInt("size", 1);
    double alpha = op.getFloat("alpha", 1e-4), beta = op.getFloat("beta", 0.75),
           bias = op.getFloat("bias", 1);
    AxisSplit s(in[0].shape, 1);
    const T *x = in[0].as<T>();
    T *y = out[0].as<T>();
    int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t c = 0; c < s.size; ++c)
        for (int64_t i = 0; i < s.inner; ++i) {
          double sum = 0;
          for (int64_t j = std::max<int64_t>(0, c - lo);
               j <= std::min<int64_t>(s.size - 1, c + hi); ++j) {
            double v = x[(o * s.size + j) * s.inner + i];
            sum += v * v;
          }
          int64_t at = (o * s.size + c) * s.inner + i;
          y[at] = static_cast<T>(x[at] / std::pow(bias + alpha / size * sum, beta));
        }
  })
  return "";
}

/// The input coordinate of output index `o` on an axis, as ONNX's
/// coordinate_transformation_mode defines it.
double sourceCoordinate(const std::string &mode, double o, double scale,
                        int64_t in, int64_t out) {
  if (mode == "asymmetric")
    return o / scale;
  if (mode == "align_corners")
    return out == 1 ? 0.0 : o * (in - 1) / double(out - 1);
  if (mode == "pytorch_half_pixel")
    return out > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
  if (mode == "tf_half_pixel_for_nn")
    return (o + 0.5) / scale;
  if (mode == "half_pixel_symmetric") {
    double adjustment = out / (scale * in);
    double center = in / 2.0;
    double offset = center * (1 - adjustment);
    return offset + (o + 0.5) / scale - 0.5;
  }
  return (o + 0.5) / scale - 0.5; // half_pixel
}

int64_t nearestIndex(const std::string &mode, double x) {
  if (mode == "floor")
    return (int64_t)std::floor(x);
  if (mode == "ceil")
    return (int64_t)std::ceil(x);
  double f = std::floor(x);
  if (x - f == 0.5)
    return mode == "round_prefer_ceil" ? (int64_t)f + 1 : (int64_t)f;
  return (int64_t)std::round(x);
}

/// Per output index on one axis: the input indices it reads and weights.
struct AxisTaps {
  std::vector<std::vector<std::pair<int64_t, double>>> taps;
};

AxisTaps axisTaps(const OpDesc &op, int64_t in, int64_t out, double scale) {
  std::string mode = op.getString("mode", "nearest");
  std::string coord = op.getString("coordinate_mode", "half_pixel");
  std::string nearest = op.getString("nearest_mode", "round_prefer_floor");
  double a = op.getFloat("cubic_coeff_a", -0.75);
  bool exclude = op.getInt("exclude_outside", 0);
  AxisTaps t;
  t.taps.resize(out);
  for (int64_t o = 0; o < out; ++o) {
    double x = sourceCoordinate(coord, o, scale, in, out);
    auto &taps = t.taps[o];
    if (in == out && scale == 1.0 && mode != "cubic") {
      taps.push_back({o, 1.0});
      continue;
    }
    if (mode == "nearest") {
      taps.push_back({std::clamp<int64_t>(nearestIndex(nearest, x), 0, in - 1), 1.0});
    } else if (mode == "linear") {
      x = std::clamp(x, 0.0, double(in - 1));
      int64_t i0 = (int64_t)std::floor(x), i1 = std::min(i0 + 1, in - 1);
      double f = x - i0;
      taps.push_back({i0, 1 - f});
      taps.push_back({i1, f});
    } else { // cubic
      int64_t i0 = (int64_t)std::floor(x);
      double f = x - i0, total = 0;
      auto w = [a](double d) {
        d = std::fabs(d);
        if (d <= 1)
          return ((a + 2) * d - (a + 3)) * d * d + 1;
        if (d < 2)
          return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
        return 0.0;
      };
      for (int64_t j = -1; j <= 2; ++j) {
        int64_t idx = i0 + j;
        double weight = w(j - f);
        if (idx < 0 || idx >= in) {
          if (exclude)
            continue;
          idx = std::clamp<int64_t>(idx, 0, in - 1);
        }
        taps.push_back({idx, weight});
        total += weight;
      }
      if (exclude && total != 0)
        for (auto &tap : taps)
          tap.second /= total;
    }
  }
  return t;
}

std::string kResize(const OpDesc &op, const Views &in, const Views &out, int) {
  GAON_DISPATCH_FLOAT(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    auto scales = op.getFloats("scales");
    int64_t rank = in[0].shape.size();
    // Separable: resample one axis at a time into a scratch buffer.
    std::vector<double> cur(in[0].count());
    for (size_t i = 0; i < cur.size(); ++i)
      cur[i] = in[0].as<T>()[i];
    std::vector<int64_t> shape = in[0].shape;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t inDim = shape[d], outDim = out[0].shape[d];
      if (inDim == outDim && scales[d] == 1.0)
        continue;
      AxisTaps taps = axisTaps(op, inDim, outDim, scales[d]);
      AxisSplit s(shape, d);
      std::vector<double> next(s.outer * outDim * s.inner);
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t j = 0; j < outDim; ++j)
          for (int64_t i = 0; i < s.inner; ++i) {
            double acc = 0;
            for (auto [idx, w] : taps.taps[j])
              acc += w * cur[(o * inDim + idx) * s.inner + i];
            next[(o * outDim + j) * s.inner + i] = acc;
          }
      cur.swap(next);
      shape[d] = outDim;
    }
    for (size_t i = 0; i < cur.size(); ++i)
      out[0].as<T>()[i] = static_cast<T>(cur[i]);
  })
  return "";
}

//===----------------------------------------------------------------------===//
// Quantization (exact: round half to even, saturate)

} // namespace

void addNnKernels(KernelTable &t) {
  t.insert({"graph.matmul", halfAsFloat<kMatMul>});
  t.insert({"graph.conv", halfAsFloat<kConv>});
  t.insert({"graph.max_pool", halfAsFloat<kMaxPool>});
  t.insert({"graph.avg_pool", halfAsFloat<kAvgPool>});
  t.insert({"graph.reduce", halfAsFloat<kReduce>});
  t.insert({"graph.arg_max", halfAsFloat<kArgMax>});
  t.insert({"graph.arg_min", halfAsFloat<kArgMin>});
  t.insert({"graph.softmax", halfAsFloat<kSoftmax>});
  t.insert({"graph.log_softmax", halfAsFloat<kLogSoftmax>});
  t.insert({"graph.hardmax", halfAsFloat<kHardmax>});
  t.insert({"graph.cumsum", halfAsFloat<kCumSum>});
  t.insert({"graph.batch_norm", halfAsFloat<kBatchNorm>});
  t.insert({"graph.layer_norm", halfAsFloat<kLayerNorm>});
  t.insert({"graph.rms_norm", halfAsFloat<kRmsNorm>});
  t.insert({"graph.instance_norm", halfAsFloat<kInstanceNorm>});
  t.insert({"graph.conv_transpose", halfAsFloat<kConvTranspose>});
  t.insert({"graph.lrn", halfAsFloat<kLrn>});
  t.insert({"graph.resize", halfAsFloat<kResize>});
}

} // namespace gaon::cpu
