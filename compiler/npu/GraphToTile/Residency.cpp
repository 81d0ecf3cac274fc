//===- Residency.cpp - SRAM residency and prefetching (graph -> tile) -----===//
//
// Tensors made and used inside the segment live in SRAM when a
// liveness-based plan of them fits the resident budget; the largest leave
// for DRAM until it does. Segment inputs and outputs stay in DRAM, where
// the host reads and writes them. On one core, the weights of late,
// DRAM-bound integer layers load during early layers (prefetching).
//
//===----------------------------------------------------------------------===//

#include "compiler/npu/GraphToTile/SegmentPlanner.h"

#include "compiler/binary/MemoryPlanner.h"

using namespace mlir;

namespace gaon::npu {

bool SegmentPlanner::planResidency(ArrayRef<Value> inputs,
                                   ArrayRef<Value> outputs) {
  llvm::DenseSet<Value> boundary;
  for (Value v : inputs)
    boundary.insert(root(v));
  for (Value v : outputs)
    boundary.insert(root(v));
  llvm::DenseMap<Value, std::pair<int64_t, int64_t>> life;
  for (auto [i, op] : llvm::enumerate(anchors)) {
    Value r = root(groupResult(op));
    if (!life.count(r))
      life[r] = {int64_t(i), int64_t(i)};
    auto use = [&](Value v) {
      auto it = life.find(root(v));
      if (it != life.end())
        it->second.second = std::max<int64_t>(it->second.second, i);
    };
    for (Value v : op->getOperands())
      use(v);
    for (Operation *f : fusedOf[op])
      for (Value v : f->getOperands())
        use(v);
  }
  SmallVector<Value> candidates;
  for (Value r : roots)
    if (!boundary.count(r) && life.count(r) && cores == 1 &&
        !dramOnly.count(r))
      candidates.push_back(r);
  bool needZeros = false;
  residentTop = 0;
  while (!candidates.empty()) {
    std::vector<BufferRequest> requests;
    for (Value r : candidates)
      requests.push_back({tensors[r].bytes(), life[r].first, life[r].second});
    MemoryPlan plan = planMemory(requests, kAlign);
    uint64_t zeros = llvm::any_of(candidates, [&](Value r) {
                       return tensors[r].pad > 0;
                     })
                         ? kZeroBytes
                         : 0;
    if (plan.arenaSize + zeros <= residentBudget(config)) {
      for (auto [i, r] : llvm::enumerate(candidates)) {
        tensors[r].sram = true;
        tensors[r].base = zeros + plan.offsets[i];
      }
      needZeros = zeros > 0;
      residentTop = zeros + plan.arenaSize;
      break;
    }
    auto largest = std::max_element(
        candidates.begin(), candidates.end(), [&](Value a, Value b) {
          return tensors[a].bytes() < tensors[b].bytes();
        });
    candidates.erase(largest);
  }
  ring.setStart(residentTop);
  return needZeros;
}

void SegmentPlanner::planPrefetch() {
  // The late, DRAM-bound integer layers' weights load while the early,
  // compute-bound layers run, into SRAM above the ring (which keeps room
  // for any op's working set). Largest-last first, while they fit; each
  // layer's loads go before an anchor spread over the first half.
  if (cores != 1)
    return;
  uint64_t ringTop = alignUp(residentTop + opBudget(config) + kAlign);
  uint64_t room = uint64_t(config.sramBytes) > ringTop
                      ? uint64_t(config.sramBytes) - ringTop
                      : 0;
  SmallVector<Operation *> chosen;
  uint64_t used = 0;
  for (Operation *op : llvm::reverse(anchors)) {
    if (!llvm::isa<graph::QConvOp, graph::QMatMulOp>(op))
      continue;
    auto w = rankedOf(op->getOperand(1));
    uint64_t bytes = uint64_t(w.getNumElements()) +
                     12 * uint64_t(w.getShape()[llvm::isa<graph::QConvOp>(op)
                                                    ? 0
                                                    : w.getRank() - 1]) +
                     64 * kAlign; // per-tile alignment slack
    if (used + bytes > room)
      continue;
    used += bytes;
    chosen.push_back(op);
  }
  std::reverse(chosen.begin(), chosen.end());
  size_t half = anchors.size() / 2;
  for (auto [i, op] : llvm::enumerate(chosen)) {
    size_t at = std::min(half, (i + 1) * half / (chosen.size() + 1));
    size_t j = llvm::find(anchors, op) - anchors.begin();
    if (at >= j)
      continue; // too early in the program to gain anything
    prefetchBefore[op] = anchors[at];
  }
  if (!prefetchBefore.empty()) {
    prefetchTop = ringTop;
    ring.setLimit(ringTop);
  }
}

} // namespace gaon::npu
