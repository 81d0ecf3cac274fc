//===- gaon-opt.cpp - MLIR's opt driver with Gaon's dialects and passes ---===//

#include "compiler/pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  gaon::registerGaonDialects(registry);
  gaon::registerGaonPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Gaon optimizer driver\n", registry));
}
