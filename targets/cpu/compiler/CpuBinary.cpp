//===- CpuBinary.cpp - `graph` to a .gnb with one CPU segment -------------===//
//
// The CPU target's program is the graph itself: one kernel call per graph
// op, over tensors placed in the constant data (weights), the caller's
// input buffers, or the arena (everything else, planned by liveness).
// Attributes travel generically: integers and bools as ints, floats as
// floats, enums by name.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/compiler/CpuBinary.h"

#include "compiler/binary/MemoryPlanner.h"
#include "dialects/graph/GraphOps.h"
#include "targets/cpu/kernels/Layouts.h"
#include "targets/npu/NpuConfig.h"
#include "targets/npu/compiler/NpuLowering.h"
#include "targets/npu/compiler/NpuProgramIR.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/QuantTypes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include "gnb_generated.h"

#include <functional>
#include <map>

using namespace mlir;
namespace gnb = gaon::gnb;

namespace gaon {
namespace {

constexpr uint32_t kFormatVersion = 5;
constexpr uint64_t kAlignment = 64;
constexpr uint32_t kNoTensor = 0xFFFFFFFFu;

std::string locationName(Location loc) { return npu::nodeName(loc); }

/// The runtime dtype of an element type; quantized types use their storage.
FailureOr<gnb::DType> dtypeOf(Type element) {
  if (auto q = llvm::dyn_cast<quant::QuantizedType>(element)) {
    unsigned w = q.getStorageTypeIntegralWidth();
    bool s = q.isSigned();
    if (w == 8)
      return s ? gnb::DType::I8 : gnb::DType::U8;
    if (w == 16)
      return s ? gnb::DType::I16 : gnb::DType::U16;
    if (w == 32)
      return s ? gnb::DType::I32 : gnb::DType::U32;
    return failure();
  }
  if (element.isF32())
    return gnb::DType::F32;
  if (element.isF16())
    return gnb::DType::F16;
  if (element.isBF16())
    return gnb::DType::BF16;
  if (element.isF64())
    return gnb::DType::F64;
  if (auto i = llvm::dyn_cast<IntegerType>(element)) {
    bool u = i.isUnsigned();
    switch (i.getWidth()) {
    case 1:
      return gnb::DType::Bool;
    case 4:
      if (!u)
        return gnb::DType::I4;
      break;
    case 8:
      return u ? gnb::DType::U8 : gnb::DType::I8;
    case 16:
      return u ? gnb::DType::U16 : gnb::DType::I16;
    case 32:
      return u ? gnb::DType::U32 : gnb::DType::I32;
    case 64:
      return u ? gnb::DType::U64 : gnb::DType::I64;
    }
  }
  return failure();
}

uint64_t elementBytes(gnb::DType d) {
  switch (d) {
  case gnb::DType::F32: case gnb::DType::I32: case gnb::DType::U32: return 4;
  case gnb::DType::F16: case gnb::DType::BF16: case gnb::DType::I16:
  case gnb::DType::U16: return 2;
  case gnb::DType::F64: case gnb::DType::I64: case gnb::DType::U64: return 8;
  default: return 1;
  }
}

/// Serializes an op attribute; fails for kinds the runtime cannot read.
LogicalResult serializeAttribute(flatbuffers::FlatBufferBuilder &fbb,
                                 NamedAttribute named,
                                 std::vector<flatbuffers::Offset<gnb::Attribute>>
                                     &out) {
  Attribute a = named.getValue();
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::string str;
  if (auto b = llvm::dyn_cast<BoolAttr>(a))
    ints.push_back(b.getValue());
  else if (auto i = llvm::dyn_cast<IntegerAttr>(a))
    ints.push_back(i.getValue().getSExtValue());
  else if (auto f = llvm::dyn_cast<FloatAttr>(a))
    floats.push_back(f.getValueAsDouble());
  else if (auto v = llvm::dyn_cast<DenseI64ArrayAttr>(a))
    ints.assign(v.asArrayRef().begin(), v.asArrayRef().end());
  else if (auto v = llvm::dyn_cast<DenseF64ArrayAttr>(a))
    floats.assign(v.asArrayRef().begin(), v.asArrayRef().end());
  else if (auto v = llvm::dyn_cast<DenseF32ArrayAttr>(a))
    floats.assign(v.asArrayRef().begin(), v.asArrayRef().end());
  else if (auto e = llvm::dyn_cast<graph::ReduceKindAttr>(a))
    str = graph::stringifyReduceKind(e.getValue()).str();
  else if (auto e = llvm::dyn_cast<graph::PadModeAttr>(a))
    str = graph::stringifyPadMode(e.getValue()).str();
  else if (auto e = llvm::dyn_cast<graph::ResizeModeAttr>(a))
    str = graph::stringifyResizeMode(e.getValue()).str();
  else if (auto e = llvm::dyn_cast<graph::CoordinateModeAttr>(a))
    str = graph::stringifyCoordinateMode(e.getValue()).str();
  else if (auto e = llvm::dyn_cast<graph::NearestModeAttr>(a))
    str = graph::stringifyNearestMode(e.getValue()).str();
  else if (auto e = llvm::dyn_cast<graph::ScatterReductionAttr>(a))
    str = graph::stringifyScatterReduction(e.getValue()).str();
  else
    return failure();
  out.push_back(gnb::CreateAttributeDirect(
      fbb, named.getName().str().c_str(), ints.empty() ? nullptr : &ints,
      floats.empty() ? nullptr : &floats, str.empty() ? nullptr : str.c_str()));
  return success();
}

/// The little-endian bytes of a constant, splats expanded.
std::vector<char> constantBytes(DenseElementsAttr attr, uint64_t byteSize) {
  std::vector<char> bytes;
  bytes.reserve(byteSize);
  if (attr.getElementType().isInteger(1)) {
    for (bool b : attr.getValues<bool>())
      bytes.push_back(b ? 1 : 0);
    return bytes;
  }
  if (attr.getElementType().isInteger(4)) {
    // Two per byte, low nibble first.
    bytes.assign(byteSize, 0);
    uint64_t i = 0;
    for (const APInt &v : attr.getValues<APInt>()) {
      bytes[i / 2] |= char((v.getZExtValue() & 0xF) << (4 * (i % 2)));
      ++i;
    }
    return bytes;
  }
  ArrayRef<char> raw = attr.getRawData();
  if (attr.isSplat()) {
    uint64_t count = byteSize / std::max<size_t>(raw.size(), 1);
    for (uint64_t i = 0; i < count; ++i)
      bytes.insert(bytes.end(), raw.begin(), raw.end());
    return bytes;
  }
  bytes.assign(raw.begin(), raw.end());
  return bytes;
}

/// Chooses the arena tensors to store channels-last (NHWC). Tensors joined
/// by layout-agnostic ops (cpu/kernels/Layouts.h) form groups that share one
/// layout; a group goes channels-last when a convolution produces one of its
/// tensors and every use and producer of every member handles the layout.
/// `emitted(op)` is the value an op's kernel call writes (a convolution with
/// a fused activation writes the activation's result).
llvm::DenseSet<Value>
chooseChannelsLast(Block &body, const llvm::DenseSet<Operation *> &absorbed,
                   llvm::function_ref<Value(Operation *)> emitted) {
  llvm::DenseMap<Value, Value> parent;
  std::function<Value(Value)> find = [&](Value v) -> Value {
    auto it = parent.find(v);
    if (it == parent.end() || it->second == v)
      return v;
    Value root = find(it->second);
    parent[v] = root;
    return root;
  };
  auto join = [&](Value a, Value b) {
    Value ra = find(a), rb = find(b);
    if (ra != rb)
      parent[ra] = rb;
  };
  // f32, or 8-bit quantized per tensor (the integer kernels' channels-last
  // forms read one zero point and scale).
  auto isNchw4d = [](Value v) {
    auto type = llvm::dyn_cast<RankedTensorType>(v.getType());
    if (!type || type.getRank() != 4)
      return false;
    Type element = type.getElementType();
    if (element.isF32())
      return true;
    auto quant = llvm::dyn_cast<quant::UniformQuantizedType>(element);
    return quant && quant.getStorageTypeIntegralWidth() == 8;
  };
  auto shapeOf = [](Value v) {
    auto type = llvm::dyn_cast<RankedTensorType>(v.getType());
    return type ? type.getShape() : ArrayRef<int64_t>{};
  };
  llvm::DenseSet<Value> rowMajor, fromConv, members;
  // A constant, or a constant's bytes viewed as a quantized type.
  auto definedByConstant = [](Value v) {
    Operation *def = v.getDefiningOp();
    if (auto cast = llvm::dyn_cast_or_null<graph::StorageCastOp>(def))
      def = cast->getOperand(0).getDefiningOp();
    return def && llvm::isa<graph::ConstantOp>(def);
  };
  for (Operation &op : body) {
    if (absorbed.count(&op) || llvm::isa<graph::ConstantOp>(op))
      continue;
    if (op.hasTrait<OpTrait::IsTerminator>()) {
      rowMajor.insert(op.getOperands().begin(), op.getOperands().end());
      continue;
    }
    std::string kind = op.getName().getStringRef().str();
    SmallVector<Value> results;
    for (unsigned i = 0; i < op.getNumResults(); ++i)
      results.push_back(i == 0 ? emitted(&op) : op.getResult(i));
    // Every operand and result needs row-major unless a rule below says not.
    llvm::DenseSet<Value> free;
    if (cpu::isLayoutAgnostic(kind) && results.size() == 1) {
      bool sameShape = llvm::isa<RankedTensorType>(results[0].getType());
      for (Value v : op.getOperands())
        sameShape &= llvm::isa<RankedTensorType>(v.getType()) &&
                     shapeOf(v) == shapeOf(results[0]);
      if (sameShape)
        for (Value v : op.getOperands()) {
          join(v, results[0]);
          free.insert(v);
          free.insert(results[0]);
        }
    } else if (op.getNumOperands() > 0 && isNchw4d(op.getOperand(0))) {
      Value src = op.getOperand(0);
      switch (cpu::layoutRole(kind)) {
      case cpu::LayoutRole::Independent:
        if (op.getNumOperands() > 1 && definedByConstant(op.getOperand(1))) {
          if (auto qconv = llvm::dyn_cast<graph::QConvOp>(op)) {
            // The 8-bit kernels write channels-last results only, and
            // depthwise ones read channels-last inputs only.
            auto weight = llvm::cast<RankedTensorType>(
                op.getOperand(1).getType());
            if (weight.getDimSize(1) == 1 &&
                weight.getDimSize(0) == int64_t(qconv.getGroup()))
              join(src, results[0]);
            if (!isNchw4d(results[0]))
              break;
          }
          free.insert(src);
          free.insert(results[0]);
          fromConv.insert(results[0]);
        }
        break;
      case cpu::LayoutRole::Matched:
        if (results.size() == 1) {
          join(src, results[0]);
          free.insert(src);
          free.insert(results[0]);
        }
        break;
      case cpu::LayoutRole::SourceOnly:
        if (auto reduce = llvm::dyn_cast<graph::ReduceOp>(op))
          if (reduce.getAxes() == ArrayRef<int64_t>{2, 3} &&
              (reduce.getKind() == graph::ReduceKind::mean ||
               reduce.getKind() == graph::ReduceKind::sum ||
               reduce.getKind() == graph::ReduceKind::max))
            free.insert(src);
        if (auto qmean = llvm::dyn_cast<graph::QMeanOp>(op))
          if (qmean.getAxes() == ArrayRef<int64_t>{2, 3})
            free.insert(src);
        break;
      case cpu::LayoutRole::None:
        break;
      }
    }
    for (Value v : op.getOperands()) {
      members.insert(v);
      if (!free.count(v))
        rowMajor.insert(v);
    }
    for (Value v : results) {
      members.insert(v);
      if (!free.count(v))
        rowMajor.insert(v);
    }
  }
  // A group is out when any member is: not an NCHW f32 arena tensor, or used
  // where row-major is needed.
  llvm::DenseSet<Value> excluded, converted;
  for (Value v : members)
    if (rowMajor.count(v) || !isNchw4d(v) || llvm::isa<BlockArgument>(v) ||
        definedByConstant(v))
      excluded.insert(find(v));
  for (Value v : fromConv)
    if (!excluded.count(find(v)))
      converted.insert(find(v));
  llvm::DenseSet<Value> channelsLast;
  for (Value v : members)
    if (converted.count(find(v)))
      channelsLast.insert(v);
  return channelsLast;
}

} // namespace

LogicalResult writeCpuBinary(ModuleOp module, llvm::raw_ostream &os,
                             const CpuBinaryOptions &options) {
  func::FuncOp func;
  module.walk([&](func::FuncOp f) {
    if (!func)
      func = f;
  });
  if (!func || func.getBody().getBlocks().size() != 1)
    return module.emitError("expected one function with one block");
  Block &body = func.getBody().front();

  flatbuffers::FlatBufferBuilder fbb(1 << 16);
  std::vector<flatbuffers::Offset<gnb::Tensor>> tensors;
  llvm::DenseMap<Value, uint32_t> ids;
  std::vector<char> constants;
  // Arena tensors: index into `tensors`, their buffer request.
  struct ArenaTensor {
    uint32_t id;
    Value value;
    gnb::DType dtype;
    std::vector<int64_t> shape;
    std::string name;
    uint64_t size;
    int64_t first, last;
  };
  std::vector<ArenaTensor> arena;
  // Tensor fields are written after planning; keep them until then.
  struct PendingTensor {
    std::string name;
    gnb::DType dtype;
    std::vector<int64_t> shape;
    gnb::Storage storage;
    uint64_t offset, byteSize;
    quant::QuantizedType quant;
    gnb::Layout layout;
  };
  std::vector<PendingTensor> pending;

  auto addTensor = [&](Value v, gnb::Storage storage, uint64_t offset,
                       const std::string &name) -> FailureOr<uint32_t> {
    auto type = llvm::dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.hasStaticShape())
      return emitError(v.getLoc()) << "the CPU target needs static shapes, got "
                                   << v.getType();
    auto dtype = dtypeOf(type.getElementType());
    if (failed(dtype))
      return emitError(v.getLoc())
             << "the CPU target cannot store element type "
             << type.getElementType();
    if (*dtype == gnb::DType::I4 && storage != gnb::Storage::Constant)
      return emitError(v.getLoc())
             << "the CPU target keeps int4 values only as constants "
                "(block_dequantize's packed weights)";
    uint64_t bytes = *dtype == gnb::DType::I4
                         ? (uint64_t(type.getNumElements()) + 1) / 2
                         : type.getNumElements() * elementBytes(*dtype);
    uint32_t id = pending.size();
    pending.push_back({name, *dtype,
                       std::vector<int64_t>(type.getShape().begin(),
                                            type.getShape().end()),
                       storage, offset, bytes,
                       llvm::dyn_cast<quant::QuantizedType>(
                           type.getElementType()),
                       gnb::Layout::RowMajor});
    ids[v] = id;
    return id;
  };

  // Inputs.
  std::vector<flatbuffers::Offset<gnb::IoBinding>> inputs, outputs;
  for (BlockArgument arg : body.getArguments()) {
    auto nameAttr =
        func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "onnx.name");
    std::string name = nameAttr ? nameAttr.str()
                                : "input" + std::to_string(arg.getArgNumber());
    auto id = addTensor(arg, gnb::Storage::Input, 0, name);
    if (failed(id))
      return failure();
    inputs.push_back(gnb::CreateIoBindingDirect(fbb, name.c_str(), *id));
  }

  // Placement: with an NPU, each op runs where targets/npu/compiler says.
  npu::PlacementMap placement;
  if (options.npu)
    placement = npu::placeOps(body, *options.npu, options.npuGreedy);
  auto onNpu = [&](Operation *op) {
    auto it = placement.find(op);
    return it != placement.end() && it->second.onNpu;
  };

  // A convolution whose only user is a ReLU or a bounded clip runs both in
  // one kernel call (oneDNN applies the activation as a post-op): the
  // activation's result becomes the convolution's output.
  llvm::DenseMap<Operation *, Operation *> fusedActivation;
  llvm::DenseSet<Operation *> absorbed;
  for (Operation &op : body.without_terminator()) {
    // Integer sums requantized by their only user: the kernel requantizes
    // as it writes, and the int32 sums never reach memory.
    if (llvm::isa<graph::QConvOp, graph::QMatMulOp>(op) && op.hasOneUse() &&
        !onNpu(&op) && llvm::isa<graph::RequantizeOp>(*op.getUsers().begin()) &&
        !onNpu(*op.getUsers().begin())) {
      fusedActivation[&op] = *op.getUsers().begin();
      absorbed.insert(*op.getUsers().begin());
      continue;
    }
    auto conv = llvm::dyn_cast<graph::ConvOp>(op);
    if (!conv || !conv->hasOneUse() || onNpu(conv) ||
        onNpu(*conv->getUsers().begin()))
      continue;
    Operation *user = *conv->getUsers().begin();
    auto clip = llvm::dyn_cast<graph::ClipOp>(user);
    bool fusable = llvm::isa<graph::ReluOp>(user) ||
                   (clip && clip.getMin() && clip.getMax());
    if (fusable && user->getResult(0).getType() == conv.getType()) {
      fusedActivation[conv] = user;
      absorbed.insert(user);
    }
  }

  llvm::DenseSet<Value> channelsLast;
  // NPU bindings read row-major host tensors; the CPU's channels-last choice
  // does not look across segments yet, so it stays off with an NPU.
  if (options.channelsLast && !options.npu)
    channelsLast = chooseChannelsLast(body, absorbed, [&](Operation *op) {
      Operation *activation = fusedActivation.lookup(op);
      return activation ? activation->getResult(0) : op->getResult(0);
    });

  // Ops, constants and arena tensors, in program order. Consecutive NPU ops
  // form one NPU segment; the CPU ops between them form CPU segments.
  std::vector<flatbuffers::Offset<gnb::Op>> ops;
  std::vector<flatbuffers::Offset<gnb::Segment>> segments;
  llvm::DenseMap<Operation *, int64_t> stepOf;
  std::vector<Operation *> run;
  int64_t step = 0;
  auto appendConstant = [&](const std::string &name, gnb::DType dtype,
                            std::vector<int64_t> shape,
                            const std::vector<char> &bytes) -> uint32_t {
    uint64_t offset = (constants.size() + kAlignment - 1) / kAlignment *
                      kAlignment;
    constants.resize(offset, 0);
    constants.insert(constants.end(), bytes.begin(), bytes.end());
    uint32_t id = pending.size();
    pending.push_back({name, dtype, std::move(shape), gnb::Storage::Constant,
                       offset, bytes.size(), quant::QuantizedType(),
                       gnb::Layout::RowMajor});
    return id;
  };
  auto closeCpuSegment = [&] {
    if (!ops.empty())
      segments.push_back(gnb::CreateSegmentDirect(fbb, gnb::DeviceKind::CPU, &ops));
    ops.clear();
  };
  // Placement report rows: one per anchor op (fused ops join their anchor).
  struct ReportRow {
    std::string name, kind, placement, reason;
    double cycles = -1;
  };
  std::vector<ReportRow> reportRows;
  auto flushRun = [&]() -> LogicalResult {
    if (run.empty())
      return success();
    llvm::DenseSet<Operation *> inRun(run.begin(), run.end());
    SmallVector<Value> runInputs, runOutputs;
    llvm::DenseSet<Value> seen;
    for (Operation *op : run) {
      for (Value v : op->getOperands()) {
        Operation *def = v.getDefiningOp();
        // Constants, and constants' integers given quantized types, are
        // packed into the segment.
        bool constant =
            def && (llvm::isa<graph::ConstantOp>(def) ||
                    (llvm::isa<graph::StorageCastOp>(def) &&
                     def->getOperand(0).getDefiningOp<graph::ConstantOp>()));
        if ((def && inRun.count(def)) || constant || !seen.insert(v).second)
          continue;
        runInputs.push_back(v);
      }
      for (Value r : op->getResults())
        if (llvm::any_of(r.getUsers(),
                         [&](Operation *u) { return !inRun.count(u); }))
          runOutputs.push_back(r);
    }
    npu::NpuSegment segment;
    if (failed(npu::lowerSegment(run, runInputs, runOutputs, placement,
                                 *options.npu, segment, options.tileSegments,
                                 options.npuCores)))
      return failure();
    // The program goes through the npu dialect: its verifiers check every
    // instruction, and what is serialized is what the IR says.
    {
      OpBuilder builder(module.getContext());
      Block scratch;
      builder.setInsertionPointToEnd(options.npuPrograms ? options.npuPrograms
                                                         : &scratch);
      Operation *ir = npu::buildProgramOp(builder, run.front()->getLoc(),
                                          segment.program);
      if (failed(mlir::verify(ir)))
        return run.front()->emitError("internal: the NPU program does not "
                                      "verify");
      if (failed(npu::readProgramOp(ir, segment.program)))
        return failure();
      if (!options.npuPrograms)
        ir->erase();
    }
    for (Value r : runOutputs) {
      auto id = addTensor(r, gnb::Storage::Arena, 0,
                          npu::nodeName(r.getLoc()));
      if (failed(id))
        return failure();
      arena.push_back({*id, r, pending[*id].dtype, pending[*id].shape,
                       pending[*id].name, pending[*id].byteSize, step, step});
    }
    for (Operation *op : run)
      stepOf[op] = step;
    // The compiler's estimate: the program on the simulator, timing only.
    const npu::SimResult &estimate = segment.estimate;
    for (Operation *op : run) {
      const npu::Placement &p = placement[op];
      if (p.fusedInto)
        continue;
      SmallVector<Operation *> fused;
      for (Operation *f : run)
        if (placement[f].fusedInto == op)
          fused.push_back(f);
      ReportRow row{npu::fusedGroupName(op, fused),
                    op->getName().getStringRef().str(), "npu", "", 0};
      for (size_t t = 0; t < segment.program.tags.size(); ++t)
        if (segment.program.tags[t] == row.name && t < estimate.tags.size() &&
            estimate.tags[t].first >= 0)
          row.cycles = estimate.tags[t].last - estimate.tags[t].first;
      reportRows.push_back(row);
    }
    // Serialize: device-form constants become constant tensors.
    auto bindingOf = [&](uint32_t tensor, const npu::SegmentBinding *b,
                         uint64_t dram) {
      if (!b)
        return gnb::CreateNpuBinding(fbb, tensor, dram);
      std::vector<uint32_t> sizes(b->sizes.begin(), b->sizes.end());
      std::vector<int64_t> strides(b->strides.begin(), b->strides.end());
      return gnb::CreateNpuBindingDirect(fbb, tensor, b->dram,
                                         gnb::NpuElemType(b->deviceType),
                                         &sizes, &strides);
    };
    std::vector<flatbuffers::Offset<gnb::NpuBinding>> consts, ins, outs;
    for (const npu::SegmentConstant &c : segment.constants) {
      uint32_t id = appendConstant(c.name, gnb::DType::U8,
                                   {int64_t(c.bytes.size())}, c.bytes);
      consts.push_back(bindingOf(id, nullptr, c.dram));
    }
    for (const npu::SegmentBinding &b : segment.inputs)
      ins.push_back(bindingOf(ids[b.value], &b, 0));
    for (const npu::SegmentBinding &b : segment.outputs)
      outs.push_back(bindingOf(ids[b.value], &b, 0));
    std::vector<flatbuffers::Offset<gnb::NpuQueue>> queues;
    const npu::Program &prog = segment.program;
    for (int c = 0; c < prog.cores; ++c)
      for (int e = 0; e < npu::kEngines; ++e) {
        std::vector<flatbuffers::Offset<gnb::NpuInstruction>> list;
        for (const npu::Instruction &in : prog.queues[c][e]) {
          flatbuffers::Offset<gnb::NpuDma> dma = 0;
          flatbuffers::Offset<gnb::NpuMatMul> mm = 0;
          flatbuffers::Offset<gnb::NpuVector> vec = 0;
          if (in.opcode == npu::Opcode::DmaLoad ||
              in.opcode == npu::Opcode::DmaStore) {
            const npu::DmaDesc &d = in.dma;
            std::vector<uint32_t> sizes(d.sizes.begin(), d.sizes.end());
            std::vector<int64_t> ds(d.dramStrides.begin(), d.dramStrides.end());
            std::vector<int64_t> ss(d.sramStrides.begin(), d.sramStrides.end());
            dma = gnb::CreateNpuDmaDirect(fbb, d.dram, d.sram, d.elemBytes,
                                          &sizes, &ds, &ss);
          } else if (in.opcode == npu::Opcode::MatMul) {
            const npu::MatMulDesc &m = in.mm;
            mm = gnb::CreateNpuMatMul(
                fbb, gnb::NpuMatMode(m.mode), m.m, m.n, m.k, m.a, m.aOuter,
                m.aInner, m.aOuterStride, m.aInnerStride, m.b, m.bRowStride,
                m.c, m.cRowStride, m.accumulate, m.store, m.hasBias, m.bias,
                m.requant, m.zeroPoint, m.clampLo, m.clampHi,
                gnb::NpuElemType(m.outType), m.out, m.outRowStride, m.relu,
                m.scale, m.outOuterStride, m.scales, m.group);
          } else if (in.opcode == npu::Opcode::Vector) {
            const npu::VectorDesc &v = in.vec;
            vec = gnb::CreateNpuVector(
                fbb, gnb::NpuVecOp(v.op), gnb::NpuElemType(v.type), v.n, v.a,
                v.b, v.y, v.bStep, v.outer, v.aStride, v.bStride, v.yStride,
                gnb::NpuElemType(v.bType), gnb::NpuElemType(v.outType),
                v.zeroA, v.zeroB, v.mulA, v.mulB, v.multiplier, v.shift,
                v.zeroY, v.clampLo, v.clampHi, v.scale);
          }
          list.push_back(gnb::CreateNpuInstruction(
              fbb, gnb::NpuOpcode(in.opcode), gnb::NpuEngine(in.engine),
              in.tag, dma, mm, vec, in.semaphore, in.value, in.core));
        }
        if (!list.empty())
          queues.push_back(gnb::CreateNpuQueueDirect(
              fbb, c, gnb::NpuEngine(e), &list));
      }
    std::vector<flatbuffers::Offset<flatbuffers::String>> tags;
    for (const std::string &t : prog.tags)
      tags.push_back(fbb.CreateString(t));
    auto program = gnb::CreateNpuProgramDirect(fbb, prog.cores, prog.dramBytes,
                                               &queues, &tags, &consts, &ins,
                                               &outs);
    closeCpuSegment();
    segments.push_back(gnb::CreateSegment(fbb, gnb::DeviceKind::NPU, 0, 0,
                                          program));
    ++step;
    run.clear();
    return success();
  };
  for (Operation &op : body.without_terminator()) {
    if (absorbed.count(&op))
      continue;
    // A constant, or a constant's integers given a quantized type (weights
    // of integer ops), is stored once in the constant data.
    auto storageCast = llvm::dyn_cast<graph::StorageCastOp>(op);
    auto constant = storageCast
                        ? storageCast.getInput().getDefiningOp<graph::ConstantOp>()
                        : llvm::dyn_cast<graph::ConstantOp>(op);
    if (constant) {
      Value stored = op.getResult(0);
      // Constants only NPU ops read are packed into their segments instead.
      if (options.npu && !stored.use_empty() &&
          llvm::all_of(stored.getUsers(),
                       [&](Operation *u) { return onNpu(u); }))
        continue;
      if (storageCast && stored.use_empty())
        continue;
      // Integers only storage casts read are stored by those casts.
      if (!storageCast && !stored.use_empty() &&
          llvm::all_of(stored.getUsers(), [](Operation *u) {
            return llvm::isa<graph::StorageCastOp>(u);
          }))
        continue;
      auto dense = llvm::dyn_cast<DenseElementsAttr>(constant.getValue());
      if (!dense)
        return constant.emitError("the CPU target stores dense constants "
                                  "only");
      uint64_t offset = (constants.size() + kAlignment - 1) / kAlignment *
                        kAlignment;
      auto id = addTensor(stored, gnb::Storage::Constant, offset,
                          locationName(stored.getLoc()));
      if (failed(id))
        return failure();
      std::vector<char> bytes = constantBytes(dense, pending[*id].byteSize);
      constants.resize(offset, 0);
      constants.insert(constants.end(), bytes.begin(), bytes.end());
      continue;
    }
    if (onNpu(&op)) {
      run.push_back(&op);
      continue;
    }
    if (failed(flushRun()))
      return failure();
    if (op.getDialect() == nullptr ||
        op.getDialect()->getNamespace() != "graph")
      return op.emitError("the CPU target runs graph ops only; ")
             << op.getName() << " is not one";
    if (options.npu) {
      auto it = placement.find(&op);
      reportRows.push_back({locationName(op.getLoc()),
                            op.getName().getStringRef().str(), "cpu",
                            it != placement.end() ? it->second.reason : "", -1});
    }
    std::vector<uint32_t> in, out;
    for (Value operand : op.getOperands()) {
      auto it = ids.find(operand);
      in.push_back(it == ids.end() ? kNoTensor : it->second);
    }
    Operation *activation = fusedActivation.lookup(&op);
    for (Value result : op.getResults()) {
      if (activation)
        result = activation->getResult(0);
      auto id = addTensor(result, gnb::Storage::Arena, 0,
                          locationName(op.getLoc()));
      if (failed(id))
        return failure();
      out.push_back(*id);
      if (channelsLast.count(result))
        pending[*id].layout = gnb::Layout::ChannelsLast;
      arena.push_back({*id, result, pending[*id].dtype, pending[*id].shape,
                       pending[*id].name, pending[*id].byteSize, step, step});
    }
    std::vector<flatbuffers::Offset<gnb::Attribute>> attrs;
    for (NamedAttribute named : op.getAttrs())
      if (failed(serializeAttribute(fbb, named, attrs)))
        return op.emitError("the CPU target cannot serialize attribute '")
               << named.getName() << "'";
    if (activation && llvm::isa<graph::RequantizeOp>(activation)) {
      // The clamp travels with the sums' op; the output's quantization
      // says the rest.
      for (NamedAttribute named : activation->getAttrs())
        if (failed(serializeAttribute(fbb, named, attrs)))
          return activation->emitError("cannot serialize attribute '")
                 << named.getName() << "'";
      stepOf[activation] = step;
    } else if (activation) {
      std::vector<double> bounds;
      if (auto clip = llvm::dyn_cast<graph::ClipOp>(activation))
        bounds = {clip.getMin()->convertToDouble(),
                  clip.getMax()->convertToDouble()};
      attrs.push_back(gnb::CreateAttributeDirect(
          fbb, "fused_activation", nullptr, bounds.empty() ? nullptr : &bounds,
          llvm::isa<graph::ClipOp>(activation) ? "clip" : "relu"));
      stepOf[activation] = step;
    }
    std::string kind = op.getName().getStringRef().str();
    std::string loc = locationName(op.getLoc());
    if (activation)
      loc += "+" + locationName(activation->getLoc());
    ops.push_back(gnb::CreateOpDirect(fbb, kind.c_str(), &in, &out, &attrs,
                                      loc.c_str()));
    stepOf[&op] = step;
    ++step;
  }
  if (failed(flushRun()))
    return failure();
  closeCpuSegment();

  // Lifetimes: a value lives until its last user (the return is the end).
  int64_t s = step;
  std::vector<BufferRequest> requests;
  for (ArenaTensor &t : arena) {
    for (Operation *user : t.value.getUsers())
      t.last = std::max(t.last, user->hasTrait<OpTrait::IsTerminator>()
                                    ? s
                                    : stepOf.lookup(user));
    requests.push_back({t.size, t.first, t.last});
  }
  MemoryPlan plan = planMemory(requests, kAlignment);
  for (size_t i = 0; i < arena.size(); ++i)
    pending[arena[i].id].offset = plan.offsets[i];

  // Outputs.
  Operation *ret = body.getTerminator();
  for (auto [i, v] : llvm::enumerate(ret->getOperands())) {
    auto nameAttr = func.getResultAttrOfType<StringAttr>(i, "onnx.name");
    std::string name = nameAttr ? nameAttr.str() : "output" + std::to_string(i);
    outputs.push_back(gnb::CreateIoBindingDirect(fbb, name.c_str(), ids[v]));
  }

  for (const PendingTensor &t : pending) {
    flatbuffers::Offset<gnb::Quantization> q = 0;
    if (t.quant) {
      SmallVector<double> s = graph::quantScales(t.quant);
      SmallVector<int64_t> z = graph::quantZeroPoints(t.quant);
      std::vector<double> scales(s.begin(), s.end());
      std::vector<int64_t> zeroPoints(z.begin(), z.end());
      int axis = -1;
      if (auto p = llvm::dyn_cast<quant::UniformQuantizedPerAxisType>(t.quant))
        axis = p.getQuantizedDimension();
      q = gnb::CreateQuantizationDirect(fbb, &scales, &zeroPoints, axis,
                                        t.dtype);
    }
    tensors.push_back(gnb::CreateTensorDirect(fbb, t.name.c_str(), t.dtype,
                                              &t.shape, t.storage, t.offset,
                                              t.byteSize, q, t.layout));
  }

  bool sidecar = options.weightsStream != nullptr;
  flatbuffers::Offset<gnb::NpuConfig> npuConfig = 0;
  std::string configJson;
  uint64_t configHash = 0;
  if (options.npu) {
    const npu::NpuConfig &c = *options.npu;
    configJson = npu::canonicalNpuConfigJson(c);
    configHash = npu::npuConfigHash(c);
    npuConfig = gnb::CreateNpuConfigDirect(
        fbb, c.name.c_str(), c.clockHz, c.cores, c.matrixRows, c.matrixCols,
        c.bf16Rate, c.int4Rate, c.vectorLanes, c.sramBytes, c.dramBytes,
        c.dramBandwidth, c.dramLatencyNs, c.hostBandwidth, c.dmaBytesPerCycle);
  }
  auto model = gnb::CreateModelDirect(
      fbb, kFormatVersion, options.compilerVersion.c_str(),
      options.npu ? "npu" : "cpu", configJson.c_str(), configHash, &tensors,
      &inputs, &outputs, plan.arenaSize, &segments, constants.size(),
      sidecar ? options.weightsFileName.c_str() : nullptr, npuConfig);
  fbb.FinishSizePrefixed(model, gnb::ModelIdentifier());

  os.write(reinterpret_cast<const char *>(fbb.GetBufferPointer()),
           fbb.GetSize());
  uint64_t written = fbb.GetSize();
  uint64_t padded = (written + kAlignment - 1) / kAlignment * kAlignment;
  for (; written < padded; ++written)
    os << '\0';
  (sidecar ? *options.weightsStream : os)
      .write(constants.data(), constants.size());
  if (options.stats) {
    options.stats->arenaSize = plan.arenaSize;
    options.stats->arenaWithoutReuse = plan.totalRequested;
    options.stats->constantBytes = constants.size();
    options.stats->ops = step;
  }
  if (options.report) {
    std::string &r = *options.report;
    r = "{\"npu\":\"" + (options.npu ? options.npu->name : std::string()) +
        "\",\"nodes\":[";
    auto quote = [](const std::string &text) {
      std::string q = "\"";
      for (char ch : text) {
        if (ch == '"' || ch == '\\')
          q += '\\';
        if (uint8_t(ch) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", ch);
          q += buf;
          continue;
        }
        q += ch;
      }
      return q + "\"";
    };
    for (size_t i = 0; i < reportRows.size(); ++i) {
      const ReportRow &row = reportRows[i];
      r += (i ? ",\n" : "\n") + std::string("{\"name\":") + quote(row.name) +
           ",\"op\":" + quote(row.kind) + ",\"placement\":" +
           quote(row.placement);
      if (!row.reason.empty())
        r += ",\"reason\":" + quote(row.reason);
      if (row.cycles >= 0)
        r += ",\"estimated_cycles\":" + std::to_string(int64_t(row.cycles));
      r += "}";
    }
    r += "]}\n";
  }
  return success();
}

} // namespace gaon
