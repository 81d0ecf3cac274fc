//===- AttentionGroup.cpp - a decoder's attention as one NPU op -----------===//

#include "compiler/npu/Placement/AttentionGroup.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace gaon::npu {
namespace {

RankedTensorType typeOf(Value v) {
  return llvm::dyn_cast<RankedTensorType>(v.getType());
}

bool hasOneUser(Value v, Operation *user) {
  return v.hasOneUse() && *v.getUsers().begin() == user;
}

bool isHeadTranspose(graph::TransposeOp t) {
  ArrayRef<int64_t> perm = t.getPerm();
  return perm.size() == 4 && perm[0] == 0 && perm[1] == 2 && perm[2] == 1 &&
         perm[3] == 3;
}

/// `v` is a session-state argument of the function (a cache).
bool isStateArgument(Value v) {
  auto arg = llvm::dyn_cast<BlockArgument>(v);
  if (!arg)
    return false;
  auto func = llvm::dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
  return func && func.getArgAttr(arg.getArgNumber(), "gaon.state");
}

/// Walks `v` back to the projection rows: [rotary of] transpose of reshape
/// of B x S x H*D rows. Fails with `why`.
LogicalResult matchOperand(Value v, Operation *user, bool mayRotate,
                           AttentionOperand &out, std::string &why,
                           const char *what) {
  if (!hasOneUser(v, user)) {
    why = std::string("its ") + what + " is read elsewhere too";
    return failure();
  }
  Operation *def = v.getDefiningOp();
  if (auto rotary = llvm::dyn_cast_or_null<graph::RotaryEmbeddingOp>(def)) {
    if (!mayRotate || rotary.getInterleaved()) {
      why = std::string("its ") + what +
            " is rotated in a form the NPU lowering lacks (interleaved, or "
            "a rotated value)";
      return failure();
    }
    out.rotary = rotary;
    v = rotary.getInput();
    if (!hasOneUser(v, rotary)) {
      why = std::string("its ") + what + " heads are read elsewhere too";
      return failure();
    }
    def = v.getDefiningOp();
  }
  out.transpose = llvm::dyn_cast_or_null<graph::TransposeOp>(def);
  if (!out.transpose || !isHeadTranspose(out.transpose)) {
    why = std::string("its ") + what +
          " is not the projection's rows split into heads (reshape, then "
          "transpose 0, 2, 1, 3)";
    return failure();
  }
  out.reshape = out.transpose.getInput().getDefiningOp<graph::ReshapeOp>();
  if (!out.reshape || !hasOneUser(out.reshape.getOutput(), out.transpose) ||
      !hasOneUser(out.transpose.getOutput(),
                  out.rotary ? out.rotary.getOperation() : user)) {
    why = std::string("its ") + what +
          " heads are not a reshape of the projection's rows read only here";
    return failure();
  }
  out.rows = out.reshape.getInput();
  auto rows = typeOf(out.rows), heads = typeOf(out.reshape.getOutput());
  if (!rows || !heads || rows.getRank() != 3 || heads.getRank() != 4 ||
      !rows.hasStaticShape() || rows.getDimSize(0) != heads.getDimSize(0) ||
      rows.getDimSize(1) != heads.getDimSize(1) ||
      rows.getDimSize(2) != heads.getDimSize(2) * heads.getDimSize(3)) {
    why = std::string("its ") + what +
          " heads are not B x S x H x D from B x S x H*D rows";
    return failure();
  }
  return success();
}

} // namespace

SmallVector<Operation *> AttentionGroup::members() const {
  SmallVector<Operation *> ops;
  for (const AttentionOperand *o : {&q, &k, &v}) {
    ops.push_back(o->reshape);
    ops.push_back(o->transpose);
    if (o->rotary)
      ops.push_back(o->rotary);
    if (o->update)
      ops.push_back(o->update);
  }
  ops.push_back(lengths);
  ops.append(rowReads.begin(), rowReads.end());
  ops.push_back(outTranspose);
  ops.push_back(outReshape);
  return ops;
}

std::optional<AttentionGroup> matchAttentionGroup(graph::AttentionOp a,
                                                  std::string &why) {
  AttentionGroup g;
  g.attention = a;
  auto qt = typeOf(a.getQuery()), kt = typeOf(a.getKey()),
       vt = typeOf(a.getValue());
  if (!qt || !kt || !vt || !qt.hasStaticShape() || !kt.hasStaticShape() ||
      !vt.hasStaticShape() || !qt.getElementType().isF32()) {
    why = "the NPU's attention takes static f32 tensors";
    return std::nullopt;
  }
  if (!a.getCausal() || a.getMask() || !a.getKvLengths() ||
      a.getSoftcap().convertToFloat() != 0.0f) {
    why = "the NPU lowers a decoder step's causal attention over the cache "
          "(gaonc --max-seq-len), without an additive mask or softcap";
    return std::nullopt;
  }
  g.batch = qt.getDimSize(0);
  g.heads = qt.getDimSize(1);
  g.seq = qt.getDimSize(2);
  g.headDim = qt.getDimSize(3);
  g.kvHeads = kt.getDimSize(1);
  g.maxLen = kt.getDimSize(2);
  g.window = a.getWindow();
  g.scale = a.getScale().convertToFloat();
  if (vt.getShape() != kt.getShape() || kt.getDimSize(3) != g.headDim) {
    why = "keys and values of different shapes";
    return std::nullopt;
  }
  if (failed(matchOperand(a.getQuery(), a, true, g.q, why, "query")))
    return std::nullopt;
  // Keys and values: cache updates of the session's caches at `position`.
  for (auto [operand, side, what] :
       {std::tuple{a.getKey(), &g.k, "key"},
        std::tuple{a.getValue(), &g.v, "value"}}) {
    auto update = operand.getDefiningOp<graph::CacheUpdateOp>();
    if (!update || update.getAxis() != 2 ||
        !isStateArgument(update.getCache())) {
      why = std::string("its ") + what +
            "s are not the session's cache updated in place "
            "(gaonc --max-seq-len)";
      return std::nullopt;
    }
    for (Operation *user : update.getOutput().getUsers())
      if (user != a.getOperation() &&
          !user->hasTrait<OpTrait::IsTerminator>()) { // returned (present)
        why = std::string("its updated ") + what + " cache is read elsewhere";
        return std::nullopt;
      }
    side->update = update;
    if (failed(matchOperand(update.getUpdate(), update, side == &g.k, *side,
                            why, what)))
      return std::nullopt;
  }
  g.kCache = g.k.update.getCache();
  g.vCache = g.v.update.getCache();
  g.position = g.k.update.getPositions();
  if (g.v.update.getPositions() != g.position) {
    why = "keys and values are written at different positions";
    return std::nullopt;
  }
  // kv_lengths = position + S, read only here.
  g.lengths = a.getKvLengths().getDefiningOp<graph::AddOp>();
  DenseIntElementsAttr s;
  if (!g.lengths || !hasOneUser(g.lengths.getOutput(), a) ||
      !((g.lengths.getLhs() == g.position &&
         matchPattern(g.lengths.getRhs(), m_Constant(&s))) ||
        (g.lengths.getRhs() == g.position &&
         matchPattern(g.lengths.getLhs(), m_Constant(&s)))) ||
      !s.isSplat() || s.getSplatValue<APInt>().getSExtValue() != g.seq) {
    why = "its key counts are not position + the step's tokens";
    return std::nullopt;
  }
  // Rotary: q and k alike, or neither (NoPE layers).
  if (bool(g.q.rotary) != bool(g.k.rotary)) {
    why = "only one of query and key is rotated";
    return std::nullopt;
  }
  if (g.q.rotary) {
    g.cos = g.q.rotary.getCos();
    g.sin = g.q.rotary.getSin();
    // Tabulated: each rotary reads rows of one cos and one sin table at
    // the position, read nowhere else.
    auto tableOf = [&](Value rows, Operation *user) -> Value {
      auto read = rows.getDefiningOp<graph::PositionRowsOp>();
      if (!read || read.getPositions() != g.position ||
          !hasOneUser(rows, user) || !read.getTable().getDefiningOp<graph::ConstantOp>())
        return Value();
      g.rowReads.push_back(read);
      return read.getTable();
    };
    Value qCos = tableOf(g.cos, g.q.rotary), qSin = tableOf(g.sin, g.q.rotary),
          kCos = tableOf(g.k.rotary.getCos(), g.k.rotary),
          kSin = tableOf(g.k.rotary.getSin(), g.k.rotary);
    bool tabulated = qCos && qCos == kCos && qSin && qSin == kSin;
    if (tabulated) {
      g.cosTable = qCos;
      g.sinTable = qSin;
    } else {
      g.rowReads.clear();
    }
    auto ct = typeOf(g.cos);
    if ((!tabulated &&
         (g.k.rotary.getCos() != g.cos || g.k.rotary.getSin() != g.sin)) ||
        !ct || ct.getRank() != 4 || !ct.getElementType().isF32() ||
        ct.getDimSize(1) != 1 || ct.getDimSize(2) != g.seq ||
        (ct.getDimSize(0) != 1 && ct.getDimSize(0) != g.batch)) {
      why = "query and key rotate by tables other than one cos and sin row "
            "per position";
      return std::nullopt;
    }
    g.rotary = ct.getDimSize(3);
    g.cosRows = ct.getDimSize(0) * g.seq;
  }
  // The result back to rows.
  Value result = a.getOutput();
  g.outTranspose =
      result.hasOneUse()
          ? llvm::dyn_cast<graph::TransposeOp>(*result.getUsers().begin())
          : graph::TransposeOp();
  if (!g.outTranspose || !isHeadTranspose(g.outTranspose) ||
      !g.outTranspose.getOutput().hasOneUse()) {
    why = "its result is not transposed back to B x S x H x D";
    return std::nullopt;
  }
  g.outReshape = llvm::dyn_cast<graph::ReshapeOp>(
      *g.outTranspose.getOutput().getUsers().begin());
  auto outType = g.outReshape ? typeOf(g.outReshape.getOutput())
                              : RankedTensorType();
  if (!outType || outType.getRank() != 3 ||
      outType.getDimSize(2) != g.heads * g.headDim) {
    why = "its result is not reshaped back to B x S x H*D rows";
    return std::nullopt;
  }
  if (g.heads % g.kvHeads) {
    why = "query heads are not a multiple of key/value heads";
    return std::nullopt;
  }
  return g;
}

} // namespace gaon::npu
