//===- Calibration.cpp - post-training int8 quantization ------------------===//
//
// 1. Plan: the float ops with an exact integer form (conv and matmul with
//    constant weights, residual adds, max pooling), the activations they
//    read and the activations they write (after a fused ReLU or Clip).
// 2. Calibrate: compile a copy of the graph whose outputs include those
//    activations for the CPU target, run it in process on every sample, and
//    keep a histogram of |x| per activation.
// 3. Choose a threshold T per activation (minmax, percentile, entropy or
//    mse). Activations are symmetric: u8 with zero point 0 when calibration
//    saw no negative value, else i8 with zero point 0. A zero point of 0
//    keeps padding exact (it is the value 0) on both targets.
// 4. Rewrite: quantize/dequantize pairs on the activations, per-channel
//    symmetric int8 weights, then gaon-fold-qdq.
//
//===----------------------------------------------------------------------===//

#include "compiler/quantization/Calibration.h"
#include "compiler/conversion/OnnxToGraph/OnnxToGraph.h"
#include "compiler/quantization/Passes.h"
#include "compiler/binary/GnbWriter.h"
#include "compiler/cpu/Passes.h"

#include "TensorFiles.h"
#include "targets/common/Progress.h"
#include "gaon/runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>

using namespace mlir;
using namespace gaon::graph;

namespace gaon {

bool parseCalibrationMethod(llvm::StringRef text, CalibrationMethod &out) {
  if (text == "minmax")
    out = CalibrationMethod::MinMax;
  else if (text == "percentile")
    out = CalibrationMethod::Percentile;
  else if (text == "entropy")
    out = CalibrationMethod::Entropy;
  else if (text == "mse")
    out = CalibrationMethod::Mse;
  else
    return false;
  return true;
}

namespace {

//===----------------------------------------------------------------------===//
// Plan
//===----------------------------------------------------------------------===//

bool isF32(Value v) {
  auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
  return t && t.getElementType().isF32();
}
bool isConstant(Value v) { return matchPattern(v, m_Constant()); }

/// What an op fused after `v` makes of it: the value a quantize should
/// follow (after a ReLU/Clip that only it uses; after a matmul's constant
/// bias add).
Value fusedOutput(Value v, bool isMatMul) {
  if (isMatMul && v.hasOneUse()) {
    auto add = llvm::dyn_cast<AddOp>(*v.getUsers().begin());
    if (add && (isConstant(add.getLhs()) || isConstant(add.getRhs())))
      v = add.getResult();
  }
  if (v.hasOneUse()) {
    Operation *user = *v.getUsers().begin();
    if (llvm::isa<ReluOp>(user) ||
        (llvm::isa<ClipOp>(user) && isF32(user->getResult(0))))
      return user->getResult(0);
  }
  return v;
}

struct Plan {
  /// Activations to quantize, in program order (block arguments first).
  llvm::SetVector<Value> activations;
  /// Activations whose scale is another's (max pooling keeps its input's).
  llvm::DenseMap<Value, Value> sameAs;
  /// Constant weight operands to quantize per channel: op, operand, axis.
  struct Weight {
    Operation *op;
    unsigned operand;
    int64_t axis;
  };
  std::vector<Weight> weights;
};

Plan planQuantization(func::FuncOp func, const QuantizeOptions &options) {
  std::set<std::string> keep(options.keepFloat.begin(),
                             options.keepFloat.end());
  Plan plan;
  func.walk([&](Operation *op) {
    if (keep.count(onnxNodeName(op->getLoc())))
      return;
    if (auto conv = llvm::dyn_cast<ConvOp>(op)) {
      if (!isF32(conv.getInput()) || !isConstant(conv.getWeight()) ||
          (conv.getBias() && !isConstant(conv.getBias())))
        return;
      plan.activations.insert(conv.getInput());
      plan.activations.insert(fusedOutput(conv.getResult(), false));
      plan.weights.push_back({op, 1, 0});
    } else if (auto mm = llvm::dyn_cast<MatMulOp>(op)) {
      auto rhs = llvm::cast<RankedTensorType>(mm.getRhs().getType());
      if (!isF32(mm.getLhs()) || !isConstant(mm.getRhs()) ||
          rhs.getRank() != 2)
        return;
      plan.activations.insert(mm.getLhs());
      plan.activations.insert(fusedOutput(mm.getResult(), true));
      plan.weights.push_back({op, 1, 1});
    } else if (auto add = llvm::dyn_cast<AddOp>(op)) {
      if (!isF32(add.getResult()) || isConstant(add.getLhs()) ||
          isConstant(add.getRhs()) ||
          add.getLhs().getType() != add.getResult().getType() ||
          add.getRhs().getType() != add.getResult().getType())
        return;
      plan.activations.insert(add.getLhs());
      plan.activations.insert(add.getRhs());
      plan.activations.insert(fusedOutput(add.getResult(), false));
    } else if (auto pool = llvm::dyn_cast<MaxPoolOp>(op)) {
      if (!isF32(pool.getInput()))
        return;
      plan.activations.insert(pool.getInput());
      plan.activations.insert(pool.getResult());
      plan.sameAs[pool.getResult()] = pool.getInput();
    }
  });
  // Reshapes and transposes move values: their results share their
  // inputs' scales, so the quantize goes before them and the integers flow
  // through.
  for (size_t i = 0; i < plan.activations.size(); ++i) {
    Value v = plan.activations[i];
    Operation *def = v.getDefiningOp();
    if (def && llvm::isa<ReshapeOp, TransposeOp>(def) &&
        isF32(def->getOperand(0)) &&
        !keep.count(onnxNodeName(def->getLoc()))) {
      plan.activations.insert(def->getOperand(0));
      plan.sameAs[v] = def->getOperand(0);
    }
  }
  return plan;
}

//===----------------------------------------------------------------------===//
// Histograms and thresholds
//===----------------------------------------------------------------------===//

/// A histogram of |x| over [0, range) in kBins bins. When a value past the
/// range arrives, the range doubles and pairs of bins merge, so no pass
/// over the data is needed to find the range first.
struct Histogram {
  static constexpr int kBins = 2048;
  std::vector<double> bins = std::vector<double>(kBins, 0.0);
  double range = 0, minValue = 0, maxValue = 0;
  uint64_t count = 0;

  void add(const float *x, int64_t n) {
    double maxAbs = 0;
    for (int64_t i = 0; i < n; ++i) {
      double v = x[i];
      if (!std::isfinite(v))
        continue;
      minValue = std::min(minValue, v);
      maxValue = std::max(maxValue, v);
      maxAbs = std::max(maxAbs, std::fabs(v));
    }
    if (maxAbs > 0 && range == 0)
      range = maxAbs;
    while (maxAbs > range) {
      for (int i = 0; i < kBins / 2; ++i)
        bins[i] = bins[2 * i] + bins[2 * i + 1];
      std::fill(bins.begin() + kBins / 2, bins.end(), 0.0);
      range *= 2;
    }
    if (range == 0)
      return;
    double perBin = kBins / range;
    for (int64_t i = 0; i < n; ++i) {
      double v = std::fabs(double(x[i]));
      if (!std::isfinite(v))
        continue;
      bins[std::min<int64_t>(kBins - 1, int64_t(v * perBin))] += 1;
      ++count;
    }
  }
  double maxAbs() const { return std::max(-minValue, maxValue); }
  double binWidth() const { return range / kBins; }
};

/// The quantized magnitudes available: 255 steps for u8, 127 for i8.
int levelsFor(const Histogram &h) { return h.minValue >= 0 ? 255 : 127; }

double percentileThreshold(const Histogram &h, double fraction) {
  double target = fraction * h.count, seen = 0;
  for (int i = 0; i < Histogram::kBins; ++i) {
    seen += h.bins[i];
    if (seen >= target)
      return std::min(h.maxAbs(), (i + 1) * h.binWidth());
  }
  return h.maxAbs();
}

/// TensorRT's entropy calibration: the clip point whose quantized
/// distribution is closest (in KL divergence) to the clipped one. The bin
/// at zero counts as much as its neighbour: after a ReLU it holds most of
/// the mass, which would otherwise make every narrow range look faithful.
double entropyThreshold(const Histogram &h) {
  int levels = levelsFor(h) + 1;
  std::vector<double> bins = h.bins;
  bins[0] = bins[1];
  double best = h.maxAbs(), bestKl = INFINITY;
  for (int i = levels; i <= Histogram::kBins; i += 4) {
    std::vector<double> p(bins.begin(), bins.begin() + i);
    for (int j = i; j < Histogram::kBins; ++j)
      p[i - 1] += bins[j]; // outliers land in the last bin
    double total = 0;
    for (double v : p)
      total += v;
    if (total == 0)
      continue;
    // q: the clipped histogram without its outliers, merged into `levels`
    // groups and spread back over each group's non-empty bins; p keeps the
    // outliers in its last bin, so clipping too much shows as divergence.
    std::vector<double> q(i, 0.0);
    for (int g = 0; g < levels; ++g) {
      int begin = int(int64_t(g) * i / levels),
          end = int(int64_t(g + 1) * i / levels);
      double sum = 0;
      int nonEmpty = 0;
      for (int j = begin; j < end; ++j) {
        sum += bins[j];
        nonEmpty += bins[j] > 0;
      }
      for (int j = begin; j < end; ++j)
        if (bins[j] > 0)
          q[j] = sum / nonEmpty;
    }
    double qTotal = 0;
    for (double v : q)
      qTotal += v;
    if (qTotal == 0)
      continue;
    double kl = 0;
    for (int j = 0; j < i; ++j)
      if (p[j] > 0)
        kl += p[j] / total *
              std::log((p[j] / total) / std::max(q[j] / qTotal, 1e-12));
    if (kl < bestKl) {
      bestKl = kl;
      best = std::min(h.maxAbs(), i * h.binWidth());
    }
  }
  return best;
}

/// The clip point with the least expected squared error: rounding error
/// (step^2 / 12 per value inside) plus clipping error (outside).
double mseThreshold(const Histogram &h) {
  int levels = levelsFor(h);
  double best = h.maxAbs(), bestError = INFINITY, w = h.binWidth();
  for (int i = 16; i <= Histogram::kBins; i += 4) {
    double t = i * w, step = t / levels, error = 0;
    for (int j = 0; j < Histogram::kBins; ++j) {
      double center = (j + 0.5) * w;
      error += h.bins[j] * (center < t ? step * step / 12
                                       : (center - t) * (center - t));
    }
    if (error < bestError) {
      bestError = error;
      best = std::min(h.maxAbs(), t);
    }
  }
  return best;
}

double chooseThreshold(const Histogram &h, CalibrationMethod method) {
  if (h.range == 0)
    return 0;
  switch (method) {
  case CalibrationMethod::MinMax:
    return h.maxAbs();
  case CalibrationMethod::Percentile:
    return percentileThreshold(h, 0.9999);
  case CalibrationMethod::Entropy:
    return entropyThreshold(h);
  case CalibrationMethod::Mse:
    return mseThreshold(h);
  }
  return h.maxAbs();
}

//===----------------------------------------------------------------------===//
// Samples
//===----------------------------------------------------------------------===//

struct InputInfo {
  std::string name;
  gaon_tensor info;
};

using Sample = std::vector<tools::HostTensor>; // one per graph input

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s.empty() ? "scalar" : s;
}

std::string checkSample(const tools::HostTensor &t, const InputInfo &in,
                        const std::string &file) {
  std::vector<int64_t> want(in.info.shape, in.info.shape + in.info.rank);
  if (t.dtype != in.info.dtype || t.shape != want)
    return "calibration sample '" + file + "': input '" + in.name +
           "' needs " + gaon_dtype_name(in.info.dtype) + "[" +
           shapeString(want) + "], the file holds " +
           gaon_dtype_name(t.dtype) + "[" + shapeString(t.shape) + "]";
  // A NaN or infinity would become every range it touches.
  if (t.dtype == GAON_F32) {
    const float *f = reinterpret_cast<const float *>(t.bytes.data());
    for (size_t i = 0, n = t.bytes.size() / 4; i < n; ++i)
      if (!std::isfinite(f[i]))
        return "calibration sample '" + file + "': input '" + in.name +
               "' holds " + (std::isnan(f[i]) ? "NaN" : "an infinity") +
               " at element " + std::to_string(i) +
               "; calibration needs finite samples";
  }
  return "";
}

/// The sample files of a folder in name order (other files are ignored).
std::string listSamples(const std::string &folder,
                        std::vector<std::string> &files) {
  std::error_code ec;
  if (!llvm::sys::fs::is_directory(folder))
    return "--calibration-data='" + folder +
           "' is not a folder; give a folder of .npy or .npz samples, or "
           "'random'";
  for (llvm::sys::fs::directory_iterator it(folder, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::StringRef ext = llvm::sys::path::extension(it->path());
    if (ext == ".npy" || ext == ".npz")
      files.push_back(it->path());
  }
  if (ec)
    return "cannot list '" + folder + "': " + ec.message();
  std::sort(files.begin(), files.end());
  if (files.empty())
    return "--calibration-data='" + folder +
           "' holds no .npy or .npz files";
  return "";
}

std::string loadSample(const std::string &file,
                       const std::vector<InputInfo> &inputs, Sample &out) {
  out.clear();
  if (llvm::StringRef(file).ends_with(".npy")) {
    if (inputs.size() != 1)
      return "calibration sample '" + file + "': the model has " +
             std::to_string(inputs.size()) +
             " inputs, so each sample must be an .npz with one array per "
             "input name";
    out.emplace_back();
    if (std::string e = tools::readTensorFile(file, out[0]); !e.empty())
      return e;
    return checkSample(out[0], inputs[0], file);
  }
  std::vector<std::pair<std::string, tools::HostTensor>> arrays;
  uint64_t largest = 0;
  for (const InputInfo &in : inputs)
    largest = std::max<uint64_t>(largest, in.info.byte_size);
  if (std::string e = tools::readNpzFile(
          file, arrays, largest + tools::kNpyHeaderAllowance);
      !e.empty())
    return e;
  // Every array must name an input: a misspelt name would otherwise leave
  // the input it meant to feed without data, unnoticed.
  if (!(arrays.size() == 1 && inputs.size() == 1))
    for (const auto &array : arrays)
      if (std::none_of(inputs.begin(), inputs.end(), [&](const InputInfo &in) {
            return in.name == array.first;
          })) {
        std::string names;
        for (const InputInfo &in : inputs)
          names += (names.empty() ? "'" : ", '") + in.name + "'";
        return "calibration sample '" + file + "' has an array '" +
               array.first + "' that names no input of the model (inputs: " +
               names + ")";
      }
  for (const InputInfo &in : inputs) {
    auto it = std::find_if(arrays.begin(), arrays.end(), [&](auto &a) {
      return a.first == in.name;
    });
    if (it == arrays.end() && arrays.size() == 1 && inputs.size() == 1)
      it = arrays.begin();
    if (it == arrays.end())
      return "calibration sample '" + file + "' has no array named '" +
             in.name + "'";
    out.push_back(std::move(it->second));
    if (std::string e = checkSample(out.back(), in, file); !e.empty())
      return e;
  }
  return "";
}

Sample randomSample(const std::vector<InputInfo> &inputs, std::mt19937 &rng) {
  Sample s;
  std::normal_distribution<float> normal;
  for (const InputInfo &in : inputs) {
    tools::HostTensor t;
    t.dtype = in.info.dtype;
    t.shape.assign(in.info.shape, in.info.shape + in.info.rank);
    t.bytes.resize(in.info.byte_size);
    if (t.dtype == GAON_F32) {
      auto *f = reinterpret_cast<float *>(t.bytes.data());
      for (size_t i = 0; i < t.bytes.size() / 4; ++i)
        f[i] = normal(rng);
    }
    s.push_back(std::move(t));
  }
  return s;
}

//===----------------------------------------------------------------------===//
// Calibration run
//===----------------------------------------------------------------------===//

std::string statusText(gaon_status s) {
  std::string text = gaon_status_message(s);
  gaon_status_free(s);
  return text;
}

/// A copy of a graph-stage module whose outputs also include `observed`,
/// compiled for the CPU target and loaded into a CPU session in process.
/// After run(), observed(i) points at value i's f32 elements.
class ObservedProgram {
public:
  ~ObservedProgram() {
    if (session)
      gaon_session_release(session);
    if (model)
      gaon_model_release(model);
  }

  LogicalResult build(ModuleOp module, ArrayRef<Value> values) {
    IRMapping mapping;
    OwningOpRef<ModuleOp> copy = llvm::cast<ModuleOp>(module->clone(mapping));
    auto func = *copy->getOps<func::FuncOp>().begin();
    auto ret = llvm::cast<func::ReturnOp>(func.getBody().back().getTerminator());
    SmallVector<Value> results(ret.getOperands());
    size_t graphOutputs = results.size();
    argIndex.assign(values.size(), -1);
    resultIndex.assign(values.size(), -1);
    for (size_t i = 0; i < values.size(); ++i) {
      if (auto arg = llvm::dyn_cast<BlockArgument>(values[i])) {
        argIndex[i] = arg.getArgNumber();
        continue;
      }
      resultIndex[i] = results.size();
      results.push_back(mapping.lookup(values[i]));
    }
    OpBuilder b(ret);
    b.create<func::ReturnOp>(ret.getLoc(), results);
    ret.erase();
    SmallVector<Type> types;
    SmallVector<DictionaryAttr> attrs;
    for (size_t i = 0; i < results.size(); ++i) {
      types.push_back(results[i].getType());
      attrs.push_back(i < graphOutputs
                          ? func.getResultAttrDict(i)
                          : b.getDictionaryAttr(b.getNamedAttr(
                                "onnx.name",
                                b.getStringAttr("observed_" +
                                                std::to_string(i)))));
    }
    func.setType(b.getFunctionType(func.getArgumentTypes(), types));
    func.setAllResultAttrs(attrs);
    {
      // The CPU target as gaonc --target=cpu compiles it.
      PassManager pm(copy->getContext());
      pm.addPass(createCpuFuseActivations());
      pm.addPass(createCpuChooseLayout());
      if (failed(pm.run(*copy)))
        return failure();
      llvm::raw_string_ostream os(binary);
      if (failed(writeGnb(*copy, os)))
        return failure();
    }
    if (gaon_status s = gaon_model_load_memory(binary.data(), binary.size(),
                                               nullptr, &model))
      return emitError(module.getLoc()) << "internal: " << statusText(s);
    gaon_session_options options{"cpu", 0};
    if (gaon_status s = gaon_session_create(model, &options, &session))
      return emitError(module.getLoc()) << "internal: " << statusText(s);
    inputs.resize(gaon_model_input_count(model));
    for (size_t i = 0; i < inputs.size(); ++i) {
      const char *name = nullptr;
      gaon_model_input(model, i, &name, &inputs[i].info);
      inputs[i].name = name ? name : "";
    }
    outputs.resize(gaon_model_output_count(model));
    outputData.resize(outputs.size());
    for (size_t i = 0; i < outputs.size(); ++i) {
      const char *name = nullptr;
      gaon_model_output(model, i, &name, &outputs[i]);
      outputData[i].resize(outputs[i].byte_size);
      outputs[i].data = outputData[i].data();
    }
    this->graphOutputs = graphOutputs;
    return success();
  }

  /// Runs one sample; returns an error message, empty on success.
  std::string run(Sample &sample) {
    current = &sample;
    std::vector<gaon_tensor> in;
    for (tools::HostTensor &t : sample)
      in.push_back(t.view());
    if (gaon_status s = gaon_session_run(session, in.data(), in.size(),
                                         outputs.data(), outputs.size()))
      return statusText(s);
    return "";
  }

  /// Observed value i's elements after run() (f32), and their count.
  const float *observed(size_t i, int64_t &count) const {
    if (argIndex[i] >= 0) {
      const tools::HostTensor &t = (*current)[argIndex[i]];
      count = t.bytes.size() / 4;
      return reinterpret_cast<const float *>(t.bytes.data());
    }
    const gaon_tensor &t = outputs[resultIndex[i]];
    count = t.byte_size / 4;
    return static_cast<const float *>(t.data);
  }
  /// Graph output i after run() (f32), and its element count.
  const float *graphOutput(size_t i, int64_t &count) const {
    count = outputs[i].byte_size / 4;
    return static_cast<const float *>(outputs[i].data);
  }

  std::vector<InputInfo> inputs;
  size_t graphOutputs = 0;

private:
  std::string binary;
  gaon_model *model = nullptr;
  gaon_session *session = nullptr;
  std::vector<int> argIndex, resultIndex;
  std::vector<gaon_tensor> outputs;
  std::vector<std::vector<uint8_t>> outputData;
  Sample *current = nullptr;
};

/// The samples calibration and the accuracy report read: the folder's files
/// (or random inputs), the first `calibrationCount` for calibration and the
/// rest held back.
struct SampleSource {
  bool random = false;
  std::vector<std::string> files;
  size_t total = 0, calibrationCount = 0;
  std::mt19937 rng{7};

  std::string open(const QuantizeOptions &options) {
    random = options.calibrationData == "random";
    if (!random)
      if (std::string e = listSamples(options.calibrationData, files);
          !e.empty())
        return e;
    total = random ? (options.samples > 0 ? options.samples : 8) * 2
                   : files.size();
    calibrationCount = random ? total / 2 : files.size();
    if (options.samples > 0)
      calibrationCount = std::min<size_t>(calibrationCount, options.samples);
    return "";
  }
  std::string name(size_t n) const {
    return random ? "random sample " + std::to_string(n)
                  : "'" + files[n] + "'";
  }
  std::string load(size_t n, const std::vector<InputInfo> &inputs,
                   Sample &out) {
    if (random) {
      out = randomSample(inputs, rng);
      return "";
    }
    return loadSample(files[n], inputs, out);
  }
};

/// Runs `program` over the calibration samples, filling one histogram per
/// observed value listed in `which`.
LogicalResult calibrate(ObservedProgram &program, ArrayRef<size_t> which,
                        Location loc, const QuantizeOptions &options,
                        SampleSource &source,
                        std::vector<Histogram> &histograms) {
  auto fail = [&](const std::string &message) {
    return emitError(loc) << message;
  };
  size_t count = source.calibrationCount;
  if (count == 0)
    return fail("no calibration samples");
  if (source.random && options.log)
    *options.log << "gaonc: warning: calibrating on " << count
                 << " random N(0, 1) inputs; scales will not match real "
                    "data (give --calibration-data=FOLDER)\n";
  histograms.assign(which.size(), Histogram());
  Progress bar("calibrating: samples", count);
  for (size_t n = 0; n < count; ++n) {
    Sample sample;
    if (std::string e = source.load(n, program.inputs, sample); !e.empty())
      return fail(e);
    if (std::string e = program.run(sample); !e.empty())
      return fail("calibration sample " + source.name(n) + ": " + e);
    for (size_t i = 0; i < which.size(); ++i) {
      int64_t elements;
      const float *data = program.observed(which[i], elements);
      histograms[i].add(data, elements);
    }
    // On a terminal a bar; in a log, a line every tenth of the way.
    bar.update(n + 1);
    if (options.log && Progress::mode() == Progress::Mode::Auto &&
        !Progress::enabled() &&
        (n + 1 == count || (n + 1) % std::max<size_t>(1, count / 10) == 0))
      *options.log << "gaonc: calibrating: " << n + 1 << "/" << count
                   << " samples\n";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Accuracy report
//===----------------------------------------------------------------------===//

/// Signal and error energy, and the dot product, over all samples.
struct Agreement {
  double signal = 0, noise = 0, dot = 0, quantizedEnergy = 0;
  void add(const float *ref, const float *got, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      double r = ref[i], g = got[i];
      signal += r * r;
      noise += (r - g) * (r - g);
      dot += r * g;
      quantizedEnergy += g * g;
    }
  }
  /// NaN where undefined: noise over an all-zero reference, or values that
  /// were not finite.
  double sqnr() const {
    if (noise == 0)
      return 200.0;
    if (signal == 0)
      return NAN;
    return 10 * std::log10(signal / noise);
  }
  double cosine() const {
    if (signal == 0 && quantizedEnergy == 0)
      return 1.0;
    double d = std::sqrt(signal * quantizedEnergy);
    return d == 0 ? NAN : dot / d;
  }
};


//===----------------------------------------------------------------------===//
// Rewrite
//===----------------------------------------------------------------------===//

quant::UniformQuantizedType activationType(MLIRContext *ctx, double threshold,
                                           bool nonNegative) {
  // An all-zero tensor still needs a positive scale.
  if (!(threshold > 0))
    threshold = 1.0;
  Type f32 = Float32Type::get(ctx);
  if (nonNegative)
    return quant::UniformQuantizedType::get(0, IntegerType::get(ctx, 8), f32,
                                            threshold / 255.0, 0, 0, 255);
  return quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed,
                                          IntegerType::get(ctx, 8), f32,
                                          threshold / 127.0, 0, -128, 127);
}

/// Replaces operand `index` of `op`, a constant f32 weight, by
/// dequantize(storage_cast(int8 constant)) with symmetric per-channel
/// scales along `axis` (values in [-127, 127]).
void quantizeWeight(Operation *op, unsigned index, int64_t axis) {
  Value w = op->getOperand(index);
  DenseElementsAttr attr;
  if (!matchPattern(w, m_Constant(&attr)))
    return;
  auto type = llvm::cast<RankedTensorType>(w.getType());
  auto values = llvm::to_vector(attr.getValues<float>());
  int64_t channels = type.getDimSize(axis), inner = 1;
  for (int64_t d = axis + 1; d < type.getRank(); ++d)
    inner *= type.getDimSize(d);
  SmallVector<double> scales(channels, 0.0);
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t c = (int64_t(i) / inner) % channels;
    scales[c] = std::max(scales[c], std::fabs(double(values[i])));
  }
  for (double &s : scales)
    s = s > 0 ? s / 127.0 : 1.0;
  SmallVector<int8_t> q(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t c = (int64_t(i) / inner) % channels;
    q[i] = (int8_t)std::clamp(std::nearbyint(values[i] / scales[c]), -127.0,
                              127.0);
  }
  MLIRContext *ctx = op->getContext();
  OpBuilder b(op);
  Location loc = w.getLoc();
  auto i8 = IntegerType::get(ctx, 8);
  Value storage = b.create<ConstantOp>(
      loc, DenseElementsAttr::get(RankedTensorType::get(type.getShape(), i8),
                                  ArrayRef<int8_t>(q)));
  auto qType = quant::UniformQuantizedPerAxisType::get(
      quant::QuantizationFlags::Signed, i8, type.getElementType(), scales,
      SmallVector<int64_t>(channels, 0), axis, -127, 127);
  Value quantized = b.create<StorageCastOp>(
      loc, RankedTensorType::get(type.getShape(), qType), storage);
  op->setOperand(index, b.create<DequantizeOp>(loc, type, quantized));
}

/// Inserts quantize/dequantize after v; returns the dequantized value.
Value insertQdq(Value v, quant::UniformQuantizedType q) {
  OpBuilder b(v.getContext());
  if (auto arg = llvm::dyn_cast<BlockArgument>(v))
    b.setInsertionPointToStart(arg.getOwner());
  else
    b.setInsertionPointAfterValue(v);
  auto type = llvm::cast<RankedTensorType>(v.getType());
  Location loc = v.getLoc();
  Value quantized =
      b.create<QuantizeOp>(loc, RankedTensorType::get(type.getShape(), q), v);
  Value back = b.create<DequantizeOp>(loc, type, quantized);
  v.replaceAllUsesExcept(back, quantized.getDefiningOp());
  return back;
}

std::string layerName(Value v) {
  if (auto arg = llvm::dyn_cast<BlockArgument>(v)) {
    auto func = llvm::cast<func::FuncOp>(arg.getOwner()->getParentOp());
    if (auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                      "onnx.name"))
      return name.str();
    return "input" + std::to_string(arg.getArgNumber());
  }
  return onnxNodeName(v.getLoc());
}

/// Runs fp32, the QDQ form (each activation as the integer program holds
/// it) and the integer program over the held-back samples, and writes the
/// per-layer and whole-model agreement as JSON.
LogicalResult writeAccuracyReport(ObservedProgram &fp32, ObservedProgram &qdq,
                                  ObservedProgram &integer,
                                  ArrayRef<std::string> layers,
                                  const QuantizeOptions &options,
                                  SampleSource &source, Location loc) {
  size_t begin = source.calibrationCount, end = source.total;
  bool heldBack = end > begin;
  if (!heldBack)
    begin = 0; // every sample calibrated: report on them, and say so
  std::vector<Agreement> perLayer(layers.size()), perOutput(fp32.graphOutputs);
  for (size_t n = begin; n < end; ++n) {
    Sample sample;
    if (std::string e = source.load(n, fp32.inputs, sample); !e.empty())
      return emitError(loc) << e;
    for (ObservedProgram *p : {&fp32, &qdq, &integer})
      if (std::string e = p->run(sample); !e.empty())
        return emitError(loc) << "accuracy sample " << source.name(n) << ": "
                              << e;
    for (size_t i = 0; i < layers.size(); ++i) {
      int64_t a, b;
      const float *ref = fp32.observed(i, a), *got = qdq.observed(i, b);
      perLayer[i].add(ref, got, std::min(a, b));
    }
    for (size_t i = 0; i < perOutput.size(); ++i) {
      int64_t a, b;
      const float *ref = fp32.graphOutput(i, a), *got = integer.graphOutput(i, b);
      perOutput[i].add(ref, got, std::min(a, b));
    }
  }
  std::error_code ec;
  llvm::raw_fd_ostream os(options.reportPath, ec);
  if (ec)
    return emitError(loc) << "cannot write '" << options.reportPath
                          << "': " << ec.message();
  static const char *methods[] = {"minmax", "percentile", "entropy", "mse"};
  os << "{\"quantize\":\"int8\",\"calibration_method\":\""
     << methods[int(options.method)] << "\",\"calibration_samples\":"
     << source.calibrationCount << ",\"report_samples\":" << end - begin
     << ",\"held_back\":" << (heldBack ? "true" : "false")
     << ",\"low_sqnr_db\":10,\n\"model\":[";
  // JSON has no NaN: an undefined figure is null.
  auto number = [](double v, const char *format) -> std::string {
    if (!std::isfinite(v))
      return "null";
    char text[64];
    std::snprintf(text, sizeof(text), format, v);
    return text;
  };
  for (size_t i = 0; i < perOutput.size(); ++i)
    os << (i ? ",\n" : "\n") << "{\"output\":" << i << ",\"sqnr_db\":"
       << number(perOutput[i].sqnr(), "%.2f") << ",\"cosine\":"
       << number(perOutput[i].cosine(), "%.6f") << "}";
  os << "],\n\"layers\":[";
  int low = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    bool flagged = !(perLayer[i].sqnr() >= 10); // NaN is flagged too
    low += flagged;
    os << (i ? ",\n" : "\n") << "{\"name\":" << llvm::json::Value(layers[i])
       << ",\"sqnr_db\":" << number(perLayer[i].sqnr(), "%.2f")
       << ",\"cosine\":" << number(perLayer[i].cosine(), "%.6f")
       << (!flagged ? ""
           : std::isnan(perLayer[i].sqnr()) ? ",\"flag\":\"undefined\""
                                            : ",\"flag\":\"below 10 dB\"")
       << "}";
  }
  os << "]}\n";
  if (options.log) {
    *options.log << "gaonc: accuracy over " << end - begin
                 << (heldBack ? " held-back" : " calibration") << " samples:";
    for (size_t i = 0; i < perOutput.size(); ++i)
      *options.log << " output " << i << " SQNR "
                   << llvm::format("%.1f", perOutput[i].sqnr()) << " dB, cosine "
                   << llvm::format("%.5f", perOutput[i].cosine()) << ";";
    *options.log << " " << low << " of " << layers.size()
                 << " layers below 10 dB (" << options.reportPath << ")\n";
  }
  return success();
}

} // namespace

LogicalResult quantizeInt8(ModuleOp module, const QuantizeOptions &options) {
  auto funcs = module.getOps<func::FuncOp>();
  if (funcs.empty())
    return emitError(module.getLoc()) << "nothing to quantize";
  func::FuncOp func = *funcs.begin();
  if (failed(checkKeepFloatNames(func, options.keepFloat)))
    return failure();
  Plan plan = planQuantization(func, options);
  if (plan.activations.empty()) {
    if (options.log)
      *options.log << "gaonc: warning: --quantize=int8 found no op to run in "
                      "integers (conv, matmul with constant weights, add, "
                      "max pooling); the model stays float\n";
    return success();
  }
  // One fp32 program observes every planned activation: calibration reads
  // those with a scale of their own (a pool's result shares its input's),
  // the accuracy report all of them.
  SmallVector<Value> layers, observed;
  SmallVector<size_t> observedAt;
  for (Value v : plan.activations) {
    if (!isF32(v))
      continue;
    if (!plan.sameAs.count(v)) {
      observed.push_back(v);
      observedAt.push_back(layers.size());
    }
    layers.push_back(v);
  }
  SampleSource source;
  if (std::string e = source.open(options); !e.empty())
    return emitError(module.getLoc()) << e;
  ObservedProgram fp32, qdq, integer;
  if (failed(fp32.build(module, layers)))
    return failure();
  std::vector<Histogram> histograms;
  if (failed(calibrate(fp32, observedAt, module.getLoc(), options, source,
                       histograms)))
    return failure();
  bool report = !options.reportPath.empty();

  llvm::DenseMap<Value, quant::UniformQuantizedType> types;
  for (size_t i = 0; i < observed.size(); ++i) {
    const Histogram &h = histograms[i];
    // A model output keeps its whole range: its largest values are often
    // the answer (the winning logit), which clipping would flatten.
    bool isOutput = llvm::any_of(observed[i].getUsers(), [](Operation *u) {
      return llvm::isa<func::ReturnOp>(u);
    });
    types[observed[i]] = activationType(
        module.getContext(),
        chooseThreshold(h, isOutput ? CalibrationMethod::MinMax
                                    : options.method),
        h.minValue >= 0);
  }
  for (Value v : plan.activations) {
    Value from = v;
    while (plan.sameAs.count(from))
      from = plan.sameAs.lookup(from);
    if (types.count(from))
      types[v] = types[from];
  }
  for (const Plan::Weight &w : plan.weights)
    quantizeWeight(w.op, w.operand, w.axis);
  llvm::DenseMap<Value, Value> dequantized;
  for (Value v : plan.activations)
    if (types.count(v))
      dequantized[v] = insertQdq(v, types[v]);
  // Names now: folding replaces the float ops the layers came from.
  std::vector<std::string> layerNames;
  for (Value v : layers)
    layerNames.push_back(layerName(v));
  if (report) {
    SmallVector<Value> after;
    for (Value v : layers)
      after.push_back(dequantized.count(v) ? dequantized[v] : v);
    if (failed(qdq.build(module, after)))
      return failure();
  }

  PassManager pm(module.getContext());
  pm.addPass(createFoldQdq());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (failed(pm.run(module)))
    return failure();
  if (!report)
    return success();
  if (failed(integer.build(module, {})))
    return failure();
  return writeAccuracyReport(fp32, qdq, integer, layerNames, options, source,
                             module.getLoc());
}

} // namespace gaon
