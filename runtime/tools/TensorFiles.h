//===- TensorFiles.h - .npy and ONNX TensorProto (.pb) files --*- C++ -*-===//
//
// The tools read inputs as NumPy .npy files or as serialized ONNX
// TensorProtos (the format of ONNX's own test data), and write outputs as
// .npy. Both readers check every length against the file: a malformed file
// is an error message, never a crash.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_RUNTIME_TOOLS_TENSORFILES_H
#define GAON_RUNTIME_TOOLS_TENSORFILES_H

#include "gaon/runtime.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gaon::tools {

struct HostTensor {
  std::string name; // from a .pb; empty for .npy
  gaon_dtype dtype = GAON_F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;

  gaon_tensor view();
};

/// Reads a .npy or .pb file (by extension). Returns an error message, empty
/// on success.
std::string readTensorFile(const std::string &path, HostTensor &out);
/// Reads every array of a NumPy .npz archive (numpy.savez or
/// savez_compressed), with its name. A member whose stored size exceeds
/// `maxMemberBytes` (the largest array the caller can use, plus its .npy
/// header) is refused before it is inflated.
std::string readNpzFile(const std::string &path,
                        std::vector<std::pair<std::string, HostTensor>> &out,
                        uint64_t maxMemberBytes);
/// The room a .npy header takes at most (numpy writes under 64 KiB).
constexpr uint64_t kNpyHeaderAllowance = uint64_t(1) << 17;
std::string writeNpy(const std::string &path, const HostTensor &tensor);

} // namespace gaon::tools

#endif // GAON_RUNTIME_TOOLS_TENSORFILES_H
