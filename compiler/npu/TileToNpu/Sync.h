//===- Sync.h - instruction queues and derived synchronization -*- C++ -*-===//
//
// Synchronization is derived, not hand-placed: every engine signals its own
// semaphore after each step, and a step that touches bytes another engine
// touched (write after read, read after write, write after write) first
// waits for that engine's step to finish. The Emitter keeps the accesses
// of one core's steps and emits the waits; the helpers below build the
// common DMA walks and the byte ranges they touch.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_NPU_TILETONPU_SYNC_H
#define GAON_COMPILER_NPU_TILETONPU_SYNC_H

#include "compiler/npu/NpuCommon.h"
#include "targets/npu/isa/Isa.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <utility>
#include <vector>

namespace gaon::npu {

/// A byte range one engine step touches (space -1: DRAM; 0: core 0 SRAM).
struct Access {
  int64_t space;
  uint64_t lo, hi;
  bool write;
  int engine = 0;
  uint32_t step = 0;
};
constexpr int64_t kDramSpace = -1, kSramSpace = 0;

/// Builds one core's instruction queues and the semaphores between them.
/// Every engine signals semaphore `engine` after each step; a step first
/// waits for the steps of other engines whose accesses conflict with its
/// own (see the file comment).
class Emitter {
public:
  /// Builds core `core`'s queues of `program` (whose queues exist).
  explicit Emitter(Program &program, uint32_t core = 0)
      : program(program), core(core) {}

  void setTag(uint32_t index) { tag = index; }

  /// The load engine's wait for a barrier (semaphore `semaphore` reaching
  /// `value`) is put off until a load reads DRAM outside `constants` (the
  /// segment's weights, never written): the next op's weights stream while
  /// other cores finish the previous op; its activations wait.
  void deferBarrierWait(uint32_t semaphore, uint32_t value,
                        const std::vector<std::pair<uint64_t, uint64_t>>
                            *constants) {
    barrierSemaphore = semaphore;
    pendingBarrier = value;
    constantRanges = constants;
  }

  /// DRAM that only this core writes (its share of a decoder's caches):
  /// loads from it need not wait for a barrier either.
  void addUnsharedRange(uint64_t lo, uint64_t hi) {
    unsharedRanges.push_back({lo, hi});
  }

  /// Declares the accesses of the step `engine` is building and emits the
  /// waits they need.
  void access(Engine engine, std::initializer_list<Access> list) {
    int e = int(engine);
    if (engine == Engine::Load && pendingBarrier)
      for (const Access &a : list)
        if (a.space == kDramSpace && a.hi > a.lo && !inConstants(a)) {
          Instruction w;
          w.opcode = Opcode::Wait;
          w.semaphore = barrierSemaphore;
          w.value = pendingBarrier;
          push(engine, w);
          pendingBarrier = 0;
          break;
        }
    std::array<uint32_t, kEngines> need{};
    for (const Access &a : list)
      for (const Access &old : accesses)
        if (old.engine != e && old.space == a.space && old.lo < a.hi &&
            a.lo < old.hi && (old.write || a.write))
          need[old.engine] = std::max(need[old.engine], old.step + 1);
    for (int o = 0; o < kEngines; ++o)
      if (need[o] > known[e][o]) {
        Instruction w;
        w.opcode = Opcode::Wait;
        w.semaphore = o;
        w.value = need[o];
        push(engine, w);
        known[e][o] = need[o];
      }
    for (Access a : list) {
      if (a.hi <= a.lo)
        continue;
      if (a.write) // older accesses inside a write are ordered before it
        accesses.erase(std::remove_if(accesses.begin(), accesses.end(),
                                      [&](const Access &old) {
                                        return old.space == a.space &&
                                               old.lo >= a.lo && old.hi <= a.hi;
                                      }),
                       accesses.end());
      a.engine = e;
      a.step = signaled[e];
      accesses.push_back(a);
    }
    open[e] = true;
  }

  void endStep(Engine engine) {
    int e = int(engine);
    if (!open[e])
      return;
    Instruction s;
    s.opcode = Opcode::Signal;
    s.semaphore = e;
    s.core = core;
    push(engine, s);
    ++signaled[e];
    open[e] = false;
  }

  void finish() {
    for (int e = 0; e < kEngines; ++e)
      endStep(Engine(e));
  }

  void push(Engine engine, Instruction in) {
    in.engine = engine;
    in.tag = tag;
    program.queues[core][int(engine)].push_back(in);
  }

  void dma(bool load, const DmaDesc &d) {
    Instruction in;
    in.opcode = load ? Opcode::DmaLoad : Opcode::DmaStore;
    in.dma = d;
    push(load ? Engine::Load : Engine::Store, in);
  }
  void matmul(const MatMulDesc &mm) {
    Instruction in;
    in.opcode = Opcode::MatMul;
    in.mm = mm;
    push(Engine::Matrix, in);
  }
  void vector(const VectorDesc &v) {
    Instruction in;
    in.opcode = Opcode::Vector;
    in.vec = v;
    push(Engine::Vector, in);
  }

private:
  bool inConstants(const Access &a) const {
    for (auto [lo, hi] : unsharedRanges)
      if (a.lo >= lo && a.hi <= hi)
        return true;
    if (!constantRanges)
      return false;
    for (auto [lo, hi] : *constantRanges)
      if (a.lo >= lo && a.hi <= hi)
        return true;
    return false;
  }

  Program &program;
  uint32_t core;
  uint32_t tag = 0;
  uint32_t barrierSemaphore = 0, pendingBarrier = 0;
  const std::vector<std::pair<uint64_t, uint64_t>> *constantRanges = nullptr;
  std::vector<std::pair<uint64_t, uint64_t>> unsharedRanges;
  std::vector<Access> accesses;
  std::array<uint32_t, kEngines> signaled{};
  std::array<std::array<uint32_t, kEngines>, kEngines> known{};
  std::array<bool, kEngines> open{};
};

inline Access sramRange(uint64_t lo, uint64_t bytes, bool write) {
  return {kSramSpace, lo, lo + bytes, write};
}

/// The DRAM bytes a DMA walks (a bounding range).
inline Access dramRange(const DmaDesc &d, bool write) {
  int64_t hi = 0;
  for (int i = 0; i < 4; ++i)
    hi += int64_t(d.sizes[i] - 1) * d.dramStrides[i];
  return {kDramSpace, d.dram, d.dram + uint64_t(hi) + d.elemBytes, write};
}

/// A DMA of `rows` x `cols` x `inner` bf16 elements.
inline DmaDesc dma3(uint64_t dram, uint64_t sram, int64_t rows, int64_t cols,
             int64_t inner, int64_t dramRow, int64_t dramCol, int64_t sramRow,
             int64_t sramCol, int64_t elemBytes = kBf16) {
  DmaDesc d;
  d.dram = dram;
  d.sram = sram;
  d.elemBytes = uint32_t(elemBytes);
  d.sizes = {1, uint32_t(rows), uint32_t(cols), uint32_t(inner)};
  d.dramStrides = {0, dramRow, dramCol, elemBytes};
  d.sramStrides = {0, sramRow, sramCol, elemBytes};
  return d;
}

inline DmaDesc dmaFlat(uint64_t dram, uint64_t sram, uint64_t bytes) {
  DmaDesc d;
  d.dram = dram;
  d.sram = sram;
  d.elemBytes = 1;
  // Split into rows of at most 2^30 bytes so that sizes stay 32-bit.
  uint64_t row = std::min<uint64_t>(bytes, uint64_t(1) << 30);
  while (bytes % row)
    --row;
  d.sizes = {1, 1, uint32_t(bytes / row), uint32_t(row)};
  d.dramStrides = {0, 0, int64_t(row), 1};
  d.sramStrides = {0, 0, int64_t(row), 1};
  return d;
}

} // namespace gaon::npu

#endif // GAON_COMPILER_NPU_TILETONPU_SYNC_H
