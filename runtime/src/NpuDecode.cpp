//===- NpuDecode.cpp - NPU segments of a .gnb into simulator programs -----===//
//
// The FlatBuffers verifier has checked the buffer's structure; this checks
// meaning: enum values in range, the sub-table each opcode needs, four
// dimensions per DMA walk, tensor bindings inside device memory. Addresses
// inside SRAM and DRAM are checked again by the simulator before it runs.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <cmath>
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

template <typename T, typename V>
bool four(const flatbuffers::Vector<V> *v, std::array<T, 4> &out) {
  if (!v || v->size() != 4)
    return false;
  for (int i = 0; i < 4; ++i)
    out[i] = v->Get(i);
  return true;
}

std::string decodeInstruction(const gnb::NpuInstruction &f,
                              npu::Instruction &in) {
  if (f.opcode() > gnb::NpuOpcode::MAX || f.engine() > gnb::NpuEngine::MAX)
    return "unknown opcode or engine";
  in.opcode = npu::Opcode(f.opcode());
  in.engine = npu::Engine(f.engine());
  in.tag = f.tag();
  in.semaphore = f.semaphore();
  in.value = f.value();
  in.core = f.core();
  switch (in.opcode) {
  case npu::Opcode::DmaLoad:
  case npu::Opcode::DmaStore: {
    const gnb::NpuDma *d = f.dma();
    if (!d)
      return "a DMA instruction without its descriptor";
    in.dma.dram = d->dram();
    in.dma.sram = d->sram();
    in.dma.elemBytes = d->elem_bytes();
    if (!four(d->sizes(), in.dma.sizes) ||
        !four(d->dram_strides(), in.dma.dramStrides) ||
        !four(d->sram_strides(), in.dma.sramStrides))
      return "a DMA walk needs 4 sizes and 4 strides per side";
    return "";
  }
  case npu::Opcode::MatMul: {
    const gnb::NpuMatMul *m = f.matmul();
    if (!m)
      return "a matmul without its descriptor";
    if (m->mode() > gnb::NpuMatMode::MAX || m->out_type() > gnb::NpuElemType::MAX)
      return "a matmul with an unknown mode or output type";
    npu::MatMulDesc &mm = in.mm;
    mm.mode = npu::MatMode(m->mode());
    mm.m = m->m();
    mm.n = m->n();
    mm.k = m->k();
    mm.a = m->a();
    mm.aOuter = m->a_outer();
    mm.aInner = m->a_inner();
    mm.aOuterStride = m->a_outer_stride();
    mm.aInnerStride = m->a_inner_stride();
    mm.b = m->b();
    mm.bRowStride = m->b_row_stride();
    mm.c = m->c();
    mm.cRowStride = m->c_row_stride();
    mm.accumulate = m->accumulate();
    mm.store = m->store();
    mm.hasBias = m->has_bias();
    mm.bias = m->bias();
    mm.requant = m->requant();
    mm.zeroPoint = m->zero_point();
    mm.clampLo = m->clamp_lo();
    mm.clampHi = m->clamp_hi();
    mm.outType = npu::ElemType(m->out_type());
    mm.out = m->out();
    mm.outRowStride = m->out_row_stride();
    mm.outOuterStride = m->out_outer_stride();
    mm.relu = m->relu();
    mm.scale = m->scale();
    mm.scales = m->scales();
    mm.group = m->group();
    if (npu::matModeIsWeightOnly(mm.mode) && mm.group == 0)
      return "a weight-only matmul with group size 0";
    if (!std::isfinite(mm.scale))
      return "a matmul with a non-finite output scale";
    return "";
  }
  case npu::Opcode::Vector: {
    const gnb::NpuVector *v = f.vector();
    if (!v)
      return "a vector instruction without its descriptor";
    if (v->op() > gnb::NpuVecOp::MAX || v->type() > gnb::NpuElemType::MAX ||
        v->b_type() > gnb::NpuElemType::MAX ||
        v->out_type() > gnb::NpuElemType::MAX)
      return "a vector instruction with an unknown op or type";
    in.vec.op = npu::VecOp(v->op());
    in.vec.type = npu::ElemType(v->type());
    in.vec.n = v->n();
    in.vec.a = v->a();
    in.vec.b = v->b();
    in.vec.y = v->y();
    in.vec.bStep = v->b_step();
    in.vec.outer = v->outer();
    in.vec.aStride = v->a_stride();
    in.vec.bStride = v->b_stride();
    in.vec.yStride = v->y_stride();
    in.vec.bType = npu::ElemType(v->b_type());
    in.vec.outType = npu::ElemType(v->out_type());
    in.vec.zeroA = v->zero_a();
    in.vec.zeroB = v->zero_b();
    in.vec.mulA = v->mul_a();
    in.vec.mulB = v->mul_b();
    in.vec.multiplier = v->multiplier();
    in.vec.shift = v->shift();
    in.vec.zeroY = v->zero_y();
    in.vec.clampLo = v->clamp_lo();
    in.vec.clampHi = v->clamp_hi();
    in.vec.scale = v->scale(); // the simulator checks it is finite, > 0
    return "";
  }
  case npu::Opcode::Signal:
  case npu::Opcode::Wait:
    return "";
  }
  return "unknown opcode";
}

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
          std::string error = decodeInstruction(*encoded, in);
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
      if (role == Role::Output && t.storage != TensorDesc::Storage::Arena)
        return invalidNpu("output binding of tensor '" + t.name +
                          "', which is not an arena tensor");
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
  seg.program = std::move(program);
  return nullptr;
}

} // namespace gaon::rt
