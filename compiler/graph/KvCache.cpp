//===- KvCache.cpp - gaon-llm-kv-cache ------------------------------------===//
//
// A decoder export takes its past keys and values as inputs and returns
// past ⧺ new as outputs, with an attention mask and position ids saying
// where the tokens are. Static shapes would fix the past length. This pass
// turns the function into a step that works at any position: the caches
// hold max-seq-len entries, the new entries are written in place at a
// run-time `position` (graph.cache_update), attention reads the caches with
// `kv_lengths = position + S`, causal, and the window the export's mask
// encoded, and the mask and position ids are computed from `position`.
// docs/llm.md describes the program this makes.
//
//===----------------------------------------------------------------------===//

#include "compiler/binary/GnbWriter.h"
#include "compiler/graph/Passes.h"
#include "dialects/graph/GraphOps.h"
#include "gaon/runtime.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <map>

namespace gaon {
#define GEN_PASS_DEF_LLMKVCACHE
#include "compiler/graph/Passes.h.inc"
} // namespace gaon

using namespace mlir;
using namespace gaon::graph;

namespace gaon {
namespace {

RankedTensorType rankedOf(Value v) {
  return llvm::cast<RankedTensorType>(v.getType());
}

Value i64Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> values,
                  ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, b.getI64Type());
  return b.create<ConstantOp>(loc, DenseElementsAttr::get(type, values));
}

template <typename OpTy>
Value make(OpBuilder &b, Location loc, ValueRange operands,
           ArrayRef<NamedAttribute> attrs = {}) {
  auto op = createInferred<OpTy>(b, loc, operands, attrs);
  return succeeded(op) ? op->getResult() : Value();
}

/// Runs a function of no arguments and one f32 result on the CPU runtime
/// (for masks built from ops that have no folder, such as Trilu): the
/// compiler evaluates it the way the CPU target would at run time.
FailureOr<DenseElementsAttr> evaluateOnCpu(func::FuncOp probe) {
  auto type = llvm::dyn_cast<RankedTensorType>(probe.getResultTypes()[0]);
  if (!type || !type.getElementType().isF32())
    return failure();
  OwningOpRef<ModuleOp> module = ModuleOp::create(probe.getLoc());
  auto copy = llvm::cast<func::FuncOp>(probe->clone());
  copy.setName("main");
  copy.setResultAttr(0, "onnx.name",
                     StringAttr::get(probe.getContext(), "mask"));
  module->push_back(copy);
  std::string binary;
  {
    llvm::raw_string_ostream os(binary);
    if (failed(writeGnb(*module, os)))
      return failure();
  }
  gaon_model *model = nullptr;
  gaon_session *session = nullptr;
  std::vector<float> values(type.getNumElements());
  gaon_tensor out{GAON_F32, int32_t(type.getRank()), {}, values.data(),
                  values.size() * sizeof(float)};
  for (int64_t d = 0; d < type.getRank(); ++d)
    out.shape[d] = type.getDimSize(d);
  gaon_session_options options{"cpu", 1};
  gaon_status status =
      gaon_model_load_memory(binary.data(), binary.size(), nullptr, &model);
  if (!status)
    status = gaon_session_create(model, &options, &session);
  if (!status)
    status = gaon_session_run(session, nullptr, 0, &out, 1);
  bool ok = !status;
  gaon_status_free(status);
  gaon_session_release(session);
  gaon_model_release(model);
  if (!ok)
    return failure();
  return DenseElementsAttr::get(type, llvm::ArrayRef<float>(values));
}

/// What the export's mask says about the keys of a query: causal, with an
/// optional sliding window of `window` keys (0: none within the cache).
struct MaskRule {
  int64_t window = 0;
};

class KvCacheRewriter {
public:
  KvCacheRewriter(ModuleOp module, func::FuncOp func)
      : module(module), func(func), builder(func.getContext()) {}

  LogicalResult run();

private:
  ModuleOp module;
  func::FuncOp func;
  OpBuilder builder;
  Location loc = func.getLoc();
  int64_t batch = 0, seq = 0, maxLen = 0, past = 0;
  BlockArgument inputIds, attentionMask, positionIds;
  // (layer, "key"/"value") -> the past argument and the present result.
  std::map<std::pair<int64_t, std::string>, BlockArgument> pasts;
  std::map<std::pair<int64_t, std::string>, unsigned> presents;

  InFlightDiagnostic fail() {
    return func.emitError("--max-seq-len: ");
  }
  LogicalResult findInterface();
  FailureOr<MaskRule> analyzeMask(Value mask, Operation *attention);
  void tabulateRotary(Value position);
};

/// The value of `v` when the values in `known` hold, by folding each op
/// (sin, cos and matmul, which have no folders, computed here as the CPU
/// target computes them: f32, std::cos and std::sin); null when some op on
/// the way does not fold or `v` depends on anything else.
Attribute evaluateFolded(Value v, llvm::DenseMap<Value, Attribute> &known,
                         int depth = 0) {
  if (auto it = known.find(v); it != known.end())
    return it->second;
  Operation *op = v.getDefiningOp();
  if (!op || depth > 256 || op->getNumRegions())
    return {};
  SmallVector<Attribute> operands;
  for (Value o : op->getOperands()) {
    Attribute a = evaluateFolded(o, known, depth + 1);
    if (!a)
      return {};
    operands.push_back(a);
  }
  auto type = llvm::dyn_cast<RankedTensorType>(v.getType());
  Attribute result;
  if (llvm::isa<CosOp, SinOp>(op)) {
    auto in = llvm::dyn_cast<DenseElementsAttr>(operands[0]);
    if (!in || !type || !type.getElementType().isF32())
      return {};
    bool cos = llvm::isa<CosOp>(op);
    SmallVector<float> out;
    for (float x : in.getValues<float>())
      out.push_back(cos ? std::cos(x) : std::sin(x));
    result = DenseElementsAttr::get(type, ArrayRef<float>(out));
  } else if (llvm::isa<MatMulOp>(op)) {
    auto a = llvm::dyn_cast<DenseElementsAttr>(operands[0]),
         b = llvm::dyn_cast<DenseElementsAttr>(operands[1]);
    if (!a || !b || !type || !type.getElementType().isF32())
      return {};
    auto at = llvm::cast<RankedTensorType>(a.getType()),
         bt = llvm::cast<RankedTensorType>(b.getType());
    int64_t rank = type.getRank();
    if (at.getRank() != rank || bt.getRank() != rank || rank < 2 ||
        type.getNumElements() > (int64_t(1) << 20))
      return {};
    int64_t m = at.getDimSize(rank - 2), k = at.getDimSize(rank - 1),
            n = bt.getDimSize(rank - 1);
    SmallVector<float> av(a.getValues<float>()), bv(b.getValues<float>());
    SmallVector<float> out(type.getNumElements(), 0.0f);
    int64_t batches = type.getNumElements() / (m * n);
    // Batch index -> each operand's batch offset (dimensions of 1
    // broadcast).
    for (int64_t i = 0; i < batches; ++i) {
      int64_t rest = i, aOff = 0, bOff = 0, aStride = 1, bStride = 1;
      for (int64_t d = rank - 3; d >= 0; --d) {
        int64_t size = type.getDimSize(d), idx = rest % size;
        rest /= size;
        aOff += (at.getDimSize(d) == 1 ? 0 : idx) * aStride;
        bOff += (bt.getDimSize(d) == 1 ? 0 : idx) * bStride;
        aStride *= at.getDimSize(d);
        bStride *= bt.getDimSize(d);
      }
      for (int64_t r = 0; r < m; ++r)
        for (int64_t c = 0; c < n; ++c) {
          float sum = 0.0f;
          for (int64_t q = 0; q < k; ++q)
            sum += av[aOff * m * k + r * k + q] * bv[bOff * k * n + q * n + c];
          out[i * m * n + r * n + c] = sum;
        }
    }
    result = DenseElementsAttr::get(type, ArrayRef<float>(out));
  } else {
    SmallVector<OpFoldResult> folded;
    if (failed(op->fold(operands, folded)) || folded.size() != op->getNumResults())
      return {};
    OpFoldResult r = folded[llvm::cast<OpResult>(v).getResultNumber()];
    if (auto attr = llvm::dyn_cast_if_present<Attribute>(r))
      result = attr;
    else if (auto same = llvm::dyn_cast_if_present<Value>(r))
      result = evaluateFolded(same, known, depth + 1);
  }
  if (result)
    known[v] = result;
  return result;
}

/// A rotary embedding's cos and sin that depend on nothing but `position`
/// become rows of tables computed here for every position the cache holds
/// (graph.position_rows): a step reads S rows instead of recomputing them,
/// and on the NPU the rows load by DMA at the position.
void KvCacheRewriter::tabulateRotary(Value position) {
  SmallVector<Value> candidates;
  func.walk([&](RotaryEmbeddingOp r) {
    for (Value v : {r.getCos(), r.getSin()})
      if (!llvm::is_contained(candidates, v))
        candidates.push_back(v);
  });
  auto positionType = rankedOf(position);
  for (Value v : candidates) {
    auto type = llvm::dyn_cast<RankedTensorType>(v.getType());
    Operation *def = v.getDefiningOp();
    if (!def || llvm::isa<ConstantOp>(def) || !type || type.getRank() != 4 ||
        !type.getElementType().isF32() || type.getDimSize(1) != 1 ||
        type.getDimSize(2) != seq ||
        (type.getDimSize(0) != 1 && type.getDimSize(0) != batch))
      continue;
    int64_t width = type.getDimSize(3);
    std::vector<float> table(size_t(maxLen) * width);
    bool ok = true;
    for (int64_t p = 0; ok && p < maxLen; p += seq) {
      int64_t at = std::min(p, maxLen - seq);
      llvm::DenseMap<Value, Attribute> known;
      known[position] = DenseElementsAttr::get(
          positionType, ArrayRef<int64_t>(SmallVector<int64_t>(batch, at)));
      auto rows = llvm::dyn_cast_or_null<DenseElementsAttr>(
          evaluateFolded(v, known));
      if (!rows) {
        ok = false;
        break;
      }
      SmallVector<float> values(rows.getValues<float>());
      std::copy(values.begin(), values.begin() + seq * width,
                table.begin() + at * width);
    }
    if (!ok)
      continue; // cos and sin stay as the export computes them
    builder.setInsertionPointAfter(def);
    auto tableType = RankedTensorType::get({maxLen, width},
                                           builder.getF32Type());
    Value constant = builder.create<ConstantOp>(
        def->getLoc(), DenseElementsAttr::get(tableType, ArrayRef<float>(table)));
    // One row read per user, so that each layer's attention owns its own
    // (an NPU attention fuses them; the table is shared).
    for (OpOperand &use : llvm::make_early_inc_range(v.getUses())) {
      builder.setInsertionPoint(use.getOwner());
      use.set(builder.create<PositionRowsOp>(def->getLoc(), type, constant,
                                             position));
    }
  }
}

LogicalResult KvCacheRewriter::findInterface() {
  for (BlockArgument arg : func.getArguments()) {
    auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                  "onnx.name");
    StringRef n = name ? name.getValue() : "";
    if (n == "input_ids")
      inputIds = arg;
    else if (n == "attention_mask")
      attentionMask = arg;
    else if (n == "position_ids")
      positionIds = arg;
    else if (n.consume_front("past_key_values.")) {
      auto [layer, kind] = n.split('.');
      int64_t index;
      if (layer.getAsInteger(10, index) || (kind != "key" && kind != "value"))
        return fail() << "unexpected input '" << name.getValue() << "'";
      pasts[{index, kind.str()}] = arg;
    }
  }
  for (unsigned i = 0; i < func.getNumResults(); ++i) {
    auto name = func.getResultAttrOfType<StringAttr>(i, "onnx.name");
    StringRef n = name ? name.getValue() : "";
    if (!n.consume_front("present.") && !n.consume_front("present_key_values."))
      continue;
    auto [layer, kind] = n.split('.');
    int64_t index;
    if (!layer.getAsInteger(10, index))
      presents[{index, kind.str()}] = i;
  }
  if (!inputIds)
    return fail() << "the model has no input_ids input";
  if (pasts.empty() || pasts.size() != presents.size())
    return fail() << "the model has " << pasts.size()
                  << " past_key_values inputs and " << presents.size()
                  << " present outputs; a decoder with a key/value cache "
                     "has one of each per layer and kind";
  auto ids = rankedOf(inputIds);
  batch = ids.getDimSize(0);
  seq = ids.getDimSize(1);
  past = rankedOf(pasts.begin()->second).getDimSize(2);
  maxLen = past + seq;
  return success();
}

/// Evaluates the mask at compile time for a full cache (attention_mask all
/// ones, position ids past..past+S-1) and reads the rule off it: exactly
/// 0 where a key is visible, at most -1e4 where not, the visible keys of
/// query i a run ending at past + i.
FailureOr<MaskRule> KvCacheRewriter::analyzeMask(Value mask,
                                                 Operation *attention) {
  SetVector<Operation *> slice;
  BackwardSliceOptions options;
  options.inclusive = true;
  options.omitBlockArguments = false;
  if (Operation *def = mask.getDefiningOp())
    getBackwardSlice(def, &slice, options);
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToEnd(module.getBody());
  auto probe = b.create<func::FuncOp>(
      loc, "__gaon_mask_probe", b.getFunctionType({}, {mask.getType()}));
  Block *body = probe.addEntryBlock();
  b.setInsertionPointToStart(body);
  IRMapping map;
  if (attentionMask)
    map.map(attentionMask,
            i64Constant(b, loc, SmallVector<int64_t>(batch * maxLen, 1),
                        {batch, maxLen}));
  if (positionIds) {
    SmallVector<int64_t> ids;
    for (int64_t r = 0; r < batch; ++r)
      for (int64_t i = 0; i < seq; ++i)
        ids.push_back(past + i);
    map.map(positionIds, i64Constant(b, loc, ids, {batch, seq}));
  }
  bool ok = true;
  for (Operation *op : slice) {
    for (Value operand : op->getOperands())
      if (!map.contains(operand) && llvm::isa<BlockArgument>(operand))
        ok = false;
    b.clone(*op, map);
  }
  Value result = mask.getDefiningOp() ? map.lookupOrNull(mask) : Value();
  auto cleanup = [&] { probe.erase(); };
  if (!ok || !result) {
    cleanup();
    return attention->emitError(
        "--max-seq-len: the attention mask depends on more than "
        "attention_mask and position_ids; Gaon cannot tell which keys it "
        "hides");
  }
  b.create<func::ReturnOp>(loc, result);
  (void)applyPatternsAndFoldGreedily(probe, RewritePatternSet(module.getContext()));
  DenseElementsAttr values;
  Value folded = body->getTerminator()->getOperand(0);
  if (!matchPattern(folded, m_Constant(&values))) {
    // Ops without folders: evaluate on the CPU runtime.
    FailureOr<DenseElementsAttr> evaluated = evaluateOnCpu(probe);
    if (succeeded(evaluated))
      values = *evaluated;
  }
  if (!values) {
    cleanup();
    return attention->emitError(
        "--max-seq-len: the attention mask does not fold to a constant "
        "for a full cache; Gaon cannot tell which keys it hides");
  }
  auto type = llvm::cast<RankedTensorType>(values.getType());
  int64_t rank = type.getRank(), rows = type.getDimSize(rank - 2),
          cols = type.getDimSize(rank - 1);
  std::vector<double> v;
  for (const APFloat &f : values.getValues<APFloat>())
    v.push_back(f.convertToDouble());
  cleanup();
  if (cols != maxLen || (rows != seq && rows != 1))
    return attention->emitError("--max-seq-len: the attention mask has shape ")
           << type << ", not (..., " << seq << ", " << maxLen << ")";
  std::optional<int64_t> window;
  bool noWindow = true;
  for (size_t base = 0; base < v.size(); base += rows * cols)
    for (int64_t i = 0; i < rows; ++i) {
      int64_t query = past + (rows == 1 ? seq - 1 : i);
      int64_t lo = -1, hi = -1;
      for (int64_t j = 0; j < cols; ++j) {
        double x = v[base + i * cols + j];
        if (x == 0) {
          if (lo < 0)
            lo = j;
          else if (hi != j - 1)
            return attention->emitError(
                "--max-seq-len: the attention mask's visible keys are not "
                "one run");
          hi = j;
        } else if (!(x <= -1e4)) {
          return attention->emitError(
                     "--max-seq-len: the attention mask adds a bias (")
                 << x << "), not only hides keys; not supported";
        }
      }
      if (hi != query)
        return attention->emitError(
            "--max-seq-len: the attention mask is not causal: query ")
               << query << " sees keys up to " << hi;
      if (lo > 0) {
        noWindow = false;
        int64_t w = query - lo + 1;
        if (window && *window != w)
          return attention->emitError(
              "--max-seq-len: the attention mask's window changes from row "
              "to row");
        window = w;
      }
    }
  MaskRule rule;
  if (!noWindow)
    rule.window = *window;
  return rule;
}

LogicalResult KvCacheRewriter::run() {
  if (failed(findInterface()))
    return failure();
  Block &entry = func.getBody().front();
  MLIRContext *ctx = func.getContext();
  auto i64 = builder.getI64Type();

  // Analyze every mask before anything changes.
  std::map<Operation *, MaskRule> rules;
  func.walk([&](AttentionOp attention) {
    if (Value mask = attention.getMask()) {
      FailureOr<MaskRule> rule = analyzeMask(mask, attention);
      if (succeeded(rule))
        rules[attention] = *rule;
    }
  });
  bool failedMask = false;
  func.walk([&](AttentionOp attention) {
    if (attention.getMask() && !rules.count(attention))
      failedMask = true;
  });
  if (failedMask)
    return failure();

  // New arguments: position (after input_ids), then one cache per past.
  unsigned at = inputIds.getArgNumber() + 1;
  func.insertArgument(at, RankedTensorType::get({batch}, i64),
                      builder.getDictionaryAttr(builder.getNamedAttr(
                          "onnx.name", builder.getStringAttr("position"))),
                      loc);
  BlockArgument position = func.getArgument(at);
  std::map<std::pair<int64_t, std::string>, BlockArgument> caches;
  for (auto &[key, pastArg] : pasts) {
    auto t = rankedOf(pastArg);
    auto cacheType = RankedTensorType::get(
        {t.getDimSize(0), t.getDimSize(1), maxLen, t.getDimSize(3)},
        t.getElementType());
    std::string name = "past_key_values." + std::to_string(key.first) + "." +
                       key.second;
    unsigned index = func.getNumArguments();
    // The cache is session state (docs/llm.md): the writer keeps it in
    // the session's state memory, updated in place, not in the signature.
    func.insertArgument(
        index, cacheType,
        builder.getDictionaryAttr(
            {builder.getNamedAttr("onnx.name", builder.getStringAttr(name)),
             builder.getNamedAttr(kStateAttr, builder.getStringAttr(name))}),
        loc);
    caches[key] = func.getArgument(index);
  }

  // position + S, positions of the new tokens, the mask of a cache holding
  // position + S tokens.
  builder.setInsertionPointToStart(&entry);
  Value lengths = make<AddOp>(builder, loc,
                              {position, i64Constant(builder, loc, {seq}, {1})});
  SmallVector<int64_t> steps, slots;
  for (int64_t i = 0; i < seq; ++i)
    steps.push_back(i);
  for (int64_t j = 0; j < maxLen; ++j)
    slots.push_back(j);
  Value column = builder.create<ReshapeOp>(
      loc, RankedTensorType::get({batch, 1}, i64), position);
  Value positions = make<AddOp>(builder, loc,
                                {column, i64Constant(builder, loc, steps, {1, seq})});
  Value lengthColumn = builder.create<ReshapeOp>(
      loc, RankedTensorType::get({batch, 1}, i64), lengths);
  Value visible = make<LessOp>(
      builder, loc, {i64Constant(builder, loc, slots, {1, maxLen}), lengthColumn});
  Value mask = builder.create<CastOp>(
      loc, RankedTensorType::get({batch, maxLen}, i64), visible);
  if (!lengths || !positions || !visible)
    return fail() << "internal: building the position arithmetic failed";

  // Each present: past ⧺ new (plain) or the contrib form's cache update.
  auto ret = llvm::cast<func::ReturnOp>(entry.getTerminator());
  std::map<std::pair<int64_t, std::string>, Value> updated;
  for (auto &[key, result] : presents) {
    Value present = ret.getOperand(result);
    BlockArgument pastArg = pasts.count(key) ? pasts[key] : BlockArgument();
    Value fresh;
    if (auto concat = present.getDefiningOp<ConcatOp>();
        concat && concat.getAxis() == 2 && concat.getInputs().size() == 2 &&
        concat.getInputs()[0] == pastArg)
      fresh = concat.getInputs()[1];
    else if (auto update = present.getDefiningOp<CacheUpdateOp>()) {
      auto pad = update.getCache().getDefiningOp<PadOp>();
      if (pad && pad.getInput() == pastArg)
        fresh = update.getUpdate();
    }
    if (!fresh)
      return fail() << "present." << key.first << "." << key.second
                    << " is not the past with the new entries appended";
    builder.setInsertionPoint(present.getDefiningOp());
    Value cache = make<CacheUpdateOp>(
        builder, present.getLoc(), {caches[key], fresh, position},
        {builder.getNamedAttr("axis", builder.getI64IntegerAttr(2))});
    if (!cache)
      return fail() << "new entries of present." << key.first << "."
                    << key.second << " do not fit the cache";
    updated[key] = cache;
  }

  // Attention reads the updated caches.
  SmallVector<AttentionOp> attentions;
  func.walk([&](AttentionOp a) { attentions.push_back(a); });
  for (AttentionOp a : attentions) {
    std::optional<std::pair<int64_t, std::string>> keyOf, valueOf;
    for (auto &[key, result] : presents) {
      if (ret.getOperand(result) == a.getKey())
        keyOf = key;
      if (ret.getOperand(result) == a.getValue())
        valueOf = key;
    }
    if (!keyOf || !valueOf)
      continue; // not a self-attention over the cache
    builder.setInsertionPoint(a);
    bool causal = a.getCausal();
    int64_t window = a.getWindow();
    if (a.getMask()) {
      causal = true;
      window = rules[a].window;
    }
    SmallVector<NamedAttribute> attrs{
        builder.getNamedAttr("scale", a.getScaleAttr()),
        builder.getNamedAttr("causal", builder.getBoolAttr(causal)),
        builder.getNamedAttr("window", builder.getI64IntegerAttr(window)),
        builder.getNamedAttr("softcap", a.getSoftcapAttr()),
        builder.getNamedAttr("operandSegmentSizes",
                             builder.getDenseI32ArrayAttr({1, 1, 1, 0, 1}))};
    // Each attention its own key counts, so that an NPU attention computes
    // them itself (AttentionGroup.h) and no CPU op sits between layers.
    Value ownLengths = make<AddOp>(
        builder, a.getLoc(), {position, i64Constant(builder, loc, {seq}, {1})});
    auto fresh = createInferred<AttentionOp>(
        builder, a.getLoc(),
        {a.getQuery(), updated[*keyOf], updated[*valueOf], ownLengths}, attrs);
    if (failed(fresh))
      return failure();
    a.replaceAllUsesWith(fresh->getResult());
    a.erase();
  }
  for (auto &[key, result] : presents) {
    ret.setOperand(result, updated[key]);
    func.setResultAttr(result, kStateAttr,
                       builder.getStringAttr("past_key_values." +
                                             std::to_string(key.first) + "." +
                                             key.second));
  }

  // The mask and position ids now follow from position; whatever still
  // reads them (RoPE positions, the contrib form's sequence lengths) gets
  // the values of a cache holding position + S tokens.
  if (attentionMask)
    attentionMask.replaceAllUsesWith(mask);
  if (positionIds)
    positionIds.replaceAllUsesWith(positions);
  tabulateRotary(position);

  // Drop what became dead, then the old arguments.
  bool changed = true;
  while (changed) {
    changed = false;
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(entry)))
      if (&op != ret && op.use_empty() && isPure(&op)) {
        op.erase();
        changed = true;
      }
  }
  llvm::BitVector erase(func.getNumArguments());
  for (auto &[key, arg] : pasts) {
    if (!arg.use_empty())
      return fail() << "past_key_values." << key.first << "." << key.second
                    << " is read by more than the cache append";
    erase.set(arg.getArgNumber());
  }
  if (attentionMask)
    erase.set(attentionMask.getArgNumber());
  if (positionIds)
    erase.set(positionIds.getArgNumber());
  func.eraseArguments(erase);

  // A step of several tokens (prefill) needs the next token's logits only:
  // the LM head (a matmul by constant weights producing `logits`) reads the
  // last position alone, so a chunk's head costs one row of MACs and
  // returns one row over the host link. Other heads keep every row.
  if (seq > 1)
    for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
      auto name = func.getResultAttrOfType<StringAttr>(i, "onnx.name");
      auto head = v.getDefiningOp<MatMulOp>();
      if (!name || name.getValue() != "logits" || !head || !v.hasOneUse())
        continue;
      auto lhs = rankedOf(head.getLhs());
      Operation *weights = head.getRhs().getDefiningOp();
      if (!lhs || lhs.getRank() != 3 || lhs.getDimSize(1) != seq ||
          !weights || !llvm::isa<ConstantOp, BlockDequantizeOp>(weights))
        continue;
      builder.setInsertionPoint(head);
      auto lastType = RankedTensorType::get(
          {lhs.getDimSize(0), 1, lhs.getDimSize(2)}, lhs.getElementType());
      Value last = builder.create<SliceOp>(
          head.getLoc(), lastType, head.getLhs(),
          builder.getDenseI64ArrayAttr({0, seq - 1, 0}),
          builder.getDenseI64ArrayAttr({1, 1, 1}));
      Value logits = make<MatMulOp>(builder, head.getLoc(),
                                    {last, head.getRhs()});
      if (!logits)
        return fail() << "internal: the last-row LM head did not build";
      ret.setOperand(i, logits);
      head.erase();
    }
  func.setFunctionType(FunctionType::get(ctx, func.getArgumentTypes(),
                                         ret.getOperandTypes()));
  return success();
}

struct LlmKvCachePass : impl::LlmKvCacheBase<LlmKvCachePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
    if (funcs.size() != 1) {
      module.emitError("gaon-llm-kv-cache expects one function");
      return signalPassFailure();
    }
    KvCacheRewriter rewriter(module, funcs.front());
    if (failed(rewriter.run()))
      signalPassFailure();
  }
};

} // namespace
} // namespace gaon
