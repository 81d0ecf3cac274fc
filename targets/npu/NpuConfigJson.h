//===- NpuConfigJson.h - NPU configurations from JSON -----------*- C++ -*-===//

#ifndef GAON_TARGETS_NPU_NPUCONFIGJSON_H
#define GAON_TARGETS_NPU_NPUCONFIGJSON_H

#include "targets/npu/NpuConfig.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace gaon::npu {

/// Parses and validates a configuration in the JSON form of docs/npu.md.
/// `source` names it in errors (a file name).
llvm::Expected<NpuConfig> parseNpuConfig(llvm::StringRef json,
                                         llvm::StringRef source);

/// `edge`, `server`, or the path of a JSON file.
llvm::Expected<NpuConfig> loadNpuConfig(llvm::StringRef nameOrPath);

} // namespace gaon::npu

#endif // GAON_TARGETS_NPU_NPUCONFIGJSON_H
