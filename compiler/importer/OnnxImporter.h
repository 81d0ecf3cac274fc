//===- OnnxImporter.h - .onnx files to the onnx dialect -------*- C++ -*-===//
//
// Reads an ONNX model (protobuf, with external data beside it) into a module
// holding one `func.func @main` of `onnx` ops. Nothing is interpreted beyond
// what the file says, except that ONNX's own shape inference fills in the
// types of intermediate values once every graph input is static.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_IMPORTER_ONNXIMPORTER_H
#define GAON_COMPILER_IMPORTER_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"

#include <string>
#include <vector>

namespace gaon {

struct ImportOptions {
  /// Static shapes that replace an input's symbolic or fixed dimensions,
  /// keyed by graph input name.
  llvm::StringMap<std::vector<int64_t>> inputShapes;
  /// Graph inputs whose value is fixed at compile time, keyed by input name,
  /// each a serialized ONNX TensorProto file (.pb). A frozen input becomes
  /// an initializer; shape tensors fed as inputs need this.
  llvm::StringMap<std::string> frozenInputs;
  /// A decoder compiled for `gaonc --max-seq-len` (docs/llm.md): when
  /// maxSeqLen is set, the inputs of the common export convention get their
  /// shapes from their names: input_ids and position_ids (batch, sequence),
  /// attention_mask (batch, maxSeqLen), past_key_values.N.key/value (batch,
  /// heads, maxSeqLen - sequence, head size), heads and head size from the
  /// model's own static dimensions. Any other input is an error.
  struct Decoder {
    int64_t maxSeqLen = 0, batch = 1, sequence = 1;
  } decoder;
};

/// Parses `--input-shape` syntax, NAME:D0xD1x..., into `options`. Returns an
/// error message, or an empty string on success.
std::string parseInputShape(llvm::StringRef spec, ImportOptions &options);

/// Parses `--freeze-input` syntax, NAME=PATH.pb, into `options`. Returns an
/// error message, or an empty string on success.
std::string parseFreezeInput(llvm::StringRef spec, ImportOptions &options);

/// Imports the model at `path`. On failure, every problem found has been
/// reported through the context's diagnostics and null is returned.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(mlir::MLIRContext &context,
                                                 llvm::StringRef path,
                                                 const ImportOptions &options);

} // namespace gaon

#endif // GAON_COMPILER_IMPORTER_ONNXIMPORTER_H
