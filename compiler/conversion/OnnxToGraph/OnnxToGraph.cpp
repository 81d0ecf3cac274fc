//===- OnnxToGraph.cpp - the onnx-to-graph conversion pass ----------------===//

#include "compiler/conversion/OnnxToGraph/OnnxToGraph.h"
#include "compiler/conversion/Passes.h"

#include "mlir/IR/Matchers.h"

#include <onnx/defs/schema.h>
#include "llvm/ADT/SetVector.h"

using namespace mlir;

namespace gaon {

#define GEN_PASS_DEF_CONVERTONNXTOGRAPH
#include "compiler/conversion/Passes.h.inc"

//===----------------------------------------------------------------------===//
// OnnxNode
//===----------------------------------------------------------------------===//

Value OnnxNode::input(unsigned i) {
  if (i >= numInputs())
    return {};
  Value v = node.getInputs()[i];
  if (v.getDefiningOp<onnx::NoneOp>())
    return {};
  return v;
}

RankedTensorType OnnxNode::inputType(unsigned i) {
  return llvm::cast<RankedTensorType>(input(i).getType());
}

DenseElementsAttr OnnxNode::constantInput(unsigned i) {
  Value v = input(i);
  DenseElementsAttr attr;
  if (v && matchPattern(v, m_Constant(&attr)))
    return attr;
  return {};
}

/// Says how to make a non-constant input constant: if it is computed from
/// graph inputs (and constants) alone, freezing those inputs does it.
static void explainNotConstant(InFlightDiagnostic &diag, Value v) {
  SmallVector<Value> worklist{v};
  llvm::SmallSetVector<StringRef, 4> inputs;
  llvm::DenseSet<Value> seen;
  bool onlyInputs = true;
  while (!worklist.empty() && onlyInputs && seen.size() < 256) {
    Value next = worklist.pop_back_val();
    if (!next || !seen.insert(next).second)
      continue;
    if (auto arg = llvm::dyn_cast<BlockArgument>(next)) {
      auto func = llvm::dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
      auto name = func ? func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                           "onnx.name")
                       : StringAttr();
      if (!name) {
        onlyInputs = false;
        continue;
      }
      inputs.insert(name.getValue());
      continue;
    }
    Operation *def = next.getDefiningOp();
    if (def->getNumRegions() != 0) {
      onlyInputs = false;
      continue;
    }
    llvm::append_range(worklist, def->getOperands());
  }
  if (onlyInputs && !inputs.empty()) {
    diag << "; it is computed from graph input(s)";
    for (StringRef name : inputs)
      diag << " '" << name << "'";
    diag << ": fix their values at compile time with";
    for (StringRef name : inputs)
      diag << " --freeze-input=" << name << "=VALUE.pb";
    return;
  }
  diag << "; Gaon compiles static shapes, so compute it from constants or "
          "fix the input shapes with --input-shape";
}

DenseElementsAttr OnnxNode::requireConstant(unsigned i, StringRef what) {
  DenseElementsAttr attr = constantInput(i);
  if (!attr) {
    InFlightDiagnostic diag = fail();
    diag << "input " << i << " (" << what
         << ") must be a compile-time constant";
    explainNotConstant(diag, input(i));
  }
  return attr;
}

FailureOr<SmallVector<int64_t>> OnnxNode::constantInts(unsigned i,
                                                       StringRef what) {
  DenseElementsAttr attr = requireConstant(i, what);
  if (!attr)
    return failure();
  if (!llvm::isa<IntegerType>(attr.getElementType())) {
    fail() << "input " << i << " (" << what << ") must hold integers";
    return failure();
  }
  bool isUnsigned = attr.getElementType().isUnsignedInteger();
  SmallVector<int64_t> out;
  for (const APInt &v : attr.getValues<APInt>())
    out.push_back(isUnsigned ? (int64_t)v.getZExtValue() : v.getSExtValue());
  return out;
}

FailureOr<double> OnnxNode::constantScalar(unsigned i, StringRef what) {
  DenseElementsAttr attr = requireConstant(i, what);
  if (!attr)
    return failure();
  if (attr.getNumElements() != 1) {
    fail() << "input " << i << " (" << what << ") must be a scalar";
    return failure();
  }
  Type element = attr.getElementType();
  if (llvm::isa<FloatType>(element))
    return (*attr.getValues<APFloat>().begin()).convertToDouble();
  APInt v = *attr.getValues<APInt>().begin();
  if (element.isUnsignedInteger() || element.isInteger(1))
    return (double)v.getZExtValue();
  return (double)v.getSExtValue();
}

int64_t OnnxNode::attrInt(StringRef name, int64_t dflt) {
  if (auto a = llvm::dyn_cast_or_null<IntegerAttr>(node.getNodeAttr(name)))
    return a.getInt();
  return dflt;
}

float OnnxNode::attrFloat(StringRef name, float dflt) {
  Attribute a = node.getNodeAttr(name);
  if (auto f = llvm::dyn_cast_or_null<FloatAttr>(a))
    return f.getValueAsDouble();
  if (auto i = llvm::dyn_cast_or_null<IntegerAttr>(a))
    return (float)i.getInt();
  return dflt;
}

std::string OnnxNode::attrString(StringRef name, StringRef dflt) {
  if (auto s = llvm::dyn_cast_or_null<StringAttr>(node.getNodeAttr(name)))
    return s.str();
  return dflt.str();
}

std::optional<SmallVector<int64_t>> OnnxNode::attrInts(StringRef name) {
  if (auto a =
          llvm::dyn_cast_or_null<DenseI64ArrayAttr>(node.getNodeAttr(name)))
    return SmallVector<int64_t>(a.asArrayRef());
  return std::nullopt;
}

std::optional<SmallVector<float>> OnnxNode::attrFloats(StringRef name) {
  if (auto a =
          llvm::dyn_cast_or_null<DenseF32ArrayAttr>(node.getNodeAttr(name)))
    return SmallVector<float>(a.asArrayRef());
  return std::nullopt;
}

DenseElementsAttr OnnxNode::attrTensor(StringRef name) {
  return llvm::dyn_cast_or_null<DenseElementsAttr>(node.getNodeAttr(name));
}

std::string onnxNodeName(Location loc) {
  if (auto name = llvm::dyn_cast<NameLoc>(loc))
    return name.getName().str();
  return "<unnamed>";
}

InFlightDiagnostic OnnxNode::fail() {
  return emitError(loc) << "node '" << onnxNodeName(loc) << "' (" << opType()
                        << " version " << version() << "): ";
}

Value OnnxNode::fold(Operation *op) {
  if (llvm::isa<graph::ConstantOp>(op) || op->getNumResults() != 1)
    return op->getResult(0);
  SmallVector<OpFoldResult> folded;
  if (failed(op->fold(folded)) || folded.empty())
    return op->getResult(0);
  if (auto value = llvm::dyn_cast<Value>(folded[0])) {
    if (value != op->getResult(0))
      op->erase();
    return value;
  }
  auto attr = llvm::dyn_cast<ElementsAttr>(llvm::cast<Attribute>(folded[0]));
  if (!attr || attr.getType() != op->getResult(0).getType())
    return op->getResult(0);
  Value result = builder.create<graph::ConstantOp>(loc, attr);
  op->erase();
  return result;
}

Value OnnxNode::constant(DenseElementsAttr value) {
  return builder.create<graph::ConstantOp>(loc, value);
}

Value OnnxNode::splat(Type element, double value, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, element);
  if (auto f = llvm::dyn_cast<FloatType>(element)) {
    APFloat v(value);
    bool lost;
    v.convert(f.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    return constant(DenseElementsAttr::get(type, v));
  }
  unsigned width = element.getIntOrFloatBitWidth();
  return constant(DenseElementsAttr::get(
      type, APInt(width, (uint64_t)(int64_t)value, /*isSigned=*/true)));
}

Value OnnxNode::reshape(Value v, ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(
      shape, llvm::cast<RankedTensorType>(v.getType()).getElementType());
  if (type == v.getType())
    return v;
  return create<graph::ReshapeOp>(type, v);
}

Value OnnxNode::cast(Value v, Type element) {
  auto in = llvm::cast<RankedTensorType>(v.getType());
  if (in.getElementType() == element)
    return v;
  return create<graph::CastOp>(
      RankedTensorType::get(in.getShape(), element), v);
}

FailureOr<Value> OnnxNode::transpose(Value v, ArrayRef<int64_t> perm) {
  return make<graph::TransposeOp>(
      v, attr("perm", builder.getDenseI64ArrayAttr(perm)));
}

FailureOr<Value> OnnxNode::reduce(graph::ReduceKind kind, Value v,
                                  ArrayRef<int64_t> axes, bool keepdims) {
  return make<graph::ReduceOp>(
      v, {attr("kind", graph::ReduceKindAttr::get(context(), kind)),
          attr("axes", builder.getDenseI64ArrayAttr(axes)),
          attr("keepdims", builder.getBoolAttr(keepdims))});
}

FailureOr<int64_t> OnnxNode::normalizeAxis(int64_t axis, int64_t rank,
                                           StringRef what) {
  if (axis < -rank || axis >= rank) {
    fail() << what << " " << axis << " is out of range for rank " << rank;
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

//===----------------------------------------------------------------------===//
// OnnxPatternTable
//===----------------------------------------------------------------------===//

void OnnxPatternTable::on(StringRef opType,
                          std::initializer_list<int64_t> versions,
                          OnnxConvertFn fn, StringRef domain) {
  auto &entry = table[{domain.str(), opType.str()}];
  for (int64_t v : versions) {
    assert(!entry.count(v) && "ONNX op version registered twice");
    entry[v] = fn;
  }
}

const OnnxConvertFn *OnnxPatternTable::lookup(StringRef opType,
                                              StringRef domain,
                                              int64_t sinceVersion) const {
  auto it = table.find({domain.str(), opType.str()});
  if (it == table.end())
    return nullptr;
  auto fn = it->second.find(sinceVersion);
  if (fn == it->second.end())
    fn = it->second.find(kAnyVersion);
  return fn == it->second.end() ? nullptr : &fn->second;
}

void OnnxPatternTable::onExtension(StringRef opType, OnnxConvertFn fn,
                                   StringRef domain) {
  auto &entry = table[{domain.str(), opType.str()}];
  assert(entry.empty() && "extension operator registered twice");
  entry[kAnyVersion] = fn;
}

std::vector<std::string> OnnxPatternTable::extensions() const {
  std::vector<std::string> out;
  for (const auto &[key, fns] : table)
    if (fns.count(kAnyVersion))
      out.push_back(key.first.empty() ? key.second
                                      : key.first + "." + key.second);
  return out;
}

SmallVector<int64_t> OnnxPatternTable::versions(StringRef opType,
                                                StringRef domain) const {
  SmallVector<int64_t> out;
  auto it = table.find({domain.str(), opType.str()});
  if (it != table.end())
    for (const auto &entry : it->second)
      if (entry.first != kAnyVersion)
        out.push_back(entry.first);
  return out;
}

std::vector<std::pair<std::string, std::vector<int64_t>>>
OnnxPatternTable::entries() const {
  std::vector<std::pair<std::string, std::vector<int64_t>>> out;
  for (const auto &[key, fns] : table) {
    if (fns.count(kAnyVersion))
      continue;
    std::vector<int64_t> versions;
    for (const auto &entry : fns)
      versions.push_back(entry.first);
    out.push_back({key.first.empty() ? key.second
                                     : key.first + "." + key.second,
                   versions});
  }
  return out;
}

const OnnxPatternTable &getOnnxToGraphPatterns() {
  static const OnnxPatternTable table = [] {
    OnnxPatternTable t;
    populateOnnxToGraphElementwisePatterns(t);
    populateOnnxToGraphNNPatterns(t);
    populateOnnxToGraphTensorPatterns(t);
    populateOnnxToGraphQuantPatterns(t);
    populateOnnxToGraphContribPatterns(t);
    return t;
  }();
  return table;
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {

/// "Conv version 11" or "com.example.Foo version 1".
std::string schemaName(onnx::NodeOp node) {
  std::string name;
  if (!node.getDomainOrDefault().empty())
    name = node.getDomainOrDefault().str() + ".";
  return name + node.getOpType().str() + " version " +
         std::to_string(node.getSinceVersion());
}

/// Does `computed` contradict what ONNX's shape inference declared?
bool contradicts(Type declared, Type computed) {
  auto d = llvm::dyn_cast<RankedTensorType>(declared);
  auto c = llvm::dyn_cast<RankedTensorType>(computed);
  if (!d || !c)
    return false;
  if (d.getElementType() != c.getElementType() || d.getRank() != c.getRank())
    return true;
  for (int64_t i = 0; i < d.getRank(); ++i)
    if (!d.isDynamicDim(i) && d.getDimSize(i) != c.getDimSize(i))
      return true;
  return false;
}

/// Conversion functions may assume the inputs ONNX's schema requires are
/// there; the importer checks this for files, this for MLIR written by hand.
LogicalResult checkInputs(OnnxNode &node) {
  StringRef domain = node.node.getDomainOrDefault();
  const ::onnx::OpSchema *schema = ::onnx::OpSchemaRegistry::Schema(
      node.opType().str(), (int)node.version(),
      domain.empty() ? ::onnx::ONNX_DOMAIN : domain.str());
  if (!schema || schema->since_version() != node.version())
    return success();
  int count = node.numInputs();
  if (count < schema->min_input() || count > schema->max_input())
    return node.fail() << "has " << count << " inputs; the schema takes "
                       << schema->min_input() << " to " << schema->max_input();
  const auto &formals = schema->inputs();
  for (int i = 0; i < count && !formals.empty(); ++i) {
    const auto &formal = formals[std::min<size_t>(i, formals.size() - 1)];
    if (formal.GetOption() != ::onnx::OpSchema::Optional && !node.input(i))
      return node.fail() << "required input " << i << " ('"
                         << formal.GetName() << "') is missing";
  }
  return success();
}

struct ConvertOnnxToGraphPass
    : impl::ConvertOnnxToGraphBase<ConvertOnnxToGraphPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    const OnnxPatternTable &table = getOnnxToGraphPatterns();

    // First list every node no entry handles, so that one run names them
    // all instead of stopping at the first.
    SmallVector<onnx::NodeOp> unsupported;
    module.walk([&](onnx::NodeOp node) {
      if (!table.lookup(node.getOpType(), node.getDomainOrDefault(),
                        node.getSinceVersion()))
        unsupported.push_back(node);
    });
    if (!unsupported.empty()) {
      std::map<std::string, int> counts;
      for (onnx::NodeOp node : unsupported)
        ++counts[schemaName(node)];
      std::string summary;
      for (const auto &[name, count] : counts)
        summary += (summary.empty() ? "" : ", ") + name +
                   (count > 1 ? " (x" + std::to_string(count) + ")" : "");
      InFlightDiagnostic diag = emitError(module.getLoc())
                                << "the model uses " << unsupported.size()
                                << " ONNX node(s) that Gaon cannot convert: "
                                << summary;
      for (onnx::NodeOp node : unsupported) {
        Diagnostic &note = diag.attachNote(node.getLoc());
        note << "node '" << onnxNodeName(node.getLoc())
             << "': unsupported: " << schemaName(node);
        SmallVector<int64_t> known =
            table.versions(node.getOpType(), node.getDomainOrDefault());
        if (!known.empty()) {
          note << " (Gaon converts versions";
          for (int64_t v : known)
            note << " " << v;
          note << ")";
        }
      }
      return signalPassFailure();
    }

    bool ok = true;
    module.walk([&](func::FuncOp func) {
      OpBuilder builder(func.getContext());
      for (Operation &op :
           llvm::make_early_inc_range(func.getBody().getOps())) {
        if (auto constant = llvm::dyn_cast<onnx::ConstantOp>(op)) {
          builder.setInsertionPoint(constant);
          Value value = builder.create<graph::ConstantOp>(
              constant.getLoc(), constant.getValue());
          constant.replaceAllUsesWith(value);
          constant.erase();
          continue;
        }
        auto node = llvm::dyn_cast<onnx::NodeOp>(op);
        if (!node)
          continue;
        // Nodes downstream of a failed one wait for it: their inputs are
        // not graph values.
        if (llvm::any_of(node.getInputs(), [](Value v) {
              return v.getDefiningOp<onnx::NodeOp>() != nullptr;
            }))
          continue;
        if (!convertNode(node, table, builder))
          ok = false;
      }
      // ONNX's declared output types may be unranked; the signature follows
      // what the body computes.
      Operation *terminator = func.getBody().front().getTerminator();
      func.setFunctionType(FunctionType::get(
          func.getContext(), func.getArgumentTypes(),
          terminator->getOperandTypes()));
    });
    module.walk([](onnx::NoneOp none) {
      if (none->use_empty())
        none.erase();
    });
    if (!ok)
      signalPassFailure();
  }

  bool convertNode(onnx::NodeOp node, const OnnxPatternTable &table,
                   OpBuilder &builder) {
    const OnnxConvertFn *fn = table.lookup(
        node.getOpType(), node.getDomainOrDefault(), node.getSinceVersion());
    builder.setInsertionPoint(node);
    OnnxNode context(node, builder);
    if (failed(checkInputs(context)))
      return false;
    for (unsigned i = 0; i < context.numInputs(); ++i) {
      Value v = context.input(i);
      if (v && !llvm::isa<RankedTensorType>(v.getType())) {
        context.fail() << "input " << i << " has unranked type "
                       << v.getType();
        return false;
      }
    }
    SmallVector<Value> results;
    if (failed((*fn)(context, results)))
      return false;
    if (results.size() > node.getNumResults()) {
      context.fail() << "conversion produced " << results.size()
                     << " results for " << node.getNumResults()
                     << " outputs";
      return false;
    }
    for (unsigned i = 0; i < node.getNumResults(); ++i) {
      Value old = node.getResult(i);
      Value computed = i < results.size() ? results[i] : Value();
      if (old.use_empty())
        continue;
      if (!computed) {
        context.fail() << "output " << i
                       << " is used, but Gaon computes only the first "
                       << results.size() << " output(s) of this op";
        return false;
      }
      if (contradicts(old.getType(), computed.getType())) {
        context.fail() << "output " << i << " has type " << computed.getType()
                       << ", but ONNX shape inference says " << old.getType();
        return false;
      }
      old.replaceAllUsesWith(computed);
    }
    node.erase();
    return true;
  }
};

} // namespace

} // namespace gaon
