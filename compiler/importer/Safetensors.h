//===- Safetensors.h - verified, memory-mapped safetensors ------*- C++ -*-===//
//
// A checkpoint folder's weights: `model.safetensors`, or the shards that
// `model.safetensors.index.json` names. Each file is mapped, not read, and
// its header is verified before any tensor is used: the header size is
// bounded, the JSON parses, every dtype is known and every shape matches
// its byte length, and the data ranges lie in the file without
// overlapping. Shards are opened only inside the folder (no `..`, no
// symbolic or hard links; targets/common/RegularFile.h).
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_IMPORTER_SAFETENSORS_H
#define GAON_COMPILER_IMPORTER_SAFETENSORS_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gaon {

enum class SafetensorsDtype { F32, F16, BF16, I8, U8, I32, I64 };

/// Bytes per element of `dtype`.
unsigned safetensorsDtypeSize(SafetensorsDtype dtype);

/// One tensor of a checkpoint: where its bytes are, verified.
struct SafetensorsTensor {
  std::string name, file;
  SafetensorsDtype dtype;
  std::vector<int64_t> shape;
  /// The tensor's bytes inside its file's mapping (little-endian, row-major,
  /// possibly unaligned: read them with memcpy).
  llvm::StringRef bytes;
  uint64_t fileOffset = 0; // of `bytes` in the file, for messages

  int64_t numElements() const;
};

/// The tensors of a checkpoint folder, mapped.
class SafetensorsCheckpoint {
public:
  /// Opens `folder`'s model.safetensors.index.json and its shards, or
  /// model.safetensors. Returns null with the reason in `error`.
  static std::unique_ptr<SafetensorsCheckpoint> open(const std::string &folder,
                                                     std::string &error);

  /// Maps and verifies one file below `folder`; `open` uses it per shard.
  /// Public for the tests and the fuzzer.
  bool addFile(const std::string &folder, const std::string &relative,
               std::string &error);
  /// Verifies one header over `data` (the whole file); adds its tensors.
  bool addBuffer(std::unique_ptr<llvm::MemoryBuffer> data,
                 const std::string &fileName, std::string &error);

  const SafetensorsTensor *lookup(llvm::StringRef name) const;
  size_t size() const { return tensors.size(); }
  /// The names, sorted, for messages and listings.
  std::vector<std::string> names() const;

  /// Copies a floating-point tensor (F32, F16 or BF16) into f32 values.
  /// Returns false with the reason in `error` for another dtype.
  static bool readFloats(const SafetensorsTensor &tensor, float *out,
                         std::string &error);

private:
  std::vector<std::unique_ptr<llvm::MemoryBuffer>> files;
  llvm::StringMap<SafetensorsTensor> tensors;
};

} // namespace gaon

#endif // GAON_COMPILER_IMPORTER_SAFETENSORS_H
