//===- SimDevice.cpp - the `sim` device: NPU segments on the simulator ----===//
//
// NPU segments run on targets/npu/sim's simulator against a device memory
// of the program's size; CPU segments (the ops placed on the host) run on
// the cpu device, as they would beside real silicon. Per run, the segment's
// input bindings are copied in over the host link, the program runs, and
// the output bindings are copied back; constants are uploaded once, when
// the session is prepared.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "targets/common/HalfFloat.h"

#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace gaon::rt {
namespace {

class SimSegment : public PreparedSegment {
public:
  SimSegment(const gaon_model &model, const SegmentDesc &segment,
             bool functional)
      : model(model), segment(segment), functional(functional),
        simulator(model.npuConfig, npu::SimOptions{functional,
                                                   /*trace=*/true}) {
    run_.config = model.npuConfig;
    run_.program = segment.program;
  }

  gaon_status prepare() {
    if (!functional)
      return nullptr;
    // Functional simulation keeps device memory and every core's SRAM in
    // host memory.
    constexpr uint64_t kHostLimit = uint64_t(8) << 30;
    uint64_t need = segment.program->dramBytes +
                    uint64_t(segment.program->cores) * model.npuConfig.sramBytes;
    if (need > kHostLimit)
      return makeStatus(GAON_RESOURCE_EXHAUSTED,
                        "simulating this program needs " +
                            std::to_string(need >> 20) +
                            " MiB of host memory for device memory and SRAM; "
                            "the sim device allows " +
                            std::to_string(kHostLimit >> 20) + " MiB");
    if (!dram.allocate(segment.program->dramBytes))
      return makeStatus(GAON_RESOURCE_EXHAUSTED,
                        "cannot reserve " +
                            std::to_string(segment.program->dramBytes >> 20) +
                            " MiB of simulated device memory");
    for (const NpuBindingDesc &b : segment.constants) {
      const TensorDesc &t = model.tensors[b.tensor];
      std::memcpy(dram.data() + b.dram, model.constants + t.offset,
                  t.byteSize);
    }
    return nullptr;
  }

  gaon_status run(ExecutionState &state) override {
    uint64_t hostBytes = 0;
    // Run-time parameters (a decoder's positions) travel with the launch.
    params.assign(segment.program->params, 0);
    for (const SegmentDesc::ParamBinding &p : segment.params) {
      const TensorDesc &t = model.tensors[p.tensor];
      std::memcpy(params.data() + p.first, state.tensorData(p.tensor),
                  size_t(t.elementCount) * sizeof(int64_t));
      for (int64_t i = 0; i < t.elementCount; ++i) {
        int64_t v = params[p.first + i];
        if (v < p.min || v > p.max)
          return makeStatus(
              GAON_INVALID_ARGUMENT,
              "'" + t.name + "'[" + std::to_string(i) + "] is " +
                  std::to_string(v) + "; this program runs with values in [" +
                  std::to_string(p.min) + ", " + std::to_string(p.max) +
                  "] (a position past the cache: compile with a larger "
                  "--max-seq-len)");
      }
    }
    if (!functional) {
      // Timing only: no data moves; the NPU's outputs are left as they are.
      // States stay in device memory between runs (no host traffic).
      for (const auto *list : {&segment.inputs, &segment.outputs})
        for (const NpuBindingDesc &b : *list)
          if (stateOfTensor(model, b.tensor) < 0)
            hostBytes += b.transform
                           ? uint64_t(model.tensors[b.tensor].elementCount) *
                                 npu::elemBytes(b.deviceType)
                           : model.tensors[b.tensor].byteSize;
      std::vector<uint8_t> none;
      std::string error =
          simulator.run(*segment.program, none, run_.result, params);
      if (!error.empty())
        return makeStatus(GAON_INTERNAL, "npu simulator: " + error);
      run_.hostBytes = hostBytes;
      run_.valid = true;
      return nullptr;
    }
    for (const NpuBindingDesc &b : segment.inputs) {
      const TensorDesc &t = model.tensors[b.tensor];
      // A state this device already holds is up to date here.
      int k = stateOfTensor(model, b.tensor);
      if (k >= 0 && state.stateOwner && (*state.stateOwner)[k] == this)
        continue;
      if (b.transform)
        hostBytes += convert(b, static_cast<uint8_t *>(state.tensorData(b.tensor)),
                             /*toDevice=*/true);
      else {
        std::memcpy(dram.data() + b.dram, state.tensorData(b.tensor),
                    t.byteSize);
        hostBytes += t.byteSize;
      }
    }
    std::string error = simulator.run(*segment.program, dram.data(),
                                      dram.size(), run_.result, params);
    if (!error.empty())
      return makeStatus(GAON_INTERNAL, "npu simulator: " + error);
    // States stay here, updated in place, until the session needs them
    // elsewhere (pullState).
    if (state.stateOwner)
      for (uint32_t k : segment.states)
        (*state.stateOwner)[k] = this;
    for (const NpuBindingDesc &b : segment.outputs) {
      const TensorDesc &t = model.tensors[b.tensor];
      if (state.stateOwner && stateOfTensor(model, b.tensor) >= 0)
        continue;
      if (b.transform)
        hostBytes += convert(b, static_cast<uint8_t *>(state.tensorData(b.tensor)),
                             /*toDevice=*/false);
      else {
        std::memcpy(state.tensorData(b.tensor), dram.data() + b.dram,
                    t.byteSize);
        hostBytes += t.byteSize;
      }
    }
    run_.hostBytes = hostBytes;
    run_.valid = true;
    return nullptr;
  }

  gaon_status pullState(uint32_t index, uint8_t *hostState) override {
    if (!functional)
      return nullptr; // timing only: there are no contents to bring back
    // The output bindings of the state hold what the program left.
    for (const auto *list : {&segment.outputs, &segment.inputs})
      for (const NpuBindingDesc &b : *list) {
        if (stateOfTensor(model, b.tensor) != int(index))
          continue;
        const TensorDesc &t = model.tensors[b.tensor];
        if (b.transform)
          convert(b, hostState + t.offset, /*toDevice=*/false);
        else
          std::memcpy(hostState + t.offset, dram.data() + b.dram, t.byteSize);
        return nullptr;
      }
    return makeStatus(GAON_INTERNAL, "npu segment holds state " +
                                         std::to_string(index) +
                                         " but binds no tensor of it");
  }

  const SimRun *lastSimRun() const override {
    return run_.valid ? &run_ : nullptr;
  }

private:
  /// Moves a tensor through a converting binding (NpuDecode checked the walk
  /// and the types); returns the bytes that cross the host link, which are
  /// the device form's.
  uint64_t convert(const NpuBindingDesc &b, uint8_t *host, bool toDevice) {
    const TensorDesc &t = model.tensors[b.tensor];
    uint64_t hostElem = t.byteSize / std::max<int64_t>(t.elementCount, 1);
    uint64_t devElem = npu::elemBytes(b.deviceType);
    bool widen = t.dtype == GAON_F32 && b.deviceType == npu::ElemType::BF16;
    uint64_t i = 0;
    for (uint32_t i0 = 0; i0 < b.sizes[0]; ++i0)
      for (uint32_t i1 = 0; i1 < b.sizes[1]; ++i1)
        for (uint32_t i2 = 0; i2 < b.sizes[2]; ++i2) {
          uint8_t *d = dram.data() + b.dram + i0 * b.strides[0] +
                       i1 * b.strides[1] + i2 * b.strides[2];
          for (uint32_t i3 = 0; i3 < b.sizes[3]; ++i3, ++i) {
            uint8_t *h = host + i * hostElem;
            uint8_t *e = d + i3 * b.strides[3];
            if (!widen) {
              std::memcpy(toDevice ? e : h, toDevice ? h : e, hostElem);
            } else if (toDevice) {
              float f;
              std::memcpy(&f, h, 4);
              uint16_t v = floatToBf16(f);
              std::memcpy(e, &v, 2);
            } else {
              uint16_t v;
              std::memcpy(&v, e, 2);
              float f = bf16ToFloat(v);
              std::memcpy(h, &f, 4);
            }
          }
        }
    return i * devElem;
  }

  const gaon_model &model;
  const SegmentDesc &segment;
  bool functional;
  npu::Simulator simulator;
  npu::DeviceMemory dram; // touched pages only cost host memory
  std::vector<int64_t> params;
  SimRun run_;
};

class SimDevice : public Device {
public:
  explicit SimDevice(bool functional) : functional(functional) {}
  const char *name() const override {
    return functional ? "sim" : "sim-timing";
  }
  bool runs(SegmentDesc::Device) const override { return true; }
  gaon_status prepare(const gaon_model &model, const SegmentDesc &segment,
                      std::unique_ptr<PreparedSegment> &out) override {
    if (segment.device == SegmentDesc::Device::CPU) {
      if (!cpu)
        cpu = createDevice("cpu");
      return cpu->prepare(model, segment, out);
    }
    auto sim = std::make_unique<SimSegment>(model, segment, functional);
    if (gaon_status s = sim->prepare())
      return s;
    out = std::move(sim);
    return nullptr;
  }

private:
  bool functional;
  std::unique_ptr<Device> cpu;
};

/// Appends printf-formatted text.
void appendf(std::string &s, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
void appendf(std::string &s, const char *format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  if (n >= int(sizeof buffer)) { // rare: long names
    std::string big(n + 1, '\0');
    va_start(args, format);
    std::vsnprintf(big.data(), big.size(), format, args);
    va_end(args);
    s += big.c_str();
    return;
  }
  s += buffer;
}

} // namespace

void registerSimDevice() {
  registerDevice("sim", [] { return std::make_unique<SimDevice>(true); });
  // Timing only: the same cycles without the arithmetic, for models too
  // large to execute here. Outputs of NPU segments are not computed.
  registerDevice("sim-timing",
                 [] { return std::make_unique<SimDevice>(false); });
}

/// A profile's rows for a CPU segment's ops: their measured host seconds.
static void appendHostLayers(std::string &s, const HostRun &run,
                             bool &first) {
  const SegmentDesc &seg = *run.segment;
  for (size_t i = 0; i < seg.ops.size(); ++i) {
    appendf(s,
            "%s{\"name\":%s,\"placement\":\"cpu\",\"op\":%s,"
            "\"host_seconds\":%.9g}",
            first ? "" : ",", jsonQuote(seg.ops[i].location).c_str(),
            jsonQuote(seg.ops[i].kind).c_str(), run.seconds[i]);
    first = false;
  }
}

std::string simProfileJson(const std::vector<const SimRun *> &runs,
                           const std::vector<ProfilePart> &given) {
  std::vector<ProfilePart> parts = given;
  if (parts.empty())
    for (const SimRun *r : runs)
      parts.push_back({r, nullptr});
  double hostOpSeconds = 0;
  for (const ProfilePart &p : parts)
    if (p.host)
      for (double t : p.host->seconds)
        hostOpSeconds += t;
  double cycles = 0, hostSeconds = 0;
  uint64_t macs = 0, read = 0, written = 0;
  for (const SimRun *r : runs) {
    cycles += r->result.cycles;
    hostSeconds += r->hostBytes / r->config.hostBandwidth;
    macs += r->result.macs;
    read += r->result.dramReadBytes;
    written += r->result.dramWriteBytes;
  }
  const npu::NpuConfig &config = runs.front()->config;
  double seconds = cycles / config.clockHz;
  std::string s = "{";
  appendf(s,
          "\"npu\":%s,\"clock_hz\":%.17g,\"total_cycles\":%.0f,"
          "\"simulated_seconds\":%.9g,\"host_transfer_seconds\":%.9g,"
          "\"host_op_seconds\":%.9g,"
          "\"macs\":%" PRIu64 ",\"dram_read_bytes\":%" PRIu64
          ",\"dram_write_bytes\":%" PRIu64 ",",
          jsonQuote(config.name).c_str(), config.clockHz, std::ceil(cycles),
          seconds, hostSeconds, hostOpSeconds, macs, read, written);
  appendf(s,
          "\"peak_macs_per_second\":%.17g,\"mac_utilization\":%.6f,"
          "\"dram_bandwidth\":%.17g,",
          config.peakInt8MacsPerSecond(),
          seconds > 0 ? macs / (seconds * config.peakInt8MacsPerSecond()) : 0,
          config.dramBandwidth);
  s += "\"engines\":[";
  bool first = true;
  for (int c = 0; c < config.cores; ++c)
    for (int e = 0; e < npu::kEngines; ++e) {
      double busy = 0;
      for (const SimRun *r : runs)
        if (c < (int)r->result.busyCycles.size())
          busy += r->result.busyCycles[c][e];
      appendf(s,
              "%s{\"core\":%d,\"engine\":\"%s\",\"busy_cycles\":%.0f,"
              "\"utilization\":%.6f}",
              first ? "" : ",", c, npu::engineName(npu::Engine(e)),
              std::ceil(busy), cycles > 0 ? busy / cycles : 0);
      first = false;
    }
  s += "],\"layers\":[";
  first = true;
  for (const ProfilePart &part : parts) {
    if (part.host) {
      appendHostLayers(s, *part.host, first);
      continue;
    }
    const SimRun *r = part.sim;
    if (!r)
      continue;
    for (size_t t = 0; t < r->result.tags.size(); ++t) {
      const npu::TagStats &st = r->result.tags[t];
      if (st.first < 0)
        continue;
      std::string engines;
      for (int e = 0; e < npu::kEngines; ++e)
        appendf(engines, "%s\"%s\":%.0f", e ? "," : "",
                npu::engineName(npu::Engine(e)), std::ceil(st.engineBusy[e]));
      appendf(s,
              "%s{\"name\":%s,\"placement\":\"npu\",\"cycles\":%.0f,"
              "\"busy_cycles\":%.0f,\"engine_busy_cycles\":{%s},"
              "\"macs\":%" PRIu64 ",\"dram_read_bytes\":%" PRIu64
              ",\"dram_write_bytes\":%" PRIu64 ",\"sram_bytes\":%" PRIu64
              ",\"start_cycle\":%.0f}",
              first ? "" : ",", jsonQuote(r->program->tags[t]).c_str(),
              std::ceil(st.last - st.first), std::ceil(st.busyCycles),
              engines.c_str(), st.macs, st.dramRead, st.dramWrite,
              st.sramBytes(), std::floor(st.first));
      first = false;
    }
  }
  s += "]}";
  return s;
}

std::string hostProfileJson(const std::vector<const HostRun *> &runs) {
  double total = 0;
  for (const HostRun *r : runs)
    for (double t : r->seconds)
      total += t;
  std::string s = "{";
  appendf(s,
          "\"npu\":null,\"device\":\"cpu\",\"total_cycles\":0,"
          "\"simulated_seconds\":0,\"host_transfer_seconds\":0,"
          "\"host_op_seconds\":%.9g,\"macs\":0,\"dram_read_bytes\":0,"
          "\"dram_write_bytes\":0,\"engines\":[],\"layers\":[",
          total);
  bool first = true;
  for (const HostRun *r : runs)
    appendHostLayers(s, *r, first);
  s += "]}";
  return s;
}

std::string hostTraceJson(const std::vector<const HostRun *> &runs) {
  std::string s = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":["
                  "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":0,"
                  "\"args\":{\"name\":\"cpu\"}}";
  double at = 0; // microseconds; ops run one after another
  for (const HostRun *r : runs)
    for (size_t i = 0; i < r->segment->ops.size(); ++i) {
      double us = r->seconds[i] * 1e6;
      appendf(s,
              ",{\"ph\":\"X\",\"name\":%s,\"pid\":0,\"tid\":0,"
              "\"ts\":%.4f,\"dur\":%.4f,\"args\":{\"op\":%s}}",
              jsonQuote(r->segment->ops[i].location).c_str(), at, us,
              jsonQuote(r->segment->ops[i].kind).c_str());
      at += us;
    }
  s += "]}";
  return s;
}

std::string simTraceJson(const std::vector<const SimRun *> &runs) {
  std::string s = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[";
  bool first = true;
  const npu::NpuConfig &config = runs.front()->config;
  for (int c = 0; c < config.cores; ++c) {
    appendf(s,
            "%s{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,"
            "\"args\":{\"name\":\"npu core %d\"}}",
            first ? "" : ",", c, c);
    first = false;
    for (int e = 0; e < npu::kEngines; ++e)
      appendf(s,
              ",{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%d,"
              "\"args\":{\"name\":\"%s\"}}",
              c, e, npu::engineName(npu::Engine(e)));
  }
  double offset = 0; // segments run one after another
  for (const SimRun *r : runs) {
    double usPerCycle = 1e6 / r->config.clockHz;
    for (const npu::TraceEvent &ev : r->result.trace) {
      std::string name = ev.tag < r->program->tags.size()
                             ? r->program->tags[ev.tag]
                             : "tag " + std::to_string(ev.tag);
      appendf(s,
              ",{\"ph\":\"X\",\"name\":%s,\"pid\":%u,\"tid\":%d,"
              "\"ts\":%.4f,\"dur\":%.4f,\"args\":{\"opcode\":%d}}",
              jsonQuote(name).c_str(), ev.core, int(ev.engine),
              (offset + ev.start) * usPerCycle, (ev.end - ev.start) * usPerCycle,
              int(ev.opcode));
    }
    offset += r->result.cycles;
  }
  s += "]}";
  return s;
}

} // namespace gaon::rt
