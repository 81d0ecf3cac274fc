//===- gaonc.cpp - the Gaon compiler driver -------------------------------===//
//
//   gaonc MODEL.onnx -o OUT [--target=npu|cpu] [--npu-config=...]
//         [--input-shape=NAME:1x3x224x224]... [--emit=onnx|graph|...]
//
// A staged driver in the style of Toy's toyc: --emit stops after a stage and
// writes that stage's MLIR. MLIR's own debugging flags (--mlir-print-ir-*,
// --mlir-timing, --mlir-pass-pipeline-crash-reproducer, ...) apply.
//
//===----------------------------------------------------------------------===//

#include "compiler/binary/GnbWriter.h"
#include "compiler/conversion/OnnxToGraph/OnnxToGraph.h"
#include "compiler/graph/Passes.h"
#include "compiler/importer/CheckpointImporter.h"
#include "compiler/importer/OnnxImporter.h"
#include "compiler/npu/Placement/Report.h"
#include "compiler/pipelines/Pipelines.h"
#include "compiler/quantization/Calibration.h"
#include "compiler/quantization/Passes.h"
#include "targets/common/Progress.h"
#include "targets/npu/NpuConfigJson.h"

#include "HtmlReport.h"

#include "dialects/onnx/OnnxOps.h"
#include "gaon/runtime.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

using Emit = gaon::CompileStage;

/// Counts the passes run into a progress bar, naming the one running.
class PassProgress : public PassInstrumentation {
public:
  PassProgress(gaon::Progress &bar, uint64_t &count) : bar(bar), count(count) {}
  void runBeforePass(Pass *pass, Operation *) override {
    bar.update(count, "(" + pass->getArgument().str() + ")");
  }
  void runAfterPass(Pass *, Operation *) override { ++count; }

private:
  gaon::Progress &bar;
  uint64_t &count;
};

/// Reports diagnostics as `FILE: node 'NAME': error: MESSAGE`. An ONNX model
/// has no lines or columns (its locations are FILE:0:0); the node names the
/// importer records in each op's location are what lead a user to the
/// problem.
class NodeDiagnosticHandler : public ScopedDiagnosticHandler {
public:
  explicit NodeDiagnosticHandler(MLIRContext *context)
      : ScopedDiagnosticHandler(context) {
    setHandler([](Diagnostic &diagnostic) {
      print(diagnostic);
      for (Diagnostic &note : diagnostic.getNotes())
        print(note);
      return success();
    });
  }

private:
  static void describe(Location loc, std::string &file,
                       llvm::SmallVectorImpl<std::string> &nodes) {
    if (auto f = llvm::dyn_cast<FileLineColLoc>(loc)) {
      if (file.empty()) {
        file = f.getFilename().str();
        if (f.getLine() != 0) // a text input (.mlir) has real positions
          file += ":" + std::to_string(f.getLine()) + ":" +
                  std::to_string(f.getColumn());
      }
    } else if (auto n = llvm::dyn_cast<NameLoc>(loc)) {
      std::string name = n.getName().str();
      if (!name.empty() && !llvm::is_contained(nodes, name))
        nodes.push_back(name);
      describe(n.getChildLoc(), file, nodes);
    } else if (auto fused = llvm::dyn_cast<FusedLoc>(loc)) {
      for (Location part : fused.getLocations())
        describe(part, file, nodes);
    } else if (auto call = llvm::dyn_cast<CallSiteLoc>(loc)) {
      describe(call.getCallee(), file, nodes);
    }
  }

  static void print(Diagnostic &diagnostic) {
    if (gaon::Progress::enabled())
      llvm::errs() << "\r\033[K"; // a bar's line, if one is drawn
    std::string file;
    llvm::SmallVector<std::string> nodes;
    describe(diagnostic.getLocation(), file, nodes);
    llvm::raw_ostream &os = llvm::errs();
    if (!file.empty())
      os << file << ": ";
    if (!nodes.empty()) {
      os << (nodes.size() == 1 ? "node " : "nodes ");
      for (size_t i = 0; i < nodes.size(); ++i)
        os << (i ? ", '" : "'") << nodes[i] << "'";
      os << ": ";
    }
    switch (diagnostic.getSeverity()) {
    case DiagnosticSeverity::Error: os << "error: "; break;
    case DiagnosticSeverity::Warning: os << "warning: "; break;
    case DiagnosticSeverity::Note: os << "note: "; break;
    case DiagnosticSeverity::Remark: os << "remark: "; break;
    }
    os << diagnostic << "\n";
  }
};

cl::OptionCategory gaoncCategory("gaonc options");

cl::opt<std::string> inputFile(cl::Positional,
                               cl::desc("<model.onnx | checkpoint folder>"),
                               cl::cat(gaoncCategory));
cl::opt<std::string> outputFile("o", cl::desc("Output file ('-' for stdout)"),
                                cl::value_desc("file"), cl::init("-"),
                                cl::cat(gaoncCategory));
cl::opt<Emit> emit(
    "emit", cl::desc("Stop after a stage and write it"),
    cl::values(
        clEnumValN(Emit::Onnx, "onnx", "the generic onnx import form"),
        clEnumValN(Emit::Graph, "graph", "typed graph ops with static shapes"),
        clEnumValN(Emit::Placed, "placed",
                   "graph ops with their device and reason, CPU "
                   "fusion and layouts"),
        clEnumValN(Emit::Tile, "tile",
                   "NPU segments planned as tile.segment ops"),
        clEnumValN(Emit::Npu, "npu", "NPU segments lowered to npu.program ops"),
        clEnumValN(Emit::Binary, "binary",
                   "a .gnb binary (needs the runtime and backends)")),
    cl::cat(gaoncCategory));
cl::opt<std::string> target("target", cl::desc("Target: npu or cpu"),
                            cl::init("npu"), cl::cat(gaoncCategory));
cl::opt<std::string>
    npuConfig("npu-config",
              cl::desc("NPU configuration: edge, server, or a JSON file"),
              cl::init("edge"), cl::cat(gaoncCategory));
cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Static shape for a graph input, NAME:D0xD1x... (repeatable)"),
    cl::cat(gaoncCategory));
cl::list<std::string> freezeInputs(
    "freeze-input",
    cl::desc("Fix a graph input's value at compile time, NAME=VALUE.pb "
             "(an ONNX TensorProto; repeatable)"),
    cl::cat(gaoncCategory));
cl::opt<int64_t> maxSeqLen(
    "max-seq-len",
    cl::desc("Compile a decoder (input_ids, attention_mask, position_ids, "
             "past_key_values.N.*) as one step over key/value caches of this "
             "many positions, written in place at a `position` input "
             "(docs/llm.md)"),
    cl::init(0), cl::cat(gaoncCategory));
cl::opt<std::string> llmEntry(
    "llm-entry",
    cl::desc("With --max-seq-len: the entry points to compile: all (the "
             "default), decode or prefill"),
    cl::init("all"), cl::cat(gaoncCategory));
cl::opt<int64_t> prefillChunk(
    "prefill-chunk",
    cl::desc("With --max-seq-len: add a `prefill` entry of this many tokens "
             "per step (64 with --llm-entry=prefill)"),
    cl::init(0), cl::cat(gaoncCategory));
cl::list<int64_t>
    decodeBatch("decode-batch",
                cl::desc("With --max-seq-len: a `decode` entry per batch size, "
                         "comma-separated (default 1)"),
                cl::CommaSeparated, cl::cat(gaoncCategory));
cl::opt<bool> listOnnxOps(
    "list-onnx-ops",
    cl::desc("Print the ONNX operators and versions Gaon converts, and exit"),
    cl::cat(gaoncCategory));
cl::opt<bool> weightsSidecar(
    "weights-sidecar",
    cl::desc("Write a binary's constants to OUT.weights beside it (for "
             "weights past what one file should hold)"),
    cl::init(false), cl::cat(gaoncCategory));
cl::opt<bool> cpuChannelsLast(
    "cpu-channels-last",
    cl::desc("CPU target: keep 4-D activations between convolutions in "
             "NHWC (default on; =false keeps every tensor row-major)"),
    cl::init(true), cl::cat(gaoncCategory));
cl::opt<bool> printNpuConfig(
    "print-npu-config",
    cl::desc("Print the --npu-config configuration as canonical JSON with "
             "its peak figures, and exit"),
    cl::init(false), cl::cat(gaoncCategory));
cl::opt<bool> quiet(
    "quiet",
    cl::desc("No progress output (bars on a terminal, calibration counts)"),
    cl::init(false), cl::cat(gaoncCategory));
cl::opt<bool> forceProgress(
    "progress",
    cl::desc("Draw progress bars even when stderr is not a terminal"),
    cl::init(false), cl::cat(gaoncCategory));
cl::opt<bool> printSummary(
    "summary",
    cl::desc("Print a one-paragraph summary of the compiled model to stderr"),
    cl::init(false), cl::cat(gaoncCategory));
cl::opt<std::string> reportFile(
    "report",
    cl::desc("Write the placement report: per ONNX node, where it runs, why "
             "not on the NPU, and the estimated NPU cycles (JSON; a page to "
             "open in a browser when the name ends in .html)"),
    cl::value_desc("REPORT.json|REPORT.html"), cl::cat(gaoncCategory));
cl::opt<bool> npuGreedy(
    "npu-greedy",
    cl::desc("Place every op the NPU can run on the NPU, even one whose "
             "neighbours all run on the CPU (to test each NPU lowering)"),
    cl::init(false), cl::cat(gaoncCategory));
cl::opt<int> npuCores(
    "npu-cores",
    cl::desc("Schedule NPU segments on this many cores (default 0: the "
             "compiler compares one core with resident activations against "
             "all cores splitting convolutions, and keeps the faster)"),
    cl::init(0), cl::cat(gaoncCategory));
cl::opt<std::string> quantize(
    "quantize",
    cl::desc("Quantize the model: int8 (post-training, calibrated; integer "
             "convolutions, matmuls, adds and pooling, the rest float), or "
             "w8a16 / w4a16 (weight-only: matmul weights int8 / int4 in "
             "blocks of --group-size rows, activations float)"),
    cl::value_desc("int8|w8a16|w4a16"), cl::cat(gaoncCategory));
cl::opt<int64_t> groupSize(
    "group-size",
    cl::desc("With --quantize=w8a16|w4a16: rows of K (the reduction axis) "
             "per weight scale (default 128)"),
    cl::init(128), cl::cat(gaoncCategory));
cl::opt<std::string> calibrationData(
    "calibration-data",
    cl::desc("Samples for --quantize=int8: a folder of .npy files (one-input "
             "models) or .npz files (one array per input name), taken in "
             "name order; or 'random' (a poor substitute)"),
    cl::value_desc("FOLDER"), cl::cat(gaoncCategory));
cl::opt<std::string> calibrationMethod(
    "calibration-method",
    cl::desc("How a tensor's range is chosen from its calibration histogram: "
             "minmax, percentile (99.99%, default), entropy (KL) or mse"),
    cl::init("percentile"), cl::cat(gaoncCategory));
cl::opt<int> calibrationSamples(
    "calibration-samples",
    cl::desc("Use at most this many calibration samples (default: all)"),
    cl::init(0), cl::cat(gaoncCategory));
cl::opt<std::string> accuracyReport(
    "accuracy-report",
    cl::desc("With --quantize: write per layer and per output the SQNR (dB) "
             "and cosine similarity of the quantized model against fp32, over "
             "the samples calibration did not use (--calibration-samples)"),
    cl::value_desc("REPORT.json"), cl::cat(gaoncCategory));
cl::list<std::string>
    keepFloat("keep-float",
              cl::desc("ONNX node names to leave in float under --quantize "
                       "(comma-separated, repeatable)"),
              cl::CommaSeparated, cl::cat(gaoncCategory));
cl::opt<bool> exposeIntegerTensors(
    "expose-integer-tensors",
    cl::desc("With --quantize=int8 (or a pre-quantized model): also output "
             "every 8-bit tensor the graph computes, named NODE:N, so that "
             "two targets' integer results can be compared tensor by tensor"),
    cl::init(false), cl::cat(gaoncCategory));
cl::opt<bool> elideLargeConstants(
    "elide-constants",
    cl::desc("Print constants larger than 16 elements as an elided blob"),
    cl::init(false), cl::cat(gaoncCategory));

/// Op counts by name (constants and terminators aside) and the number and
/// bytes of constant elements.
struct ModuleStats {
  std::map<std::string, int> ops;
  int64_t constantElements = 0, constantBytes = 0;
};

ModuleStats collectStats(ModuleOp module) {
  ModuleStats stats;
  module.walk([&](Operation *op) {
    if (op->hasTrait<OpTrait::ConstantLike>()) {
      if (auto type = llvm::dyn_cast<ShapedType>(op->getResult(0).getType())) {
        stats.constantElements += type.getNumElements();
        stats.constantBytes +=
            type.getNumElements() *
            std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
      }
      return;
    }
    if (op->hasTrait<OpTrait::IsTerminator>() || llvm::isa<ModuleOp>(op) ||
        op->getNumRegions() > 0)
      return;
    StringRef name = op->getName().getStringRef();
    if (auto node = llvm::dyn_cast<gaon::onnx::NodeOp>(op))
      ++stats.ops[node.getOpType().str()];
    else
      ++stats.ops[name.str()];
  });
  return stats;
}

void printStats(llvm::raw_ostream &os, StringRef label,
                const ModuleStats &stats) {
  int total = 0;
  for (const auto &entry : stats.ops)
    total += entry.second;
  os << label << ": " << total << " ops";
  std::string sep = " (";
  for (const auto &[name, count] : stats.ops) {
    os << sep << name << " x" << count;
    sep = ", ";
  }
  os << (stats.ops.empty() ? "" : ")") << "; " << stats.constantElements
     << " constant elements ("
     << llvm::format("%.1f", stats.constantBytes / 1024.0) << " KiB)\n";
}

int fail(const std::string &message) {
  llvm::errs() << "gaonc: error: " << message << "\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerAsmPrinterCLOptions();
  registerDefaultTimingManagerCLOptions();
  // Gaon's options first; LLVM's and MLIR's still work, listed by
  // --help-hidden.
  cl::HideUnrelatedOptions(gaoncCategory);
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "gaonc (Gaon) " << GAON_VERSION << "; writes .gnb format "
       << GAON_GNB_FORMAT_VERSION << "; built on LLVM/MLIR "
       << LLVM_VERSION_STRING << "\n";
  });
  cl::ParseCommandLineOptions(argc, argv, "Gaon ONNX compiler\n");
  if (quiet && forceProgress)
    return fail("--quiet and --progress contradict each other");
  gaon::Progress::setMode(quiet           ? gaon::Progress::Mode::Never
                          : forceProgress ? gaon::Progress::Mode::Always
                                          : gaon::Progress::Mode::Auto);

  if (listOnnxOps) {
    for (const auto &[name, versions] :
         gaon::getOnnxToGraphPatterns().entries()) {
      llvm::outs() << name;
      for (int64_t v : versions)
        llvm::outs() << " " << v;
      llvm::outs() << "\n";
    }
    for (const std::string &name : gaon::getOnnxToGraphPatterns().extensions())
      llvm::outs() << name << " (onnxruntime contrib operator)\n";
    return 0;
  }
  llvm::Expected<gaon::npu::NpuConfig> npu =
      gaon::npu::loadNpuConfig(npuConfig);
  if (!npu)
    return fail(llvm::toString(npu.takeError()));
  if (printNpuConfig) {
    llvm::outs() << gaon::npu::canonicalNpuConfigJson(*npu) << "\n";
    llvm::outs() << llvm::formatv(
        "{0}: {1} cores, {2:f1} int8 TOPS, {3:f1} GB/s DRAM, {4} MiB SRAM "
        "per core, config hash {5:x16}\n",
        npu->name, npu->cores, 2 * npu->peakInt8MacsPerSecond() / 1e12,
        npu->dramBandwidth / 1e9, npu->sramBytes >> 20,
        gaon::npu::npuConfigHash(*npu));
    return 0;
  }
  if (inputFile.empty())
    return fail("no input model; usage: gaonc MODEL.onnx -o OUT");
  // A Hugging Face checkpoint folder (config.json + safetensors) is a
  // decoder: it compiles only to decoder steps.
  bool checkpoint = gaon::isCheckpointFolder(inputFile);
  if (checkpoint && maxSeqLen == 0)
    return fail("'" + inputFile +
                "' is a checkpoint folder, which compiles to decoder entry "
                "points: give --max-seq-len=M (docs/checkpoints.md)");
  if (target != "npu" && target != "cpu")
    return fail("--target must be npu or cpu, got '" + target + "'");
  // Without --emit, a .gnb output means a binary, anything else MLIR.
  if (emit.getNumOccurrences() == 0)
    emit = StringRef(outputFile).ends_with(".gnb") ? Emit::Binary : Emit::Graph;
  gaon::QuantizeOptions quantizeOptions;
  bool weightOnly = quantize == "w8a16" || quantize == "w4a16";
  if (groupSize.getNumOccurrences() && !weightOnly)
    return fail("--group-size needs --quantize=w8a16 or --quantize=w4a16");
  if (weightOnly) {
    if (groupSize < 1)
      return fail("--group-size must be at least 1, got " +
                  std::to_string(groupSize));
    if (!calibrationData.empty() || !accuracyReport.empty())
      return fail("--quantize=" + quantize +
                  " needs no calibration (activations stay float); drop "
                  "--calibration-data and --accuracy-report");
  } else if (!quantize.empty()) {
    if (quantize != "int8")
      return fail("--quantize=" + quantize +
                  " is not supported; use int8, w8a16 or w4a16");
    if (calibrationData.empty())
      return fail("--quantize=int8 needs calibration samples: "
                  "--calibration-data=FOLDER (one .npy per sample for a "
                  "one-input model, or .npz with one array per input name), "
                  "or --calibration-data=random to accept poorer scales");
    if (!gaon::parseCalibrationMethod(calibrationMethod,
                                      quantizeOptions.method))
      return fail("--calibration-method must be minmax, percentile, entropy "
                  "or mse, got '" +
                  calibrationMethod + "'");
    if (calibrationSamples < 0)
      return fail("--calibration-samples must be >= 0");
    quantizeOptions.calibrationData = calibrationData;
    quantizeOptions.samples = calibrationSamples;
    quantizeOptions.keepFloat.assign(keepFloat.begin(), keepFloat.end());
    quantizeOptions.log = &llvm::errs();
    quantizeOptions.reportPath = accuracyReport;
  } else if (!calibrationData.empty() || !keepFloat.empty() ||
             !accuracyReport.empty()) {
    return fail("--calibration-data, --keep-float and --accuracy-report "
                "need --quantize (int8; --keep-float also w8a16 or w4a16)");
  }
  bool gnbName = StringRef(outputFile).ends_with(".gnb");
  if (emit != Emit::Binary && gnbName)
    return fail("-o " + outputFile +
                " names a binary, but --emit writes "
                "MLIR text at that stage; drop --emit or name the output "
                ".mlir");
  if (emit == Emit::Binary && outputFile == "-" &&
      llvm::sys::Process::StandardOutIsDisplayed())
    return fail("a binary is not for the terminal; give -o OUT.gnb");
  if ((emit == Emit::Tile || emit == Emit::Npu) && target != "npu")
    return fail(std::string("--emit=") + (emit == Emit::Npu ? "npu" : "tile") +
                " needs --target=npu");
  if (npuCores < 0)
    return fail("--npu-cores must be 0 (the cost model chooses) or a core "
                "count, got " +
                std::to_string(npuCores));
  if (!reportFile.empty() && emit != Emit::Binary)
    return fail("--report describes a binary; add -o OUT.gnb or "
                "--emit=binary");

  gaon::ImportOptions options;
  for (const std::string &spec : inputShapes) {
    std::string error = gaon::parseInputShape(spec, options);
    if (!error.empty())
      return fail(error);
  }
  for (const std::string &spec : freezeInputs) {
    std::string error = gaon::parseFreezeInput(spec, options);
    if (!error.empty())
      return fail(error);
  }
  // A decoder compiles to entry points (docs/llm.md): `decode` per batch
  // size, `prefill` over chunks; each is imported with its own shapes.
  struct LlmEntry {
    std::string name;
    int64_t batch, sequence;
  };
  std::vector<LlmEntry> llmEntries;
  if (maxSeqLen != 0) {
    if (llmEntry != "all" && llmEntry != "decode" && llmEntry != "prefill")
      return fail("--llm-entry must be all, decode or prefill, got '" +
                  llmEntry + "'");
    std::vector<int64_t> batches(decodeBatch.begin(), decodeBatch.end());
    if (batches.empty())
      batches.push_back(1);
    std::sort(batches.begin(), batches.end());
    batches.erase(std::unique(batches.begin(), batches.end()), batches.end());
    int64_t chunk = prefillChunk;
    if (llmEntry == "prefill" && chunk == 0)
      chunk = 64;
    auto suffix = [](int64_t b) {
      return b == 1 ? std::string() : "_b" + std::to_string(b);
    };
    if (llmEntry != "prefill")
      for (int64_t b : batches)
        llmEntries.push_back({"decode" + suffix(b), b, 1});
    if (llmEntry != "decode" && chunk != 0)
      llmEntries.push_back({"prefill" + suffix(batches[0]), batches[0], chunk});
    if (llmEntries.empty())
      return fail("--llm-entry=" + llmEntry +
                  " leaves no entry point; give --prefill-chunk=N");
    if (batches[0] < 1 || batches.back() > 4096 || chunk < 0)
      return fail("--decode-batch sizes must be 1 to 4096 and "
                  "--prefill-chunk positive");
    for (const LlmEntry &e : llmEntries)
      if (maxSeqLen <= e.sequence || maxSeqLen > (int64_t(1) << 24))
        return fail("--max-seq-len must exceed the " + e.name +
                    " entry's tokens per step (" + std::to_string(e.sequence) +
                    ") and be at most 2^24");
    if (emit != Emit::Binary && llmEntries.size() > 1)
      return fail("--emit writes one entry point's MLIR; choose it with "
                  "--llm-entry=decode or prefill and one --decode-batch");
  } else if (prefillChunk.getNumOccurrences() ||
             decodeBatch.getNumOccurrences() || llmEntry.getNumOccurrences()) {
    return fail("--llm-entry, --prefill-chunk and --decode-batch need "
                "--max-seq-len");
  }
  if (llmEntries.empty())
    llmEntries.push_back({"main", 0, 0});

  DialectRegistry registry;
  gaon::registerGaonDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  NodeDiagnosticHandler diagnostics(&context);

  DefaultTimingManager timing;
  applyDefaultTimingManagerCLOptions(timing);
  TimingScope timingScope = timing.getRootScope();
  // The placement report describes the first entry (decode, for a decoder).
  std::vector<gaon::npu::PlacementRow> placementRows;
  std::vector<OwningOpRef<ModuleOp>> modules;
  // Large models take minutes: a bar counts the passes run (terminal only).
  gaon::Progress compileProgress("compiling: passes run", 0);
  uint64_t passesRun = 0;
  for (const LlmEntry &e : llmEntries) {
    if (maxSeqLen != 0) {
      options.decoder.maxSeqLen = maxSeqLen;
      options.decoder.sequence = e.sequence;
      options.decoder.batch = e.batch;
    }
    OwningOpRef<ModuleOp> module =
        checkpoint ? gaon::importCheckpoint(context, inputFile, options)
                   : gaon::importOnnxFile(context, inputFile, options);
    if (!module || failed(verify(*module)))
      return 1;

    ModuleStats imported = collectStats(*module), graphStats;
    // Runs `build`'s passes with MLIR's command-line instrumentation.
    auto runPasses = [&](llvm::function_ref<void(PassManager &)> build) {
      PassManager pm(&context);
      if (failed(applyPassManagerCLOptions(pm)))
        return failure();
      pm.enableTiming(timingScope);
      if (gaon::Progress::enabled())
        pm.addInstrumentation(
            std::make_unique<PassProgress>(compileProgress, passesRun));
      build(pm);
      return pm.run(*module);
    };
    if (emit != Emit::Onnx) {
      if (failed(runPasses([](PassManager &pm) {
            gaon::buildPipeline(pm, gaon::CompileStage::Onnx,
                                gaon::CompileStage::Graph);
          })))
        return 1;
      if (maxSeqLen != 0 && failed(runPasses([](PassManager &pm) {
            pm.addPass(gaon::createLlmKvCache());
            pm.addPass(mlir::createCanonicalizerPass());
          })))
        return 1;
      if (weightOnly) {
        gaon::QuantizeWeightsOptions weightOptions;
        weightOptions.bits = quantize == "w4a16" ? 4 : 8;
        weightOptions.groupSize = groupSize;
        std::vector<std::string> kept(keepFloat.begin(), keepFloat.end());
        if (failed(gaon::checkKeepFloatNames(*module, kept)))
          return 1;
        weightOptions.keepFloat = kept;
        if (failed(runPasses([&](PassManager &pm) {
              pm.addPass(gaon::createQuantizeWeights(weightOptions));
            })))
          return 1;
      } else if (!quantize.empty() &&
                 failed(gaon::quantizeInt8(*module, quantizeOptions))) {
        return 1;
      }
      if (exposeIntegerTensors && failed(runPasses([](PassManager &pm) {
            pm.addPass(gaon::createExposeIntegerTensors());
          })))
        return 1;
    }

    if (printSummary && emit != Emit::Onnx)
      graphStats = collectStats(*module);

    // The back end: placement, then the target's stages up to --emit.
    gaon::BackendOptions backend;
    if (target == "npu")
      backend.npuConfig = npuConfig;
    backend.npuGreedy = npuGreedy;
    backend.npuCores = npuCores;
    backend.cpuChannelsLast = cpuChannelsLast;
    if (emit >= Emit::Placed) {
      if (failed(runPasses([&](PassManager &pm) {
            gaon::buildPipeline(pm, gaon::CompileStage::Graph,
                                gaon::CompileStage::Placed, backend);
          })))
        return 1;
      if (!reportFile.empty() && modules.empty())
        placementRows = gaon::npu::collectPlacementRows(*module);
      if (failed(runPasses([&](PassManager &pm) {
            gaon::buildPipeline(pm, gaon::CompileStage::Placed, emit, backend);
          })))
        return 1;
    }

    if (printSummary) {
      if (llmEntries.size() > 1)
        llvm::errs() << "entry " << e.name << ":\n";
      printStats(llvm::errs(), "imported (onnx)", imported);
      if (emit != Emit::Onnx)
        printStats(llvm::errs(), "converted (graph)", graphStats);
    }
    modules.push_back(std::move(module));
  } // each entry
  compileProgress.finish();
  ModuleOp module = *modules.front();

  std::string error;
  auto output = openOutputFile(outputFile, &error);
  if (!output)
    return fail(error);
  if (emit == Emit::Binary) {
    gaon::GnbStats stats;
    gaon::GnbWriterOptions binaryOptions;
    binaryOptions.stats = &stats;
    if (target == "npu")
      binaryOptions.npu = &*npu;
    std::unique_ptr<llvm::ToolOutputFile> weights;
    if (weightsSidecar) {
      if (outputFile == "-")
        return fail("--weights-sidecar needs an output file (-o)");
      weights = openOutputFile(outputFile + ".weights", &error);
      if (!weights)
        return fail(error);
      binaryOptions.weightsStream = &weights->os();
      binaryOptions.weightsFileName =
          llvm::sys::path::filename(outputFile).str() + ".weights";
    }
    std::vector<gaon::GnbEntry> entries;
    for (auto [e, m] : llvm::zip(llmEntries, modules))
      entries.push_back({e.name, *m});
    if (failed(gaon::writeGnb(entries, output->os(), binaryOptions)))
      return 1;
    if (weights)
      weights->keep();
    if (!reportFile.empty()) {
      auto reportOut = openOutputFile(reportFile, &error);
      if (!reportOut)
        return fail(error);
      std::string json = gaon::npu::placementReportJson(
          placementRows, module, target == "npu" ? npu->name : "");
      if (gaon::tools::wantsHtml(reportFile))
        reportOut->os() << gaon::tools::renderHtmlReport(
            llvm::sys::path::filename(inputFile).str() + " for " +
                (target == "npu" ? "the NPU (" + npu->name + ")"
                                 : std::string("the CPU")),
            json, "");
      else
        reportOut->os() << json;
      reportOut->keep();
    }
    if (printSummary)
      llvm::errs() << "binary: " << stats.ops << " steps ("
                   << stats.npuSegments << " NPU segments of "
                   << stats.npuInstructions << " instructions, "
                   << stats.cpuOps << " CPU kernel calls in "
                   << stats.cpuSegments << " segments); arena "
                   << stats.arenaSize << " bytes (" << stats.arenaWithoutReuse
                   << " without reuse); constants " << stats.constantBytes
                   << " bytes\n";
    output->keep();
    return 0;
  }
  OpPrintingFlags flags;
  // Packed NPU constants would print as megabytes of hex: elided from the
  // tile stage on (the binary carries them).
  if (elideLargeConstants || emit >= Emit::Tile)
    flags.elideLargeElementsAttrs(16);
  module.print(output->os(), flags);
  output->os() << "\n";
  output->keep();
  return 0;
}
