//===- GraphOps.h - Gaon's typed tensor dialect ---------------*- C++ -*-===//

#ifndef GAON_DIALECTS_GRAPH_GRAPHOPS_H
#define GAON_DIALECTS_GRAPH_GRAPHOPS_H

#include "mlir/Dialect/Quant/QuantOps.h"
#include "mlir/Dialect/Quant/QuantTypes.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/graph/GraphDialect.h.inc"
#include "dialects/graph/GraphEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/graph/GraphAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/graph/GraphOps.h.inc"

namespace gaon::graph {

/// The scales and zero points of a uniform quantized element type (or of a
/// shaped type's elements): one of each per tensor, or one per channel of a
/// per-axis type; empty for any other type.
llvm::SmallVector<double> quantScales(mlir::Type type);
llvm::SmallVector<int64_t> quantZeroPoints(mlir::Type type);

/// The numpy broadcast of two shapes, or failure if they are incompatible.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// Creates an op of type OpTy whose result types come from its
/// inferReturnTypes. On failure the inference has already reported why at
/// `loc`, and nothing is created (the generated builders would abort).
template <typename OpTy>
mlir::FailureOr<OpTy>
createInferred(mlir::OpBuilder &builder, mlir::Location loc,
               mlir::ValueRange operands,
               llvm::ArrayRef<mlir::NamedAttribute> attributes = {}) {
  llvm::SmallVector<mlir::Type> types;
  mlir::MLIRContext *ctx = builder.getContext();
  auto dict = mlir::DictionaryAttr::get(ctx, attributes);
  if (mlir::failed(OpTy::inferReturnTypes(ctx, loc, operands, dict,
                                          /*properties=*/nullptr,
                                          /*regions=*/{}, types)))
    return mlir::failure();
  return builder.create<OpTy>(loc, types, operands, attributes);
}

} // namespace gaon::graph

#endif // GAON_DIALECTS_GRAPH_GRAPHOPS_H
