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
/// savez_compressed), with its name.
std::string readNpzFile(const std::string &path,
                        std::vector<std::pair<std::string, HostTensor>> &out);
std::string writeNpy(const std::string &path, const HostTensor &tensor);

} // namespace gaon::tools

#endif // GAON_RUNTIME_TOOLS_TENSORFILES_H
