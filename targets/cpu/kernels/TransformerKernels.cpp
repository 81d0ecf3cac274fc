//===- TransformerKernels.cpp - rotary embedding and attention ------------===//
//
// The fused decoder ops of docs/dialects/graph.md: `rotary_embedding` and
// `attention` (grouped key/value heads, causal and sliding-window limits,
// per-row key counts, an additive mask). Both compute in f32 (half
// operands are widened by halfAsFloat) and accumulate in double where a
// sum runs over a whole row, so the CPU target stays the reference the NPU
// is checked against.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/KernelSupport.h"
#include "targets/cpu/kernels/OneDnn.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace gaon::cpu {
namespace {

std::string kRotaryEmbedding(const OpDesc &op, const Views &in,
                             const Views &out, int threads) {
  if (in[0].dtype != GAON_F32)
    return unsupportedType(op, in[0].dtype);
  const View &x = in[0], &cosView = in[1], &sinView = in[2];
  int64_t width = x.shape.back(), rotary = cosView.shape.back(),
          half = rotary / 2;
  std::vector<int64_t> rowShape(x.shape.begin(), x.shape.end() - 1);
  std::vector<int64_t> cosRows(cosView.shape.begin(), cosView.shape.end() - 1);
  // Row r of the input reads row cosOffset[r] of cos and sin.
  std::vector<int64_t> st = broadcastStrides(cosRows, rowShape);
  for (int64_t &s : st)
    s *= rotary;
  std::vector<int64_t> cosOffset = stridedMap(rowShape, st, 0);
  bool interleaved = op.getInt("interleaved", 0);
  const float *xs = x.as<float>(), *cs = cosView.as<float>(),
              *ss = sinView.as<float>();
  float *ys = out[0].as<float>();
  int64_t rows = cosOffset.size();
  parallelFor(rows, threads, std::max<int64_t>(1, 8192 / width),
              [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float *xr = xs + r * width, *c = cs + cosOffset[r],
                  *s = ss + cosOffset[r];
      float *yr = ys + r * width;
      if (interleaved) {
        for (int64_t i = 0; i < rotary; i += 2) {
          yr[i] = xr[i] * c[i] - xr[i + 1] * s[i];
          yr[i + 1] = xr[i + 1] * c[i + 1] + xr[i] * s[i + 1];
        }
      } else {
        for (int64_t i = 0; i < half; ++i) {
          yr[i] = xr[i] * c[i] - xr[i + half] * s[i];
          yr[i + half] = xr[i + half] * c[i + half] + xr[i] * s[i + half];
        }
      }
      for (int64_t i = rotary; i < width; ++i)
        yr[i] = xr[i];
    }
  });
  return "";
}

std::string kAttention(const OpDesc &op, const Views &in, const Views &out,
                       int threads) {
  if (in[0].dtype != GAON_F32)
    return unsupportedType(op, in[0].dtype);
  // Which of the optional operands are present (the binary lists only
  // present operands).
  std::vector<int64_t> segments = op.getInts("operandSegmentSizes");
  bool hasMask = segments.size() == 5 && segments[3];
  bool hasLengths = segments.size() == 5 && segments[4];
  const View &q = in[0], &k = in[1], &v = in[2];
  const View *mask = hasMask ? &in[3] : nullptr;
  const View *lengths = hasLengths ? &in[3 + hasMask] : nullptr;
  int64_t B = q.shape[0], H = q.shape[1], S = q.shape[2], D = q.shape[3];
  int64_t Hkv = k.shape[1], T = k.shape[2], Dv = v.shape[3];
  int64_t group = H / Hkv;
  float scale = op.getFloat("scale", 1.0);
  bool causal = op.getInt("causal", 0);
  int64_t window = op.getInt("window", 0);
  double softcap = op.getFloat("softcap", 0.0);

  std::vector<int64_t> validKeys(B, T);
  if (lengths) {
    for (int64_t b = 0; b < B; ++b) {
      int64_t n = lengths->dtype == GAON_I32 ? lengths->as<int32_t>()[b]
                                             : lengths->as<int64_t>()[b];
      if (n < 0 || n > T)
        return op.kind + ": kv_lengths[" + std::to_string(b) + "] = " +
               std::to_string(n) + " is outside [0, " + std::to_string(T) +
               "], the key/value sequence length";
      validKeys[b] = n;
    }
  }
  std::vector<int64_t> maskStrides;
  if (mask)
    maskStrides = broadcastStrides(mask->shape, {B, H, S, T});

  // Per batch row and key/value head, the `group` query heads sharing it
  // are one (group * S) x D matrix: scores = Q K^T and out = P V are two
  // GEMMs, with the limits, mask and softmax applied to the rows between.
  const float *qs = q.as<float>(), *ks = k.as<float>(), *vs = v.as<float>();
  const float *ms = mask ? mask->as<float>() : nullptr;
  float *ys = out[0].as<float>();
  int64_t rows = group * S;
  std::vector<float> scores(rows * T);
  const float negInf = -std::numeric_limits<float>::infinity();
  for (int64_t b = 0; b < B; ++b) {
    int64_t valid = validKeys[b];
    for (int64_t g = 0; g < Hkv; ++g) {
      const float *qg = qs + (b * H + g * group) * S * D;
      const float *kg = ks + (b * Hkv + g) * T * D;
      const float *vg = vs + (b * Hkv + g) * T * Dv;
      float *yg = ys + (b * H + g * group) * S * Dv;
      std::string error = oneDnnSgemmTransposedB(rows, T, D, qg, D, kg, D,
                                                 scores.data(), T, threads);
      if (!error.empty())
        return op.kind + ": " + error;
      parallelFor(rows, threads, std::max<int64_t>(1, 2048 / (T + 1)),
                  [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          int64_t h = g * group + r / S, i = r % S;
          int64_t position = valid - S + i;
          int64_t hi = causal ? std::min(valid, position + 1) : valid;
          int64_t lo = window ? std::max<int64_t>(0, position - window + 1) : 0;
          float *sr = scores.data() + r * T;
          float best = negInf;
          for (int64_t j = lo; j < hi; ++j) {
            float s = sr[j] * scale;
            if (softcap > 0)
              s = float(softcap * std::tanh(s / softcap));
            if (ms)
              s += ms[b * maskStrides[0] + h * maskStrides[1] +
                      i * maskStrides[2] + j * maskStrides[3]];
            sr[j] = s;
            best = std::max(best, s);
          }
          // No allowed key, or every one masked to -inf: zeros.
          if (hi <= lo || best == negInf) {
            std::fill(sr, sr + T, 0.0f);
            continue;
          }
          float total = 0;
          for (int64_t j = 0; j < T; ++j) {
            float e = j >= lo && j < hi ? std::exp(sr[j] - best) : 0.0f;
            sr[j] = e;
            total += e;
          }
          float inv = 1.0f / total;
          for (int64_t j = lo; j < hi; ++j)
            sr[j] *= inv;
        }
      });
      error = oneDnnSgemm(rows, Dv, T, scores.data(), T, vg, Dv, yg, Dv,
                          threads);
      if (!error.empty())
        return op.kind + ": " + error;
    }
  }
  return "";
}

/// Byte-wise: any element type, the positions checked as the op runs.
std::string kCacheUpdate(const OpDesc &op, const Views &in, const Views &out,
                         int) {
  const View &cache = in[0], &update = in[1], &positions = in[2];
  int64_t axis = op.getInt("axis", 2);
  int64_t batch = cache.shape[0], slots = cache.shape[axis],
          rows = update.shape[axis];
  int64_t elementBytes = gaon_dtype_size(cache.dtype);
  // Per batch row: `outer` blocks of `slots` (cache) or `rows` (update)
  // entries of `inner` contiguous bytes.
  int64_t outer = 1, inner = elementBytes;
  for (int64_t d = 1; d < axis; ++d)
    outer *= cache.shape[d];
  for (int64_t d = axis + 1; d < (int64_t)cache.shape.size(); ++d)
    inner *= cache.shape[d];
  std::vector<int64_t> at(batch);
  for (int64_t b = 0; b < batch; ++b) {
    at[b] = positions.dtype == GAON_I32 ? positions.as<int32_t>()[b]
                                        : positions.as<int64_t>()[b];
    if (at[b] < 0 || at[b] > slots - rows)
      return op.kind + ": position " + std::to_string(at[b]) +
             " of batch row " + std::to_string(b) + " leaves no room for " +
             std::to_string(rows) + " new entries in a cache of " +
             std::to_string(slots) + "; the sequence is longer than the "
             "cache holds";
  }
  const char *src = static_cast<const char *>(cache.data);
  const char *upd = static_cast<const char *>(update.data);
  char *dst = static_cast<char *>(out[0].data);
  if (dst != src)
    std::memcpy(dst, src, cache.count() * elementBytes);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(dst + ((b * outer + o) * slots + at[b]) * inner,
                  upd + (b * outer + o) * rows * inner, rows * inner);
  return "";
}

/// rows[b, 0, i] = table[positions[b] + i], each row R floats.
std::string kPositionRows(const OpDesc &op, const Views &in, const Views &out,
                          int) {
  const View &table = in[0], &positions = in[1];
  int64_t count = table.shape[0], width = table.shape[1];
  int64_t batches = out[0].shape[0], rows = out[0].shape[2];
  const float *src = table.as<float>();
  float *dst = out[0].as<float>();
  for (int64_t b = 0; b < batches; ++b) {
    int64_t at = positions.dtype == GAON_I32 ? positions.as<int32_t>()[b]
                                             : positions.as<int64_t>()[b];
    if (at < 0 || at > count - rows)
      return op.kind + ": position " + std::to_string(at) + " of batch row " +
             std::to_string(b) + " reads rows past the table's " +
             std::to_string(count) + "; the sequence is longer than the "
             "cache holds";
    std::memcpy(dst + b * rows * width, src + at * width,
                size_t(rows * width) * sizeof(float));
  }
  return "";
}

} // namespace

void addTransformerKernels(KernelTable &t) {
  t.insert({"graph.position_rows", kPositionRows});
  t.insert({"graph.rotary_embedding", halfAsFloat<kRotaryEmbedding>});
  t.insert({"graph.attention", halfAsFloat<kAttention>});
  t.insert({"graph.cache_update", kCacheUpdate});
}

} // namespace gaon::cpu
