//===- Simulator.cpp - the Gaon NPU simulator -----------------------------===//
//
// Time advances from event to event: an instruction finishing, a transfer
// passing its DRAM latency, a cross-core signal landing, or a transfer
// finishing at its current share of bandwidth. Between events every
// streaming transfer moves min(dma.bytes_per_cycle, DRAM bytes per cycle /
// transfers streaming) bytes per cycle. Instructions take effect (memory,
// semaphores) when they complete; while one runs, no unsynchronized
// instruction may touch the bytes it reads or writes.
//
//===----------------------------------------------------------------------===//

#include "targets/npu/sim/Simulator.h"

#include "targets/common/HalfFloat.h"
#include "targets/npu/Requantize.h"
#include "targets/npu/isa/Validate.h"

#include <dnnl.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <sys/mman.h>
#include <tuple>

namespace gaon::npu {

namespace {

constexpr double kSyncCycles = 1, kCrossCoreSignalCycles = 50;
constexpr double kVectorLatency = 16;
constexpr double kFunctionPasses = 4; // exp, rsqrt, recip
constexpr uint64_t kBurst = 64;
constexpr int64_t kDram = -1; // the address space of DRAM in ranges

/// A byte range [lo, hi) in one address space (a core's SRAM or DRAM).
struct Range {
  int64_t space;
  uint64_t lo, hi;
  bool write;
};

/// The bytes a strided walk touches, as one bounding range.
bool walkRange(uint64_t base, const std::array<uint32_t, 4> &sizes,
               const std::array<int64_t, 4> &strides, uint64_t elem,
               uint64_t &lo, uint64_t &hi) {
  int64_t low = 0, high = 0;
  for (int d = 0; d < 4; ++d) {
    if (sizes[d] == 0)
      return false;
    int64_t span = int64_t(sizes[d] - 1) * strides[d];
    (span < 0 ? low : high) += span;
  }
  if (int64_t(base) + low < 0)
    return false;
  lo = base + low;
  hi = base + high + elem;
  return true;
}

struct Rows {
  uint64_t base;
  uint32_t outer, inner;
  int64_t outerStride, innerStride;
  uint64_t at(uint32_t r) const {
    return base + (r / inner) * outerStride + (r % inner) * innerStride;
  }
};

struct Active {
  uint32_t core;
  Engine engine;
  const Instruction *instr;
  double start, end; // end: compute and sync; DMA: set when it finishes
  bool dma = false;
  double latencyEnd = 0, remaining = 0;
  std::vector<Range> ranges;
  size_t index = 0;     // in its queue
  bool skipped = false; // guarded out: does nothing for one cycle
};

struct PendingSignal {
  double at;
  uint32_t core, semaphore;
};

} // namespace

Simulator::Simulator(const NpuConfig &config, SimOptions options)
    : config(config), options(options) {}

double Simulator::dramLatencyCycles() const {
  return config.dramLatencyNs * 1e-9 * config.clockHz;
}

double Simulator::matMulCycles(const MatMulDesc &mm) const {
  bool floatA = !matModeIsInteger(mm.mode);
  double rate = floatA ? config.bf16Rate : 1.0;
  // Weight-only: a weight tile holds one scale per column, so tiles of K
  // restart at each group boundary (a short group costs a whole tile).
  double kTiles = std::ceil(double(mm.k) / config.matrixRows);
  if (matModeIsWeightOnly(mm.mode) && mm.group) {
    uint64_t full = mm.k / mm.group, rest = mm.k % mm.group;
    kTiles = double(full) * std::ceil(double(mm.group) / config.matrixRows) +
             (rest ? std::ceil(double(rest) / config.matrixRows) : 0.0);
  }
  double nTiles = std::ceil(double(mm.n) / config.matrixCols);
  double tiles = kTiles * nTiles;
  // Each weight tile loads while the previous one streams, through a port
  // one bf16 row of the array wide (2 * cols bytes per cycle; int8 and
  // int4 weights pack more per cycle and widen as they load): a tile costs
  // at least its bytes over the port, so few rows of A (a decode step)
  // cannot stream tiles faster than they load.
  double tileK = std::min<double>(mm.k, config.matrixRows);
  double tileN = std::min<double>(mm.n, config.matrixCols);
  double weightBytes = mm.mode == MatMode::BF16xBF16 ? 2.0
                       : mm.mode == MatMode::BF16xI4 ? 0.5
                                                     : 1.0;
  double load =
      std::ceil(tileK * tileN * weightBytes / (2.0 * config.matrixCols));
  return tiles * std::max(mm.m / rate, load) + config.matrixRows +
         config.matrixCols;
}

double Simulator::vectorCycles(const VectorDesc &v) const {
  double perCycle = elemBytes(v.type) <= 2 ? 2.0 * config.vectorLanes
                                           : double(config.vectorLanes);
  // Conversions stream at the f32 rate; functions take four passes; a row
  // reduction adds its tree's depth per row. Each row starts on a fresh
  // lane group.
  if (v.op == VecOp::ToF32 || v.op == VecOp::ToBf16 || vecOpConverts(v.op))
    perCycle = double(config.vectorLanes);
  // 8-bit integer ops stream at the 8-bit rate, i32 sources at the lanes'.
  double perRow = std::ceil(double(v.n) / perCycle);
  if (v.op == VecOp::Exp || v.op == VecOp::Rsqrt || v.op == VecOp::Recip)
    perRow *= kFunctionPasses;
  if (vecOpIsRowReduction(v.op))
    perRow += std::ceil(std::log2(double(config.vectorLanes)));
  return double(v.outer) * std::max<uint32_t>(v.inner, 1) * perRow +
         kVectorLatency;
}

uint64_t Simulator::dramChargedBytes(const DmaDesc &d) {
  // The longest contiguous run: inner dimensions whose stride is the size
  // of everything inside them merge into one burst sequence.
  uint64_t run = d.elemBytes;
  int d0 = 3;
  for (; d0 >= 0 && d.dramStrides[d0] == int64_t(run); --d0)
    run *= d.sizes[d0];
  uint64_t runs = 1;
  for (int i = 0; i <= d0; ++i)
    runs *= d.sizes[i];
  return runs * std::max(run, kBurst);
}

namespace {

/// Checks an instruction against the machine and collects its ranges (the
/// rules that hold on any machine are validateInstruction's).
std::string describe(const Instruction &in, uint32_t core,
                     const NpuConfig &config, uint64_t dramBytes,
                     std::vector<Range> &ranges) {
  if (std::string e = validateInstruction(in); !e.empty())
    return e;
  uint64_t sram = config.sramBytes;
  auto add = [&](int64_t space, uint64_t lo, uint64_t hi, bool write,
                 const char *what) -> std::string {
    uint64_t limit = space == kDram ? dramBytes : sram;
    if (hi > limit || lo > hi)
      return std::string(what) + " [" + std::to_string(lo) + ", " +
             std::to_string(hi) + ") lies outside " +
             (space == kDram ? "DRAM" : "SRAM") + " (" +
             std::to_string(limit) + " bytes)";
    ranges.push_back({space, lo, hi, write});
    return "";
  };
  switch (in.opcode) {
  case Opcode::DmaLoad:
  case Opcode::DmaStore: {
    bool load = in.opcode == Opcode::DmaLoad;
    const DmaDesc &d = in.dma;
    uint64_t lo, hi;
    if (!walkRange(d.dram, d.sizes, d.dramStrides, d.elemBytes, lo, hi))
      return "DMA has a negative DRAM walk";
    if (auto e = add(kDram, lo, hi, !load, "DMA DRAM side"); !e.empty())
      return e;
    if (!walkRange(d.sram, d.sizes, d.sramStrides, d.elemBytes, lo, hi))
      return "DMA has a negative SRAM walk";
    return add(core, lo, hi, load, "DMA SRAM side");
  }
  case Opcode::MatMul: {
    const MatMulDesc &mm = in.mm;
    uint64_t aBytes = matModeIsInteger(mm.mode) ? 1 : 2;
    uint64_t lo, hi;
    if (!walkRange(mm.a, {1, mm.aOuter, mm.aInner, mm.k},
                   {0, mm.aOuterStride, mm.aInnerStride, int64_t(aBytes)},
                   aBytes, lo, hi))
      return "matmul A has a negative walk";
    if (auto e = add(core, lo, hi, false, "matmul A"); !e.empty())
      return e;
    if (!(mm.bTransposed
              ? walkRange(mm.b, {1, 1, mm.n, 1}, {0, 0, mm.bRowStride, 1},
                          2 * uint64_t(mm.k), lo, hi)
              : walkRange(mm.b, {1, 1, mm.k, 1}, {0, 0, mm.bRowStride, 1},
                          matBRowBytes(mm.mode, mm.n), lo, hi)))
      return "matmul B has a negative walk";
    if (auto e = add(core, lo, hi, false, "matmul B"); !e.empty())
      return e;
    if (matModeIsWeightOnly(mm.mode)) {
      uint64_t groups = (uint64_t(mm.k) + mm.group - 1) / mm.group;
      if (auto e = add(core, mm.scales, mm.scales + 4 * groups * mm.n, false,
                       "matmul scales");
          !e.empty())
        return e;
    }
    if (!walkRange(mm.c, {1, 1, mm.m, mm.n}, {0, 0, mm.cRowStride, 4}, 4, lo,
                   hi))
      return "matmul C has a negative walk";
    if (auto e = add(core, lo, hi, true, "matmul C"); !e.empty())
      return e;
    if (mm.store) {
      bool integer = matModeIsInteger(mm.mode);
      uint64_t ob = elemBytes(mm.outType);
      bool window = mm.outOuterStride != 0;
      if (!walkRange(mm.out,
                     {1, window ? mm.aOuter : 1, window ? mm.aInner : mm.m, mm.n},
                     {0, mm.outOuterStride, mm.outRowStride, int64_t(ob)}, ob,
                     lo, hi))
        return "matmul output has a negative walk";
      if (auto e = add(core, lo, hi, true, "matmul output"); !e.empty())
        return e;
      if (mm.hasBias)
        if (auto e = add(core, mm.bias, mm.bias + 4ull * mm.n, false,
                         "matmul bias");
            !e.empty())
          return e;
      if (integer && mm.outType != ElemType::I32)
        if (auto e = add(core, mm.requant, mm.requant + 8ull * mm.n, false,
                         "matmul requantization");
            !e.empty())
          return e;
    }
    return "";
  }
  case Opcode::Vector: {
    const VectorDesc &v = in.vec;
    if (v.n == 0)
      return "";
    // One bounding range per operand: the row walk (outer, then inner
    // rows) plus a row's bytes.
    auto operand = [&](uint64_t base, int64_t stride, int64_t innerStride,
                       uint64_t rowBytes, bool write,
                       const char *what) -> std::string {
      int64_t span = int64_t(v.outer - 1) * stride;
      int64_t innerSpan = int64_t(v.inner - 1) * innerStride;
      int64_t low = std::min<int64_t>(span, 0) + std::min<int64_t>(innerSpan, 0);
      int64_t high = std::max<int64_t>(span, 0) + std::max<int64_t>(innerSpan, 0);
      if (int64_t(base) + low < 0)
        return std::string(what) + " has a negative walk";
      return add(core, base + low, base + high + rowBytes, write, what);
    };
    uint64_t eb = elemBytes(v.type);
    uint64_t yb = elemBytes(vectorResultType(v));
    if (vecOpReadsA(v.op))
      if (auto e = operand(v.a, v.aStride, v.aInnerStride, v.n * eb, false,
                           "vector a");
          !e.empty())
        return e;
    if (vecOpIsBinary(v.op))
      if (auto e = operand(v.b, v.bStride, v.bInnerStride,
                           (v.bStep ? v.n : 1) * elemBytes(vectorBType(v)),
                           false, "vector b");
          !e.empty())
        return e;
    return operand(v.y, v.yStride, v.yInnerStride,
                   vecOpIsRowReduction(v.op) ? yb : v.n * yb, true,
                   "vector y");
  }
  case Opcode::Signal:
  case Opcode::Wait:
    if (in.opcode == Opcode::Signal && in.core >= config.cores)
      return "signal names core " + std::to_string(in.core) + " of " +
             std::to_string(config.cores);
    return "";
  }
  return "unknown opcode";
}

template <typename T> T load(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename T> void store(uint8_t *p, T v) { std::memcpy(p, &v, sizeof v); }

void execDma(const DmaDesc &d, bool toSram, uint8_t *sram, uint8_t *dram) {
  // Innermost rows contiguous on both sides move as one copy.
  bool rows = d.dramStrides[3] == int64_t(d.elemBytes) &&
              d.sramStrides[3] == int64_t(d.elemBytes);
  uint64_t chunk = rows ? uint64_t(d.sizes[3]) * d.elemBytes : d.elemBytes;
  uint32_t inner = rows ? 1 : d.sizes[3];
  if (rows && d.elements() == d.sizes[3] && chunk >= (uint64_t(1) << 20)) {
    // One long copy (weights): in parallel pieces. DMA sources and
    // destinations never overlap (DRAM and SRAM are apart).
    uint8_t *to = toSram ? sram + d.sram : dram + d.dram;
    const uint8_t *from = toSram ? dram + d.dram : sram + d.sram;
    const int64_t pieces = 16;
    int64_t piece = int64_t((chunk + pieces - 1) / pieces);
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < pieces; ++p) {
      int64_t at = p * piece;
      if (at < int64_t(chunk))
        std::memcpy(to + at, from + at,
                    std::min<int64_t>(piece, int64_t(chunk) - at));
    }
    return;
  }
  for (uint32_t i0 = 0; i0 < d.sizes[0]; ++i0)
    for (uint32_t i1 = 0; i1 < d.sizes[1]; ++i1)
      for (uint32_t i2 = 0; i2 < d.sizes[2]; ++i2)
        for (uint32_t i3 = 0; i3 < inner; ++i3) {
          uint64_t da = d.dram + i0 * d.dramStrides[0] + i1 * d.dramStrides[1] +
                        i2 * d.dramStrides[2] + i3 * d.dramStrides[3];
          uint64_t sa = d.sram + i0 * d.sramStrides[0] + i1 * d.sramStrides[1] +
                        i2 * d.sramStrides[2] + i3 * d.sramStrides[3];
          if (toSram)
            std::memmove(sram + sa, dram + da, chunk);
          else
            std::memmove(dram + da, sram + sa, chunk);
        }
}

/// n bf16 values (unaligned bytes) widened to f32: a shift, vectorizable.
void bf16RowToFloat(const uint8_t *src, float *dst, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, src + 2 * size_t(i), 2);
    uint32_t bits = uint32_t(h) << 16;
    std::memcpy(dst + i, &bits, 4);
  }
}

/// A[:, k0:k0+kn] * B[k0:k0+kn, :] in f32 (M x N, row-major), on oneDNN's
/// sgemm: the simulator's one heavy loop. B's f32 form is cached while its
/// SRAM bytes stay unwritten: a layer's row tiles share one weight tile.
void productsF32(const MatMulDesc &mm, const uint8_t *s, uint32_t k0,
                 uint32_t kn, Simulator::MatMulScratch &scratch,
                 float *into = nullptr, int64_t ldc = 0,
                 bool accumulate = false) {
  Rows rows{mm.a, mm.aOuter, mm.aInner, mm.aOuterStride, mm.aInnerStride};
  std::vector<float> &a = scratch.a, &c = scratch.c;
  a.resize(size_t(mm.m) * kn);
  if (!into)
    c.resize(size_t(mm.m) * mm.n);
  float *ap = a.data();
#pragma omp parallel for schedule(static) if (uint64_t(mm.m) * kn > (1u << 16))
  for (uint32_t r = 0; r < mm.m; ++r) {
    const uint8_t *ar = s + rows.at(r);
    float *ad = ap + size_t(r) * kn;
    if (!matModeIsInteger(mm.mode))
      bf16RowToFloat(ar + 2 * size_t(k0), ad, kn);
    else if (mm.mode == MatMode::U8xI8)
      for (uint32_t k = 0; k < kn; ++k)
        ad[k] = float(ar[k0 + k]);
    else
      for (uint32_t k = 0; k < kn; ++k)
        ad[k] = float(int8_t(ar[k0 + k]));
  }
  Simulator::MatMulScratch::BCache &bc = scratch.bCache;
  bool weightOnly = matModeIsWeightOnly(mm.mode);
  bool hit = bc.valid && bc.b == mm.b && bc.stride == mm.bRowStride &&
             bc.k0 == k0 && bc.kn == kn && bc.n == mm.n &&
             bc.mode == mm.mode && bc.transposed == mm.bTransposed &&
             (!weightOnly || (bc.scales == mm.scales && bc.group == mm.group));
  if (!hit) {
    bc.data.resize(size_t(kn) * mm.n);
    if (mm.bTransposed) // B's rows are columns: element (k, j) at row j
      for (uint32_t j = 0; j < mm.n; ++j) {
        const uint8_t *br = s + mm.b + int64_t(j) * mm.bRowStride;
        for (uint32_t k = 0; k < kn; ++k)
          bc.data[size_t(k) * mm.n + j] =
              bf16ToFloat(load<uint16_t>(br + 2 * size_t(k0 + k)));
      }
    for (uint32_t k = 0; k < kn && !mm.bTransposed; ++k) {
      const uint8_t *br = s + mm.b + int64_t(k0 + k) * mm.bRowStride;
      float *bd = &bc.data[size_t(k) * mm.n];
      if (mm.mode == MatMode::BF16xBF16) {
        bf16RowToFloat(br, bd, mm.n);
      } else if (weightOnly) {
        // Dequantized as it loads: q * scale, one f32 rounding.
        const uint8_t *sr =
            s + mm.scales + uint64_t((k0 + k) / mm.group) * mm.n * 4;
        for (uint32_t j = 0; j < mm.n; ++j) {
          int32_t q = mm.mode == MatMode::BF16xI8
                          ? int32_t(int8_t(br[j]))
                          : int32_t(int8_t(uint8_t(br[j / 2] >> (4 * (j % 2)))
                                           << 4) >> 4);
          bd[j] = float(q) * load<float>(sr + 4 * j);
        }
      } else {
        for (uint32_t j = 0; j < mm.n; ++j)
          bd[j] = float(int8_t(br[j]));
      }
    }
    int64_t bRows = mm.bTransposed ? int64_t(mm.n) : int64_t(k0 + kn);
    uint64_t lo = mm.b + uint64_t(std::min<int64_t>(
                             0, (bRows - 1) * mm.bRowStride));
    uint64_t hi = mm.b +
                  uint64_t(std::max<int64_t>(0, (bRows - 1) * mm.bRowStride)) +
                  (mm.bTransposed ? 2 * uint64_t(mm.k)
                                  : matBRowBytes(mm.mode, mm.n));
    if (weightOnly) {
      // A write to the scales also invalidates the cached weights.
      uint64_t groups = (uint64_t(mm.k) + mm.group - 1) / mm.group;
      lo = std::min(lo, mm.scales);
      hi = std::max(hi, mm.scales + 4 * groups * mm.n);
    }
    bc = {true,      mm.b,     mm.bRowStride, k0, kn, mm.n, mm.mode,
          mm.bTransposed, mm.scales, mm.group, lo, hi, std::move(bc.data)};
  }
  const float *bp = bc.data.data();
  if (into)
    dnnl_sgemm('N', 'N', mm.m, mm.n, kn, 1.0f, ap, kn, bp, mm.n,
               accumulate ? 1.0f : 0.0f, into, ldc);
  else
    dnnl_sgemm('N', 'N', mm.m, mm.n, kn, 1.0f, ap, kn, bp, mm.n, 0.0f,
               c.data(), mm.n);
}

} // namespace

/// oneDNN bf16 matmul primitives by shape. Their products are exact and
/// their sums f32, like the matrix engine's; only the order of the sums
/// differs from any other f32 GEMM.
struct Simulator::MatMulScratch::Bf16Gemms {
  struct Key {
    int64_t m, n, k, lda, ldb, ldc;
    bool accumulate;
    bool bTransposed = false; // B given as n rows of k, ldb apart
    bool operator<(const Key &o) const {
      return std::tie(m, n, k, lda, ldb, ldc, accumulate, bTransposed) <
             std::tie(o.m, o.n, o.k, o.lda, o.ldb, o.ldc, o.accumulate,
                      o.bTransposed);
    }
  };
  struct Entry {
    dnnl_primitive_t primitive = nullptr;
    dnnl_memory_t a = nullptr, b = nullptr, c = nullptr;
  };
  dnnl_engine_t engine = nullptr;
  dnnl_stream_t stream = nullptr;
  bool broken = false; // no bf16 matmul here: use the f32 path
  std::map<Key, Entry> entries;

  Bf16Gemms() {
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success ||
        dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) !=
            dnnl_success)
      broken = true;
  }
  ~Bf16Gemms() {
    for (auto &[key, e] : entries) {
      dnnl_memory_destroy(e.a);
      dnnl_memory_destroy(e.b);
      dnnl_memory_destroy(e.c);
      dnnl_primitive_destroy(e.primitive);
    }
    if (stream)
      dnnl_stream_destroy(stream);
    if (engine)
      dnnl_engine_destroy(engine);
  }

  Entry *get(const Key &key) {
    auto it = entries.find(key);
    if (it != entries.end())
      return it->second.primitive ? &it->second : nullptr;
    Entry e;
    dnnl_memory_desc_t a, b, c;
    dnnl_dims_t ad = {key.m, key.k}, as = {key.lda, 1};
    dnnl_dims_t bd = {key.k, key.n}, bs = {key.ldb, 1};
    if (key.bTransposed) {
      bs[0] = 1;
      bs[1] = key.ldb;
    }
    dnnl_dims_t cd = {key.m, key.n}, cs = {key.ldc, 1};
    dnnl_matmul_desc_t desc;
    dnnl_primitive_attr_t attr = nullptr;
    dnnl_post_ops_t post = nullptr;
    dnnl_primitive_desc_t pd = nullptr;
    bool ok =
        dnnl_memory_desc_init_by_strides(&a, 2, ad, dnnl_bf16, as) ==
            dnnl_success &&
        dnnl_memory_desc_init_by_strides(&b, 2, bd, dnnl_bf16, bs) ==
            dnnl_success &&
        dnnl_memory_desc_init_by_strides(&c, 2, cd, dnnl_f32, cs) ==
            dnnl_success &&
        dnnl_matmul_desc_init(&desc, &a, &b, nullptr, &c) == dnnl_success &&
        dnnl_primitive_attr_create(&attr) == dnnl_success;
    if (ok && key.accumulate)
      ok = dnnl_post_ops_create(&post) == dnnl_success &&
           dnnl_post_ops_append_sum(post, 1.0f) == dnnl_success &&
           dnnl_primitive_attr_set_post_ops(attr, post) == dnnl_success;
    ok = ok && dnnl_primitive_desc_create(&pd, &desc, attr, engine, nullptr) ==
                   dnnl_success;
    ok = ok && dnnl_primitive_create(&e.primitive, pd) == dnnl_success;
    ok = ok && dnnl_memory_create(&e.a, &a, engine, DNNL_MEMORY_NONE) ==
                   dnnl_success &&
         dnnl_memory_create(&e.b, &b, engine, DNNL_MEMORY_NONE) ==
             dnnl_success &&
         dnnl_memory_create(&e.c, &c, engine, DNNL_MEMORY_NONE) == dnnl_success;
    if (pd)
      dnnl_primitive_desc_destroy(pd);
    if (post)
      dnnl_post_ops_destroy(post);
    if (attr)
      dnnl_primitive_attr_destroy(attr);
    if (!ok) {
      if (e.primitive)
        dnnl_primitive_destroy(e.primitive);
      e = Entry{};
    }
    Entry &stored = entries[key] = e;
    return stored.primitive ? &stored : nullptr;
  }

  /// C = A * B (+ C): false when oneDNN cannot, so the caller falls back.
  bool run(const Key &key, const void *a, const void *b, float *c) {
    if (broken)
      return false;
    Entry *e = get(key);
    if (!e)
      return false;
    dnnl_memory_set_data_handle(e->a, const_cast<void *>(a));
    dnnl_memory_set_data_handle(e->b, const_cast<void *>(b));
    dnnl_memory_set_data_handle(e->c, c);
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, e->a},
                               {DNNL_ARG_WEIGHTS, e->b},
                               {DNNL_ARG_DST, e->c}};
    return dnnl_primitive_execute(e->primitive, stream, 3, args) ==
               dnnl_success &&
           dnnl_stream_wait(stream) == dnnl_success;
  }
};

namespace {

/// The bf16 product straight from SRAM on oneDNN's bf16 matmul: A's window
/// rows gathered as they are (no widening), B and C in place. False when
/// the shapes or oneDNN do not allow it.
bool bf16Product(const MatMulDesc &mm, uint8_t *s,
                 Simulator::MatMulScratch &scratch) {
  int64_t bRowElems = mm.bTransposed ? int64_t(mm.k) : int64_t(mm.n);
  if (mm.b % 2 || mm.bRowStride % 2 || mm.bRowStride < 2 * bRowElems ||
      mm.c % 4 || mm.cRowStride % 4 || mm.cRowStride < 4 * int64_t(mm.n))
    return false;
  if (!scratch.bf16)
    scratch.bf16 = std::make_shared<Simulator::MatMulScratch::Bf16Gemms>();
  Rows rows{mm.a, mm.aOuter, mm.aInner, mm.aOuterStride, mm.aInnerStride};
  scratch.aBf16.resize(size_t(mm.m) * mm.k);
  uint16_t *ap = scratch.aBf16.data();
  size_t rowBytes = size_t(mm.k) * 2;
#pragma omp parallel for schedule(static) if (uint64_t(mm.m) * mm.k > (1u << 16))
  for (uint32_t r = 0; r < mm.m; ++r)
    std::memcpy(ap + size_t(r) * mm.k, s + rows.at(r), rowBytes);
  Simulator::MatMulScratch::Bf16Gemms::Key key{
      mm.m, mm.n, mm.k, mm.k, mm.bRowStride / 2, mm.cRowStride / 4,
      mm.accumulate, mm.bTransposed};
  return scratch.bf16->run(key, ap, s + mm.b,
                           reinterpret_cast<float *>(s + mm.c));
}

void execMatMul(const MatMulDesc &mm, uint8_t *s,
                Simulator::MatMulScratch &scratch) {
  bool integer = matModeIsInteger(mm.mode);
  std::vector<float> &c = scratch.c;
  if (integer) {
    // Blocks of K whose sums stay below 2^24 (|product| < 2^15): f32 holds
    // every partial sum exactly, in any order, so the block sums are exact
    // integers; i32 accumulation across blocks wraps modulo 2^32.
    constexpr uint32_t kBlock = 512;
    for (uint32_t k0 = 0; k0 < mm.k; k0 += kBlock) {
      productsF32(mm, s, k0, std::min(kBlock, mm.k - k0), scratch);
      bool first = k0 == 0 && !mm.accumulate;
      for (uint32_t r = 0; r < mm.m; ++r) {
        uint8_t *cr = s + mm.c + r * mm.cRowStride;
        for (uint32_t j = 0; j < mm.n; ++j) {
          uint32_t sum = uint32_t(int32_t(c[size_t(r) * mm.n + j]));
          store<uint32_t>(cr + 4 * j,
                          first ? sum : load<uint32_t>(cr + 4 * j) + sum);
        }
      }
    }
  } else if (mm.mode == MatMode::BF16xBF16 && bf16Product(mm, s, scratch)) {
    // done on oneDNN's bf16 matmul
  } else if (mm.c % 4 == 0 && mm.cRowStride % 4 == 0 &&
             mm.cRowStride >= int64_t(4) * mm.n) {
    // Float sums accumulate straight into C, in place.
    productsF32(mm, s, 0, mm.k, scratch, reinterpret_cast<float *>(s + mm.c),
                mm.cRowStride / 4, mm.accumulate);
  } else {
    productsF32(mm, s, 0, mm.k, scratch);
    for (uint32_t r = 0; r < mm.m; ++r) {
      uint8_t *cr = s + mm.c + r * mm.cRowStride;
      for (uint32_t j = 0; j < mm.n; ++j)
        store<float>(cr + 4 * j, c[size_t(r) * mm.n + j] +
                                     (mm.accumulate ? load<float>(cr + 4 * j)
                                                    : 0.0f));
    }
  }
  if (!mm.store)
    return;
  if (!integer && mm.outType == ElemType::BF16) {
    // The float output stage, row by row (vectorizes; rows in parallel).
#pragma omp parallel for schedule(static) if (uint64_t(mm.m) * mm.n > (1u << 16))
    for (uint32_t r = 0; r < mm.m; ++r) {
      const uint8_t *cr = s + mm.c + r * mm.cRowStride;
      uint64_t row = mm.outOuterStride
                         ? (r / mm.aInner) * mm.outOuterStride +
                               (r % mm.aInner) * mm.outRowStride
                         : r * mm.outRowStride;
      uint8_t *o = s + mm.out + row;
      const uint8_t *bias = s + mm.bias;
      for (uint32_t j = 0; j < mm.n; ++j) {
        float v = load<float>(cr + 4 * j) * mm.scale;
        if (mm.hasBias)
          v += load<float>(bias + 4 * j);
        if (mm.relu)
          v = v > 0 ? v : (v == v ? 0.0f : v);
        store<uint16_t>(o + 2 * j, floatToBf16(v));
      }
    }
    return;
  }
  for (uint32_t r = 0; r < mm.m; ++r)
    for (uint32_t j = 0; j < mm.n; ++j) {
      uint8_t *c = s + mm.c + r * mm.cRowStride + 4 * j;
      uint64_t row = mm.outOuterStride
                         ? (r / mm.aInner) * mm.outOuterStride +
                               (r % mm.aInner) * mm.outRowStride
                         : r * mm.outRowStride;
      uint8_t *o = s + mm.out + row + elemBytes(mm.outType) * j;
      if (integer) {
        int32_t v = load<int32_t>(c);
        if (mm.hasBias)
          v = int32_t(uint32_t(v) + uint32_t(load<int32_t>(s + mm.bias + 4 * j)));
        if (mm.outType == ElemType::I32) {
          store<int32_t>(o, v);
          continue;
        }
        Multiplier mult{load<int32_t>(s + mm.requant + 8 * j),
                        load<int32_t>(s + mm.requant + 8 * j + 4)};
        // Out-of-range multipliers are the compiler's bug; clamp to the
        // defined range rather than shift by an undefined amount.
        mult.m = std::max(mult.m, 0);
        mult.shift = std::clamp(mult.shift, 0, kMaxShift);
        int32_t q = requantize(v, mult, mm.zeroPoint, mm.clampLo, mm.clampHi);
        if (mm.outType == ElemType::U8)
          *o = uint8_t(q);
        else
          *o = uint8_t(int8_t(q));
      } else {
        float v = load<float>(c) * mm.scale;
        if (mm.hasBias)
          v += load<float>(s + mm.bias + 4 * j);
        if (mm.relu)
          v = v > 0 ? v : (v == v ? 0.0f : v);
        if (mm.outType == ElemType::BF16)
          store<uint16_t>(o, floatToBf16(v));
        else
          store<float>(o, v);
      }
    }
}

template <typename T, typename F>
void vectorLoop(const VectorDesc &v, uint8_t *s, F f) {
  int eb = sizeof(T);
  bool unary = v.op == VecOp::Relu || v.op == VecOp::Copy;
  for (uint32_t o = 0; o < v.outer; ++o) {
    uint8_t *ya = s + v.y + o * v.yStride;
    const uint8_t *aa = s + v.a + o * v.aStride;
    const uint8_t *ba = s + v.b + o * v.bStride;
    for (uint64_t i = 0; i < v.n; ++i) {
      T a = load<T>(aa + i * eb);
      T b = unary ? T() : load<T>(ba + (v.bStep ? i : 0) * eb);
      store<T>(ya + i * eb, f(a, b));
    }
  }
}

/// bf16 rows with the op (and whether b is one broadcast element) fixed at
/// compile time, so the loop vectorizes: widen (a shift), compute in f32,
/// round to nearest even once.
template <VecOp Op, bool BroadcastB>
void bf16Rows(const VectorDesc &v, uint8_t *s) {
  for (uint32_t o = 0; o < v.outer; ++o) {
    uint16_t *y = reinterpret_cast<uint16_t *>(s + v.y + o * v.yStride);
    const uint16_t *a =
        reinterpret_cast<const uint16_t *>(s + v.a + o * v.aStride);
    const uint16_t *b =
        reinterpret_cast<const uint16_t *>(s + v.b + o * v.bStride);
    float b0 = Op == VecOp::Relu ? 0.0f : bf16ToFloat(b[0]);
    for (uint64_t i = 0; i < v.n; ++i) {
      float fa = bf16ToFloat(a[i]);
      float fb = Op == VecOp::Relu || BroadcastB ? b0 : bf16ToFloat(b[i]);
      float r;
      if constexpr (Op == VecOp::Add)
        r = fa + fb;
      else if constexpr (Op == VecOp::Sub)
        r = fa - fb;
      else if constexpr (Op == VecOp::Mul)
        r = fa * fb;
      else if constexpr (Op == VecOp::Max)
        r = fa > fb ? fa : fb;
      else if constexpr (Op == VecOp::Min)
        r = fa < fb ? fa : fb;
      else
        r = fa > 0.0f ? fa : 0.0f;
      y[i] = floatToBf16(r);
    }
  }
}

template <VecOp Op> void bf16Rows(const VectorDesc &v, uint8_t *s) {
  if (v.bStep == 0)
    bf16Rows<Op, true>(v, s);
  else
    bf16Rows<Op, false>(v, s);
}

/// exp, rsqrt, recip, the row reductions and the conversions: f32 math
/// (bf16 widened exactly, results rounded once); sums run in index order.
void execFunction(const VectorDesc &v, uint8_t *s) {
  bool bf16 = v.type == ElemType::BF16;
  auto read = [&](const uint8_t *p) {
    return bf16 ? bf16ToFloat(load<uint16_t>(p)) : load<float>(p);
  };
  ElemType out = vecOpResultType(v.op, v.type);
  auto write = [&](uint8_t *p, float f) {
    if (out == ElemType::BF16)
      store<uint16_t>(p, floatToBf16(f));
    else
      store<float>(p, f);
  };
  int eb = elemBytes(v.type), yb = elemBytes(out);
  for (uint32_t o = 0; o < v.outer; ++o) {
    const uint8_t *a = s + v.a + o * v.aStride;
    uint8_t *y = s + v.y + o * v.yStride;
    if (vecOpIsRowReduction(v.op)) {
      float r = v.op == VecOp::RowSum ? 0.0f : -INFINITY;
      for (uint64_t i = 0; i < v.n; ++i) {
        float x = read(a + i * eb);
        r = v.op == VecOp::RowSum ? r + x : (x > r || x != x ? x : r);
      }
      write(y, r);
      continue;
    }
    for (uint64_t i = 0; i < v.n; ++i) {
      float x = read(a + i * eb);
      float r = v.op == VecOp::Exp     ? std::exp(x)
                : v.op == VecOp::Rsqrt ? 1.0f / std::sqrt(x)
                : v.op == VecOp::Recip ? 1.0f / x
                                       : x; // conversions
      write(y + i * yb, r);
    }
  }
}

/// requant and qadd: exact integers through Requantize.h.
void execInteger(const VectorDesc &v, uint8_t *s) {
  auto read = [](ElemType t, const uint8_t *p) -> int32_t {
    switch (t) {
    case ElemType::I8: return int8_t(*p);
    case ElemType::U8: return *p;
    default: return load<int32_t>(p);
    }
  };
  Multiplier mult{v.multiplier, v.shift};
  int ab = elemBytes(v.type), bb = elemBytes(v.bType);
  for (uint32_t o = 0; o < v.outer; ++o) {
    const uint8_t *a = s + v.a + o * v.aStride;
    const uint8_t *b = s + v.b + o * v.bStride;
    uint8_t *y = s + v.y + o * v.yStride;
    for (uint64_t i = 0; i < v.n; ++i) {
      int32_t acc = read(v.type, a + i * ab) - v.zeroA;
      if (v.op == VecOp::QAdd)
        acc = acc * v.mulA +
              (read(v.bType, b + (v.bStep ? i : 0) * bb) - v.zeroB) * v.mulB;
      y[i] = uint8_t(requantize(acc, mult, v.zeroY, v.clampLo, v.clampHi));
    }
  }
}

/// quantize and dequantize, in f32.
void execConvert(const VectorDesc &v, uint8_t *s) {
  int ab = elemBytes(v.type), yb = elemBytes(v.outType);
  for (uint32_t o = 0; o < v.outer; ++o) {
    const uint8_t *a = s + v.a + o * v.aStride;
    uint8_t *y = s + v.y + o * v.yStride;
    for (uint64_t i = 0; i < v.n; ++i) {
      if (v.op == VecOp::Quantize) {
        float x = v.type == ElemType::BF16
                      ? bf16ToFloat(load<uint16_t>(a + i * ab))
                      : load<float>(a + i * ab);
        // NaN quantizes to the zero point (it has no 8-bit value).
        float q = x == x ? std::nearbyint(x / v.scale) + float(v.zeroY)
                         : float(v.zeroY);
        q = std::min(std::max(q, float(v.clampLo)), float(v.clampHi));
        y[i] = uint8_t(int32_t(q));
      } else {
        int32_t q = v.type == ElemType::I8 ? int32_t(int8_t(a[i])) : a[i];
        float r = float(q - v.zeroA) * v.scale;
        if (v.outType == ElemType::BF16)
          store<uint16_t>(y + i * yb, floatToBf16(r));
        else
          store<float>(y + i * yb, r);
      }
    }
  }
}

/// fill and mask (f32 or bf16); `q0` is the first row's query position.
void execFillMask(const VectorDesc &v, uint8_t *s, int64_t q0) {
  bool bf16 = v.type == ElemType::BF16;
  int eb = elemBytes(v.type);
  auto write = [&](uint8_t *p, float f) {
    if (bf16)
      store<uint16_t>(p, floatToBf16(f));
    else
      store<float>(p, f);
  };
  for (uint32_t o = 0; o < v.outer; ++o) {
    uint8_t *y = s + v.y + o * v.yStride;
    if (v.op == VecOp::Fill) {
      for (uint64_t i = 0; i < v.n; ++i)
        write(y + i * eb, v.scale);
      continue;
    }
    const uint8_t *a = s + v.a + o * v.aStride;
    int64_t q = q0 + int64_t(o);
    // Keys [lo, hi] are visible: k <= q, and k > q - window.
    int64_t hi = q - v.keyBase;
    int64_t lo = v.window ? q - int64_t(v.window) + 1 - v.keyBase
                          : std::numeric_limits<int64_t>::min();
    for (uint64_t i = 0; i < v.n; ++i) {
      bool visible = int64_t(i) <= hi && int64_t(i) >= lo;
      if (!visible)
        write(y + i * eb, -INFINITY);
      else if (y + i * eb != a + i * eb)
        std::memmove(y + i * eb, a + i * eb, eb);
    }
  }
}

void execVector(const VectorDesc &v, uint8_t *s,
                const std::vector<int64_t> &params) {
  if (v.inner > 1) {
    // Inner rows: the same instruction at each inner offset.
    for (uint32_t j = 0; j < v.inner; ++j) {
      VectorDesc row = v;
      row.inner = 1;
      row.a += j * v.aInnerStride;
      row.b += j * v.bInnerStride;
      row.y += j * v.yInnerStride;
      execVector(row, s, params);
    }
    return;
  }
  if (v.op == VecOp::Fill || v.op == VecOp::Mask)
    return execFillMask(v, s,
                        v.op == VecOp::Mask
                            ? params[v.maskParam] + v.queryBase
                            : 0);
  if (vecOpIsInteger(v.op))
    return execInteger(v, s);
  if (vecOpConverts(v.op))
    return execConvert(v, s);
  if (v.op >= VecOp::Exp)
    return execFunction(v, s);
  if (v.op == VecOp::Copy) { // bit for bit, whatever the type
    uint64_t bytes = v.n * elemBytes(v.type);
    for (uint32_t o = 0; o < v.outer; ++o)
      std::memmove(s + v.y + o * v.yStride, s + v.a + o * v.aStride, bytes);
    return;
  }
  if (v.type == ElemType::BF16) {
    switch (v.op) {
    case VecOp::Add: return bf16Rows<VecOp::Add>(v, s);
    case VecOp::Sub: return bf16Rows<VecOp::Sub>(v, s);
    case VecOp::Mul: return bf16Rows<VecOp::Mul>(v, s);
    case VecOp::Max: return bf16Rows<VecOp::Max>(v, s);
    case VecOp::Min: return bf16Rows<VecOp::Min>(v, s);
    case VecOp::Relu: return bf16Rows<VecOp::Relu>(v, s);
    default: break;
    }
  }
  auto apply = [&](auto a, auto b) {
    using T = decltype(a);
    switch (v.op) {
    case VecOp::Add: return T(a + b);
    case VecOp::Sub: return T(a - b);
    case VecOp::Mul: return T(a * b);
    case VecOp::Max: return a > b ? a : b;
    case VecOp::Min: return a < b ? a : b;
    case VecOp::Relu: return a > T(0) ? a : T(0);
    default: return a; // Copy; the functions run in execFunction
    }
  };
  switch (v.type) {
  case ElemType::F32:
    vectorLoop<float>(v, s, apply);
    break;
  case ElemType::I32: // wraps, like the accumulators
    vectorLoop<uint32_t>(v, s, [&](uint32_t a, uint32_t b) {
      if (v.op == VecOp::Max || v.op == VecOp::Min || v.op == VecOp::Relu)
        return uint32_t(apply(int32_t(a), int32_t(b)));
      return apply(a, b);
    });
    break;
  case ElemType::BF16: // computed in f32, rounded once
    vectorLoop<uint16_t>(v, s, [&](uint16_t a, uint16_t b) {
      return floatToBf16(apply(bf16ToFloat(a), bf16ToFloat(b)));
    });
    break;
  case ElemType::I8: // saturating
    vectorLoop<int8_t>(v, s, [&](int8_t a, int8_t b) {
      return int8_t(std::clamp<int32_t>(apply(int32_t(a), int32_t(b)), -128, 127));
    });
    break;
  case ElemType::U8:
    vectorLoop<uint8_t>(v, s, [&](uint8_t a, uint8_t b) {
      return uint8_t(std::clamp<int32_t>(apply(int32_t(a), int32_t(b)), 0, 255));
    });
    break;
  }
}

bool overlaps(const Range &x, const Range &y) {
  return x.space == y.space && x.lo < y.hi && y.lo < x.hi &&
         (x.write || y.write);
}

/// The contiguous byte runs a DMA walks in DRAM, sorted; empty when there
/// are too many to list (the caller then keeps the bounding range).
std::vector<std::pair<uint64_t, uint64_t>> dramRuns(const DmaDesc &d) {
  std::vector<std::pair<uint64_t, uint64_t>> runs;
  bool rows = d.dramStrides[3] == int64_t(d.elemBytes);
  uint64_t bytes = rows ? uint64_t(d.sizes[3]) * d.elemBytes : d.elemBytes;
  uint32_t inner = rows ? 1 : d.sizes[3];
  uint64_t count = uint64_t(d.sizes[0]) * d.sizes[1] * d.sizes[2] * inner;
  if (count > (uint64_t(1) << 20))
    return runs;
  runs.reserve(count);
  for (uint32_t i0 = 0; i0 < d.sizes[0]; ++i0)
    for (uint32_t i1 = 0; i1 < d.sizes[1]; ++i1)
      for (uint32_t i2 = 0; i2 < d.sizes[2]; ++i2)
        for (uint32_t i3 = 0; i3 < inner; ++i3) {
          uint64_t at = d.dram + i0 * d.dramStrides[0] + i1 * d.dramStrides[1] +
                        i2 * d.dramStrides[2] + i3 * d.dramStrides[3];
          runs.push_back({at, at + bytes});
        }
  std::sort(runs.begin(), runs.end());
  return runs;
}

/// Whether two DMAs' DRAM walks share a byte, exactly: two cores storing
/// interleaved channel slices of one tensor have overlapping bounding
/// ranges but disjoint bytes.
bool dmaWalksOverlap(const DmaDesc &a, const DmaDesc &b) {
  std::vector<std::pair<uint64_t, uint64_t>> x = dramRuns(a), y = dramRuns(b);
  if (x.empty() || y.empty())
    return true; // too many runs to list: stay conservative
  size_t i = 0, j = 0;
  while (i < x.size() && j < y.size()) {
    if (x[i].first < y[j].second && y[j].first < x[i].second)
      return true;
    if (x[i].second <= y[j].second)
      ++i;
    else
      ++j;
  }
  return false;
}

bool isDma(const Instruction &in) {
  return in.opcode == Opcode::DmaLoad || in.opcode == Opcode::DmaStore;
}

} // namespace

DeviceMemory::~DeviceMemory() { release(); }

void DeviceMemory::release() {
  if (base)
    munmap(base, bytes);
  base = nullptr;
  bytes = 0;
}

bool DeviceMemory::allocate(uint64_t size) {
  release();
  if (size == 0)
    return true;
  void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return false;
  base = static_cast<uint8_t *>(p);
  bytes = size;
  return true;
}

std::string Simulator::run(const Program &program, uint8_t *dram,
                           uint64_t dramSize, SimResult &result,
                           const std::vector<int64_t> &params) {
  result = SimResult{};
  if (params.size() < program.params)
    return "the program reads " + std::to_string(program.params) +
           " run-time parameters; the run supplies " +
           std::to_string(params.size());
  int cores = program.cores;
  if (cores < 1 || cores > config.cores || (int)program.queues.size() != cores)
    return "the program uses " + std::to_string(cores) + " cores; the " +
           config.name + " NPU has " + std::to_string(config.cores);
  if (options.functional && dramSize < program.dramBytes)
    return "device memory holds " + std::to_string(dramSize) +
           " bytes; the program addresses " + std::to_string(program.dramBytes);
  uint64_t dramLimit = options.functional ? dramSize : program.dramBytes;
  auto where = [&](uint32_t core, int e, size_t index) {
    const Instruction &in = program.queues[core][e][index];
    std::string tag = in.tag < program.tags.size() ? program.tags[in.tag] : "";
    return "core " + std::to_string(core) + " " + engineName(Engine(e)) +
           " instruction " + std::to_string(index) +
           (tag.empty() ? "" : " (" + tag + ")");
  };
  // Check every instruction before running any, and bound the work the
  // functional model would do (a watchdog against programs that are valid
  // but would run for hours).
  constexpr double kMaxFunctionalWork = double(uint64_t(1) << 40);
  double work = 0;
  std::vector<std::array<std::vector<std::vector<Range>>, kEngines>> ranges(cores);
  // Instructions as this run sees them: those that read run-time
  // parameters resolved (DMA offsets applied), guarded-out ones skipped.
  std::vector<std::array<std::vector<const Instruction *>, kEngines>> instr(
      cores);
  std::vector<std::array<std::vector<char>, kEngines>> skipped(cores);
  std::deque<Instruction> resolved;
  for (int c = 0; c < cores; ++c)
    for (int e = 0; e < kEngines; ++e) {
      const auto &queue = program.queues[c][e];
      ranges[c][e].resize(queue.size());
      instr[c][e].resize(queue.size());
      skipped[c][e].assign(queue.size(), 0);
      for (size_t i = 0; i < queue.size(); ++i) {
        if (queue[i].engine != Engine(e) &&
            queue[i].opcode != Opcode::Signal && queue[i].opcode != Opcode::Wait)
          return where(c, e, i) + ": queued on the " + engineName(Engine(e)) +
                 " engine but meant for the " + engineName(queue[i].engine);
        if (std::string error = validateParams(queue[i], program.params);
            !error.empty())
          return where(c, e, i) + ": " + error;
        instr[c][e][i] = &queue[i];
        if (instructionIsDynamic(queue[i])) {
          const Instruction &q = queue[i];
          if (q.guardParam >= 0 && (params[q.guardParam] < q.guardMin ||
                                    params[q.guardParam] > q.guardMax)) {
            skipped[c][e][i] = 1;
            continue;
          }
          if ((q.opcode == Opcode::DmaLoad || q.opcode == Opcode::DmaStore) &&
              q.dma.dramParam >= 0) {
            Instruction r = q;
            __int128 at = __int128(q.dma.dram) +
                          __int128(params[q.dma.dramParam]) *
                              q.dma.dramParamStride;
            if (at < 0 || at > __int128(dramLimit))
              return where(c, e, i) + ": DMA at DRAM offset " +
                     std::to_string(int64_t(at)) +
                     " (run-time parameter " +
                     std::to_string(q.dma.dramParam) + " = " +
                     std::to_string(params[q.dma.dramParam]) +
                     ") lies outside DRAM";
            r.dma.dram = uint64_t(at);
            resolved.push_back(r);
            instr[c][e][i] = &resolved.back();
          }
        }
        std::string error =
            describe(*instr[c][e][i], c, config, dramLimit, ranges[c][e][i]);
        if (!error.empty())
          return where(c, e, i) + ": " + error;
        const Instruction &in = *instr[c][e][i];
        if (in.opcode == Opcode::DmaLoad || in.opcode == Opcode::DmaStore)
          work += double(in.dma.sizes[0]) * in.dma.sizes[1] *
                  in.dma.sizes[2] * in.dma.sizes[3];
        else if (in.opcode == Opcode::MatMul)
          work += double(in.mm.m) * in.mm.n * in.mm.k;
        else if (in.opcode == Opcode::Vector)
          work += double(in.vec.n) * std::max<uint32_t>(in.vec.outer, 1);
      }
    }
  if (options.functional && work > kMaxFunctionalWork)
    return "watchdog: the program does about " +
           std::to_string(uint64_t(work)) +
           " element operations, more than the functional simulator's 2^40 "
           "limit; --device=sim-timing estimates its time without computing "
           "values";

  // SRAM persists between runs (a program may not read what it did not
  // write, so its contents do not matter); allocating it afresh each run
  // cost more than some programs' arithmetic.
  std::vector<std::vector<uint8_t>> &sram = sram_;
  if (options.functional && sram.size() < size_t(cores))
    sram.resize(cores);
  if (options.functional)
    for (int c = 0; c < cores; ++c)
      if (sram[c].size() != size_t(config.sramBytes))
        sram[c].assign(config.sramBytes, 0);
  result.busyCycles.assign(cores, {0, 0, 0, 0});
  result.tags.assign(program.tags.size(), TagStats{});
  std::vector<std::array<uint32_t, kSemaphores>> semaphores(cores);
  for (auto &s : semaphores)
    s.fill(0);
  std::vector<std::array<size_t, kEngines>> next(cores);
  std::vector<std::array<bool, kEngines>> busy(cores);
  for (int c = 0; c < cores; ++c) {
    next[c].fill(0);
    busy[c].fill(false);
  }
  std::vector<Active> active;
  std::vector<PendingSignal> signals;
  double now = 0;
  double dramPerCycle = config.dramBandwidth / config.clockHz;
  double latency = dramLatencyCycles();

  auto tagStats = [&](const Instruction &in) -> TagStats * {
    return in.tag < result.tags.size() ? &result.tags[in.tag] : nullptr;
  };

  while (true) {
    // Start everything that can start now.
    for (int c = 0; c < cores; ++c)
      for (int e = 0; e < kEngines; ++e) {
        if (busy[c][e] || next[c][e] >= program.queues[c][e].size())
          continue;
        size_t index = next[c][e];
        const Instruction &in = *instr[c][e][index];
        if (in.opcode == Opcode::Wait && semaphores[c][in.semaphore] < in.value)
          continue;
        Active a{uint32_t(c), Engine(e), &in, now, now, false, 0, 0,
                 ranges[c][e][index], index, skipped[c][e][index] != 0};
        for (const Active &other : active)
          for (const Range &x : a.ranges)
            for (const Range &y : other.ranges)
              if (overlaps(x, y) &&
                  !(x.space == kDram && isDma(in) && isDma(*other.instr) &&
                    !dmaWalksOverlap(in.dma, other.instr->dma)))
                return "race: " + where(c, e, index) + " " +
                       (x.write ? "writes" : "reads") + " " +
                       (x.space == kDram ? "DRAM" : "SRAM") + " bytes that " +
                       where(other.core, int(other.engine), other.index) +
                       (y.write ? " writes" : " reads") +
                       " at the same time; order them with signal and wait";
        switch (a.skipped ? Opcode::Wait : in.opcode) {
        case Opcode::DmaLoad:
        case Opcode::DmaStore:
          a.dma = true;
          a.latencyEnd = now + latency;
          a.remaining = double(dramChargedBytes(in.dma));
          a.end = std::numeric_limits<double>::infinity();
          break;
        case Opcode::MatMul:
          a.end = now + matMulCycles(in.mm);
          break;
        case Opcode::Vector:
          a.end = now + vectorCycles(in.vec);
          break;
        case Opcode::Signal:
        case Opcode::Wait:
          a.end = now + kSyncCycles;
          break;
        }
        busy[c][e] = true;
        active.push_back(std::move(a));
      }

    if (active.empty()) {
      bool done = true;
      for (int c = 0; c < cores; ++c)
        for (int e = 0; e < kEngines; ++e)
          if (next[c][e] < program.queues[c][e].size()) {
            const Instruction &in = program.queues[c][e][next[c][e]];
            if (signals.empty())
              return "deadlock: " + where(c, e, next[c][e]) +
                     " waits for semaphore " + std::to_string(in.semaphore) +
                     " to reach " + std::to_string(in.value) + " (it is " +
                     std::to_string(semaphores[c][in.semaphore]) +
                     ") and nothing left can signal it";
            done = false;
          }
      if (done && signals.empty())
        break;
    }

    // The next event.
    int streaming = 0;
    for (const Active &a : active)
      if (a.dma && a.latencyEnd <= now)
        ++streaming;
    double rate = streaming ? std::min(double(config.dmaBytesPerCycle),
                                       dramPerCycle / streaming)
                            : 0;
    double t = std::numeric_limits<double>::infinity();
    for (const Active &a : active) {
      if (!a.dma)
        t = std::min(t, a.end);
      else if (a.latencyEnd > now)
        t = std::min(t, a.latencyEnd);
      else
        t = std::min(t, now + a.remaining / rate);
    }
    for (const PendingSignal &s : signals)
      t = std::min(t, s.at);
    for (Active &a : active)
      if (a.dma && a.latencyEnd <= now)
        a.remaining -= rate * (t - now);
    now = t;

    for (size_t i = 0; i < signals.size();) {
      if (signals[i].at <= now) {
        ++semaphores[signals[i].core][signals[i].semaphore];
        signals[i] = signals.back();
        signals.pop_back();
      } else {
        ++i;
      }
    }
    // Complete what has finished, in a fixed order (core, engine).
    std::sort(active.begin(), active.end(), [](const Active &x, const Active &y) {
      return x.core != y.core ? x.core < y.core : x.engine < y.engine;
    });
    for (size_t i = 0; i < active.size();) {
      Active &a = active[i];
      bool finished = a.dma ? a.latencyEnd <= now && a.remaining <= 1e-6
                            : a.end <= now;
      if (!finished) {
        ++i;
        continue;
      }
      a.end = now;
      const Instruction &in = *a.instr;
      if (a.skipped) { // guarded out: a cycle of the queue, nothing else
        result.busyCycles[a.core][int(a.engine)] += kSyncCycles;
        busy[a.core][int(a.engine)] = false;
        ++next[a.core][int(a.engine)];
        active.erase(active.begin() + i);
        continue;
      }
      TagStats *stats = tagStats(in);
      double cycles = a.end - a.start;
      if (in.opcode == Opcode::Wait || in.opcode == Opcode::Signal)
        cycles = kSyncCycles; // waiting is idle time, not work
      result.busyCycles[a.core][int(a.engine)] += cycles;
      uint64_t macs = 0, read = 0, written = 0;
      // The memory the instruction touches, described once when needed.
      std::vector<Range> touched;
      bool described = false;
      auto touchedRanges = [&]() -> const std::vector<Range> & {
        if (!described)
          describe(in, a.core, config, dramLimit, touched);
        described = true;
        return touched;
      };
      if (options.functional && scratch_.bCache.valid &&
          scratch_.bCache.core == a.core) {
        // Whatever this instruction writes in SRAM may be the cached B.
        for (const Range &r : touchedRanges())
          if (r.write && r.space == int64_t(a.core) &&
              r.lo < scratch_.bCache.hi && scratch_.bCache.lo < r.hi)
            scratch_.bCache.valid = false;
      }
      switch (in.opcode) {
      case Opcode::DmaLoad:
        read = dramChargedBytes(in.dma);
        if (options.functional)
          execDma(in.dma, true, sram[a.core].data(), dram);
        break;
      case Opcode::DmaStore:
        written = dramChargedBytes(in.dma);
        if (options.functional)
          execDma(in.dma, false, sram[a.core].data(), dram);
        break;
      case Opcode::MatMul:
        macs = uint64_t(in.mm.m) * in.mm.n * in.mm.k;
        if (options.functional) {
          if (scratch_.bCache.core != a.core)
            scratch_.bCache.valid = false; // another core's SRAM
          execMatMul(in.mm, sram[a.core].data(), scratch_);
          scratch_.bCache.core = a.core;
        }
        break;
      case Opcode::Vector:
        if (options.functional)
          execVector(in.vec, sram[a.core].data(), params);
        break;
      case Opcode::Signal:
        if (in.core == a.core)
          ++semaphores[a.core][in.semaphore];
        else
          signals.push_back({now + kCrossCoreSignalCycles, in.core, in.semaphore});
        break;
      case Opcode::Wait:
        break;
      }
      result.macs += macs;
      result.dramReadBytes += read;
      result.dramWriteBytes += written;
      if (stats) {
        stats->busyCycles += cycles;
        stats->engineBusy[int(a.engine)] += cycles;
        // The SRAM footprint, for the profile's residency view (reports
        // only: the compiler's cost-model runs skip it).
        if (options.trace) {
          if (stats->sram.empty())
            stats->sram.assign(program.cores, {UINT64_MAX, 0});
          for (const Range &r : touchedRanges())
            if (r.space >= 0 && r.space < int64_t(stats->sram.size())) {
              auto &[lo, hi] = stats->sram[r.space];
              lo = std::min(lo, r.lo);
              hi = std::max(hi, r.hi);
            }
        }
        stats->first = stats->first < 0 ? a.start : std::min(stats->first, a.start);
        stats->last = std::max(stats->last, a.end);
        stats->macs += macs;
        stats->dramRead += read;
        stats->dramWrite += written;
      }
      if (options.trace)
        result.trace.push_back(
            {a.core, a.engine, in.opcode, in.tag, a.start, a.end});
      busy[a.core][int(a.engine)] = false;
      ++next[a.core][int(a.engine)];
      active.erase(active.begin() + i);
    }
  }
  result.cycles = now;
  result.seconds = now / config.clockHz;
  return "";
}

} // namespace gaon::npu
