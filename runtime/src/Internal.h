//===- Internal.h - the runtime's internal model and device interface ----===//
//
// The C API (gaon/runtime.h) is a thin shell over these types. A loaded
// model is the verified FlatBuffer plus a decoded, immutable description;
// devices turn a segment of it into something they can execute.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_RUNTIME_INTERNAL_H
#define GAON_RUNTIME_INTERNAL_H

#include "gaon/runtime.h"
#include "targets/cpu/kernels/OpDesc.h"
#include "targets/npu/NpuConfig.h"
#include "targets/npu/sim/Simulator.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct gaon_status_s {
  gaon_status_code code;
  std::string message;
};

namespace gaon::rt {

/// Builds a status; NULL means success.
gaon_status makeStatus(gaon_status_code code, std::string message);

constexpr uint32_t kNoTensor = 0xFFFFFFFFu;

struct TensorDesc {
  std::string name;
  gaon_dtype dtype;
  std::vector<int64_t> shape;
  enum class Storage { Arena, Constant, Input, State } storage;
  uint64_t offset = 0;
  uint64_t byteSize = 0;
  int64_t elementCount = 0;
  bool channelsLast = false; // a rank-4 NCHW tensor stored NHWC
  // Quantization (empty scales: none).
  std::vector<double> scales;
  std::vector<int64_t> zeroPoints;
  int32_t quantAxis = -1;
};

// The kernels' view of an op (targets/cpu/kernels/OpDesc.h).
using cpu::AttributeDesc;
using cpu::OpDesc;

/// A tensor's place in an NPU program's device memory.
struct NpuBindingDesc {
  uint32_t tensor;
  uint64_t dram;
  // A converting binding (schema NpuBinding): host row-major `sizes`, device
  // element i at dram + sum(i_d * strides[d]) as `deviceType`.
  bool transform = false;
  npu::ElemType deviceType = npu::ElemType::F32;
  std::array<uint32_t, 4> sizes{1, 1, 1, 1};
  std::array<int64_t, 4> strides{0, 0, 0, 0};
};

struct SegmentDesc {
  enum class Device { CPU, NPU } device;
  std::vector<OpDesc> ops;
  std::vector<uint8_t> code;
  // NPU segments: the decoded program and where tensors go in DRAM.
  std::shared_ptr<const npu::Program> program;
  std::vector<NpuBindingDesc> constants, inputs, outputs;
  /// Run-time parameters: each i64 host tensor fills program->params
  /// from `first`, one per element, before each run.
  struct ParamBinding {
    uint32_t tensor, first;
    int64_t min, max; // a run with a value outside is refused
  };
  std::vector<ParamBinding> params;
  /// The session states (indices into the model's) this segment reads or
  /// writes: their contents must be where it runs before it does.
  std::vector<uint32_t> states;
};

struct IoDesc {
  std::string name;
  uint32_t tensor;
};

/// A program the caller runs: its signature and its segments, in order.
struct EntryDesc {
  std::string name;
  std::vector<IoDesc> inputs, outputs;
  std::vector<uint32_t> segments;
  uint64_t arenaSize = 0;
};

/// Session memory that persists between runs (schema StateBuffer).
struct StateDesc {
  std::string name;
  gaon_dtype dtype;
  std::vector<int64_t> shape;
  uint64_t offset = 0, byteSize = 0;
};

} // namespace gaon::rt

struct gaon_model_s {
  gaon_allocator allocator;
  // The file: either mapped (mapping != nullptr) or caller memory.
  void *mapping = nullptr;
  size_t mappingSize = 0;
  const uint8_t *data = nullptr;
  size_t size = 0;
  const uint8_t *constants = nullptr; // data section (or weights file)
  uint64_t constantsSize = 0;
  void *weightsMapping = nullptr;
  size_t weightsMappingSize = 0;

  std::string target, compilerVersion;
  uint32_t formatVersion = 0;
  std::vector<gaon::rt::TensorDesc> tensors;
  uint64_t arenaSize = 0; // the largest entry's
  std::vector<gaon::rt::SegmentDesc> segments;
  // At least one; gaon_model_input/output describe entry 0.
  std::vector<gaon::rt::EntryDesc> entries;
  std::vector<gaon::rt::StateDesc> states;
  uint64_t stateSize = 0;
  gaon::npu::NpuConfig npuConfig; // with NPU segments
};

namespace gaon::rt {

/// Memory a running segment sees: the arena, the constants, bound inputs,
/// the session's state.
struct ExecutionState {
  const gaon_model *model;
  uint8_t *arena;
  uint8_t *state;
  std::vector<const void *> inputData; // per tensor id, for Input tensors
  int threads;
  /// Per model state, the prepared segment whose device memory holds its
  /// current contents (null: the session's state memory on the host). A
  /// device keeps a state it updates in place, so a decoder's cache does
  /// not cross the host link at every step.
  std::vector<class PreparedSegment *> *stateOwner = nullptr;

  void *tensorData(uint32_t id) const;
};

/// The session state a state tensor views (its index in model.states), or
/// -1 for a tensor that is not state.
int stateOfTensor(const gaon_model &m, uint32_t tensor);

/// A device runs segments of its kind. It prepares each segment once per
/// session (resolving kernels, checking support) and runs it many times.
class PreparedSegment {
public:
  virtual ~PreparedSegment() = default;
  virtual gaon_status run(ExecutionState &state) = 0;
  /// Copies state `index`, which this segment's device memory holds, back
  /// to the session's state memory at `hostState`.
  virtual gaon_status pullState(uint32_t index, uint8_t *hostState) {
    return nullptr;
  }
  /// A simulated segment's last run, for profiles and traces.
  virtual const struct SimRun *lastSimRun() const { return nullptr; }
  virtual const struct HostRun *lastHostRun() const { return nullptr; }
};

/// What a CPU segment's last run took, op by op (wall time on the host).
struct HostRun {
  const SegmentDesc *segment = nullptr;
  std::vector<double> seconds; // per op of the segment
  bool valid = false;
};

/// What a simulated segment's last run cost.
struct SimRun {
  npu::NpuConfig config;
  std::shared_ptr<const npu::Program> program;
  npu::SimResult result;
  uint64_t hostBytes = 0; // copied over the host link for the run
  bool valid = false;
};

/// `text` as a JSON string literal (quotes, backslashes and control
/// characters escaped), for the tools' and the simulator's JSON reports.
inline std::string jsonQuote(const std::string &text) {
  static const char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

/// The profile and Chrome trace of a session's simulated runs, as JSON
/// (SimDevice.cpp). Segments run one after another; times add up.
/// One segment's part of a profile: simulated, or measured on the host.
struct ProfilePart {
  const SimRun *sim = nullptr;
  const HostRun *host = nullptr;
};

/// The profile: NPU segments' simulated cost and, with `parts` (every
/// segment in program order), the CPU ops' measured host time among the
/// layers.
std::string simProfileJson(const std::vector<const SimRun *> &runs,
                           const std::vector<ProfilePart> &parts = {});
std::string simTraceJson(const std::vector<const SimRun *> &runs);
/// The same reports for a run with no simulated segment (the cpu device):
/// each CPU op's measured host time, in the profile's format (layers with
/// "placement":"cpu" and "host_seconds") and as a Chrome trace.
std::string hostProfileJson(const std::vector<const HostRun *> &runs);
std::string hostTraceJson(const std::vector<const HostRun *> &runs);

class Device {
public:
  virtual ~Device() = default;
  virtual const char *name() const = 0;
  /// Which segments it runs.
  virtual bool runs(SegmentDesc::Device kind) const = 0;
  virtual gaon_status prepare(const gaon_model &model,
                              const SegmentDesc &segment,
                              std::unique_ptr<PreparedSegment> &out) = 0;
};

using DeviceFactory = std::function<std::unique_ptr<Device>()>;

/// Devices register themselves by name; a hardware driver adds an entry.
void registerDevice(const std::string &name, DeviceFactory factory);
std::unique_ptr<Device> createDevice(const std::string &name);
std::vector<std::string> deviceNames();

} // namespace gaon::rt

#endif // GAON_RUNTIME_INTERNAL_H
