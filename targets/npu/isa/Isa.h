//===- Isa.h - the NPU instruction set, decoded ----------------*- C++ -*-===//
//
// The decoded form of docs/npu.md's instruction set: one struct per
// instruction, in one in-order queue per engine per core. The fields come
// from Instructions.def, the one description of them. The `npu` dialect
// converts to and from this, the .gnb npu segment serializes it
// (GnbCodec.h), Validate.h holds the rules every instruction obeys, and the
// simulator runs it. Plain C++, no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_NPU_ISA_ISA_H
#define GAON_TARGETS_NPU_ISA_ISA_H

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace gaon::npu {

enum class Engine : uint8_t { Load = 0, Store, Matrix, Vector };
constexpr int kEngines = 4;
/// For messages, profiles and traces: dma-load, dma-store, matrix, vector.
const char *engineName(Engine e);

enum class ElemType : uint8_t { I8, U8, I32, BF16, F32 };
int elemBytes(ElemType t);

enum class Opcode : uint8_t {
  DmaLoad,  // DRAM -> SRAM (load engine)
  DmaStore, // SRAM -> DRAM (store engine)
  MatMul,   // matrix engine
  Vector,   // vector engine
  Signal,   // any engine: semaphore += 1 when earlier work is done
  Wait,     // any engine: hold until semaphore >= value
};

using Dims4 = std::array<uint32_t, 4>;
using Strides4 = std::array<int64_t, 4>;
inline constexpr Dims4 kUnitDims{1, 1, 1, 1};
inline constexpr Strides4 kZeroStrides{0, 0, 0, 0};

/// Up to 4 dimensions (outermost first); unused leading ones have size 1.
struct DmaDesc {
#define GAON_NPU_DMA_FIELD(T, member, name, init) T member = init;
#include "targets/npu/isa/Instructions.def"
  uint64_t elements() const {
    return uint64_t(sizes[0]) * sizes[1] * sizes[2] * sizes[3];
  }
};

/// Matrix modes (A x B). BF16xI8 and BF16xI4 (format version 5) are
/// weight-only: B holds integers that dequantize as they load, each times
/// its f32 scale (one per `group` rows of K and column, at `scales`); they
/// accumulate and store as BF16xBF16 does.
enum class MatMode : uint8_t { I8xI8, U8xI8, BF16xBF16, BF16xI8, BF16xI4 };
/// Whether a mode's A and accumulators are integers (i32 sums).
inline bool matModeIsInteger(MatMode m) {
  return m == MatMode::I8xI8 || m == MatMode::U8xI8;
}
inline bool matModeIsWeightOnly(MatMode m) {
  return m == MatMode::BF16xI8 || m == MatMode::BF16xI4;
}
/// Bytes of one row of `n` B elements (int4: two per byte, low nibble
/// first).
inline uint64_t matBRowBytes(MatMode m, uint64_t n) {
  return m == MatMode::BF16xBF16 ? 2 * n
         : m == MatMode::BF16xI4 ? (n + 1) / 2
                                 : n;
}

/// C[M x N] (+)= A[M x K] * B[K x N]; A's M rows are a 2-D window
/// (outer x inner rows with byte strides), so a convolution tap is one
/// matmul. C holds i32 (integer modes) or f32 accumulators.
struct MatMulDesc {
  // Output stage, applied when `store` is set: + bias[n] (i32 or f32 per
  // output channel, when `hasBias`), then requantize (integer modes,
  // per-channel multipliers and shifts as i32 pairs at `requant`) or
  // `sums * scale` and relu, rounded (float modes), written to `out` (row
  // stride `outRowStride`). With `outOuterStride`, output rows follow A's
  // window: row r is written at out + (r / aInner) * outOuterStride +
  // (r % aInner) * outRowStride, so a tile lands inside a larger (haloed)
  // tensor. Weight-only modes: f32 `scales`, ceil(k / group) rows of n.
#define GAON_NPU_MATMUL_FIELD(T, member, name, init) T member = init;
#include "targets/npu/isa/Instructions.def"
};

enum class VecOp : uint8_t {
  Add, Sub, Mul, Max, Min, Relu, Copy,
  // Unary f32 functions (bf16 operands: computed in f32, rounded once).
  Exp, Rsqrt, Recip,
  // One result per row: y[o] = sum or max of a[o][0..n).
  RowSum, RowMax,
  // Conversions: `type` is the source's; bf16 -> f32 is exact, f32 -> bf16
  // rounds to nearest even.
  ToF32, ToBf16,
  // Integer requantization (docs/npu.md, "Requantization", "Quantized
  // add"): `type` is a's; the result is `outType` (i8 or u8).
  //   requant: y = requantize(a - zeroA)
  //   qadd:    y = requantize((a - zeroA) * mulA + (b - zeroB) * mulB),
  //            b of `bType`
  Requant, QAdd,
  // Float <-> 8-bit (format version 5), `scale` an f32:
  //   quantize:   a of bf16 or f32; y = clamp(round_half_even(a / scale)
  //               + zeroY, clampLo, clampHi) of `outType` (i8 or u8)
  //   dequantize: a of i8 or u8; y = (a - zeroA) * scale in f32, of
  //               `outType` (bf16: rounded once, or f32)
  Quantize, Dequantize,
  // Format version 6 (f32 or bf16):
  //   fill: y = scale (a is not read)
  //   mask: y[o][i] = a[o][i] where key k = keyBase + i is visible to the
  //         query at q = params[maskParam] + queryBase + o (k <= q, and
  //         k > q - window when window > 0), else -infinity. `o` is the
  //         outer row: its inner rows (a query's grouped heads) share q.
  Fill, Mask,
};
/// Whether an op reads b.
inline bool vecOpIsBinary(VecOp op) {
  return op <= VecOp::Min || op == VecOp::QAdd;
}
inline bool vecOpIsInteger(VecOp op) {
  return op == VecOp::Requant || op == VecOp::QAdd;
}
inline bool vecOpConverts(VecOp op) {
  return op == VecOp::Quantize || op == VecOp::Dequantize;
}
/// Whether an op reads a.
inline bool vecOpReadsA(VecOp op) { return op != VecOp::Fill; }
inline bool vecOpIsRowReduction(VecOp op) {
  return op == VecOp::RowSum || op == VecOp::RowMax;
}
/// The element type an op writes.
inline ElemType vecOpResultType(VecOp op, ElemType type) {
  return op == VecOp::ToF32 ? ElemType::F32
         : op == VecOp::ToBf16 ? ElemType::BF16
                               : type;
}

/// For o < outer, i < n: y[o][i] = a[o][i] op b[o][i * bStep] over elements
/// of one type, where row o of each operand starts `o * stride` bytes after
/// its base (bStep 0 broadcasts the row's first b).
struct VectorDesc {
  // bType, outType, zeroA ... clampHi: requant and qadd (format version 4),
  // scale: quantize and dequantize (format version 5).
#define GAON_NPU_VECTOR_FIELD(T, member, name, init) T member = init;
#include "targets/npu/isa/Instructions.def"
};

/// The element type an instruction writes.
inline ElemType vectorResultType(const VectorDesc &v) {
  return vecOpIsInteger(v.op) || vecOpConverts(v.op)
             ? v.outType
             : vecOpResultType(v.op, v.type);
}
/// The element type of b.
inline ElemType vectorBType(const VectorDesc &v) {
  return v.op == VecOp::QAdd ? v.bType : v.type;
}

/// The spellings the npu dialect and gaon-dump use (i8, bf16xbf16, row_sum,
/// dma_load, ...); "?" for a value out of range.
const char *elemTypeName(ElemType t);
const char *matModeName(MatMode m);
const char *vecOpName(VecOp op);
const char *opcodeName(Opcode op);

struct Instruction {
  Opcode opcode = Opcode::Signal;
  Engine engine = Engine::Load;
  uint32_t tag = 0; // index of the source node, for profiles and traces
  DmaDesc dma;
  MatMulDesc mm;
  VectorDesc vec;
  uint32_t semaphore = 0;
  uint32_t value = 0;   // Wait: the count to reach
  uint32_t core = 0;    // Signal: the core whose semaphore it bumps
  // Format version 6: with guardParam >= 0, the instruction runs only when
  // guardMin <= params[guardParam] <= guardMax; otherwise it does nothing
  // and takes one cycle (a wait or signal is never guarded).
  int32_t guardParam = -1;
  int64_t guardMin = 0, guardMax = 0;
};

constexpr int kSemaphores = 32;

/// One program: per core, per engine, an in-order queue.
struct Program {
  int cores = 1;
  std::vector<std::array<std::vector<Instruction>, kEngines>> queues;
  std::vector<std::string> tags; // names of the source nodes
  uint64_t dramBytes = 0;        // device memory the program addresses
  /// Run-time integer parameters (format version 6): the host supplies
  /// `params` values with each run (a decoder's positions); guards,
  /// DMA offsets and masks read them.
  uint32_t params = 0;
};

/// Whether an instruction depends on run-time parameters.
inline bool instructionIsDynamic(const Instruction &in) {
  return in.guardParam >= 0 ||
         ((in.opcode == Opcode::DmaLoad || in.opcode == Opcode::DmaStore) &&
          in.dma.dramParam >= 0) ||
         (in.opcode == Opcode::Vector && in.vec.op == VecOp::Mask);
}

} // namespace gaon::npu

#endif // GAON_TARGETS_NPU_ISA_ISA_H
