//===- MemoryPlanner.h - liveness-based arena offsets ---------*- C++ -*-===//
//
// Places buffers in one arena so that buffers whose lifetimes overlap never
// overlap in memory, reusing the space of dead ones. Lifetimes are
// [first, last] step indices in program order. Greedy best-fit in order of
// definition; every offset is aligned.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_BINARY_MEMORYPLANNER_H
#define GAON_COMPILER_BINARY_MEMORYPLANNER_H

#include <cstdint>
#include <vector>

namespace gaon {

struct BufferRequest {
  uint64_t size;
  int64_t first, last; // inclusive step indices
};

struct MemoryPlan {
  std::vector<uint64_t> offsets; // one per request
  uint64_t arenaSize = 0;
  uint64_t totalRequested = 0; // the arena size without any reuse
};

MemoryPlan planMemory(const std::vector<BufferRequest> &requests,
                      uint64_t alignment = 64);

} // namespace gaon

#endif // GAON_COMPILER_BINARY_MEMORYPLANNER_H
