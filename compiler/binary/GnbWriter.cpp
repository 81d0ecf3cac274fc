//===- GnbWriter.cpp - a finished module as a .gnb binary -----------------===//
//
// The CPU target's program is the graph itself: one kernel call per graph
// op, over tensors placed in the constant data (weights), the caller's
// input buffers, or the arena (everything else, planned by liveness).
// Attributes travel generically: integers and bools as ints, floats as
// floats, enums by name. NPU segments carry their program as it is.
//
//===----------------------------------------------------------------------===//

#include "compiler/binary/GnbWriter.h"

#include "compiler/binary/MemoryPlanner.h"
#include "compiler/cpu/CpuAttributes.h"
#include "compiler/npu/DeviceTensor.h"
#include "compiler/npu/Placement/Placement.h"
#include "dialects/graph/GraphOps.h"
#include "dialects/npu/NpuOps.h"
#include "dialects/npu/NpuProgram.h"
#include "dialects/tile/TileOps.h"
#include "targets/common/Progress.h"
#include "targets/npu/NpuConfig.h"
#include "targets/npu/isa/GnbCodec.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/QuantTypes.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <unordered_map>

#include "gaon/runtime.h"
#include "gnb_generated.h"

using namespace mlir;
namespace gnb = gaon::gnb;

namespace gaon {
namespace {

constexpr uint32_t kFormatVersion = GAON_GNB_FORMAT_VERSION;
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
  case gnb::DType::F32:
  case gnb::DType::I32:
  case gnb::DType::U32:
    return 4;
  case gnb::DType::F16:
  case gnb::DType::BF16:
  case gnb::DType::I16:
  case gnb::DType::U16:
    return 2;
  case gnb::DType::F64:
  case gnb::DType::I64:
  case gnb::DType::U64:
    return 8;
  default:
    return 1;
  }
}

/// Serializes an op attribute; fails for kinds the runtime cannot read.
LogicalResult
serializeAttribute(flatbuffers::FlatBufferBuilder &fbb, NamedAttribute named,
                   std::vector<flatbuffers::Offset<gnb::Attribute>> &out) {
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
  else if (auto v = llvm::dyn_cast<DenseI32ArrayAttr>(a))
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

/// A splat constant is one value in memory but its full size in the
/// binary: expanding one larger than this would exhaust memory (a
/// ConstantOfShape of 100000 x 100000 is 40 GB) for a tensor no real model
/// stores. Dense constants are already in memory at their size.
constexpr uint64_t kMaxSplatBytes = uint64_t(1) << 30;

LogicalResult checkConstantSize(DenseElementsAttr attr, uint64_t byteSize,
                                Operation *op) {
  if (attr.isSplat() && byteSize > kMaxSplatBytes)
    return op->emitError("a constant of ")
           << attr.getType() << " filled with one value takes "
           << (byteSize >> 20)
           << " MiB; Gaon stores constants expanded and refuses splats over "
              "1 GiB (fix the shape feeding ConstantOfShape or Expand, or "
              "make the value an input)";
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

} // namespace

LogicalResult writeGnb(ModuleOp module, llvm::raw_ostream &os,
                       const GnbWriterOptions &options) {
  return writeGnb(ArrayRef<GnbEntry>{GnbEntry{"main", module}}, os, options);
}

LogicalResult writeGnb(ArrayRef<GnbEntry> entryList, llvm::raw_ostream &os,
                       const GnbWriterOptions &options) {
  SmallVector<func::FuncOp> funcs;
  for (const GnbEntry &e : entryList) {
    func::FuncOp func;
    ModuleOp module = e.module;
    module.walk([&](func::FuncOp f) {
      if (!func)
        func = f;
    });
    if (!func || func.getBody().getBlocks().size() != 1)
      return module.emitError("expected one function with one block");
    funcs.push_back(func);
  }

  flatbuffers::FlatBufferBuilder fbb(1 << 16);
  std::vector<flatbuffers::Offset<gnb::Tensor>> tensors;
  std::vector<char> constants;
  // Identical constants (the same weights in two entries, or twice in
  // one) are stored once: content hash -> offsets holding such bytes.
  std::unordered_multimap<uint64_t, uint64_t> storedAt;
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
  std::vector<flatbuffers::Offset<gnb::Segment>> segments;

  // Session state: every entry's state arguments, each state as large as
  // its largest view; views differ at most in their outermost (batch) size.
  struct StateSlot {
    std::string name;
    gnb::DType dtype;
    std::vector<int64_t> shape;
    uint64_t offset = 0, byteSize = 0;
  };
  std::vector<StateSlot> states;
  llvm::StringMap<size_t> stateIndex;
  for (func::FuncOp func : funcs)
    for (BlockArgument arg : func.getArguments()) {
      auto name =
          func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kStateAttr);
      if (!name)
        continue;
      auto type = llvm::dyn_cast<RankedTensorType>(arg.getType());
      FailureOr<gnb::DType> dtype = failure();
      if (type)
        dtype = dtypeOf(type.getElementType());
      if (!type || !type.hasStaticShape() || type.getRank() == 0 ||
          failed(dtype) || *dtype == gnb::DType::I4)
        return emitError(arg.getLoc())
               << "state '" << name.getValue()
               << "' must be a static tensor of rank 1 or more, got "
               << arg.getType();
      std::vector<int64_t> shape(type.getShape().begin(),
                                 type.getShape().end());
      auto [it, added] = stateIndex.try_emplace(name.getValue(), states.size());
      if (added) {
        states.push_back({name.str(), *dtype, shape});
        continue;
      }
      StateSlot &slot = states[it->second];
      if (slot.dtype != *dtype || slot.shape.size() != shape.size() ||
          !std::equal(shape.begin() + 1, shape.end(), slot.shape.begin() + 1))
        return emitError(arg.getLoc())
               << "state '" << name.getValue() << "' is " << arg.getType()
               << " here but has another element type or inner shape in "
                  "another entry; entries may differ only in the outermost "
                  "(batch) size";
      slot.shape[0] = std::max(slot.shape[0], shape[0]);
    }
  uint64_t stateSize = 0;
  for (StateSlot &slot : states) {
    uint64_t count = 1;
    for (int64_t d : slot.shape)
      count *= d;
    slot.byteSize = count * elementBytes(slot.dtype);
    slot.offset = (stateSize + kAlignment - 1) / kAlignment * kAlignment;
    stateSize = slot.offset + slot.byteSize;
  }

  auto storeConstant = [&](const std::vector<char> &bytes) -> uint64_t {
    uint64_t hash = llvm::xxHash64(StringRef(bytes.data(), bytes.size()));
    auto [first, last] = storedAt.equal_range(hash);
    for (auto it = first; it != last; ++it)
      if (it->second + bytes.size() <= constants.size() &&
          std::equal(bytes.begin(), bytes.end(),
                     constants.begin() + it->second))
        return it->second;
    uint64_t offset =
        (constants.size() + kAlignment - 1) / kAlignment * kAlignment;
    constants.resize(offset, 0);
    constants.insert(constants.end(), bytes.begin(), bytes.end());
    storedAt.insert({hash, offset});
    return offset;
  };

  std::vector<flatbuffers::Offset<gnb::Entry>> entries;
  std::vector<flatbuffers::Offset<gnb::IoBinding>> firstInputs, firstOutputs;
  uint64_t arenaSize = 0, arenaWithoutReuse = 0, totalSteps = 0;
  uint64_t cpuSegments = 0, cpuOps = 0, npuSegments = 0, npuInstructions = 0;
  for (auto [entry, func] : llvm::zip(entryList, funcs)) {
    Block &body = func.getBody().front();
    llvm::DenseMap<Value, uint32_t> ids;
    // Arena tensors: index into `tensors`, their buffer request.
    struct ArenaTensor {
      uint32_t id;
      Value value;
      gnb::DType dtype;
      std::vector<int64_t> shape;
      std::string name;
      uint64_t size;
      int64_t first, last;
      // The arena tensor (index in `arena`) whose memory this one takes
      // over when that one dies: a convolution accumulating into its
      // residual. -1: memory of its own.
      int64_t takesOver = -1;
    };
    std::vector<ArenaTensor> arena;
    size_t firstSegment = segments.size();

    // The state each state argument and updated state value occupies. An
    // update is written over its argument: by a cache_update of it (whose
    // kernel writes the new entries in place) or by an NPU segment (which
    // reads its inputs into device memory before it writes its outputs);
    // nothing may read the argument after it.
    llvm::DenseMap<Value, size_t> stateOf;
    llvm::StringMap<BlockArgument> stateArgs;
    for (BlockArgument arg : body.getArguments())
      if (auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                        kStateAttr)) {
        if (!stateArgs.try_emplace(name.getValue(), arg).second)
          return emitError(arg.getLoc())
                 << "two arguments read state '" << name.getValue() << "'";
        stateOf[arg] = stateIndex.lookup(name.getValue());
      }
    Operation *ret = body.getTerminator();
    for (auto [i, v] : llvm::enumerate(ret->getOperands())) {
      auto name = func.getResultAttrOfType<StringAttr>(i, kStateAttr);
      if (!name)
        continue;
      BlockArgument arg = stateArgs.lookup(name.getValue());
      if (!arg || arg.getType() != v.getType())
        return func.emitError("result ")
               << i << " updates state '" << name.getValue()
               << "', which no argument of the same type reads";
      if (v == arg)
        continue;
      Operation *def = v.getDefiningOp();
      auto update = llvm::dyn_cast_or_null<graph::CacheUpdateOp>(def);
      if (!(update && update.getCache() == arg) &&
          !llvm::isa_and_nonnull<tile::SegmentOp>(def))
        return (def ? def->emitError() : func.emitError())
               << "updates state '" << name.getValue()
               << "', which must be written in place: by a graph.cache_update "
                  "of the state's argument or by an NPU segment";
      for (Operation *user : arg.getUsers())
        if (user != def && !user->isBeforeInBlock(def))
          return user->emitError("reads state '")
                 << name.getValue()
                 << "' after its in-place update; read the updated value";
      if (!stateOf.try_emplace(v, stateOf.lookup(arg)).second)
        return def->emitError("updates two states with one value");
    }

    auto addTensor = [&](Value v, gnb::Storage storage, uint64_t offset,
                         const std::string &name) -> FailureOr<uint32_t> {
      if (auto it = stateOf.find(v); it != stateOf.end()) {
        storage = gnb::Storage::State;
        offset = states[it->second].offset;
      }
      auto type = llvm::dyn_cast<RankedTensorType>(v.getType());
      if (!type || !type.hasStaticShape())
        return emitError(v.getLoc())
               << "the CPU target needs static shapes, got " << v.getType();
      // The loader's limits (gaon/runtime.h): what it would refuse is not
      // written.
      if (type.getRank() > GAON_MAX_RANK)
        return emitError(v.getLoc())
               << "'" << name << "' has rank " << type.getRank()
               << "; binaries hold tensors of at most " << GAON_MAX_RANK
               << " dimensions";
      uint64_t count = 1;
      for (int64_t dim : type.getShape()) {
        if (dim > 0 && count > GAON_MAX_ELEMENTS / uint64_t(dim))
          return emitError(v.getLoc())
                 << "'" << name << "' of shape " << v.getType()
                 << " has more than 2^50 elements, the most a binary holds";
        count *= uint64_t(dim);
      }
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
      pending.push_back(
          {name, *dtype,
           std::vector<int64_t>(type.getShape().begin(), type.getShape().end()),
           storage, offset, bytes,
           llvm::dyn_cast<quant::QuantizedType>(type.getElementType()),
           gnb::Layout::RowMajor});
      ids[v] = id;
      return id;
    };

    // Inputs; state arguments are views of the session's state instead.
    std::vector<flatbuffers::Offset<gnb::IoBinding>> inputs, outputs;
    for (BlockArgument arg : body.getArguments()) {
      auto nameAttr =
          func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "onnx.name");
      std::string name = nameAttr
                             ? nameAttr.str()
                             : "input" + std::to_string(arg.getArgNumber());
      auto id = addTensor(arg, gnb::Storage::Input, 0, name);
      if (failed(id))
        return failure();
      if (!stateOf.count(arg))
        inputs.push_back(gnb::CreateIoBindingDirect(fbb, name.c_str(), *id));
    }
    // A computed value: in the arena, or in its state.
    auto addComputed = [&](Value v, const std::string &name,
                           int64_t at) -> FailureOr<uint32_t> {
      auto id = addTensor(v, gnb::Storage::Arena, 0, name);
      if (failed(id))
        return failure();
      if (pending[*id].storage == gnb::Storage::Arena)
        arena.push_back({*id, v, pending[*id].dtype, pending[*id].shape,
                         pending[*id].name, pending[*id].byteSize, at, at});
      return id;
    };

    // An op a producer's kernel applies (cpu.fused) writes the producer's
    // output; its producer's call carries it.
    llvm::DenseMap<Operation *, Operation *> fusedActivation;
    for (Operation &op : body.without_terminator())
      if (op.hasAttr(cpu::kFusedAttr)) {
        Operation *producer = op.getOperand(0).getDefiningOp();
        if (!producer || !producer->hasOneUse())
          return op.emitOpError("is marked cpu.fused but is not the sole "
                                "user of its producer");
        fusedActivation[producer] = &op;
      }
    auto channelsLast = [](Value v) {
      Operation *def = v.getDefiningOp();
      auto layout =
          def ? def->getAttrOfType<StringAttr>(cpu::kLayoutAttr) : StringAttr();
      return layout && layout.getValue() == "nhwc";
    };

    // Ops, constants and arena tensors, in program order. Each tile.segment
    // is an NPU segment; the CPU ops between them form CPU segments.
    std::vector<flatbuffers::Offset<gnb::Op>> ops;
    llvm::DenseMap<Operation *, int64_t> stepOf;
    int64_t step = 0;
    auto appendConstant = [&](const std::string &name, gnb::DType dtype,
                              std::vector<int64_t> shape,
                              const std::vector<char> &bytes) -> uint32_t {
      uint64_t offset = storeConstant(bytes);
      uint32_t id = pending.size();
      pending.push_back({name, dtype, std::move(shape), gnb::Storage::Constant,
                         offset, bytes.size(), quant::QuantizedType(),
                         gnb::Layout::RowMajor});
      return id;
    };
    auto closeCpuSegment = [&] {
      if (!ops.empty()) {
        segments.push_back(
            gnb::CreateSegmentDirect(fbb, gnb::DeviceKind::CPU, &ops));
        ++cpuSegments;
        cpuOps += ops.size();
      }
      ops.clear();
    };
    auto writeNpuSegment = [&](tile::SegmentOp segment) -> LogicalResult {
      if (segment.getCandidate())
        return segment.emitOpError("is a candidate schedule; run "
                                   "gaon-npu-select-schedule first");
      auto programs = segment.getBody().front().getOps<npuir::ProgramOp>();
      if (programs.empty())
        return segment.emitOpError(
            "has not been lowered to an npu.program; run "
            "gaon-tile-to-npu first");
      npu::Program prog;
      if (failed(npu::readProgramOp(*programs.begin(), prog)))
        return failure();
      std::optional<ArrayAttr> names = segment.getOutputNames();
      for (auto [i, r] : llvm::enumerate(segment.getResults())) {
        std::string name = names && i < names->size()
                               ? llvm::cast<StringAttr>((*names)[i]).str()
                               : npu::nodeName(r.getLoc());
        if (failed(addComputed(r, name, step)))
          return failure();
      }
      stepOf[segment] = step;
      // Device-form constants become constant tensors; host tensors bind to
      // the device tensors the segment names.
      std::vector<flatbuffers::Offset<gnb::NpuBinding>> consts, ins, outs;
      llvm::StringMap<npu::DevTensor> devTensors;
      for (Operation &op : segment.getBody().front()) {
        if (auto t = llvm::dyn_cast<tile::TensorOp>(op)) {
          devTensors[t.getSymName()] = npu::devTensorOf(t);
          continue;
        }
        auto c = llvm::dyn_cast<tile::ConstantOp>(op);
        if (!c)
          continue;
        auto value =
            llvm::dyn_cast_or_null<DenseElementsAttr>(c.getValueAttr());
        if (!value)
          return c.emitOpError("has no bytes (value) to store");
        if (failed(checkConstantSize(value, uint64_t(c.getBytes()), c)))
          return failure();
        std::vector<char> bytes = constantBytes(value, uint64_t(c.getBytes()));
        uint32_t id = appendConstant(c.getName().str(), gnb::DType::U8,
                                     {int64_t(bytes.size())}, bytes);
        consts.push_back(gnb::CreateNpuBinding(fbb, id, uint64_t(c.getDram())));
      }
      auto bind = [&](Value v, Attribute name) {
        npu::SegmentBinding b = npu::bindingOf(
            llvm::cast<RankedTensorType>(v.getType()),
            devTensors[llvm::cast<FlatSymbolRefAttr>(name).getValue()]);
        std::vector<uint32_t> sizes(b.sizes.begin(), b.sizes.end());
        std::vector<int64_t> strides(b.strides.begin(), b.strides.end());
        return gnb::CreateNpuBindingDirect(fbb, ids[v], b.dram,
                                           gnb::NpuElemType(b.deviceType),
                                           &sizes, &strides);
      };
      if (segment.getInputs().size() && !segment.getInputTensors())
        return segment.emitOpError("names no input_tensors");
      // Parameter operands (last) fill run-time parameters, not memory.
      for (auto [v, name] :
           llvm::zip(segment.getInputs(), segment.getInputTensorsAttr()))
        ins.push_back(bind(v, name));
      if (segment.getNumResults())
        for (auto [v, name] :
             llvm::zip(segment.getResults(), segment.getOutputTensorsAttr()))
          outs.push_back(bind(v, name));
      std::vector<flatbuffers::Offset<gnb::NpuQueue>> queues;
      for (int c = 0; c < prog.cores; ++c)
        for (int e = 0; e < npu::kEngines; ++e) {
          std::vector<flatbuffers::Offset<gnb::NpuInstruction>> list;
          for (const npu::Instruction &in : prog.queues[c][e])
            list.push_back(npu::encodeInstruction(fbb, in));
          npuInstructions += list.size();
          if (!list.empty())
            queues.push_back(
                gnb::CreateNpuQueueDirect(fbb, c, gnb::NpuEngine(e), &list));
        }
      std::vector<flatbuffers::Offset<flatbuffers::String>> tags;
      for (const std::string &t : prog.tags)
        tags.push_back(fbb.CreateString(t));
      std::vector<flatbuffers::Offset<gnb::NpuParams>> params;
      if (auto pairs = segment.getParamInputs())
        for (size_t i = 0; i + 3 < pairs->size(); i += 4)
          params.push_back(gnb::CreateNpuParams(
              fbb, ids[segment.getInputs()[(*pairs)[i]]],
              uint32_t((*pairs)[i + 1]), (*pairs)[i + 2], (*pairs)[i + 3]));
      auto program = gnb::CreateNpuProgramDirect(
          fbb, prog.cores, prog.dramBytes, &queues, &tags, &consts, &ins,
          &outs, prog.params, &params);
      closeCpuSegment();
      segments.push_back(
          gnb::CreateSegment(fbb, gnb::DeviceKind::NPU, 0, 0, program));
      ++npuSegments;
      ++step;
      return success();
    };
    for (Operation &op : body.without_terminator()) {
      if (op.hasAttr(cpu::kFusedAttr))
        continue;
      if (auto segment = llvm::dyn_cast<tile::SegmentOp>(op)) {
        if (failed(writeNpuSegment(segment)))
          return failure();
        continue;
      }
      // A constant, or a constant's integers given a quantized type (weights
      // of integer ops), is stored once in the constant data.
      auto storageCast = llvm::dyn_cast<graph::StorageCastOp>(op);
      auto constant =
          storageCast
              ? storageCast.getInput().getDefiningOp<graph::ConstantOp>()
              : llvm::dyn_cast<graph::ConstantOp>(op);
      if (constant) {
        Value stored = op.getResult(0);
        // Constants only NPU ops read were packed into their segments, and
        // have no users left.
        if (stored.use_empty())
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
        auto id = addTensor(stored, gnb::Storage::Constant, 0,
                            locationName(stored.getLoc()));
        if (failed(id))
          return failure();
        if (failed(checkConstantSize(dense, pending[*id].byteSize, constant)))
          return failure();
        pending[*id].offset =
            storeConstant(constantBytes(dense, pending[*id].byteSize));
        continue;
      }
      if (op.getDialect() == nullptr ||
          op.getDialect()->getNamespace() != "graph")
        return op.emitError("the binary writer takes graph ops (CPU kernel "
                            "calls) and lowered tile.segment ops (NPU "
                            "segments); ")
               << op.getName() << " is neither";
      if (npu::placedOnNpu(&op))
        return op.emitOpError("is placed on the NPU but not in a lowered NPU "
                              "segment; run the NPU pipeline first");
      std::vector<uint32_t> in, out;
      for (Value operand : op.getOperands()) {
        auto it = ids.find(operand);
        in.push_back(it == ids.end() ? kNoTensor : it->second);
      }
      // What the kernel applies as it writes: a residual add (its second
      // operand becomes the call's fourth input), then an activation.
      Operation *activation = fusedActivation.lookup(&op);
      Operation *residualAdd = nullptr;
      if (activation && llvm::isa<graph::AddOp>(activation)) {
        residualAdd = activation;
        activation = fusedActivation.lookup(residualAdd);
        auto it = ids.find(residualAdd->getOperand(1));
        if (it == ids.end())
          return residualAdd->emitOpError(
              "is fused into a convolution but its residual operand is not "
              "computed before it");
        in.resize(3, kNoTensor);
        in.push_back(it->second);
      }
      Operation *last = activation ? activation : residualAdd;
      // A residual that dies here and lives in the arena gives its memory
      // to the result: the kernel then adds the convolution to it in place
      // (oneDNN's sum post-op, its fastest residual form).
      int64_t residualSlot = -1;
      // It must not be read later, nor returned, nor read by this
      // convolution (whose output would overwrite its own input).
      auto diesHere = [&](Value v) {
        for (Operation *user : v.getUsers())
          if (user != residualAdd && !stepOf.count(user))
            return false;
        return true;
      };
      if (residualAdd && diesHere(residualAdd->getOperand(1)))
        for (size_t i = 0; i < arena.size(); ++i)
          if (arena[i].id == in[3])
            residualSlot = i;
      for (Value result : op.getResults()) {
        if (last)
          result = last->getResult(0);
        auto id = addComputed(result, locationName(op.getLoc()), step);
        if (failed(id))
          return failure();
        if (residualSlot >= 0 && pending[*id].storage == gnb::Storage::Arena &&
            arena.back().id == *id &&
            arena.back().size == arena[residualSlot].size &&
            channelsLast(result) == channelsLast(residualAdd->getOperand(1)))
          arena.back().takesOver = residualSlot;
        else
          residualSlot = -1;
        out.push_back(*id);
        if (channelsLast(result)) {
          if (pending[*id].storage == gnb::Storage::State)
            return op.emitOpError("writes a state channels-last; states are "
                                  "row-major");
          pending[*id].layout = gnb::Layout::ChannelsLast;
        }
      }
      std::vector<flatbuffers::Offset<gnb::Attribute>> attrs;
      // Kernels read the op's own attributes; the dialect-prefixed ones
      // (npu.*, cpu.*) are the compiler's notes.
      for (NamedAttribute named : op.getAttrs())
        if (!named.getName().getValue().contains('.') &&
            failed(serializeAttribute(fbb, named, attrs)))
          return op.emitError("the CPU target cannot serialize attribute '")
                 << named.getName() << "'";
      if (activation && llvm::isa<graph::RequantizeOp>(activation)) {
        // The clamp travels with the sums' op; the output's quantization
        // says the rest.
        for (NamedAttribute named : activation->getAttrs())
          if (!named.getName().getValue().contains('.') &&
              failed(serializeAttribute(fbb, named, attrs)))
            return activation->emitError("cannot serialize attribute '")
                   << named.getName() << "'";
        stepOf[activation] = step;
      } else if (activation) {
        std::vector<double> bounds;
        if (auto clip = llvm::dyn_cast<graph::ClipOp>(activation))
          bounds = {clip.getMin()->convertToDouble(),
                    clip.getMax()->convertToDouble()};
        attrs.push_back(gnb::CreateAttributeDirect(
            fbb, "fused_activation", nullptr,
            bounds.empty() ? nullptr : &bounds,
            llvm::isa<graph::ClipOp>(activation) ? "clip" : "relu"));
        stepOf[activation] = step;
      }
      if (residualAdd) {
        // 1: the residual is a separate input; 2: the output's memory
        // already holds it.
        std::vector<int64_t> mode{residualSlot >= 0 ? 2 : 1};
        attrs.push_back(gnb::CreateAttributeDirect(fbb, "fused_sum", &mode));
        stepOf[residualAdd] = step;
      }
      std::string kind = op.getName().getStringRef().str();
      std::string loc = locationName(op.getLoc());
      if (residualAdd)
        loc += "+" + locationName(residualAdd->getLoc());
      if (activation)
        loc += "+" + locationName(activation->getLoc());
      ops.push_back(gnb::CreateOpDirect(fbb, kind.c_str(), &in, &out, &attrs,
                                        loc.c_str()));
      stepOf[&op] = step;
      ++step;
    }
    closeCpuSegment();

    // Lifetimes: a value lives until its last user (the return is the end).
    int64_t s = step;
    std::vector<BufferRequest> requests;
    for (ArenaTensor &t : arena)
      for (Operation *user : t.value.getUsers())
        t.last = std::max(t.last, user->hasTrait<OpTrait::IsTerminator>()
                                      ? s
                                      : stepOf.lookup(user));
    // A tensor taking over another's memory extends that one's lifetime
    // (in reverse: takers come after what they take over, and may be taken
    // over in turn).
    for (size_t i = arena.size(); i-- > 0;)
      if (arena[i].takesOver >= 0) {
        ArenaTensor &owner = arena[arena[i].takesOver];
        owner.last = std::max(owner.last, arena[i].last);
      }
    for (ArenaTensor &t : arena)
      requests.push_back({t.takesOver >= 0 ? 0 : t.size, t.first, t.last});
    MemoryPlan plan = planMemory(requests, kAlignment);
    for (size_t i = 0; i < arena.size(); ++i) {
      size_t owner = i;
      while (arena[owner].takesOver >= 0)
        owner = arena[owner].takesOver;
      pending[arena[i].id].offset = plan.offsets[owner];
    }

    // Outputs; updated states stay in the session.
    for (auto [i, v] : llvm::enumerate(ret->getOperands())) {
      if (func.getResultAttr(i, kStateAttr))
        continue;
      auto nameAttr = func.getResultAttrOfType<StringAttr>(i, "onnx.name");
      std::string name =
          nameAttr ? nameAttr.str() : "output" + std::to_string(i);
      outputs.push_back(gnb::CreateIoBindingDirect(fbb, name.c_str(), ids[v]));
    }
    std::vector<uint32_t> entrySegments;
    for (size_t i = firstSegment; i < segments.size(); ++i)
      entrySegments.push_back(i);
    entries.push_back(gnb::CreateEntryDirect(fbb, entry.name.c_str(), &inputs,
                                             &outputs, &entrySegments,
                                             plan.arenaSize));
    if (entries.size() == 1) {
      firstInputs = inputs;
      firstOutputs = outputs;
    }
    arenaSize = std::max(arenaSize, plan.arenaSize);
    arenaWithoutReuse = std::max(arenaWithoutReuse, plan.totalRequested);
    totalSteps += step;
  } // each entry

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
  // One entry named "main" without state is the plain form: no entries.
  bool plain =
      entryList.size() == 1 && entryList[0].name == "main" && states.empty();
  std::vector<flatbuffers::Offset<gnb::StateBuffer>> stateBuffers;
  for (const StateSlot &slot : states)
    stateBuffers.push_back(
        gnb::CreateStateBufferDirect(fbb, slot.name.c_str(), slot.dtype,
                                     &slot.shape, slot.offset, slot.byteSize));
  auto model = gnb::CreateModelDirect(
      fbb, kFormatVersion, options.compilerVersion.c_str(),
      options.npu ? "npu" : "cpu", configJson.c_str(), configHash, &tensors,
      &firstInputs, &firstOutputs, arenaSize, &segments, constants.size(),
      sidecar ? options.weightsFileName.c_str() : nullptr, npuConfig,
      plain ? nullptr : &entries, states.empty() ? nullptr : &stateBuffers,
      stateSize);
  fbb.FinishSizePrefixed(model, gnb::ModelIdentifier());

  os.write(reinterpret_cast<const char *>(fbb.GetBufferPointer()),
           fbb.GetSize());
  uint64_t written = fbb.GetSize();
  uint64_t padded = (written + kAlignment - 1) / kAlignment * kAlignment;
  for (; written < padded; ++written)
    os << '\0';
  // Weights can be gigabytes: written in pieces, with a bar on a terminal.
  llvm::raw_ostream &weightsOut = sidecar ? *options.weightsStream : os;
  constexpr size_t kPiece = size_t(64) << 20;
  auto mib = [](size_t bytes) { return (bytes + (size_t(1) << 20) - 1) >> 20; };
  Progress bar("writing weights: MiB", mib(constants.size()));
  for (size_t at = 0; at < constants.size(); at += kPiece) {
    size_t piece = std::min(kPiece, constants.size() - at);
    weightsOut.write(constants.data() + at, piece);
    bar.update(mib(at + piece));
  }
  if (options.stats) {
    options.stats->arenaSize = arenaSize;
    options.stats->arenaWithoutReuse = arenaWithoutReuse;
    options.stats->constantBytes = constants.size();
    options.stats->ops = totalSteps;
    options.stats->cpuSegments = cpuSegments;
    options.stats->cpuOps = cpuOps;
    options.stats->npuSegments = npuSegments;
    options.stats->npuInstructions = npuInstructions;
  }
  return success();
}

} // namespace gaon
