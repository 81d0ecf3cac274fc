//===- NpuProgram.cpp - NPU programs <-> the npu dialect ------------------===//

#include "dialects/npu/NpuProgram.h"

#include "dialects/npu/NpuOps.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace gaon::npu {
namespace {

npuir::ElemType elemOf(ElemType t) { return npuir::ElemType(int(t)); }
ElemType elemFrom(npuir::ElemType t) { return ElemType(int(t)); }

} // namespace

Operation *buildProgramOp(OpBuilder &builder, Location loc,
                          const Program &program) {
  MLIRContext *ctx = builder.getContext();
  auto i64 = [&](int64_t v) { return builder.getI64IntegerAttr(v); };
  auto array = [&](auto values) {
    SmallVector<int64_t> v(values.begin(), values.end());
    return builder.getDenseI64ArrayAttr(v);
  };
  OperationState state(loc, npuir::ProgramOp::getOperationName());
  state.addAttribute("cores", i64(program.cores));
  state.addAttribute("dram_bytes", i64(program.dramBytes));
  if (program.params)
    state.addAttribute("params", i64(program.params));
  SmallVector<StringRef> tags(program.tags.begin(), program.tags.end());
  state.addAttribute("tags", builder.getStrArrayAttr(tags));
  state.addRegion();
  Operation *prog = builder.create(state);
  Block *body = builder.createBlock(&prog->getRegion(0));
  OpBuilder::InsertionGuard guard(builder);
  for (int c = 0; c < program.cores; ++c)
    for (int e = 0; e < kEngines; ++e) {
      const std::vector<Instruction> &queue = program.queues[c][e];
      if (queue.empty())
        continue;
      builder.setInsertionPointToEnd(body);
      OperationState qs(loc, npuir::QueueOp::getOperationName());
      qs.addAttribute("core", i64(c));
      qs.addAttribute("engine",
                      npuir::EngineAttr::get(ctx, npuir::Engine(e)));
      qs.addRegion();
      Operation *q = builder.create(qs);
      Block *qb = builder.createBlock(&q->getRegion(0));
      builder.setInsertionPointToEnd(qb);
      for (const Instruction &in : queue) {
        OperationState is(loc, "npu.signal");
        auto add = [&](StringRef name, Attribute a) { is.addAttribute(name, a); };
        switch (in.opcode) {
        case Opcode::DmaLoad:
        case Opcode::DmaStore: {
          is.name = OperationName(in.opcode == Opcode::DmaLoad
                                      ? npuir::DmaLoadOp::getOperationName()
                                      : npuir::DmaStoreOp::getOperationName(),
                                  ctx);
          const DmaDesc &d = in.dma;
          add("dram", i64(d.dram));
          add("sram", i64(d.sram));
          add("elem_bytes", i64(d.elemBytes));
          add("sizes", array(d.sizes));
          add("dram_strides", array(d.dramStrides));
          add("sram_strides", array(d.sramStrides));
          if (d.dramParam >= 0) {
            add("dram_param", i64(d.dramParam));
            add("dram_param_stride", i64(d.dramParamStride));
          }
          break;
        }
        case Opcode::MatMul: {
          is.name = OperationName(npuir::MatMulOp::getOperationName(), ctx);
          const MatMulDesc &m = in.mm;
          add("mode", npuir::MatModeAttr::get(ctx, npuir::MatMode(int(m.mode))));
          add("m", i64(m.m));
          add("n", i64(m.n));
          add("k", i64(m.k));
          add("a", i64(m.a));
          add("a_outer", i64(m.aOuter));
          add("a_inner", i64(m.aInner));
          add("a_outer_stride", i64(m.aOuterStride));
          add("a_inner_stride", i64(m.aInnerStride));
          add("b", i64(m.b));
          add("b_row_stride", i64(m.bRowStride));
          add("c", i64(m.c));
          add("c_row_stride", i64(m.cRowStride));
          if (m.accumulate)
            add("accumulate", builder.getUnitAttr());
          if (matModeIsWeightOnly(m.mode)) {
            add("scales", i64(m.scales));
            add("group", i64(m.group));
          }
          if (m.bTransposed)
            add("b_transposed", builder.getUnitAttr());
          if (m.store) {
            add("out", i64(m.out));
            add("out_type", npuir::ElemTypeAttr::get(ctx, elemOf(m.outType)));
            add("out_row_stride", i64(m.outRowStride));
            if (m.outOuterStride)
              add("out_outer_stride", i64(m.outOuterStride));
            if (m.hasBias)
              add("bias", i64(m.bias));
            bool integer = matModeIsInteger(m.mode);
            if (integer && m.outType != ElemType::I32)
              add("requant", i64(m.requant));
            if (integer) {
              add("zero_point", i64(m.zeroPoint));
              add("clamp_lo", i64(m.clampLo));
              add("clamp_hi", i64(m.clampHi));
            }
            if (m.relu)
              add("relu", builder.getUnitAttr());
            if (!integer && m.scale != 1.0f)
              add("scale", builder.getF32FloatAttr(m.scale));
          }
          break;
        }
        case Opcode::Vector: {
          is.name = OperationName(npuir::VectorOp::getOperationName(), ctx);
          const VectorDesc &v = in.vec;
          add("op", npuir::VecOpAttr::get(ctx, npuir::VecOp(int(v.op))));
          add("type", npuir::ElemTypeAttr::get(ctx, elemOf(v.type)));
          add("n", i64(v.n));
          add("a", i64(v.a));
          add("b", i64(v.b));
          add("y", i64(v.y));
          add("b_step", i64(v.bStep));
          add("outer", i64(v.outer));
          add("a_stride", i64(v.aStride));
          add("b_stride", i64(v.bStride));
          add("y_stride", i64(v.yStride));
          if (v.inner != 1) {
            add("inner", i64(v.inner));
            add("a_inner_stride", i64(v.aInnerStride));
            add("b_inner_stride", i64(v.bInnerStride));
            add("y_inner_stride", i64(v.yInnerStride));
          }
          if (v.op == VecOp::Fill)
            add("scale", builder.getF32FloatAttr(v.scale));
          if (v.op == VecOp::Mask) {
            add("mask_param", i64(v.maskParam));
            add("key_base", i64(v.keyBase));
            add("query_base", i64(v.queryBase));
            add("window", i64(v.window));
          }
          if (vecOpConverts(v.op)) {
            add("out_type", npuir::ElemTypeAttr::get(ctx, elemOf(v.outType)));
            add("zero_a", i64(v.zeroA));
            add("zero_y", i64(v.zeroY));
            add("clamp_lo", i64(v.clampLo));
            add("clamp_hi", i64(v.clampHi));
            add("scale", builder.getF32FloatAttr(v.scale));
          }
          if (vecOpIsInteger(v.op)) {
            if (v.op == VecOp::QAdd)
              add("b_type", npuir::ElemTypeAttr::get(ctx, elemOf(v.bType)));
            add("out_type", npuir::ElemTypeAttr::get(ctx, elemOf(v.outType)));
            add("zero_a", i64(v.zeroA));
            add("zero_b", i64(v.zeroB));
            add("mul_a", i64(v.mulA));
            add("mul_b", i64(v.mulB));
            add("multiplier", i64(v.multiplier));
            add("shift", i64(v.shift));
            add("zero_y", i64(v.zeroY));
            add("clamp_lo", i64(v.clampLo));
            add("clamp_hi", i64(v.clampHi));
          }
          break;
        }
        case Opcode::Signal:
          add("semaphore", i64(in.semaphore));
          add("core", i64(in.core));
          break;
        case Opcode::Wait:
          is.name = OperationName(npuir::WaitOp::getOperationName(), ctx);
          add("semaphore", i64(in.semaphore));
          add("value", i64(in.value));
          break;
        }
        add("tag", i64(in.tag));
        if (in.guardParam >= 0) {
          add("guard_param", i64(in.guardParam));
          add("guard_min", i64(in.guardMin));
          add("guard_max", i64(in.guardMax));
        }
        builder.create(is);
      }
    }
  return prog;
}

FailureOr<Instruction> readInstruction(Operation *iop, Engine engine) {
  Instruction in;
  in.engine = engine;
  auto readGuard = [&](auto op) {
    in.guardParam = int32_t(op.getGuardParam().value_or(-1));
    in.guardMin = op.getGuardMin().value_or(0);
    in.guardMax = op.getGuardMax().value_or(0);
  };
  auto readDma = [&](auto d, Opcode opcode) -> bool {
    if (d.getSizes().size() != 4 || d.getDramStrides().size() != 4 ||
        d.getSramStrides().size() != 4)
      return false;
    in.opcode = opcode;
    in.engine = opcode == Opcode::DmaLoad ? Engine::Load : Engine::Store;
    in.tag = d.getTag();
    in.dma.dram = d.getDram();
    in.dma.sram = d.getSram();
    in.dma.elemBytes = d.getElemBytes();
    for (int i = 0; i < 4; ++i) {
      in.dma.sizes[i] = d.getSizes()[i];
      in.dma.dramStrides[i] = d.getDramStrides()[i];
      in.dma.sramStrides[i] = d.getSramStrides()[i];
    }
    in.dma.dramParam = int32_t(d.getDramParam().value_or(-1));
    in.dma.dramParamStride = d.getDramParamStride().value_or(0);
    readGuard(d);
    return true;
  };
  if (auto d = llvm::dyn_cast<npuir::DmaLoadOp>(iop)) {
    if (!readDma(d, Opcode::DmaLoad))
      return failure();
  } else if (auto d = llvm::dyn_cast<npuir::DmaStoreOp>(iop)) {
    if (!readDma(d, Opcode::DmaStore))
      return failure();
  } else if (auto m = llvm::dyn_cast<npuir::MatMulOp>(iop)) {
    in.opcode = Opcode::MatMul;
    in.engine = Engine::Matrix;
    in.tag = m.getTag();
    MatMulDesc &mm = in.mm;
    mm.mode = MatMode(int(m.getMode()));
    mm.m = m.getM();
    mm.n = m.getN();
    mm.k = m.getK();
    mm.a = m.getA();
    mm.aOuter = m.getAOuter();
    mm.aInner = m.getAInner();
    mm.aOuterStride = m.getAOuterStride();
    mm.aInnerStride = m.getAInnerStride();
    mm.b = m.getB();
    mm.bRowStride = m.getBRowStride();
    mm.c = m.getC();
    mm.cRowStride = m.getCRowStride();
    mm.accumulate = m.getAccumulate();
    mm.scales = uint64_t(m.getScales().value_or(0));
    mm.group = uint32_t(m.getGroup().value_or(0));
    mm.bTransposed = m.getBTransposed();
    readGuard(m);
    if (m.getOut()) {
      mm.store = true;
      mm.out = *m.getOut();
      if (m.getOutType())
        mm.outType = elemFrom(*m.getOutType());
      mm.outRowStride = m.getOutRowStride().value_or(0);
      mm.outOuterStride = m.getOutOuterStride().value_or(0);
      mm.hasBias = m.getBias().has_value();
      mm.bias = m.getBias().value_or(0);
      mm.requant = m.getRequant().value_or(0);
      mm.zeroPoint = m.getZeroPoint();
      mm.clampLo = m.getClampLo();
      mm.clampHi = m.getClampHi();
      mm.relu = m.getRelu();
      if (m.getScale())
        mm.scale = m.getScale()->convertToFloat();
    }
  } else if (auto v = llvm::dyn_cast<npuir::VectorOp>(iop)) {
    in.opcode = Opcode::Vector;
    in.engine = Engine::Vector;
    in.tag = v.getTag();
    in.vec.op = VecOp(int(v.getOp()));
    in.vec.type = elemFrom(v.getType());
    in.vec.n = v.getN();
    in.vec.a = v.getA();
    in.vec.b = v.getB();
    in.vec.y = v.getY();
    in.vec.bStep = v.getBStep();
    in.vec.outer = v.getOuter();
    in.vec.aStride = v.getAStride();
    in.vec.bStride = v.getBStride();
    in.vec.yStride = v.getYStride();
    if (auto t = v.getBType())
      in.vec.bType = elemFrom(*t);
    if (auto t = v.getOutType())
      in.vec.outType = elemFrom(*t);
    in.vec.zeroA = int32_t(v.getZeroA());
    in.vec.zeroB = int32_t(v.getZeroB());
    in.vec.mulA = int32_t(v.getMulA());
    in.vec.mulB = int32_t(v.getMulB());
    in.vec.multiplier = int32_t(v.getMultiplier());
    in.vec.shift = int32_t(v.getShift());
    in.vec.zeroY = int32_t(v.getZeroY());
    in.vec.clampLo = int32_t(v.getClampLo());
    in.vec.clampHi = int32_t(v.getClampHi());
    if (auto sc = v.getScale())
      in.vec.scale = sc->convertToFloat();
    in.vec.inner = uint32_t(v.getInner());
    in.vec.aInnerStride = v.getAInnerStride();
    in.vec.bInnerStride = v.getBInnerStride();
    in.vec.yInnerStride = v.getYInnerStride();
    in.vec.maskParam = int32_t(v.getMaskParam().value_or(-1));
    in.vec.keyBase = v.getKeyBase();
    in.vec.queryBase = v.getQueryBase();
    in.vec.window = uint32_t(v.getWindow());
    readGuard(v);
  } else if (auto s = llvm::dyn_cast<npuir::SignalOp>(iop)) {
    in.opcode = Opcode::Signal;
    in.tag = s.getTag();
    in.semaphore = s.getSemaphore();
    in.core = s.getCore();
  } else if (auto w = llvm::dyn_cast<npuir::WaitOp>(iop)) {
    in.opcode = Opcode::Wait;
    in.tag = w.getTag();
    in.semaphore = w.getSemaphore();
    in.value = w.getValue();
  } else {
    return failure();
  }
  return in;
}

LogicalResult readProgramOp(Operation *op, Program &out) {
  auto prog = llvm::dyn_cast<npuir::ProgramOp>(op);
  if (!prog)
    return op->emitError("expected an npu.program");
  out = Program{};
  out.cores = int(prog.getCores());
  out.dramBytes = uint64_t(prog.getDramBytes());
  out.params = uint32_t(prog.getParams());
  out.queues.assign(out.cores, {});
  for (Attribute t : prog.getTags())
    out.tags.push_back(llvm::cast<StringAttr>(t).str());
  for (Operation &qop : prog.getBody().front()) {
    auto queue = llvm::cast<npuir::QueueOp>(qop);
    auto &list = out.queues[queue.getCore()][int(queue.getEngine())];
    Engine engine = Engine(int(queue.getEngine()));
    for (Operation &iop : queue.getBody().front()) {
      FailureOr<Instruction> in = readInstruction(&iop, engine);
      if (failed(in))
        return iop.emitError("not an NPU instruction");
      list.push_back(*in);
    }
  }
  return success();
}

} // namespace gaon::npu
