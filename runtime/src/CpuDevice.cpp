//===- CpuDevice.cpp - the `cpu` device: kernel calls over the arena ------===//

#include "Internal.h"

#include "targets/cpu/kernels/Kernels.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>

namespace gaon::rt {
namespace {

/// A view with shape, dtype and quantization but no memory: `data` is a
/// non-null marker for present operands.
cpu::View describe(const gaon_model &model, uint32_t id) {
  static char present;
  if (id == kNoTensor)
    return cpu::View{GAON_F32, {}, nullptr};
  const TensorDesc &t = model.tensors[id];
  cpu::View v{t.dtype, t.shape, &present};
  v.channelsLast = t.channelsLast;
  // Constants are known now; preparation may read them (weights).
  if (t.storage == TensorDesc::Storage::Constant) {
    v.data = const_cast<uint8_t *>(model.constants + t.offset);
    v.isConstant = true;
  }
  if (!t.scales.empty()) {
    v.scales = &t.scales;
    v.zeroPoints = &t.zeroPoints;
    v.quantAxis = t.quantAxis;
  }
  return v;
}

class CpuSegment : public PreparedSegment {
public:
  CpuSegment(const gaon_model &model, const SegmentDesc &segment,
             std::vector<cpu::Kernel> kernels,
             std::vector<const cpu::PreparedKernel *> prepared,
             std::vector<std::unique_ptr<cpu::KernelState>> states)
      : model(model), segment(segment), kernels(std::move(kernels)),
        prepared(std::move(prepared)), states(std::move(states)) {
    if (const char *mode = std::getenv("GAON_CPU_PROFILE")) {
      profile = std::make_unique<KindProfile>();
      profilePerOp = std::string(mode) == "op";
    }
  }

  gaon_status run(ExecutionState &state) override {
    int threads = state.threads;
    std::vector<cpu::View> in, out;
    host.segment = &segment;
    host.seconds.assign(segment.ops.size(), 0.0);
    host.valid = true;
    for (size_t i = 0; i < segment.ops.size(); ++i) {
      const OpDesc &op = segment.ops[i];
      in.clear();
      out.clear();
      for (uint32_t id : op.inputs)
        in.push_back(view(state, id));
      for (uint32_t id : op.outputs)
        out.push_back(view(state, id));
      auto start = std::chrono::steady_clock::now();
      std::string error =
          states[i] ? prepared[i]->run(op, in, out, threads, *states[i])
                    : kernels[i](op, in, out, threads);
      double ms = std::chrono::duration<double, std::milli>(
                      std::chrono::steady_clock::now() - start)
                      .count();
      host.seconds[i] = ms * 1e-3;
      if (profile)
        profile->add(profilePerOp ? op.kind + " " + op.location : op.kind,
                     ms);
      if (!error.empty())
        return makeStatus(GAON_INTERNAL, "at " + op.location + " (" +
                                             op.kind + "): " + error);
    }
    return nullptr;
  }

  const HostRun *lastHostRun() const override {
    return host.valid ? &host : nullptr;
  }

private:
  cpu::View view(ExecutionState &state, uint32_t id) {
    cpu::View v = describe(model, id);
    if (v.data)
      v.data = state.tensorData(id);
    return v;
  }


  /// Time per op kind, printed when the session ends (GAON_CPU_PROFILE=1,
  /// or per op with GAON_CPU_PROFILE=op): a developer's view until the
  /// profiling issue adds per-layer reports.
  struct KindProfile {
    std::map<std::string, std::pair<int, double>> byKind;
    void add(const std::string &kind, double ms) {
      auto &entry = byKind[kind];
      ++entry.first;
      entry.second += ms;
    }
    ~KindProfile() {
      for (const auto &[kind, entry] : byKind)
        std::fprintf(stderr, "cpu profile: %-22s %6d calls %10.3f ms\n",
                     kind.c_str(), entry.first, entry.second);
    }
  };

  const gaon_model &model;
  const SegmentDesc &segment;
  std::vector<cpu::Kernel> kernels;
  // Per op: a kernel with per-session state, and that state (or null).
  std::vector<const cpu::PreparedKernel *> prepared;
  std::vector<std::unique_ptr<cpu::KernelState>> states;
  std::unique_ptr<KindProfile> profile;
  bool profilePerOp = false;
  HostRun host;
};

class CpuDevice : public Device {
public:
  const char *name() const override { return "cpu"; }
  bool runs(SegmentDesc::Device kind) const override {
    return kind == SegmentDesc::Device::CPU;
  }
  gaon_status prepare(const gaon_model &model, const SegmentDesc &segment,
                      std::unique_ptr<PreparedSegment> &out) override {
    std::vector<cpu::Kernel> kernels;
    std::vector<const cpu::PreparedKernel *> prepared;
    std::vector<std::unique_ptr<cpu::KernelState>> states;
    for (const OpDesc &op : segment.ops) {
      cpu::Kernel kernel = cpu::findKernel(op.kind);
      if (!kernel)
        return makeStatus(GAON_UNSUPPORTED,
                          "the cpu device has no kernel for " + op.kind +
                              " (at " + op.location + ")");
      // Every call is checked once here, so kernels can trust operands.
      std::vector<cpu::View> in, out;
      for (uint32_t id : op.inputs)
        in.push_back(describe(model, id));
      for (uint32_t id : op.outputs)
        out.push_back(describe(model, id));
      std::string error = cpu::validateCall(op, in, out);
      if (!error.empty())
        return makeStatus(GAON_INVALID_MODEL, "invalid .gnb: at " +
                                                  op.location + ": " + error);
      kernels.push_back(kernel);
      std::unique_ptr<cpu::KernelState> state;
      const cpu::PreparedKernel *preparedKernel =
          cpu::findPreparedKernel(op.kind);
      if (preparedKernel) {
        error = preparedKernel->prepare(op, in, out, state);
        if (!error.empty())
          return makeStatus(GAON_INTERNAL, "at " + op.location + ": " + error);
      }
      prepared.push_back(preparedKernel);
      states.push_back(std::move(state));
    }
    out = std::make_unique<CpuSegment>(model, segment, std::move(kernels),
                                       std::move(prepared), std::move(states));
    return nullptr;
  }
};

} // namespace

void registerSimDevice(); // SimDevice.cpp

void registerBuiltinDevices() {
  static bool once = [] {
    registerDevice("cpu", [] { return std::make_unique<CpuDevice>(); });
    registerSimDevice();
    return true;
  }();
  (void)once;
}

} // namespace gaon::rt
