//===- Layouts.h - which CPU kernels read channels-last tensors -*- C++ -*-===//
//
// The one list the CPU compiler (choosing layouts) and the runtime
// (validating a loaded program) share. A rank-4 f32 tensor may be stored
// channels-last (NHWC, see gnb.fbs) only where every kernel that touches it
// handles that:
//  - layout-agnostic kernels treat their operands as flat arrays of equal
//    shape, so any layout works as long as all operands and results share it;
//  - layout-aware kernels read the layout of each operand from its view.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_CPU_KERNELS_LAYOUTS_H
#define GAON_TARGETS_CPU_KERNELS_LAYOUTS_H

#include <string_view>

namespace gaon::cpu {

/// Elementwise kernels: channels-last is fine when every operand and result
/// has the result's shape and all share one layout (and, for the quantized
/// ones, every operand is quantized per tensor).
inline bool isLayoutAgnostic(std::string_view kind) {
  for (std::string_view k :
       {"graph.add", "graph.sub", "graph.mul", "graph.div", "graph.max",
        "graph.min", "graph.relu", "graph.clip", "graph.sigmoid",
        "graph.hard_sigmoid", "graph.hard_swish", "graph.leaky_relu",
        "graph.silu", "graph.tanh", "graph.elu", "graph.gelu", "graph.neg",
        "graph.abs", "graph.exp", "graph.sqrt", "graph.qadd",
        "graph.quantize", "graph.dequantize", "graph.requantize"})
    if (k == kind)
      return true;
  return false;
}

/// Which operands of a layout-aware kernel may be channels-last:
///  - Independent: the first input and the first result, each in either
///    layout (f32 convolutions with constant weights reorder as needed;
///    8-bit ones write channels-last results from either input layout,
///    except depthwise ones, which need both channels-last);
///  - Matched: the first input and the first result, in one layout (f32 max
///    pooling);
///  - SourceOnly: the first input (f32 mean, sum or max over axes 2 and 3;
///    the 8-bit mean over them).
enum class LayoutRole { None, Independent, Matched, SourceOnly };
inline LayoutRole layoutRole(std::string_view kind) {
  if (kind == "graph.conv" || kind == "graph.qconv")
    return LayoutRole::Independent;
  if (kind == "graph.max_pool")
    return LayoutRole::Matched;
  if (kind == "graph.reduce" || kind == "graph.qmean")
    return LayoutRole::SourceOnly;
  return LayoutRole::None;
}

} // namespace gaon::cpu

#endif // GAON_TARGETS_CPU_KERNELS_LAYOUTS_H
