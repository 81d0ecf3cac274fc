//===- OnnxOps.h - the generic ONNX import dialect ------------*- C++ -*-===//

#ifndef GAON_DIALECTS_ONNX_ONNXOPS_H
#define GAON_DIALECTS_ONNX_ONNXOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/onnx/OnnxDialect.h.inc"

#define GET_OP_CLASSES
#include "dialects/onnx/OnnxOps.h.inc"

#endif // GAON_DIALECTS_ONNX_ONNXOPS_H
