//===- NpuDecode.cpp - NPU segments of a .gnb into simulator programs -----===//
//
// The FlatBuffers verifier has checked the buffer's structure; this checks
// meaning: each instruction through the ISA's decoder and validator
// (targets/npu/isa), tensor bindings inside device memory. Addresses inside
// SRAM and DRAM are checked by the simulator before it runs.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "targets/npu/isa/Validate.h"

#include "targets/npu/isa/GnbCodec.h"

#include "gnb_generated.h"

namespace gaon::rt {

gaon_status invalidNpu(const std::string &message) {
  return makeStatus(GAON_INVALID_MODEL, "invalid .gnb: npu segment: " + message);
}

gaon_status decodeNpuConfig(const gnb::NpuConfig *c, npu::NpuConfig &out) {
  if (!c)
    return invalidNpu("the model has NPU segments but no npu_config");
  out.name = c->name() ? c->name()->str() : "";
  out.clockHz = c->clock_hz();
  out.cores = c->cores();
  out.matrixRows = c->matrix_rows();
  out.matrixCols = c->matrix_cols();
  out.bf16Rate = c->bf16_rate();
  out.int4Rate = c->int4_rate();
  out.vectorLanes = c->vector_lanes();
  out.sramBytes = c->sram_bytes();
  out.dramBytes = c->dram_bytes();
  out.dramBandwidth = c->dram_bandwidth();
  out.dramLatencyNs = c->dram_latency_ns();
  out.hostBandwidth = c->host_bandwidth();
  out.dmaBytesPerCycle = c->dma_bytes_per_cycle();
  std::string error = npu::validateNpuConfig(out);
  if (!error.empty())
    return invalidNpu("npu_config: " + error);
  return nullptr;
}

namespace {

/// Checks a converting binding: 4 sizes whose product is the tensor's
/// element count, an f32 host tensor with a bf16 or f32 device form (or
/// matching types), and a walk that stays inside device memory.
std::string decodeTransform(const gnb::NpuBinding &b, const TensorDesc &t,
                            uint64_t dramBytes, NpuBindingDesc &desc) {
  if (!b.sizes() || !b.dram_strides() || b.sizes()->size() != 4 ||
      b.dram_strides()->size() != 4)
    return "a converting binding needs 4 sizes and 4 strides";
  if (b.device_type() > gnb::NpuElemType::MAX)
    return "unknown device type";
  desc.transform = true;
  desc.deviceType = npu::ElemType(b.device_type());
  uint64_t count = 1;
  int64_t low = 0, high = 0;
  for (int d = 0; d < 4; ++d) {
    desc.sizes[d] = b.sizes()->Get(d);
    desc.strides[d] = b.dram_strides()->Get(d);
    if (desc.sizes[d] == 0)
      return "a converting binding has an empty dimension";
    count *= desc.sizes[d];
    if (desc.strides[d] > (int64_t(1) << 40) ||
        desc.strides[d] < -(int64_t(1) << 40))
      return "a stride beyond 2^40 bytes";
    int64_t span = int64_t(desc.sizes[d] - 1) * desc.strides[d];
    (span < 0 ? low : high) += span;
  }
  uint64_t elements = uint64_t(t.elementCount);
  uint64_t hostElem = t.byteSize / std::max<uint64_t>(elements, 1);
  if (count != elements)
    return "sizes hold " + std::to_string(count) + " elements; the tensor has " +
           std::to_string(elements);
  bool f32ToFloat = t.dtype == GAON_F32 &&
                    (desc.deviceType == npu::ElemType::BF16 ||
                     desc.deviceType == npu::ElemType::F32);
  if (!f32ToFloat && uint64_t(npu::elemBytes(desc.deviceType)) != hostElem)
    return "the host type cannot convert to the device type";
  uint64_t devElem = npu::elemBytes(desc.deviceType);
  if (int64_t(b.dram()) + low < 0 ||
      b.dram() + uint64_t(high) + devElem > dramBytes)
    return "its walk leaves device memory (" + std::to_string(dramBytes) +
           " bytes)";
  return "";
}

} // namespace

gaon_status decodeNpuSegment(const gaon_model &m, const gnb::NpuProgram *f,
                             SegmentDesc &seg) {
  if (!f)
    return invalidNpu("an NPU segment without its program");
  auto program = std::make_shared<npu::Program>();
  if (f->cores() < 1 || f->cores() > uint32_t(m.npuConfig.cores))
    return invalidNpu("the program uses " + std::to_string(f->cores()) +
                      " cores; the " + m.npuConfig.name + " NPU has " +
                      std::to_string(m.npuConfig.cores));
  program->cores = f->cores();
  program->queues.resize(program->cores);
  program->dramBytes = f->dram_bytes();
  if (program->dramBytes > uint64_t(m.npuConfig.dramBytes))
    return invalidNpu("the program addresses " +
                      std::to_string(program->dramBytes) +
                      " bytes of device memory; the NPU has " +
                      std::to_string(m.npuConfig.dramBytes));
  if (f->tags())
    for (const flatbuffers::String *t : *f->tags())
      program->tags.push_back(t->str());
  if (f->queues())
    for (const gnb::NpuQueue *q : *f->queues()) {
      if (q->core() >= uint32_t(program->cores) ||
          q->engine() > gnb::NpuEngine::MAX)
        return invalidNpu("a queue names core " + std::to_string(q->core()) +
                          " or an unknown engine");
      auto &queue = program->queues[q->core()][int(q->engine())];
      if (!queue.empty())
        return invalidNpu("two queues for one engine of core " +
                          std::to_string(q->core()));
      if (q->instructions())
        for (const gnb::NpuInstruction *encoded : *q->instructions()) {
          npu::Instruction in;
          std::string error = npu::decodeInstruction(*encoded, in);
          if (!error.empty())
            return invalidNpu("core " + std::to_string(q->core()) + " " +
                              npu::engineName(npu::Engine(q->engine())) +
                              " instruction " + std::to_string(queue.size()) +
                              ": " + error);
          queue.push_back(in);
        }
    }
  enum class Role { Constant, Input, Output };
  auto bindings = [&](const flatbuffers::Vector<
                          flatbuffers::Offset<gnb::NpuBinding>> *list,
                      std::vector<NpuBindingDesc> &out, Role role,
                      const char *what) -> gaon_status {
    if (!list)
      return nullptr;
    for (const gnb::NpuBinding *b : *list) {
      if (b->tensor() >= m.tensors.size())
        return invalidNpu(std::string(what) + " binding names tensor " +
                          std::to_string(b->tensor()) + " of " +
                          std::to_string(m.tensors.size()));
      const TensorDesc &t = m.tensors[b->tensor()];
      NpuBindingDesc desc{b->tensor(), b->dram()};
      if (b->sizes() || b->dram_strides()) {
        if (std::string e = decodeTransform(*b, t, program->dramBytes, desc);
            !e.empty())
          return invalidNpu(std::string(what) + " binding of tensor '" +
                            t.name + "': " + e);
      } else if (b->dram() > program->dramBytes ||
                 t.byteSize > program->dramBytes - b->dram()) {
        return invalidNpu(std::string(what) + " tensor '" + t.name +
                          "' does not fit device memory at " +
                          std::to_string(b->dram()));
      }
      bool constant = t.storage == TensorDesc::Storage::Constant;
      if (constant != (role == Role::Constant))
        return invalidNpu(std::string(what) + " binding of tensor '" + t.name +
                          "', which is " + (constant ? "" : "not ") +
                          "a constant");
      if (t.channelsLast)
        return invalidNpu("tensor '" + t.name +
                          "' is channels-last; NPU bindings are row-major");
      if (role == Role::Output && t.storage != TensorDesc::Storage::Arena &&
          t.storage != TensorDesc::Storage::State)
        return invalidNpu("output binding of tensor '" + t.name +
                          "', which is neither an arena nor a state tensor");
      if (desc.transform && role == Role::Constant)
        return invalidNpu("constant '" + t.name +
                          "' has a converting binding; the compiler stores "
                          "constants in device form");
      out.push_back(desc);
    }
    return nullptr;
  };
  if (gaon_status s = bindings(f->constants(), seg.constants, Role::Constant,
                                 "constant"))
    return s;
  if (gaon_status s = bindings(f->inputs(), seg.inputs, Role::Input, "input"))
    return s;
  if (gaon_status s = bindings(f->outputs(), seg.outputs, Role::Output, "output"))
    return s;
  program->params = f->params();
  if (f->param_inputs())
    for (const gnb::NpuParams *p : *f->param_inputs()) {
      if (p->tensor() >= m.tensors.size())
        return invalidNpu("a parameter binding names tensor " +
                          std::to_string(p->tensor()) + " of " +
                          std::to_string(m.tensors.size()));
      const TensorDesc &t = m.tensors[p->tensor()];
      if (t.dtype != GAON_I64 || t.storage == TensorDesc::Storage::Constant)
        return invalidNpu("parameter tensor '" + t.name +
                          "' must be a computed i64 tensor");
      if (uint64_t(p->first()) + uint64_t(t.elementCount) > program->params)
        return invalidNpu("parameter tensor '" + t.name + "' fills params " +
                          std::to_string(p->first()) + " to " +
                          std::to_string(p->first() + t.elementCount) +
                          " of a program with " +
                          std::to_string(program->params));
      if (p->min() > p->max())
        return invalidNpu("parameter tensor '" + t.name +
                          "' has an empty range");
      seg.params.push_back({p->tensor(), p->first(), p->min(), p->max()});
    }
  for (int c = 0; c < program->cores; ++c)
    for (int e = 0; e < npu::kEngines; ++e)
      for (const npu::Instruction &in : program->queues[c][e])
        if (std::string error = npu::validateParams(in, program->params);
            !error.empty())
          return invalidNpu("core " + std::to_string(c) + " " +
                            npu::engineName(npu::Engine(e)) + ": " + error);
  seg.program = std::move(program);
  return nullptr;
}

} // namespace gaon::rt
