//===- TileOps.cpp - the tile dialect: scheduled NPU work -----------------===//
//
// Verifiers check what makes a plan unlowerable: names that resolve to no
// tensor, shapes that disagree with an op's geometry, tiles outside the
// output, buffers missing from an op's list, tensors outside their memory.
// (Whether the working buffers fit SRAM depends on the configuration; the
// lowering to npu checks that.)
//
//===----------------------------------------------------------------------===//

#include "dialects/tile/TileOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace gaon::tile;

#include "dialects/tile/TileDialect.cpp.inc"
#include "dialects/tile/TileEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/tile/TileAttrs.cpp.inc"

void TileDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/tile/TileAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/tile/TileOps.cpp.inc"
      >();
}

namespace {

LogicalResult verifyTag(Operation *op, int64_t tag) {
  auto segment = op->getParentOfType<SegmentOp>();
  if (segment && (tag < 0 || tag >= int64_t(segment.getTags().size())))
    return op->emitOpError("tag ")
           << tag << " names no source node (the segment has "
           << segment.getTags().size() << " tags)";
  return success();
}

/// The tensor a symbol names, or an error on `op`.
FailureOr<TensorOp> tensorNamed(Operation *op, FlatSymbolRefAttr name,
                                StringRef role) {
  auto tensor = SymbolTable::lookupNearestSymbolFrom<TensorOp>(op, name);
  if (!tensor)
    return op->emitOpError()
           << role << " " << name << " names no tile.tensor in the segment";
  return tensor;
}

LogicalResult expectSize(Operation *op, StringRef what, size_t got,
                         size_t want) {
  if (got != want)
    return op->emitOpError()
           << what << " must have " << want << " entries, got " << got;
  return success();
}

} // namespace

LogicalResult RegionOp::verify() {
  auto yield = llvm::cast<YieldOp>(getBody().front().getTerminator());
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ")
           << yield.getValues().size()
           << " values whose types differ from its results";
  return success();
}

LogicalResult SegmentOp::verify() {
  if (getDramBytes() < 0 || getResidentBytes() < 0)
    return emitOpError("dram_bytes and resident_bytes must be non-negative");
  if (getCores() < 1 || getCores() > 1024)
    return emitOpError("cores must be in [1, 1024], got ") << getCores();
  // Each host tensor is bound to a device tensor of the same element count.
  auto bound = [&](std::optional<ArrayAttr> names, TypeRange types,
                   StringRef what) -> LogicalResult {
    if (!names) {
      if (!types.empty())
        return emitOpError("has ")
               << what << "s but no " << what << "_tensors naming their "
               << "device tensors";
      return success();
    }
    if (names->size() != types.size())
      return emitOpError() << what << "_tensors names " << names->size()
                           << " tensors for " << types.size() << " " << what
                           << "s";
    for (auto [name, type] : llvm::zip(*names, types)) {
      auto sym = llvm::cast<FlatSymbolRefAttr>(name);
      auto tensor = mlir::SymbolTable::lookupSymbolIn(*this, sym);
      auto t = llvm::dyn_cast_or_null<TensorOp>(tensor);
      if (!t)
        return emitOpError()
               << what << " " << sym << " names no tile.tensor in the segment";
      auto shaped = llvm::cast<RankedTensorType>(type);
      if (!shaped.hasStaticShape() ||
          shaped.getNumElements() != t.getN() * t.getH() * t.getW() * t.getC())
        return emitOpError()
               << what << " of type " << type << " does not "
               << "fit device tensor " << sym << " (" << t.getN() << "x"
               << t.getH() << "x" << t.getW() << "x" << t.getC() << ")";
    }
    return success();
  };
  // Parameter operands (i64 positions) come last and have no device tensor.
  size_t paramOperands = 0;
  if (auto params = getParamInputs()) {
    if (params->size() % 4)
      return emitOpError("param_inputs holds (operand, first, min, max) "
                         "quadruples");
    paramOperands = params->size() / 4;
    for (size_t i = 0; i < params->size(); i += 4) {
      if ((*params)[i + 2] > (*params)[i + 3])
        return emitOpError("param_inputs range [")
               << (*params)[i + 2] << ", " << (*params)[i + 3]
               << "] is empty";
      int64_t operand = (*params)[i];
      if (operand < int64_t(getInputs().size() - paramOperands) ||
          operand >= int64_t(getInputs().size()) || (*params)[i + 1] < 0)
        return emitOpError("param_inputs names operand ")
               << operand << "; parameter operands are the last "
               << paramOperands << " of " << getInputs().size();
      auto type = llvm::cast<RankedTensorType>(getInputs()[operand].getType());
      if (!type.getElementType().isInteger(64) || !type.hasStaticShape())
        return emitOpError("parameter operand ")
               << operand << " must be a static i64 tensor, not " << type;
    }
  }
  if (failed(bound(getInputTensors(),
                   TypeRange(getInputs().drop_back(paramOperands)),
                   "input")) ||
      failed(bound(getOutputTensors(), getResultTypes(), "output")))
    return failure();
  if (auto names = getOutputNames(); names && names->size() != getNumResults())
    return emitOpError("output_names has ")
           << names->size() << " names for " << getNumResults() << " results";
  if (auto cycles = getTagCycles();
      cycles && cycles->size() != getTags().size())
    return emitOpError("tag_cycles has ")
           << cycles->size() << " entries for " << getTags().size() << " tags";
  return success();
}

LogicalResult TensorOp::verify() {
  if (getN() < 1 || getH() < 1 || getW() < 1 || getC() < 1 || getPad() < 0 ||
      getBase() < 0)
    return emitOpError("needs n, h, w, c >= 1, pad >= 0 and base >= 0");
  bool sram = getMemory() == Memory::sram;
  int64_t bytes = getN() * (getH() + 2 * getPad()) * (getW() + 2 * getPad()) *
                  getC() *
                  (getElem() == ElemType::f32    ? 4
                   : getElem() == ElemType::bf16 ? 2
                                                 : 1);
  auto segment = (*this)->getParentOfType<SegmentOp>();
  int64_t limit = sram ? segment.getResidentBytes() : segment.getDramBytes();
  if (getBase() + bytes > limit)
    return emitOpError("[")
           << getBase() << ", " << getBase() + bytes << ") lies outside the "
           << (sram ? "resident SRAM" : "device memory") << " of " << limit
           << " bytes";
  return success();
}

LogicalResult ConstantOp::verify() {
  auto segment = (*this)->getParentOfType<SegmentOp>();
  if (getBytes() < 1 || getDram() < 0 ||
      getDram() + getBytes() > segment.getDramBytes())
    return emitOpError("bytes [")
           << getDram() << ", " << getDram() + getBytes()
           << ") must be non-empty and inside device memory ("
           << segment.getDramBytes() << " bytes)";
  if (auto value = getValueAttr()) {
    auto type = llvm::dyn_cast<ShapedType>(value.getType());
    if (!type || !type.getElementType().isInteger(8) ||
        type.getNumElements() != getBytes())
      return emitOpError("value must hold ")
             << getBytes() << " i8 elements, got " << value.getType();
  }
  return success();
}

LogicalResult LoadOp::verify() {
  auto segment = (*this)->getParentOfType<SegmentOp>();
  if (getBytes() < 1 || getDram() < 0 || getSram() < 0 ||
      getDram() + getBytes() > segment.getDramBytes())
    return emitOpError("must copy a non-empty range of device memory");
  return verifyTag(*this, getTag());
}

LogicalResult ZeroOp::verify() {
  FailureOr<TensorOp> t = tensorNamed(*this, getTargetAttr(), "target");
  if (failed(t))
    return failure();
  if (t->getMemory() != Memory::sram)
    return emitOpError("zeroes resident tensors only; ")
           << getTargetAttr() << " is in DRAM";
  if (getZerosBytes() < 2 || getZerosBytes() % 2)
    return emitOpError("needs a zero block of whole bf16 elements");
  return verifyTag(*this, getTag());
}

LogicalResult ConvOp::verify() {
  ConvGeometryAttr g = getGeometry();
  if (failed(expectSize(*this, "sram", getSram().size(), 9)))
    return failure();
  for (auto [name, v] : {std::pair{"n", g.getN()},
                         {"cin", g.getCin()},
                         {"h", g.getH()},
                         {"w", g.getW()},
                         {"cout", g.getCout()},
                         {"oh", g.getOh()},
                         {"ow", g.getOw()},
                         {"kh", g.getKh()},
                         {"kw", g.getKw()},
                         {"sh", g.getSh()},
                         {"sw", g.getSw()},
                         {"dh", g.getDh()},
                         {"dw", g.getDw()}})
    if (v < 1)
      return emitOpError("geometry's ") << name << " must be positive";
  int64_t padding = std::max(
      {g.getPadTop(), g.getPadLeft(), g.getPadBottom(), g.getPadRight()});
  if (std::min({g.getPadTop(), g.getPadLeft(), g.getPadBottom(),
                g.getPadRight()}) < 0)
    return emitOpError("padding must be non-negative");
  int64_t n = g.getN(), cin = g.getCin(), h = g.getH(), w = g.getW(),
          cout = g.getCout(), oh = g.getOh(), ow = g.getOw();
  if (getNt() < 1 || getNt() > cout || getRows() < 1 || getRows() > oh ||
      getCols() < 1 || getCols() > ow)
    return emitOpError("tiles of ")
           << getNt() << " channels x " << getRows() << " rows x " << getCols()
           << " columns do not fit the " << cout << " x " << oh << " x " << ow
           << " output";
  size_t tiles = (cout + getNt() - 1) / getNt();
  if (failed(expectSize(*this, "weights", getWeights().size(), tiles)))
    return failure();
  if (!getBias().empty() &&
      failed(expectSize(*this, "bias", getBias().size(), tiles)))
    return failure();
  FailureOr<TensorOp> x = tensorNamed(*this, getInputAttr(), "input");
  FailureOr<TensorOp> y = tensorNamed(*this, getOutputAttr(), "output");
  if (failed(x) || failed(y))
    return failure();
  if (x->getN() != n || x->getC() != cin || x->getH() != h || x->getW() != w)
    return emitOpError("input ")
           << getInputAttr() << " is not the " << n << "x" << h << "x" << w
           << "x" << cin << " the geometry reads";
  int64_t offset = getOutChannelOffset();
  if (y->getN() != n || y->getH() != oh || y->getW() != ow || offset < 0 ||
      offset + cout > y->getC())
    return emitOpError("output ")
           << getOutputAttr() << " has no " << n << "x" << oh << "x" << ow
           << " channels [" << offset << ", " << offset + cout
           << ") for the geometry to write";
  auto segment = (*this)->getParentOfType<SegmentOp>();
  if (getCore() < 0 || getCore() >= segment.getCores())
    return emitOpError("runs on core ")
           << getCore() << " of a " << segment.getCores() << "-core segment";
  if (x->getPad() < padding)
    return emitOpError("input halo ")
           << x->getPad() << " is narrower than the padding";
  bool eight = x->getElem() != ElemType::bf16;
  if (getInteger() != eight || (y->getElem() != ElemType::bf16) != eight)
    return emitOpError("an integer convolution reads and writes 8-bit "
                       "tensors, a float one bf16 tensors");
  if (auto pre = getPreloadedAttr();
      pre && failed(expectSize(*this, "preloaded", pre.size(), 2 * tiles)))
    return failure();
  if (getInteger()) {
    int64_t lo = y->getElem() == ElemType::u8 ? 0 : -128, hi = lo + 255;
    if (getClampLo() < lo || getClampHi() > hi || getClampLo() > getClampHi())
      return emitOpError("clamp [")
             << getClampLo() << ", " << getClampHi()
             << "] must lie within the output's [" << lo << ", " << hi << "]";
    if (getBias().empty())
      return emitOpError("an integer convolution needs its bias and "
                         "requantization constants");
  }
  if (int64_t bits = getWeightBits()) {
    if (bits != 8 && bits != 4)
      return emitOpError("weight_bits must be 0 (as the input), 8 or 4, got ")
             << bits;
    if (getInteger() || g.getKh() != 1 || g.getKw() != 1)
      return emitOpError("weight-only weights are for float 1x1 "
                         "convolutions (matmuls)");
    if (getGroupSize() < 1 || getBias().empty())
      return emitOpError("weight-only weights need group_size >= 1 and a "
                         "bias constant holding the scales");
  } else if (getGroupSize()) {
    return emitOpError("group_size is for weight-only weights (weight_bits "
                       "8 or 4)");
  }
  if (int64_t kc = getKChunk()) {
    if (kc < 1 || kc >= cin || g.getKh() != 1 || g.getKw() != 1 ||
        getPreloadedAttr())
      return emitOpError("k_chunk ")
             << kc << " must be 1 to cin - 1 (" << cin - 1
             << ") on a 1x1 convolution whose weights are not preloaded";
    if (getWeightBits() && kc % getGroupSize())
      return emitOpError("k_chunk ")
             << kc << " must be a multiple of group_size " << getGroupSize();
  }
  if (getChunkInput() && (!getKChunk() || x->getMemory() != Memory::dram ||
                          n != 1 || getRows() != oh || getCols() != ow))
    return emitOpError("chunk_input needs k_chunk, an input in DRAM and one "
                       "tile of every output pixel of one image");
  return verifyTag(*this, getTag());
}

LogicalResult EltwiseOp::verify() {
  StringRef op = getOp();
  bool binary = op == "add" || op == "sub" || op == "mul" || op == "max" ||
                op == "min" || op == "qadd";
  bool quantize = op == "quantize", dequantize = op == "dequantize";
  bool transcendental = op == "sigmoid" || op == "silu";
  if (!binary && op != "relu" && op != "clip" && !quantize && !dequantize &&
      !transcendental)
    return emitOpError("unknown op \"") << op << "\"";
  bool qadd = op == "qadd";
  size_t params = qadd ? 9 : quantize || dequantize ? 3 : 0;
  if (bool(params) != bool(getParamsAttr()) ||
      (params && getParamsAttr().size() != params))
    return emitOpError("qadd takes 9 params, quantize and dequantize 3, the "
                       "other ops none");
  if ((quantize || dequantize) != bool(getScaleAttr()))
    return emitOpError("quantize and dequantize take a scale, the other ops "
                       "none");
  if (binary != bool(getBAttr()))
    return emitOpError(binary ? "a binary op needs b"
                              : "a unary op takes no b");
  if (failed(
          expectSize(*this, "sram", getSram().size(), transcendental ? 8 : 6)))
    return failure();
  FailureOr<TensorOp> a = tensorNamed(*this, getAAttr(), "a");
  FailureOr<TensorOp> y = tensorNamed(*this, getYAttr(), "y");
  if (failed(a) || failed(y))
    return failure();
  auto same = [](TensorOp p, TensorOp q) {
    return p.getN() == q.getN() && p.getH() == q.getH() &&
           p.getW() == q.getW() && p.getC() == q.getC();
  };
  if (!same(*a, *y))
    return emitOpError("a and y differ in shape");
  if (binary) {
    FailureOr<TensorOp> b = tensorNamed(*this, getBAttr(), "b");
    if (failed(b))
      return failure();
    if (!same(*b, *y))
      return emitOpError("b and y differ in shape");
    if (qadd != (b->getElem() != ElemType::bf16))
      return emitOpError("qadd reads 8-bit tensors, the other ops bf16");
  }
  if ((a->getElem() != ElemType::bf16) != (qadd || dequantize) ||
      (y->getElem() != ElemType::bf16) != (qadd || quantize))
    return emitOpError("qadd reads and writes 8-bit tensors, quantize reads "
                       "bf16 and writes 8 bits, dequantize the reverse, the "
                       "other ops bf16");
  if (getRows() < 1 || getRows() > y->getH() || getCols() < 1 ||
      getCols() > y->getW())
    return emitOpError("tiles must lie within the tensor's rows and columns");
  auto segment = (*this)->getParentOfType<SegmentOp>();
  if (getCore() < 0 || getCore() >= segment.getCores())
    return emitOpError("runs on core ")
           << getCore() << " of a " << segment.getCores() << "-core segment";
  if (auto span = getSpanAttr()) {
    bool dram = a->getMemory() == Memory::dram &&
                y->getMemory() == Memory::dram &&
                (!binary || tensorNamed(*this, getBAttr(), "b")->getMemory() ==
                                Memory::dram);
    if (span.size() != 2 || span[0] < 0 || span[0] >= span[1] ||
        span[1] > y->getW() || !dram)
      return emitOpError("span must be columns [begin, end) within the "
                         "tensor's ")
             << y->getW() << ", over operands in DRAM";
  }
  return verifyTag(*this, getTag());
}

LogicalResult RowsOp::verify() {
  if (getKind() != "softmax" && getKind() != "layer_norm" &&
      getKind() != "rms_norm")
    return emitOpError("kind must be softmax, layer_norm or rms_norm, got \"")
           << getKind() << "\"";
  if (failed(expectSize(*this, "sram", getSram().size(), 9)))
    return failure();
  FailureOr<TensorOp> x = tensorNamed(*this, getInputAttr(), "input");
  FailureOr<TensorOp> y = tensorNamed(*this, getOutputAttr(), "output");
  if (failed(x) || failed(y))
    return failure();
  if (x->getN() != y->getN() || x->getH() != y->getH() ||
      x->getW() != y->getW() || x->getC() != y->getC() || x->getPad() ||
      y->getPad())
    return emitOpError("input and output must have one shape and no halo");
  int64_t pixels = x->getN() * x->getH() * x->getW();
  if (getRows() < 1 || getRows() > pixels)
    return emitOpError("rows must be in [1, ") << pixels << "]";
  auto segment = (*this)->getParentOfType<SegmentOp>();
  if (getCore() < 0 || getCore() >= segment.getCores())
    return emitOpError("runs on core ")
           << getCore() << " of a " << segment.getCores() << "-core segment";
  if (auto span = getSpanAttr())
    if (span.size() != 2 || span[0] < 0 || span[0] >= span[1] ||
        span[1] > pixels || x->getMemory() != Memory::dram ||
        y->getMemory() != Memory::dram)
      return emitOpError("span must be rows [begin, end) within the tensor's ")
             << pixels << ", over tensors in DRAM";
  return verifyTag(*this, getTag());
}

LogicalResult MaxPoolOp::verify() {
  if (failed(expectSize(*this, "sram", getSram().size(), 5)))
    return failure();
  PoolWindowAttr win = getWindow();
  if (std::min({win.getKh(), win.getKw(), win.getSh(), win.getSw(), win.getDh(),
                win.getDw()}) < 1)
    return emitOpError("kernel, strides and dilations must be positive");
  if (std::min(win.getPadTop(), win.getPadLeft()) < 0)
    return emitOpError("padding must be non-negative");
  FailureOr<TensorOp> x = tensorNamed(*this, getInputAttr(), "input");
  FailureOr<TensorOp> y = tensorNamed(*this, getOutputAttr(), "output");
  if (failed(x) || failed(y))
    return failure();
  if (x->getC() != y->getC() || x->getN() != y->getN())
    return emitOpError("input and output differ in images or channels");
  if (getRows() < 1 || getRows() > y->getH())
    return emitOpError("rows must be in [1, ") << y->getH() << "]";
  return verifyTag(*this, getTag());
}

LogicalResult GlobalPoolOp::verify() {
  if (failed(expectSize(*this, "sram", getSram().size(), 6)))
    return failure();
  FailureOr<TensorOp> x = tensorNamed(*this, getInputAttr(), "input");
  FailureOr<TensorOp> y = tensorNamed(*this, getOutputAttr(), "output");
  if (failed(x) || failed(y))
    return failure();
  if (x->getC() != y->getC() || y->getPad() != 0)
    return emitOpError("the output must have the input's channels and no "
                       "halo");
  if (getRows() < 1 || getRows() > x->getH())
    return emitOpError("rows must be in [1, ") << x->getH() << "]";
  return verifyTag(*this, getTag());
}

#define GET_OP_CLASSES
#include "dialects/tile/TileOps.cpp.inc"

namespace gaon::tile {

LogicalResult AttentionOp::verify() {
  auto segment = (*this)->getParentOfType<SegmentOp>();
  auto tensor = [&](FlatSymbolRefAttr name) -> TensorOp {
    return llvm::dyn_cast_or_null<TensorOp>(
        mlir::SymbolTable::lookupSymbolIn(segment, name));
  };
  int64_t b = getBatch(), s = getSeq(), hq = getHeads(), hkv = getKvHeads(),
          d = getHeadDim(), m = getMaxLen();
  if (b < 1 || s < 1 || hq < 1 || hkv < 1 || d < 1 || m < s ||
      hq % hkv || getQueryTile() < 1 || getKeyBlock() < 1 ||
      getWindow() < 0 || getPositionParam() < 0 || getSram() < 0 ||
      getSramBytes() < 1)
    return emitOpError("needs positive sizes, heads a multiple of kv_heads, "
                       "max_len >= seq and a working SRAM region");
  // Every operand is a DRAM tensor of the rows the attention walks.
  struct Need {
    FlatSymbolRefAttr name;
    int64_t rows, width;
    ElemType elem;
  };
  SmallVector<Need> needs{{getQAttr(), b * s, hq * d, ElemType::bf16},
                          {getKAttr(), b * s, hkv * d, ElemType::bf16},
                          {getVAttr(), b * s, hkv * d, ElemType::bf16},
                          {getOutAttr(), b * s, hq * d, ElemType::bf16},
                          {getKCacheAttr(), b * hkv * m, d, ElemType::bf16},
                          {getVCacheAttr(), b * hkv * m, d, ElemType::bf16}};
  if (bool(getCosAttr()) != bool(getSinAttr()) ||
      bool(getCosTable()) != bool(getSinTable()) ||
      (getCosAttr() && getCosTable()))
    return emitOpError("takes cos and sin together, as step rows or as "
                       "tables");
  if (getCosTable()) {
    int64_t bytes = m * getRotary() * 4;
    if (getRotary() < 2 || getRotary() % 2 || getRotary() > d ||
        *getCosTable() < 0 || *getSinTable() < 0 ||
        *getCosTable() + bytes > segment.getDramBytes() ||
        *getSinTable() + bytes > segment.getDramBytes())
      return emitOpError("rotary tables of ")
             << m << " rows of " << getRotary()
             << " f32 must lie in device memory, rotary even and at most "
                "head_dim";
  }
  if (getCosAttr()) {
    if (getRotary() < 2 || getRotary() % 2 || getRotary() > d ||
        (getCosRows() != s && getCosRows() != b * s))
      return emitOpError("rotary width must be even and at most head_dim, "
                         "with seq or batch * seq rows of cos and sin");
    needs.push_back({getCosAttr(), getCosRows(), getRotary(), ElemType::f32});
    needs.push_back({getSinAttr(), getCosRows(), getRotary(), ElemType::f32});
  }
  for (const Need &n : needs) {
    TensorOp t = tensor(n.name);
    if (!t)
      return emitOpError() << n.name << " names no tile.tensor";
    if (t.getMemory() != Memory::dram || t.getPad() != 0 ||
        t.getElem() != n.elem || t.getC() != n.width ||
        t.getN() * t.getH() * t.getW() != n.rows)
      return emitOpError()
             << n.name << " must be " << n.rows << " rows of " << n.width
             << " " << stringifyElemType(n.elem) << " in DRAM";
  }
  ArrayRef<int64_t> items = getItems();
  if (items.size() != 2 || items[0] < 0 || items[0] >= items[1] ||
      items[1] > b * hkv)
    return emitOpError("items must be a range within the ")
           << b * hkv << " (row, kv head) pairs";
  if (getCore() < 0 || getCore() >= segment.getCores())
    return emitOpError("runs on core ") << getCore() << " of "
                                        << segment.getCores();
  return success();
}

} // namespace gaon::tile
