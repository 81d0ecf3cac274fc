//===- Calibration.h - post-training int8 quantization ---------*- C++ -*-===//
//
// gaonc --quantize=int8: run the fp32 graph on the CPU target over the
// user's samples, record the range of every tensor that an integer op will
// read or write, choose each tensor's scale, and rewrite the graph as a QDQ
// graph that gaon-fold-qdq turns into integer ops (docs/quantization.md).
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_QUANTIZATION_CALIBRATION_H
#define GAON_COMPILER_QUANTIZATION_CALIBRATION_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace gaon {

enum class CalibrationMethod { MinMax, Percentile, Entropy, Mse };

/// Parses minmax|percentile|entropy|mse.
bool parseCalibrationMethod(llvm::StringRef text, CalibrationMethod &out);

struct QuantizeOptions {
  /// A folder of samples (.npy for a one-input model, .npz with one array
  /// per input name), taken in name order; or "random".
  std::string calibrationData;
  CalibrationMethod method = CalibrationMethod::Percentile;
  /// Calibrate on at most this many samples (0: all); the rest are held
  /// back for the accuracy report.
  int samples = 0;
  /// ONNX node names whose ops stay float.
  std::vector<std::string> keepFloat;
  /// When set, write the accuracy report (JSON) here: fp32 against the
  /// quantized model over the samples calibration did not use (all of
  /// them if it used all), per layer and per model output.
  std::string reportPath;
  /// Progress and warnings go here (null: quiet).
  llvm::raw_ostream *log = nullptr;
};

/// Quantizes `module` (at the graph stage) to int8 in place. Errors are
/// reported as diagnostics on the module.
mlir::LogicalResult quantizeInt8(mlir::ModuleOp module,
                                 const QuantizeOptions &options);

} // namespace gaon

#endif // GAON_COMPILER_QUANTIZATION_CALIBRATION_H
