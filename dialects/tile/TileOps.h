//===- TileOps.h - the tile dialect: scheduled NPU work ---------*- C++ -*-===//

#ifndef GAON_DIALECTS_TILE_TILEOPS_H
#define GAON_DIALECTS_TILE_TILEOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"

#include "dialects/tile/TileDialect.h.inc"
#include "dialects/tile/TileEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/tile/TileAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/tile/TileOps.h.inc"

#endif // GAON_DIALECTS_TILE_TILEOPS_H
