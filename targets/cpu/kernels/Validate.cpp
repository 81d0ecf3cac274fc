//===- Validate.cpp - checks a kernel call before it can run --------------===//
//
// A .gnb file passes the FlatBuffers verifier and the loader's checks of
// ids, offsets and sizes, but a damaged or hostile file can still pair an op
// with tensors or attributes that do not fit (a stride of zero, a weight of
// the wrong shape). Kernels index by these, so each call is checked once,
// when a session is prepared, against the same rules the graph dialect's
// verifiers enforce. A kernel may then trust its operands.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/Kernels.h"
#include "targets/cpu/kernels/Layouts.h"
#include "targets/cpu/kernels/QuantKernels.h"


#include <algorithm>
#include <map>
#include <set>

namespace gaon::cpu {
namespace {

using Shape = std::vector<int64_t>;
using Views = std::vector<View>;

struct Arity {
  int minIn, maxIn, minOut, maxOut;
};

const std::map<std::string, Arity> &arities() {
  static const std::map<std::string, Arity> table = [] {
    std::map<std::string, Arity> t;
    for (const std::string &k : kernelNames())
      t[k] = {1, 1, 1, 1};
    for (const char *k :
         {"add", "sub", "mul", "div", "pow", "max", "min", "mod", "prelu",
          "and", "or", "xor", "bit_shift", "equal", "less", "less_equal",
          "greater", "greater_equal", "matmul", "gather", "gather_elements",
          "gather_nd", "rms_norm", "qadd", "position_rows"})
      t[std::string("graph.") + k] = {2, 2, 1, 1};
    for (const char *k : {"select", "scatter_elements", "scatter_nd",
                          "instance_norm", "quantize_linear"})
      t[std::string("graph.") + k] = {3, 3, 1, 1};
    // graph.conv's fourth input: a fused residual add's (fused_sum).
    t["graph.conv"] = {2, 4, 1, 1};
    t["graph.conv_transpose"] = t["graph.layer_norm"] = t["graph.qconv"] = t["graph.qmatmul"] =
            t["graph.block_dequantize"] = {2, 3, 1, 1};
    t["graph.rotary_embedding"] = t["graph.cache_update"] = {3, 3, 1, 1};
    t["graph.attention"] = {3, 5, 1, 1};
    t["graph.dynamic_quantize"] = {1, 1, 3, 3};
    t["graph.batch_norm"] = {5, 5, 1, 1};
    t["graph.concat"] = {1, 1 << 20, 1, 1};
    t["graph.split"] = {1, 1, 1, 1 << 20};
    t["graph.top_k"] = {1, 1, 2, 2};
    return t;
  }();
  return table;
}

bool broadcastsTo(const Shape &in, const Shape &out) {
  if (in.size() > out.size())
    return false;
  size_t offset = out.size() - in.size();
  for (size_t d = 0; d < in.size(); ++d)
    if (in[d] != 1 && in[d] != out[d + offset])
      return false;
  return true;
}

bool validAxis(int64_t axis, size_t rank) {
  return axis >= 0 && axis < (int64_t)rank;
}

std::string checkWindow(const OpDesc &op, const View &x, const View &y,
                        const Shape &kernel, bool transposed) {
  size_t rank = x.shape.size();
  if (rank < 3 || y.shape.size() != rank)
    return "needs rank >= 3 tensors of one rank";
  size_t k = rank - 2;
  auto st = op.getInts("strides"), dil = op.getInts("dilations"),
       pads = op.getInts("pads");
  if (st.size() != k || dil.size() != k || pads.size() != 2 * k ||
      kernel.size() != k)
    return "window attributes do not match the spatial rank";
  Shape outPad = transposed ? op.getInts("output_padding") : Shape(k, 0);
  if (outPad.size() != k)
    return "output_padding does not match the spatial rank";
  for (size_t d = 0; d < k; ++d) {
    if (st[d] < 1 || dil[d] < 1 || kernel[d] < 1 || pads[d] < 0 ||
        pads[d + k] < 0 || st[d] > (1 << 30) || dil[d] > (1 << 30) ||
        pads[d] > (1 << 30) || pads[d + k] > (1 << 30) || kernel[d] > (1 << 30))
      return "window attributes are out of range";
    int64_t span = (kernel[d] - 1) * dil[d] + 1, expect;
    if (transposed) {
      expect = (x.shape[d + 2] - 1) * st[d] + span - pads[d] - pads[d + k] +
               outPad[d];
    } else {
      int64_t num = x.shape[d + 2] + pads[d] + pads[d + k] - span;
      if (num < 0)
        return "window larger than the padded input";
      expect = num / st[d] + 1;
      if (op.getInt("ceil_mode", 0)) {
        expect = (num + st[d] - 1) / st[d] + 1;
        if ((expect - 1) * st[d] >= x.shape[d + 2] + pads[d])
          --expect;
      }
    }
    if (y.shape[d + 2] != expect)
      return "output spatial size does not match the window attributes";
  }
  return "";
}

std::string checkConv(const OpDesc &op, const Views &in, const Views &out,
                      bool transposed) {
  std::string activation = op.getString("fused_activation", "");
  if (!activation.empty() && activation != "relu" &&
      !(activation == "clip" && op.getFloats("fused_activation").size() == 2))
    return "unknown fused activation '" + activation + "'";
  const View &x = in[0], &w = in[1], &y = out[0];
  // A fused residual add reads in[3], laid out as the output.
  if (in.size() == 4 && !op.getInt("fused_sum", 0))
    return "a fourth input is a fused residual add's, which needs fused_sum";
  if (op.getInt("fused_sum", 0) &&
      (transposed || in.size() != 4 || !in[3].data ||
       in[3].shape != y.shape || in[3].dtype != y.dtype ||
       in[3].dtype != GAON_F32 || in[3].channelsLast != y.channelsLast))
    return "a fused residual add takes an f32 fourth input of the output's "
           "shape and layout";
  if (w.shape.size() != x.shape.size() || x.dtype != w.dtype ||
      y.dtype != x.dtype)
    return "input, weight and output must share rank and dtype";
  int64_t group = op.getInt("group", 1);
  int64_t C = x.shape[1];
  if (group < 1 || C % group || y.shape[0] != x.shape[0])
    return "group and channels do not fit";
  if (!transposed && (w.shape[1] != C / group || w.shape[0] != y.shape[1] ||
                      y.shape[1] % group))
    return "weight shape does not fit the input and output channels";
  if (transposed && (w.shape[0] != C || w.shape[1] * group != y.shape[1]))
    return "weight shape does not fit the input and output channels";
  if (in.size() > 2 && in[2].data &&
      (in[2].shape.size() != 1 || in[2].shape[0] != y.shape[1] ||
       in[2].dtype != x.dtype))
    return "bias shape does not fit the output channels";
  return checkWindow(op, x, y, Shape(w.shape.begin() + 2, w.shape.end()),
                     transposed);
}

/// numpy.matmul's shape rule; the result must hold exactly its elements.
std::string checkMatMulShapes(Shape a, Shape b, const View &y) {
  if (a.empty() || b.empty())
    return "operands must have rank >= 1";
  if (a.size() == 1)
    a.insert(a.begin(), 1);
  if (b.size() == 1)
    b.push_back(1);
  if (a.back() != b[b.size() - 2])
    return "contracting dimensions differ";
  Shape ab(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
  size_t rank = std::max(ab.size(), bb.size());
  int64_t expect = a[a.size() - 2] * b.back();
  for (size_t i = 0; i < rank; ++i) {
    int64_t p = i < rank - ab.size() ? 1 : ab[i - (rank - ab.size())];
    int64_t q = i < rank - bb.size() ? 1 : bb[i - (rank - bb.size())];
    if (p != q && p != 1 && q != 1)
      return "batch dimensions do not broadcast";
    expect *= std::max(p, q);
  }
  return y.count() == expect ? "" : "result size is wrong";
}

std::string checkSameCount(const Views &in, const Views &out) {
  return in[0].count() == out[0].count() ? "" : "input and output sizes differ";
}

std::string check(const OpDesc &op, const Views &in, const Views &out) {
  const std::string &k = op.kind;
  const View &x = in[0], &y = out[0];
  static const std::set<std::string> binary = {
      "graph.add", "graph.sub", "graph.mul", "graph.div", "graph.pow",
      "graph.max", "graph.min", "graph.mod", "graph.prelu", "graph.and",
      "graph.or", "graph.xor", "graph.bit_shift", "graph.equal",
      "graph.less", "graph.less_equal", "graph.greater",
      "graph.greater_equal", "graph.select"};
  if (binary.count(k)) {
    for (const View &v : in)
      if (!broadcastsTo(v.shape, y.shape))
        return "an operand does not broadcast to the result";
    return "";
  }
  if (k == "graph.conv")
    return checkConv(op, in, out, false);
  if (k == "graph.conv_transpose")
    return checkConv(op, in, out, true);
  if (k == "graph.max_pool" || k == "graph.avg_pool") {
    if (y.shape.size() != x.shape.size() || y.shape.size() < 3 ||
        y.shape[0] != x.shape[0] || y.shape[1] != x.shape[1])
      return "pooling keeps batch and channels";
    return checkWindow(op, x, y, op.getInts("kernel_shape"), false);
  }
  if (k == "graph.matmul") {
    if (x.dtype != in[1].dtype || y.dtype != x.dtype)
      return "operands and result must have one dtype";
    return checkMatMulShapes(x.shape, in[1].shape, y);
  }
  if (k == "graph.qconv" || k == "graph.qmatmul" || k == "graph.requantize" ||
      k == "graph.qadd" || k == "graph.dynamic_quantize" ||
      k == "graph.quantize_linear" || k == "graph.block_dequantize" ||
      k == "graph.qmean") {
    std::string error = checkQuantCall(op, in, out);
    if (!error.empty() || (k != "graph.qconv" && k != "graph.qmatmul"))
      return error;
    if (k == "graph.qmatmul")
      return checkMatMulShapes(x.shape, in[1].shape, y);
    const View &w = in[1];
    int64_t group = op.getInt("group", 1);
    if (w.shape.size() != x.shape.size() || group < 1 || x.shape[1] % group ||
        w.shape[0] % group || w.shape[1] != x.shape[1] / group ||
        y.shape.size() != x.shape.size() || y.shape[0] != x.shape[0] ||
        y.shape[1] != w.shape[0])
      return "weight shape does not fit the input and output channels";
    return checkWindow(op, x, y, Shape(w.shape.begin() + 2, w.shape.end()),
                       false);
  }
  if (k == "graph.transpose") {
    Shape perm = op.getInts("perm");
    if (perm.size() != x.shape.size() || y.shape.size() != perm.size())
      return "perm does not match the rank";
    std::vector<bool> seen(perm.size());
    for (size_t d = 0; d < perm.size(); ++d) {
      if (!validAxis(perm[d], perm.size()) || seen[perm[d]] ||
          y.shape[d] != x.shape[perm[d]])
        return "perm is not a permutation matching the shapes";
      seen[perm[d]] = true;
    }
    return "";
  }
  if (k == "graph.slice") {
    Shape starts = op.getInts("starts"), steps = op.getInts("steps");
    size_t rank = x.shape.size();
    if (starts.size() != rank || steps.size() != rank || y.shape.size() != rank)
      return "starts and steps do not match the rank";
    for (size_t d = 0; d < rank; ++d) {
      if (y.shape[d] == 0)
        continue;
      int64_t last = starts[d] + (y.shape[d] - 1) * steps[d];
      if (steps[d] == 0 || starts[d] < 0 || starts[d] >= x.shape[d] ||
          last < 0 || last >= x.shape[d])
        return "slice reads out of bounds";
    }
    return "";
  }
  if (k == "graph.concat" || k == "graph.split") {
    const Views &parts = k == "graph.concat" ? in : out;
    const View &whole = k == "graph.concat" ? y : x;
    int64_t axis = op.getInt("axis", 0), sum = 0;
    if (!validAxis(axis, whole.shape.size()))
      return "axis out of range";
    for (const View &v : parts) {
      if (v.shape.size() != whole.shape.size() || v.dtype != whole.dtype)
        return "parts differ in rank or dtype";
      for (size_t d = 0; d < v.shape.size(); ++d)
        if ((int64_t)d != axis && v.shape[d] != whole.shape[d])
          return "parts differ off the axis";
      sum += v.shape[axis];
    }
    return sum == whole.shape[axis] ? "" : "parts do not add up";
  }
  if (k == "graph.gather") {
    int64_t axis = op.getInt("axis", 0);
    if (!validAxis(axis, x.shape.size()) ||
        (in[1].dtype != GAON_I32 && in[1].dtype != GAON_I64))
      return "bad axis or index type";
    Shape expect(x.shape.begin(), x.shape.begin() + axis);
    expect.insert(expect.end(), in[1].shape.begin(), in[1].shape.end());
    expect.insert(expect.end(), x.shape.begin() + axis + 1, x.shape.end());
    return expect == y.shape ? "" : "result shape is wrong";
  }
  if (k == "graph.gather_elements" || k == "graph.scatter_elements") {
    int64_t axis = op.getInt("axis", 0);
    const View &idx = in[1];
    if (!validAxis(axis, x.shape.size()) || idx.shape.size() != x.shape.size() ||
        (idx.dtype != GAON_I32 && idx.dtype != GAON_I64))
      return "bad axis, index rank or index type";
    for (size_t d = 0; d < x.shape.size(); ++d)
      if ((int64_t)d != axis && idx.shape[d] > x.shape[d])
        return "indices exceed the data off the axis";
    if (k == "graph.gather_elements")
      return y.shape == idx.shape ? "" : "result shape is wrong";
    return in[2].shape == idx.shape && y.shape == x.shape &&
                   in[2].dtype == x.dtype
               ? ""
               : "updates or result shape is wrong";
  }
  if (k == "graph.gather_nd" || k == "graph.scatter_nd") {
    const View &idx = in[1];
    int64_t b = k == "graph.gather_nd" ? op.getInt("batch_dims", 0) : 0;
    if (idx.shape.empty() || idx.dtype != GAON_I64 || b < 0 ||
        b >= (int64_t)std::min(x.shape.size(), idx.shape.size()))
      return "bad indices";
    int64_t m = idx.shape.back();
    if (m < 1 || m > (int64_t)x.shape.size() - b)
      return "index tuples do not fit the data";
    for (int64_t d = 0; d < b; ++d)
      if (x.shape[d] != idx.shape[d])
        return "batch dimensions differ";
    Shape slice(idx.shape.begin(), idx.shape.end() - 1);
    slice.insert(slice.end(), x.shape.begin() + b + m, x.shape.end());
    if (k == "graph.gather_nd")
      return y.shape == slice ? "" : "result shape is wrong";
    return in[2].shape == slice && y.shape == x.shape ? ""
                                                      : "updates shape is wrong";
  }
  if (k == "graph.expand")
    return broadcastsTo(x.shape, y.shape) ? "" : "input does not broadcast";
  if (k == "graph.tile") {
    Shape rep = op.getInts("repeats");
    if (rep.size() != x.shape.size() || y.shape.size() != rep.size())
      return "repeats do not match the rank";
    for (size_t d = 0; d < rep.size(); ++d)
      if (rep[d] < 0 || y.shape[d] != x.shape[d] * rep[d])
        return "result shape is wrong";
    return "";
  }
  if (k == "graph.pad") {
    Shape pads = op.getInts("pads");
    size_t rank = x.shape.size();
    if (pads.size() != 2 * rank || y.shape.size() != rank)
      return "pads do not match the rank";
    std::string mode = op.getString("mode", "constant");
    for (size_t d = 0; d < rank; ++d) {
      if (y.shape[d] != x.shape[d] + pads[d] + pads[d + rank])
        return "result shape is wrong";
      if (mode == "reflect" && (pads[d] >= x.shape[d] || pads[d + rank] >= x.shape[d]) &&
          (pads[d] > 0 || pads[d + rank] > 0))
        return "reflect pads exceed the axis";
      if (mode != "constant" && x.shape[d] == 0 && y.shape[d] > 0)
        return "cannot pad an empty axis in this mode";
    }
    return "";
  }
  if (k == "graph.reduce") {
    Shape axes = op.getInts("axes");
    int64_t expect = 1;
    for (size_t d = 0; d < x.shape.size(); ++d)
      if (std::find(axes.begin(), axes.end(), (int64_t)d) == axes.end())
        expect *= x.shape[d];
    for (int64_t a : axes)
      if (!validAxis(a, x.shape.size()))
        return "axis out of range";
    return y.count() == expect ? "" : "result size is wrong";
  }
  if (k == "graph.arg_max" || k == "graph.arg_min" || k == "graph.top_k") {
    int64_t axis = op.getInt("axis", 0);
    if (!validAxis(axis, x.shape.size()))
      return "axis out of range";
    if (k == "graph.top_k") {
      int64_t kk = op.getInt("k", 0);
      Shape expect = x.shape;
      if (kk < 0 || kk > x.shape[axis])
        return "k out of range";
      expect[axis] = kk;
      return y.shape == expect && out[1].shape == expect &&
                     out[1].dtype == GAON_I64 && y.dtype == x.dtype
                 ? ""
                 : "result shapes are wrong";
    }
    return y.dtype == GAON_I64 && y.count() == x.count() / std::max<int64_t>(1, x.shape[axis])
               ? ""
               : "result shape is wrong";
  }
  if (k == "graph.softmax" || k == "graph.log_softmax" || k == "graph.hardmax" ||
      k == "graph.cumsum")
    return validAxis(op.getInt("axis", 0), x.shape.size()) && x.shape == y.shape
               ? ""
               : "bad axis or shapes";
  if (k == "graph.batch_norm" || k == "graph.instance_norm") {
    if (x.shape.size() < 2 || x.shape != y.shape)
      return "bad input shape";
    for (size_t i = 1; i < in.size(); ++i)
      if (in[i].count() != x.shape[1] || in[i].dtype != x.dtype)
        return "per-channel operand size is wrong";
    return "";
  }
  if (k == "graph.layer_norm" || k == "graph.rms_norm") {
    int64_t axis = op.getInt("axis", 0);
    if (!validAxis(axis, x.shape.size()) || x.shape != y.shape)
      return "bad axis or shapes";
    Shape norm(x.shape.begin() + axis, x.shape.end());
    for (size_t i = 1; i < in.size(); ++i)
      if (in[i].data && (!broadcastsTo(in[i].shape, norm) || in[i].dtype != x.dtype))
        return "parameter does not broadcast to the normalized shape";
    return "";
  }
  if (k == "graph.rotary_embedding") {
    const View &c = in[1], &sn = in[2];
    if (x.shape.empty() || c.shape.empty() || x.shape != y.shape ||
        c.shape != sn.shape || c.dtype != x.dtype || sn.dtype != x.dtype)
      return "bad shapes or element types";
    int64_t rotary = c.shape.back();
    if (rotary < 2 || rotary % 2 || rotary > x.shape.back())
      return "rotary size must be even, >= 2 and at most the last size";
    Shape rotated = x.shape;
    rotated.back() = rotary;
    return broadcastsTo(c.shape, rotated)
               ? ""
               : "cos and sin do not broadcast to the input";
  }
  if (k == "graph.position_rows") {
    const View &p = in[1];
    if (x.shape.size() != 2 || y.shape.size() != 4 || y.dtype != x.dtype ||
        x.dtype != GAON_F32 || (p.dtype != GAON_I32 && p.dtype != GAON_I64) ||
        p.shape.size() != 1 || y.shape[1] != 1 || y.shape[3] != x.shape[1] ||
        (y.shape[0] != 1 && y.shape[0] != p.shape[0]))
      return "bad table, positions or row shapes";
    return "";
  }
  if (k == "graph.cache_update") {
    const View &u = in[1], &p = in[2];
    int64_t axis = op.getInt("axis", 0), rank = x.shape.size();
    if (rank < 2 || axis < 1 || axis >= rank || u.shape.size() != x.shape.size() ||
        u.dtype != x.dtype || y.shape != x.shape || y.dtype != x.dtype)
      return "bad axis, shapes or element types";
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && u.shape[d] != x.shape[d])
        return "cache and update shapes differ";
    if (u.shape[axis] > x.shape[axis] ||
        (p.dtype != GAON_I32 && p.dtype != GAON_I64) ||
        p.shape != Shape{x.shape[0]})
      return "bad update length or positions";
    return "";
  }
  if (k == "graph.attention") {
    std::vector<int64_t> seg = op.getInts("operandSegmentSizes");
    if (seg.size() != 5 || seg[0] != 1 || seg[1] != 1 || seg[2] != 1 ||
        seg[3] < 0 || seg[3] > 1 || seg[4] < 0 || seg[4] > 1 ||
        (int64_t)in.size() != 3 + seg[3] + seg[4])
      return "operandSegmentSizes does not match the operands";
    const View &kk = in[1], &v = in[2];
    if (x.shape.size() != 4 || kk.shape.size() != 4 || v.shape.size() != 4 ||
        kk.dtype != x.dtype || v.dtype != x.dtype)
      return "query, key and value must be rank 4 of one element type";
    int64_t B = x.shape[0], H = x.shape[1], S = x.shape[2], Hkv = kk.shape[1],
            T = kk.shape[2];
    if (kk.shape[0] != B || v.shape[0] != B || kk.shape[3] != x.shape[3] ||
        v.shape[1] != Hkv || v.shape[2] != T || Hkv < 1 || H % Hkv ||
        y.shape != Shape{B, H, S, v.shape[3]} || y.dtype != x.dtype)
      return "query, key, value and result shapes do not fit";
    if (seg[3] && (in[3].dtype != x.dtype ||
                   !broadcastsTo(in[3].shape, Shape{B, H, S, T})))
      return "mask does not broadcast to the scores";
    if (seg[4]) {
      const View &l = in[3 + seg[3]];
      if ((l.dtype != GAON_I32 && l.dtype != GAON_I64) ||
          l.shape != Shape{B})
        return "kv_lengths must be one i32 or i64 per batch row";
    }
    return op.getInt("window", 0) >= 0 && op.getFloat("softcap", 0) >= 0
               ? ""
               : "window and softcap must be >= 0";
  }
  if (k == "graph.resize")
    return op.getFloats("scales").size() == x.shape.size() &&
                   y.shape.size() == x.shape.size()
               ? ""
               : "scales do not match the rank";
  if (k == "graph.one_hot") {
    int64_t axis = op.getInt("axis", 0);
    return validAxis(axis, y.shape.size()) &&
                   y.shape.size() == x.shape.size() + 1 &&
                   y.count() == x.count() * y.shape[axis]
               ? ""
               : "result shape is wrong";
  }
  if (k == "graph.trilu")
    return x.shape.size() >= 2 && x.shape == y.shape ? "" : "bad shapes";
  if (k == "graph.lrn")
    return x.shape.size() >= 2 && x.shape == y.shape && op.getInt("size", 0) >= 1
               ? ""
               : "bad shapes or size";
  if (k == "graph.quantize" && !y.scales)
    return "result has no quantization parameters";
  if (k == "graph.dequantize" && !x.scales)
    return "input has no quantization parameters";
  // Elementwise unary ops, casts, reshape: one element per element.
  return checkSameCount(in, out);
}

} // namespace

/// Channels-last operands only where the kernel handles them (Layouts.h).
std::string checkLayouts(const OpDesc &op, const std::vector<View> &in,
                         const std::vector<View> &out) {
  bool any = false;
  for (const std::vector<View> *list : {&in, &out})
    for (const View &v : *list)
      any |= v.data && v.channelsLast;
  if (!any)
    return "";
  if (isLayoutAgnostic(op.kind)) {
    for (const std::vector<View> *list : {&in, &out})
      for (const View &v : *list) {
        if (!v.data || !v.channelsLast || v.shape != out[0].shape)
          return "channels-last operands of an elementwise kernel must all "
                 "be channels-last with the result's shape";
        if (v.scales && v.quantAxis >= 0)
          return "channels-last operands of an elementwise kernel must be "
                 "quantized per tensor";
      }
    return "";
  }
  LayoutRole role = layoutRole(op.kind);
  // Inputs after the first are row-major, except a fused residual add's,
  // which checkConv holds to the result's layout.
  size_t residual = op.getInt("fused_sum", 0) ? 3 : in.size();
  for (size_t i = 1; i < in.size(); ++i)
    if (in[i].data && in[i].channelsLast && i != residual)
      role = LayoutRole::None;
  for (size_t i = 1; i < out.size(); ++i)
    if (out[i].channelsLast)
      role = LayoutRole::None;
  bool eightBit = in[0].dtype == GAON_U8 || in[0].dtype == GAON_I8;
  bool quantized = op.kind == "graph.qconv" || op.kind == "graph.qmean";
  bool floatOnly = op.kind == "graph.conv" || op.kind == "graph.reduce";
  if (!(in[0].dtype == GAON_F32 || eightBit) || in[0].shape.size() != 4 ||
      (eightBit && floatOnly) || (!eightBit && quantized))
    role = LayoutRole::None;
  switch (role) {
  case LayoutRole::Independent:
    if (in.size() < 2 || !in[1].isConstant)
      return "a channels-last convolution needs constant weights";
    if (op.kind == "graph.qconv") {
      const View &w = in[1];
      if (!out[0].channelsLast)
        return "an 8-bit convolution with a channels-last input must have a "
               "channels-last result";
      if (w.shape.size() != 4)
        return "a channels-last 8-bit convolution needs rank-4 weights";
      if (w.dtype != GAON_I8 || !w.zeroPoints ||
          std::any_of(w.zeroPoints->begin(), w.zeroPoints->end(),
                      [](int64_t z) { return z != 0; }))
        return "a channels-last 8-bit convolution needs s8 weights with zero "
               "point 0";
      int64_t group = op.getInt("group", 1);
      bool depthwise = w.shape[1] == 1 && w.shape[0] == group;
      if (depthwise && !in[0].channelsLast)
        return "a channels-last depthwise convolution needs a channels-last "
               "input";
    }
    return "";
  case LayoutRole::Matched:
    if (in[0].channelsLast == out[0].channelsLast)
      return "";
    return "max pooling needs its input and result in one layout";
  case LayoutRole::SourceOnly: {
    auto axes = op.getInts("axes");
    if (op.kind == "graph.qmean") {
      if (!out[0].channelsLast && axes == std::vector<int64_t>{2, 3})
        return "";
      return "a channels-last 8-bit mean must be over axes 2 and 3";
    }
    std::string kind = op.getString("kind", "sum");
    if (!out[0].channelsLast && axes == std::vector<int64_t>{2, 3} &&
        (kind == "mean" || kind == "sum" || kind == "max"))
      return "";
    return "a channels-last reduction must be a mean, sum or max over "
           "axes 2 and 3";
  }
  case LayoutRole::None:
    break;
  }
  return "this kernel reads row-major tensors only, but an operand is "
         "channels-last";
}

std::string validateCall(const OpDesc &op, const std::vector<View> &in,
                         const std::vector<View> &out) {
  auto it = arities().find(op.kind);
  if (it == arities().end())
    return "no kernel for " + op.kind;
  const Arity &a = it->second;
  if ((int)in.size() < a.minIn || (int)in.size() > a.maxIn ||
      (int)out.size() < a.minOut || (int)out.size() > a.maxOut)
    return op.kind + " has " + std::to_string(in.size()) + " inputs and " +
           std::to_string(out.size()) + " outputs, which it cannot take";
  for (size_t i = 0; i < in.size(); ++i)
    if (!in[i].data && !(i >= 2 && (op.kind == "graph.conv" ||
                                    op.kind == "graph.conv_transpose" ||
                                    op.kind == "graph.layer_norm" ||
                                    op.kind == "graph.qconv" ||
                                    op.kind == "graph.qmatmul" ||
                                    op.kind == "graph.block_dequantize")))
      return op.kind + " is missing required input " + std::to_string(i);
  // Packed int4 is only ever block_dequantize's weights; other kernels
  // address elements in whole bytes.
  for (const std::vector<View> *list : {&in, &out})
    for (const View &v : *list)
      if (v.dtype == GAON_I4 && op.kind != "graph.block_dequantize")
        return op.kind + ": int4 operands are not supported (only "
                         "graph.block_dequantize reads packed int4)";
  std::string error = checkLayouts(op, in, out);
  if (error.empty())
    error = check(op, in, out);
  return error.empty() ? "" : op.kind + ": " + error;
}

} // namespace gaon::cpu
