//===- DecoderState.h - What a decoder binary's state says ------*- C++ -*-===//
//
// Shared by gaon-run --context and gaon-generate: both need the number of
// cache positions a decoder binary was compiled for.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_RUNTIME_TOOLS_DECODERSTATE_H
#define GAON_RUNTIME_TOOLS_DECODERSTATE_H

#include "gaon/runtime.h"

#include <algorithm>
#include <cstdint>

namespace gaon::tools {

/// The cache positions M of a binary compiled with gaonc --max-seq-len: its
/// key/value caches are rank-4 states (B x heads x M x head size). Returns 0
/// when the binary holds no such state.
inline int64_t cachePositions(const gaon_model *model) {
  int64_t positions = 0;
  for (size_t i = 0; i < gaon_model_state_count(model); ++i) {
    gaon_tensor info;
    gaon_model_state(model, i, nullptr, &info);
    if (info.rank == 4)
      positions = positions ? std::min<int64_t>(positions, info.shape[2])
                            : info.shape[2];
  }
  return positions;
}

} // namespace gaon::tools

#endif // GAON_RUNTIME_TOOLS_DECODERSTATE_H
