//===- CheckpointImporter.h - Hugging Face checkpoints to onnx --*- C++ -*-===//
//
// Reads a checkpoint folder (config.json and safetensors weights) of a
// supported decoder architecture and builds the decoder step a common ONNX
// export would hold, in the `onnx` dialect: input_ids, attention_mask and
// past_key_values.N.key/value in, logits and present.N.key/value out, the
// blocks spelled as onnxruntime-genai's contrib operators
// (SimplifiedLayerNormalization, GroupQueryAttention with its rotary
// caches). From there the ONNX path compiles it unchanged: the same fused
// `graph` ops, gaon-llm-kv-cache, the entry points. docs/checkpoints.md
// lists the architectures and how each maps.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_IMPORTER_CHECKPOINTIMPORTER_H
#define GAON_COMPILER_IMPORTER_CHECKPOINTIMPORTER_H

#include "compiler/importer/OnnxImporter.h"

namespace gaon {

/// True when `path` is a folder holding a config.json: a checkpoint.
bool isCheckpointFolder(llvm::StringRef path);

/// The architectures importCheckpoint reads, for messages and --help.
llvm::StringRef supportedCheckpointArchitectures();

/// Imports the checkpoint folder at `path` as one decoder step of
/// `options.decoder`'s shapes (maxSeqLen must be set). On failure, every
/// problem found has been reported through the context's diagnostics
/// (naming the file and the tensor or config key) and null is returned.
mlir::OwningOpRef<mlir::ModuleOp>
importCheckpoint(mlir::MLIRContext &context, llvm::StringRef path,
                 const ImportOptions &options);

} // namespace gaon

#endif // GAON_COMPILER_IMPORTER_CHECKPOINTIMPORTER_H
