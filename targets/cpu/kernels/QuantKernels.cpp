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
#include "targets/cpu/kernels/Int8Gemm.h"
#include "targets/cpu/kernels/Int8Nhwc.h"
#include "targets/cpu/kernels/OneDnn.h"
#include "targets/cpu/kernels/QuantRows.h"

#include "targets/npu/Requantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <type_traits>

namespace gaon::cpu {
namespace {

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
  if (v.quantAxis >= 0 && ((size_t)v.quantAxis >= v.shape.size() ||
                           (int64_t)v.scales->size() != v.shape[v.quantAxis]))
    return std::string(what) + "'s per-axis parameters do not fit its shape";
  return "";
}

//===----------------------------------------------------------------------===//
// Requantization
//===----------------------------------------------------------------------===//

/// The output clamp of a requantizing op, from its real-valued attributes.
void outputClamp(const OpDesc &op, const View &y, int32_t &lo, int32_t &hi) {
  int32_t storageMin = y.dtype == GAON_U8 ? 0 : -128;
  int32_t storageMax = y.dtype == GAON_U8 ? 255 : 127;
  double clampMin = op.getFloat("clamp_min", 0),
         clampMax = op.getFloat("clamp_max", 0);
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

/// Requantizes values of per-channel scales `in` (less their zero points)
/// into the 8-bit output `y`, as graph.requantize defines.
struct Requantizer {
  struct Channel {
    bool integer;
    npu::Multiplier mult;
    double ratio;
  };
  std::vector<Channel> channels;
  int32_t zy, lo, hi;

  Requantizer(const OpDesc &op, const std::vector<double> &in, const View &y) {
    outputClamp(op, y, lo, hi);
    zy = (int32_t)zeroPoint(y);
    double sy = scaleOf(y);
    for (double s : in) {
      Channel c;
      c.ratio = s / sy;
      c.integer = npu::quantizeMultiplier(c.ratio, c.mult);
      channels.push_back(c);
    }
  }
  /// n sums of one channel, each plus `add` (wrapping, as int32
  /// accumulators do), into y starting at element `at`.
  void row(const int32_t *acc, int64_t n, int64_t channel, const View &y,
           int64_t at, int32_t add = 0) const {
    const Channel &c = channels[channel];
    if (c.integer) {
      requantizeRow(acc, n, add, c.mult, zy, lo, hi,
                    static_cast<uint8_t *>(y.data) + at, y.dtype == GAON_U8);
      return;
    }
    for (int64_t i = 0; i < n; ++i)
      store8(y, at + i,
             (*this)(int32_t(uint32_t(acc[i]) + uint32_t(add)), channel));
  }
  int32_t operator()(int32_t acc, int64_t channel) const {
    const Channel &c = channels[channel];
    if (c.integer)
      return npu::requantize(acc, c.mult, zy, lo, hi);
    // A ratio of 1 or more: the NPU cannot apply it; exact enough in
    // double, and the compiler keeps such ops off the NPU.
    double v = std::nearbyint(double(acc) * c.ratio) + zy;
    return (int32_t)std::clamp(v, double(lo), double(hi));
  }
};

/// The scales of x * w sums: sx times each of w's scales.
std::vector<double> sumScales(const View &x, const View &w) {
  std::vector<double> out;
  for (double s : *w.scales)
    out.push_back(scaleOf(x) * s);
  return out;
}

/// Runs `sums` (a kernel writing int32 sums) and, when the op's output is
/// 8-bit (a requantize fused into it), requantizes them per channel:
/// `channelOf(i)` is element i's channel.
template <typename Sums, typename ChannelOf>
std::string withRequantize(const OpDesc &op, const Views &in, const Views &out,
                           Sums sums, ChannelOf channelOf) {
  if (out[0].dtype == GAON_I32)
    return sums(out);
  std::vector<int32_t> buffer(out[0].count());
  View wide = out[0];
  wide.dtype = GAON_I32;
  wide.data = buffer.data();
  if (std::string e = sums(Views{wide}); !e.empty())
    return e;
  Requantizer rq(op, sumScales(in[0], in[1]), out[0]);
  for (int64_t i = 0, n = out[0].count(); i < n; ++i)
    store8(out[0], i, rq(buffer[i], channelOf(i)));
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
  const int32_t *bias =
      in.size() > 2 && in[2].data ? in[2].as<int32_t>() : nullptr;
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
  int64_t plane = 1;
  for (size_t d = 2; d < out[0].shape.size(); ++d)
    plane *= out[0].shape[d];
  int64_t channels = out[0].shape[1];
  bool perChannel = in[1].quantAxis >= 0;
  return withRequantize(
      op, in, out,
      [&](const Views &sums) { return qconvReference(op, in, sums, threads); },
      [&](int64_t i) { return perChannel ? (i / plane) % channels : 0; });
}

/// The fast graph.qconv, per image and group: C[Mg x P] = (W - zw)[Mg x K]
/// times the input's windows as columns (K x P, im2col), on oneDNN's exact
/// s8 x s8 integer GEMM, so C is already NCHW. u8 inputs become s8 by
/// flipping their top bit (x - 128) with the zero point moved alike;
/// padding holds the zero point, so it counts as 0.
struct QConvState : KernelState {
  int64_t group, K, Mg, Cg, kh, kw, sh, sw, dh, dw, ph, pw;
  int32_t zw;
  bool direct; // 1x1, stride 1, no padding: the input is the columns
  // With AVX-512 VNNI and weight zero point 0: each group's weights packed
  // for int8Gemm (u8 activations x s8 weights), used instead of oneDNN.
  std::vector<Int8PackedA> packed;
  // A channels-last result: the kernels of Int8Nhwc.h instead.
  std::unique_ptr<NhwcConv> nhwc;
};

/// A rank-4 qconv's geometry from its attributes and weight shape, into
/// the row-major state or an NhwcConv (fields of the same names).
template <typename Geometry>
void readConvGeometry(const OpDesc &op, const View &w, Geometry &g) {
  auto st = op.getInts("strides"), dil = op.getInts("dilations"),
       pads = op.getInts("pads");
  g.group = op.getInt("group", 1);
  g.Cg = w.shape[1];
  g.Mg = w.shape[0] / g.group;
  g.kh = w.shape[2];
  g.kw = w.shape[3];
  g.sh = st[0];
  g.sw = st[1];
  g.dh = dil[0];
  g.dw = dil[1];
  g.ph = pads[0];
  g.pw = pads[1];
}

struct DepthwiseGeometry {
  int64_t H, W, OH, OW, kh, kw, sh, sw, dh, dw, ph, pw;
  int32_t zx, zw;
  bool isSigned;
};

/// acc[oh][ow] += sum over taps of (x - zx) * (w - zw), over each tap's
/// valid span of each output row. Inlined into a plain and an AVX-512 copy
/// (the latter picked at run time), so the row loops vectorize 16 wide
/// where the CPU can.
template <typename T>
inline __attribute__((always_inline)) void
depthwisePlaneBody(const DepthwiseGeometry &g, const uint8_t *plane,
                   const int8_t *w, int32_t *__restrict acc) {
  const T *x = reinterpret_cast<const T *>(plane);
  if (g.sh <= 2 && g.sw <= 2) {
    // Copy the plane, less its zero point, into zero-padded phase grids
    // (one per row and column parity at stride 2; the plane itself at
    // stride 1) of Wq columns, and accumulate on a grid of the same width.
    // Each tap then reads one phase at a fixed offset, so it is one
    // contiguous loop over all output rows at once: short rows (14x14 or
    // 7x7 planes) and stride 2 vectorize too.
    int64_t Hp = (g.OH - 1) * g.sh + (g.kh - 1) * g.dh + 1;
    int64_t Wp = (g.OW - 1) * g.sw + (g.kw - 1) * g.dw + 1;
    int64_t Hq = (Hp + g.sh - 1) / g.sh, Wq = (Wp + g.sw - 1) / g.sw;
    int64_t phase = Hq * Wq;
    static thread_local std::vector<int32_t> grid, sums;
    grid.assign(g.sh * g.sw * phase, 0);
    sums.assign(g.OH * Wq, 0);
    for (int64_t r = 0; r < Hp; ++r) {
      int64_t ih = r - g.ph;
      if (ih < 0 || ih >= g.H)
        continue;
      int32_t *rowBase =
          grid.data() + (r % g.sh) * g.sw * phase + (r / g.sh) * Wq;
      int64_t c0 = std::max<int64_t>(0, g.pw),
              c1 = std::min<int64_t>(Wp, g.W + g.pw);
      const T *src = x + ih * g.W - g.pw;
      // Column c goes to phase c % sw, column c / sw: per phase, a loop
      // over that phase's columns (strided reads at stride 2).
      for (int64_t pc = 0; pc < g.sw; ++pc) {
        int32_t *dst = rowBase + pc * phase;
        int64_t b0 = (c0 - pc + g.sw - 1) / g.sw,
                b1 = (c1 - pc + g.sw - 1) / g.sw;
        if (g.sw == 1)
          for (int64_t b = b0; b < b1; ++b)
            dst[b] = int32_t(src[b]) - g.zx;
        else
          for (int64_t b = b0; b < b1; ++b)
            dst[b] = int32_t(src[2 * b + pc]) - g.zx;
      }
    }
    int64_t span = (g.OH - 1) * Wq + g.OW;
    int32_t *__restrict out = sums.data();
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) {
        int32_t wv = int32_t(w[i * g.kw + j]) - g.zw;
        int64_t di = i * g.dh, dj = j * g.dw;
        const int32_t *__restrict in =
            grid.data() + ((di % g.sh) * g.sw + dj % g.sw) * phase +
            (di / g.sh) * Wq + dj / g.sw;
        for (int64_t t = 0; t < span; ++t)
          out[t] += in[t] * wv;
      }
    for (int64_t oh = 0; oh < g.OH; ++oh)
      for (int64_t ow = 0; ow < g.OW; ++ow)
        acc[oh * g.OW + ow] += out[oh * Wq + ow];
    return;
  }
  for (int64_t i = 0; i < g.kh; ++i)
    for (int64_t j = 0; j < g.kw; ++j) {
      int32_t wv = int32_t(w[i * g.kw + j]) - g.zw;
      int64_t offset = j * g.dw - g.pw;
      int64_t begin = std::min<int64_t>(
          g.OW, std::max<int64_t>(0, (-offset + g.sw - 1) / g.sw));
      int64_t end = std::min<int64_t>(
          g.OW, std::max<int64_t>(begin, (g.W - offset + g.sw - 1) / g.sw));
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        int64_t ih = oh * g.sh + i * g.dh - g.ph;
        if (ih < 0 || ih >= g.H)
          continue;
        const T *__restrict src = x + ih * g.W + offset;
        int32_t *__restrict dst = acc + oh * g.OW;
        if (g.sw == 1)
          for (int64_t ow = begin; ow < end; ++ow)
            dst[ow] += (int32_t(src[ow]) - g.zx) * wv;
        else if (g.sw == 2)
          for (int64_t ow = begin; ow < end; ++ow)
            dst[ow] += (int32_t(src[2 * ow]) - g.zx) * wv;
        else
          for (int64_t ow = begin; ow < end; ++ow)
            dst[ow] += (int32_t(src[ow * g.sw]) - g.zx) * wv;
      }
    }
}

void depthwisePlanePlain(const DepthwiseGeometry &g, const uint8_t *plane,
                         const int8_t *w, int32_t *acc) {
  if (g.isSigned)
    depthwisePlaneBody<int8_t>(g, plane, w, acc);
  else
    depthwisePlaneBody<uint8_t>(g, plane, w, acc);
}

__attribute__((target("avx2,avx512f,avx512bw,avx512vl"))) void
depthwisePlaneWide(const DepthwiseGeometry &g, const uint8_t *plane,
                   const int8_t *w, int32_t *acc) {
  if (g.isSigned)
    depthwisePlaneBody<int8_t>(g, plane, w, acc);
  else
    depthwisePlaneBody<uint8_t>(g, plane, w, acc);
}

void depthwisePlane(const DepthwiseGeometry &g, const uint8_t *plane,
                    const int8_t *w, int32_t *acc) {
  if (quantRowsVectorized())
    depthwisePlaneWide(g, plane, w, acc);
  else
    depthwisePlanePlain(g, plane, w, acc);
}

/// How an Int8Nhwc GEMM's `channels` output channels finish: int32 sums,
/// or the op's fused requantization (per channel when w is).
NhwcOutput nhwcOutputOf(const OpDesc &op, const View &x, const View &w,
                        const View &y, int64_t channels) {
  NhwcOutput o;
  o.wide = y.dtype == GAON_I32;
  if (o.wide)
    return o;
  Requantizer rq(op, sumScales(x, w), y);
  o.zeroPoint = rq.zy;
  o.lo = rq.lo;
  o.hi = rq.hi;
  for (int64_t ch = 0; ch < channels; ++ch) {
    const auto &r = rq.channels[w.quantAxis >= 0 ? ch : 0];
    o.mult.push_back(r.mult);
    o.ratio.push_back(r.ratio);
    o.integer.push_back(r.integer);
  }
  return o;
}

/// An Int8Nhwc GEMM's activation operand (8-bit, per tensor): its zero
/// point and signedness. False when the zero point lies outside the type.
bool readNhwcInput(const View &x, NhwcConv &c) {
  c.inputZero = (int32_t)zeroPoint(x);
  c.inputUnsigned = x.dtype == GAON_U8;
  return c.inputZero >= (c.inputUnsigned ? 0 : -128) &&
         c.inputZero <= (c.inputUnsigned ? 255 : 127);
}

/// A channels-last qconv (validated: rank 4, constant s8 weights with zero
/// point 0, per-tensor input; a depthwise one reads a channels-last input).
std::string qconvPrepareNhwc(const OpDesc &op, const Views &in,
                             const Views &out,
                             std::unique_ptr<KernelState> &state) {
  const View &x = in[0], &w = in[1], &y = out[0];
  auto s = std::make_unique<QConvState>();
  s->nhwc = std::make_unique<NhwcConv>();
  NhwcConv &c = *s->nhwc;
  readConvGeometry(op, w, c);
  c.depthwise = c.Cg == 1 && c.Mg == 1;
  if (!readNhwcInput(x, c))
    return "qconv: the input zero point is out of its type's range";
  c.output = nhwcOutputOf(op, x, w, y, w.shape[0]);
  const int32_t *bias =
      in.size() > 2 && in[2].data ? in[2].as<int32_t>() : nullptr;
  prepareNhwcConv(c, w.as<int8_t>(), bias);
  state = std::move(s);
  return "";
}

std::string qconvPrepare(const OpDesc &op, const Views &in, const Views &out,
                         std::unique_ptr<KernelState> &state) {
  const View &x = in[0], &w = in[1];
  if (out[0].channelsLast)
    return qconvPrepareNhwc(op, in, out, state);
  if (!(oneDnnIntegerGemmIsExact() || int8GemmAvailable()) ||
      x.shape.size() != 4 || !w.isConstant || w.dtype != GAON_I8 ||
      x.channelsLast)
    return "";
  int32_t zw = (int32_t)zeroPoint(w, 0);
  for (size_t c = 0; c < w.zeroPoints->size(); ++c)
    if ((*w.zeroPoints)[c] != zw)
      return ""; // per-channel zero points: the plain loops
  if (zw < -128 || zw > 127)
    return "";
  auto s = std::make_unique<QConvState>();
  readConvGeometry(op, w, *s);
  s->K = s->Cg * s->kh * s->kw;
  auto pads = op.getInts("pads");
  s->zw = zw;
  s->direct = s->kh == 1 && s->kw == 1 && s->sh == 1 && s->sw == 1 &&
              pads[0] == 0 && pads[1] == 0 && pads[2] == 0 && pads[3] == 0;
  bool depthwise = s->Cg == 1 && s->Mg == 1;
  if (int8GemmAvailable() && zw == 0 && !depthwise) {
    s->packed.resize(s->group);
    for (int64_t g = 0; g < s->group; ++g)
      packInt8A(w.as<int8_t>() + g * s->Mg * s->K, s->Mg, s->K, s->K,
                s->packed[g]);
  } else if (!oneDnnIntegerGemmIsExact() && !depthwise) {
    return "";
  }
  state = std::move(s);
  return "";
}

std::string qconvRun(const OpDesc &op, const Views &in, const Views &out,
                     int threads, KernelState &state) {
  auto &s = static_cast<QConvState &>(state);
  const View &x = in[0], &y = out[0];
  int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  int64_t M = y.shape[1], OH = y.shape[2], OW = y.shape[3], P = OH * OW;
  if (s.nhwc) {
    runNhwcConv(*s.nhwc, x.data, x.channelsLast, N, H, W, y.data, OH, OW,
                threads);
    return "";
  }
  bool flip = x.dtype == GAON_U8; // u8 -> s8 by x ^ 0x80 (x - 128)
  int32_t zx = (int32_t)zeroPoint(x) - (flip ? 128 : 0);
  if (zx < -128 || zx > 127)
    return "qconv: the input zero point is out of range";
  const uint8_t *xb = static_cast<const uint8_t *>(x.data);
  const int8_t *wb = in[1].as<int8_t>();
  const int32_t *bias =
      in.size() > 2 && in[2].data ? in[2].as<int32_t>() : nullptr;
  std::optional<Requantizer> rq;
  if (y.dtype != GAON_I32)
    rq.emplace(op, sumScales(x, in[1]), y);
  bool perChannel = in[1].quantAxis >= 0;
  if (s.Cg == 1 && s.Mg == 1) {
    // Depthwise: one channel in, one out; direct loops over the valid
    // window of each tap, which vectorize over the row.
    int32_t zx0 = (int32_t)zeroPoint(x);
    DepthwiseGeometry geo{H,    W,    OH,   OW,   s.kh, s.kw, s.sh, s.sw,
                          s.dh, s.dw, s.ph, s.pw, zx0,  s.zw, !flip};
#pragma omp parallel for collapse(2) num_threads(std::max(1, threads))
    for (int64_t n = 0; n < N; ++n)
      for (int64_t ch = 0; ch < M; ++ch) {
        std::vector<int32_t> acc(P, bias ? bias[ch] : 0);
        depthwisePlane(geo, xb + (n * C + ch) * H * W, wb + ch * s.kh * s.kw,
                       acc.data());
        int64_t base = (n * M + ch) * P;
        if (rq)
          rq->row(acc.data(), P, perChannel ? ch : 0, y, base);
        else
          std::copy(acc.begin(), acc.end(),
                    static_cast<int32_t *>(y.data) + base);
      }
    return "";
  }
  // Row k = (c, i, j) of the im2col matrix: x[c, oh*sh + i*dh - ph, ow*sw +
  // j*dw - pw] over (oh, ow), as stored bytes, `fill` outside the input.
  auto im2colRow = [&](const uint8_t *xg, int64_t k, uint8_t fill,
                       uint8_t *row) {
    int64_t c = k / (s.kh * s.kw), i = (k / s.kw) % s.kh, j = k % s.kw;
    const uint8_t *plane = xg + c * H * W;
    for (int64_t oh = 0; oh < OH; ++oh) {
      int64_t ih = oh * s.sh + i * s.dh - s.ph;
      uint8_t *dst = row + oh * OW;
      if (ih < 0 || ih >= H) {
        std::fill(dst, dst + OW, fill);
        continue;
      }
      const uint8_t *src = plane + ih * W;
      // Output columns whose input column is inside: [begin, end).
      int64_t offset = j * s.dw - s.pw;
      int64_t begin = std::min<int64_t>(
          OW, std::max<int64_t>(0, (-offset + s.sw - 1) / s.sw));
      int64_t end = std::min<int64_t>(
          OW, std::max<int64_t>(begin, (W - offset + s.sw - 1) / s.sw));
      std::fill(dst, dst + begin, fill);
      if (s.sw == 1)
        std::memcpy(dst + begin, src + begin + offset, end - begin);
      else
        for (int64_t ow = begin; ow < end; ++ow)
          dst[ow] = src[ow * s.sw + offset];
      std::fill(dst + end, dst + OW, fill);
    }
  };
  if (!s.packed.empty()) {
    // u8 x s8 on VNNI: s8 inputs become u8 by flipping the top bit (x +
    // 128). Then sum (x - zx) w = sum xu w - (zx + 128 if s8) * sum w, and
    // padding holds the zero point's byte, so it counts as 0.
    int32_t zx0 = (int32_t)zeroPoint(x);
    uint8_t flipBits = flip ? 0 : 0x80; // flip means u8 here
    int32_t offsetU8 = flip ? zx0 : zx0 + 128;
    uint8_t fillByte = uint8_t(zx0);
    // Scratch kept per thread across calls (no clearing: packing writes
    // every byte the GEMM reads).
    static thread_local std::vector<uint8_t> packedB;
    if (packedB.size() < int8PackedBBytes(s.K, P))
      packedB.resize(int8PackedBBytes(s.K, P));
    uint8_t *packed = packedB.data(); // this thread's, shared with the team
    int64_t k4 = (s.K + 3) / 4;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t g = 0; g < s.group; ++g) {
        const uint8_t *xg = xb + (n * C + g * s.Cg) * H * W;
#pragma omp parallel num_threads(std::max(1, threads))
        {
          // im2col rows (uninitialized: each is written whole).
          std::unique_ptr<uint8_t[]> rowsBuf(s.direct ? nullptr
                                                      : new uint8_t[4 * P]);
#pragma omp for schedule(static)
          for (int64_t q = 0; q < k4; ++q) {
            const uint8_t *rows[4] = {nullptr, nullptr, nullptr, nullptr};
            for (int r = 0; r < 4 && q * 4 + r < s.K; ++r) {
              int64_t k = q * 4 + r;
              if (s.direct) {
                rows[r] = xg + k * P;
              } else {
                im2colRow(xg, k, fillByte, rowsBuf.get() + r * P);
                rows[r] = rowsBuf.get() + r * P;
              }
            }
            packInt8BRows(rows, P, s.K, q * 4, flipBits, packed);
          }
        }
        // Each finished tile gets its bias and the offset correction, and
        // is requantized while it is in cache.
        const Int8PackedA &a = s.packed[g];
        auto epilogue = [&](int64_t row0, int rows, int64_t col0, int cols,
                            const int32_t *tile) {
          for (int r = 0; r < rows; ++r) {
            int64_t channel = g * s.Mg + row0 + r;
            uint32_t add = (bias ? uint32_t(bias[channel]) : 0) -
                           uint32_t(offsetU8) * uint32_t(a.rowSums[row0 + r]);
            const int32_t *acc = tile + r * kInt8GemmPanel;
            int64_t at = (n * M + channel) * P + col0;
            if (rq) {
              rq->row(acc, cols, perChannel ? channel : 0, y, at, int32_t(add));
            } else {
              int32_t *dst = static_cast<int32_t *>(y.data) + at;
              for (int c = 0; c < cols; ++c)
                dst[c] = int32_t(uint32_t(acc[c]) + add);
            }
          }
        };
        int8Gemm(a, packed, P, epilogue, threads);
      }
    return "";
  }
  std::vector<int8_t> cols;
  if (!s.direct || flip)
    cols.resize(s.K * P);
  std::vector<int32_t> sums(rq ? s.Mg * P : 0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t g = 0; g < s.group; ++g) {
      const uint8_t *xg = xb + (n * C + g * s.Cg) * H * W;
      const int8_t *columns = reinterpret_cast<const int8_t *>(xg);
      if (s.direct && flip) {
#pragma omp parallel for num_threads(std::max(1, threads))
        for (int64_t i = 0; i < s.K * P; ++i)
          cols[i] = int8_t(xg[i] ^ 0x80);
        columns = cols.data();
      } else if (!s.direct) {
        // The im2col rows, flipped to s8 when the input is u8.
        int32_t zxRaw = (int32_t)zeroPoint(x);
#pragma omp parallel for num_threads(std::max(1, threads))
        for (int64_t k = 0; k < s.K; ++k) {
          auto *row = reinterpret_cast<uint8_t *>(&cols[k * P]);
          im2colRow(xg, k, uint8_t(zxRaw), row);
          if (flip)
            for (int64_t p = 0; p < P; ++p)
              row[p] ^= 0x80;
        }
        columns = cols.data();
      }
      int32_t *c = rq ? sums.data()
                      : static_cast<int32_t *>(y.data) + (n * M + g * s.Mg) * P;
      std::string error = oneDnnIntegerGemmOffsets(
          s.Mg, P, s.K, wb + g * s.Mg * s.K, /*aUnsigned=*/false, s.zw, columns,
          zx, c, threads);
      if (!error.empty())
        return error;
        // The bias, and the requantization when one is fused in.
#pragma omp parallel for num_threads(std::max(1, threads))
      for (int64_t m = 0; m < s.Mg; ++m) {
        int64_t channel = g * s.Mg + m;
        uint32_t b = bias ? uint32_t(bias[channel]) : 0;
        int32_t *row = c + m * P;
        if (!rq) {
          if (b)
            for (int64_t p = 0; p < P; ++p)
              row[p] = int32_t(uint32_t(row[p]) + b);
          continue;
        }
        if (b)
          for (int64_t p = 0; p < P; ++p)
            row[p] = int32_t(uint32_t(row[p]) + b);
        rq->row(row, P, perChannel ? channel : 0, y, (n * M + channel) * P);
      }
    }
  return "";
}

//===----------------------------------------------------------------------===//
// graph.qmatmul
//===----------------------------------------------------------------------===//

std::string qmatmulSums(const OpDesc &op, const Views &in, const Views &out,
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
  const int32_t *bias =
      in.size() > 2 && in[2].data ? in[2].as<int32_t>() : nullptr;
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
    if (b.dtype == GAON_I8 && bZero && M <= 4) {
      // A few rows (a classifier at batch 1): rows of b scaled and summed,
      // vectorized over columns, columns split across threads; oneDNN
      // would repack all of b for each call.
      const int8_t *bb = b.as<int8_t>() + bOff;
      int parts = N * K >= (1 << 16) ? std::max(1, threads) : 1;
#pragma omp parallel for num_threads(parts) if (parts > 1)
      for (int part = 0; part < parts; ++part) {
        int64_t j0 = N * part / parts, j1 = N * (part + 1) / parts;
        std::vector<uint32_t> row(j1 - j0);
        for (int64_t i = 0; i < M; ++i) {
          std::fill(row.begin(), row.end(), 0u);
          for (int64_t kk = 0; kk < K; ++kk) {
            uint32_t av = uint32_t(load8(a, aOff + i * K + kk) - za);
            const int8_t *br = bb + kk * N + j0;
            for (int64_t j = 0; j < j1 - j0; ++j)
              row[j] += av * uint32_t(int32_t(br[j]));
          }
          for (int64_t j = j0; j < j1; ++j)
            yb[i * N + j] =
                int32_t(row[j - j0] + (bias ? uint32_t(bias[j]) : 0u));
        }
      }
      continue;
    }
    if (fast) {
      const char *ab = static_cast<const char *>(a.data) + aOff;
      std::string error =
          oneDnnIntegerGemmOffsets(M, N, K, ab, a.dtype == GAON_U8, za,
                                   b.as<int8_t>() + bOff, 0, yb, threads);
      if (!error.empty())
        return error;
      if (bias)
        for (int64_t i = 0; i < M; ++i)
          for (int64_t j = 0; j < N; ++j)
            yb[i * N + j] =
                int32_t(uint32_t(yb[i * N + j]) + uint32_t(bias[j]));
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
          row[j] =
              int32_t(uint32_t(row[j]) +
                      uint32_t(av * (load8(b, bOff + kk * N + j) - zb[j])));
      }
      for (int64_t j = 0; j < N; ++j)
        yb[i * N + j] =
            int32_t(uint32_t(row[j]) + uint32_t(bias ? bias[j] : 0));
    }
  }
  return "";
}

/// A qmatmul whose rhs is a constant 2-D s8 matrix with zero points 0 is a
/// 1x1 convolution over the lhs rows: Int8Nhwc's VNNI GEMM, weights packed
/// once, requantization fused per column.
struct QMatMulState : KernelState {
  NhwcConv conv;
  int64_t rows = 0;
};

std::string qmatmulPrepare(const OpDesc &op, const Views &in, const Views &out,
                           std::unique_ptr<KernelState> &state) {
  const View &a = in[0], &b = in[1], &y = out[0];
  if (!nhwcVectorized() || !b.isConstant || b.dtype != GAON_I8 ||
      b.shape.size() != 2 || a.shape.empty() || a.quantAxis >= 0 ||
      (a.dtype != GAON_I8 && a.dtype != GAON_U8) ||
      a.shape.back() != b.shape[0])
    return "";
  for (int64_t z : *b.zeroPoints)
    if (z != 0)
      return "";
  int64_t K = b.shape[0], N = b.shape[1];
  auto s = std::make_unique<QMatMulState>();
  s->rows = a.count() / K;
  NhwcConv &c = s->conv;
  c.Cg = K;
  c.Mg = N;
  if (!readNhwcInput(a, c))
    return ""; // the general loops
  c.output = nhwcOutputOf(op, a, b, y, N);
  // Output channel n's weights are column n of b.
  std::vector<int8_t> weights(N * K);
  const int8_t *bb = b.as<int8_t>();
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n)
      weights[n * K + k] = bb[k * N + n];
  const int32_t *bias =
      in.size() > 2 && in[2].data ? in[2].as<int32_t>() : nullptr;
  prepareNhwcConv(c, weights.data(), bias);
  state = std::move(s);
  return "";
}

std::string qmatmulRun(const OpDesc &, const Views &in, const Views &out,
                       int threads, KernelState &state) {
  auto &s = static_cast<QMatMulState &>(state);
  runNhwcConv(s.conv, in[0].data, true, 1, 1, s.rows, out[0].data, 1, s.rows,
              threads);
  return "";
}

std::string kQMatMul(const OpDesc &op, const Views &in, const Views &out,
                     int threads) {
  int64_t columns = out[0].shape.empty() ? 1 : out[0].shape.back();
  bool perColumn = in[1].quantAxis >= 0;
  return withRequantize(
      op, in, out,
      [&](const Views &sums) { return qmatmulSums(op, in, sums, threads); },
      [&](int64_t i) { return perColumn ? i % columns : 0; });
}

//===----------------------------------------------------------------------===//
// graph.requantize, graph.qadd
//===----------------------------------------------------------------------===//

std::string kRequantize(const OpDesc &op, const Views &in, const Views &out,
                        int threads) {
  const View &x = in[0], &y = out[0];
  // Channel c of x spans `inner` consecutive elements, every
  // `channels * inner`.
  int64_t channels = 1, inner = x.count();
  if (x.quantAxis >= 0) {
    channels = x.shape[x.quantAxis];
    inner = 1;
    for (size_t d = x.quantAxis + 1; d < x.shape.size(); ++d)
      inner *= x.shape[d];
  }
  int64_t outer = channels * inner == 0 ? 0 : x.count() / (channels * inner);
  Requantizer rq(op, *x.scales, y);
  bool wide = x.dtype == GAON_I32;
#pragma omp parallel for collapse(2) num_threads(std::max(1, threads))
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      int32_t zx = (int32_t)zeroPoint(x, c);
      int64_t base = (o * channels + c) * inner;
      if (wide) {
        rq.row(x.as<int32_t>() + base, inner, c, y, base);
      } else {
        for (int64_t i = 0; i < inner; ++i)
          store8(y, base + i, rq(load8(x, base + i) - zx, c));
      }
    }
  return "";
}

/// The quantized add over [0, n), split across threads in blocks.
void qaddRun(const View &a, const View &b, const View &y, int32_t za,
             int32_t zb, const npu::AddRescale &r, int32_t zy, int32_t lo,
             int32_t hi, int threads) {
  int64_t n = y.count();
  int parts = n >= (1 << 16) ? std::max(1, threads) : 1;
#pragma omp parallel for num_threads(parts) if (parts > 1)
  for (int part = 0; part < parts; ++part) {
    int64_t b0 = n * part / parts, e0 = n * (part + 1) / parts;
    quantizedAddRow(static_cast<const uint8_t *>(a.data) + b0,
                    a.dtype == GAON_U8,
                    static_cast<const uint8_t *>(b.data) + b0,
                    b.dtype == GAON_U8, e0 - b0, za, zb, r, zy, lo, hi,
                    static_cast<uint8_t *>(y.data) + b0, y.dtype == GAON_U8);
  }
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
  if (!npu::addRescale(sa, sb, sy, r)) {
    // Not representable by the NPU's multiplier: exact enough in double.
    for (int64_t i = 0, n = y.count(); i < n; ++i) {
      double v = std::nearbyint(
                     (sa * (load8(a, i) - za) + sb * (load8(b, i) - zb)) / sy) +
                 zy;
      store8(y, i, (int32_t)std::clamp(v, double(lo), double(hi)));
    }
    return "";
  }
  qaddRun(a, b, y, za, zb, r, zy, lo, hi, threads);
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
  float zp =
      scale == 0 ? 0.0f : std::clamp(std::nearbyint(-lo / scale), 0.0f, 255.0f);
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

/// graph.qmean over trailing axes: int32 sums of (x - zx) per outer index,
/// requantized by sx / (sy * count).
std::string kQMean(const OpDesc &op, const Views &in, const Views &out,
                   int threads) {
  const View &x = in[0], &y = out[0];
  auto axes = op.getInts("axes");
  int64_t rank = int64_t(x.shape.size()), block = 1;
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] != rank - int64_t(axes.size()) + int64_t(i))
      return "qmean: the CPU kernel reduces trailing axes only";
    block *= x.shape[axes[i]];
  }
  if (block == 0)
    return "qmean: an empty reduction has no mean";
  int64_t outer = x.count() / block;
  int32_t zx = (int32_t)zeroPoint(x);
  Requantizer rq(op, {scaleOf(x) / double(block)}, y);
  std::vector<int32_t> sums(outer);
  if (x.channelsLast) { // validated: axes 2 and 3 of a rank-4 tensor
    nhwcChannelSums(x.data, x.dtype == GAON_U8, zx, x.shape[0], x.shape[1],
                    block, sums.data());
    rq.row(sums.data(), outer, 0, y, 0);
    return "";
  }
#pragma omp parallel for num_threads(std::max(1, threads)) if (outer > 64)
  for (int64_t o = 0; o < outer; ++o) {
    uint32_t sum = 0;
    for (int64_t i = 0; i < block; ++i)
      sum += uint32_t(load8(x, o * block + i) - zx);
    sums[o] = int32_t(sum);
  }
  rq.row(sums.data(), outer, 0, y, 0);
  return "";
}

/// One stored integer of an i4 (two per byte, low nibble first,
/// sign-extended) or i8 tensor.
inline int32_t loadSmallInt(const View &v, int64_t i) {
  if (v.dtype == GAON_I4) {
    uint8_t byte = v.as<uint8_t>()[i / 2];
    int32_t nibble = (i % 2) ? byte >> 4 : byte & 0xF;
    return nibble >= 8 ? nibble - 16 : nibble;
  }
  return v.as<int8_t>()[i];
}

std::string kBlockDequantize(const OpDesc &op, const Views &in,
                             const Views &out, int) {
  const View &q = in[0], &scales = in[1];
  const View *zp = in.size() > 2 && in[2].data ? &in[2] : nullptr;
  int64_t axis = op.getInt("axis", 0), block = op.getInt("block_size", 1);
  int64_t outer = 1, inner = 1, size = q.shape[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= q.shape[d];
  for (size_t d = axis + 1; d < q.shape.size(); ++d)
    inner *= q.shape[d];
  int64_t blocks = scales.shape[axis];
  const float *s = scales.as<float>();
  float *y = out[0].as<float>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t a = 0; a < size; ++a) {
      int64_t row = (o * size + a) * inner;
      int64_t srow = (o * blocks + a / block) * inner;
      for (int64_t i = 0; i < inner; ++i) {
        int32_t v = loadSmallInt(q, row + i);
        if (zp)
          v -= loadSmallInt(*zp, srow + i);
        y[row + i] = float(v) * s[srow + i];
      }
    }
  return "";
}

} // namespace

std::string checkQuantCall(const OpDesc &op, const Views &in,
                           const Views &out) {
  const std::string &k = op.kind;
  const View &x = in[0], &y = out[0];
  if (k == "graph.block_dequantize") {
    int64_t axis = op.getInt("axis", -1), block = op.getInt("block_size", 0);
    size_t rank = x.shape.size();
    bool small = x.dtype == GAON_I4 || x.dtype == GAON_I8;
    if (!small || in[1].dtype != GAON_F32 || y.dtype != GAON_F32 ||
        y.shape != x.shape)
      return "needs i4 or i8 data, f32 scales and an f32 result of the "
             "data's shape";
    if (axis < 0 || size_t(axis) >= rank || block < 1 ||
        in[1].shape.size() != rank)
      return "axis, block_size or the scales' rank do not fit the data";
    for (size_t d = 0; d < rank; ++d)
      if (in[1].shape[d] !=
          (int64_t(d) == axis ? (x.shape[d] + block - 1) / block : x.shape[d]))
        return "the scales do not hold one entry per block";
    if (in.size() > 2 && in[2].data &&
        (in[2].dtype != x.dtype || in[2].shape != in[1].shape))
      return "zero points must have the scales' shape and the data's type";
    return "";
  }
  if (k == "graph.quantize_linear")
    return x.dtype == GAON_F32 && in[1].dtype == GAON_F32 &&
                   in[1].count() == 1 && is8Bit(in[2]) && in[2].count() == 1 &&
                   in[2].dtype == y.dtype && y.count() == x.count()
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
  if (k == "graph.qmean") {
    if (!is8Bit(x) || !is8Bit(y) || x.quantAxis >= 0 || y.quantAxis >= 0)
      return "input and result must be 8-bit, quantized per tensor";
    if (std::string e = needQuant(x, "the input"); !e.empty())
      return e;
    return "";
  }
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
  if (!is8Bit(x) || !is8Bit(w) || !(y.dtype == GAON_I32 || is8Bit(y)))
    return "operands must be 8-bit and the result int32 sums (or 8-bit, "
           "requantized)";
  if (is8Bit(y) && y.quantAxis >= 0)
    return "a requantized result must be quantized per tensor";
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

const PreparedKernel *quantPreparedKernel(const std::string &kind) {
  static const PreparedKernel qconv{qconvPrepare, qconvRun},
      qmatmul{qmatmulPrepare, qmatmulRun};
  if (kind == "graph.qconv")
    return &qconv;
  return kind == "graph.qmatmul" ? &qmatmul : nullptr;
}

void addQuantKernels(std::map<std::string, Kernel> &table) {
  table["graph.qconv"] = kQConv;
  table["graph.qmatmul"] = kQMatMul;
  table["graph.requantize"] = kRequantize;
  table["graph.qadd"] = kQAdd;
  table["graph.dynamic_quantize"] = kDynamicQuantize;
  table["graph.quantize_linear"] = kQuantizeLinear;
  table["graph.block_dequantize"] = kBlockDequantize;
  table["graph.qmean"] = kQMean;
}

} // namespace gaon::cpu
