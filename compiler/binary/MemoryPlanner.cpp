//===- MemoryPlanner.cpp - liveness-based arena offsets -------------------===//

#include "compiler/binary/MemoryPlanner.h"

#include <algorithm>
#include <numeric>

namespace gaon {

MemoryPlan planMemory(const std::vector<BufferRequest> &requests,
                      uint64_t alignment) {
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  // Definition order; among buffers born together, larger first.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (requests[a].first != requests[b].first)
      return requests[a].first < requests[b].first;
    return requests[a].size > requests[b].size;
  });
  std::vector<size_t> placed;
  for (size_t index : order) {
    const BufferRequest &r = requests[index];
    uint64_t size = (r.size + alignment - 1) / alignment * alignment;
    plan.totalRequested += size;
    // The blocks of placed buffers alive at the same time, by offset.
    std::vector<std::pair<uint64_t, uint64_t>> busy;
    for (size_t other : placed) {
      const BufferRequest &o = requests[other];
      if (o.first <= r.last && r.first <= o.last)
        busy.push_back({plan.offsets[other],
                        plan.offsets[other] +
                            (o.size + alignment - 1) / alignment * alignment});
    }
    std::sort(busy.begin(), busy.end());
    // Best fit: the smallest gap that holds the buffer, else the end.
    uint64_t cursor = 0, best = UINT64_MAX, bestGap = UINT64_MAX;
    for (const auto &[begin, end] : busy) {
      if (begin > cursor && begin - cursor >= size &&
          begin - cursor < bestGap) {
        best = cursor;
        bestGap = begin - cursor;
      }
      cursor = std::max(cursor, end);
    }
    plan.offsets[index] = best != UINT64_MAX ? best : cursor;
    plan.arenaSize = std::max(plan.arenaSize, plan.offsets[index] + size);
    placed.push_back(index);
  }
  return plan;
}

} // namespace gaon
