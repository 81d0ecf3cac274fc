//===- Kernels.h - the CPU target's kernels -------------------*- C++ -*-===//
//
// One kernel per `graph` op, looked up by op name when a session is
// prepared. Kernels see tensors as typed views; they never allocate tensor
// memory (outputs live in the session arena the compiler planned).
// Semantics are those of docs/dialects/graph.md.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_TARGETS_CPU_KERNELS_KERNELS_H
#define GAON_TARGETS_CPU_KERNELS_KERNELS_H

#include "gaon/runtime.h"
#include "targets/cpu/kernels/OpDesc.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>


namespace gaon::cpu {

struct View {
  gaon_dtype dtype;
  std::vector<int64_t> shape;
  void *data;
  // Quantization of the stored integers (empty: none).
  const std::vector<double> *scales = nullptr;
  const std::vector<int64_t> *zeroPoints = nullptr;
  int32_t quantAxis = -1;
  bool isConstant = false; // data is the model's constant (stable)
  bool channelsLast = false; // rank 4, logical NCHW stored as NHWC
  int64_t count() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  template <typename T> T *as() const { return static_cast<T *>(data); }
};

/// Runs one op. Returns an error message, empty on success.
using Kernel = std::string (*)(const OpDesc &op, const std::vector<View> &in,
                               const std::vector<View> &out, int threads);

/// What a kernel prepares once per session (reordered weights, compiled
/// primitives) and reuses on every run.
struct KernelState {
  virtual ~KernelState() = default;
};

/// A kernel with a preparation step. `prepare` sees constant operands' data
/// (other operands only have shapes) and may leave state for `run`; with no
/// state, the plain kernel runs instead.
struct PreparedKernel {
  std::string (*prepare)(const OpDesc &op, const std::vector<View> &in,
                         const std::vector<View> &out,
                         std::unique_ptr<KernelState> &state);
  std::string (*run)(const OpDesc &op, const std::vector<View> &in,
                     const std::vector<View> &out, int threads,
                     KernelState &state);
};

/// The prepared kernel for an op name, or null.
const PreparedKernel *findPreparedKernel(const std::string &kind);

/// Checks that an op's operands and attributes fit each other, so that its
/// kernel cannot read or write out of bounds. Views need shapes and dtypes
/// (and quantization); `data` only marks present (non-null) operands.
/// Returns an error message, empty if the call is valid.
std::string validateCall(const OpDesc &op, const std::vector<View> &in,
                         const std::vector<View> &out);

/// The kernel for a graph op name, or null.
Kernel findKernel(const std::string &kind);
/// Every op name with a kernel, for messages and documentation.
std::vector<std::string> kernelNames();

} // namespace gaon::cpu

#endif // GAON_TARGETS_CPU_KERNELS_KERNELS_H
