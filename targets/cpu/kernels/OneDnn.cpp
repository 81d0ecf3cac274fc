//===- OneDnn.cpp - float convolution and matrix products on oneDNN -------===//
//
// oneDNN is the industry's CPU library for these two ops; on plain (NCHW,
// OIHW) layouts it picks JIT-compiled AVX2 code. Primitives are created per
// call and come from oneDNN's primitive cache after the first run, so a
// session pays creation once per distinct op shape.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/OneDnn.h"


#include <dnnl.hpp>
#include <omp.h>

namespace gaon::cpu {
namespace {

dnnl::engine &engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;
using dims = dnnl::memory::dims;

tag plainTag(size_t rank) {
  switch (rank) {
  case 3: return tag::ncw;
  case 4: return tag::nchw;
  default: return tag::ncdhw;
  }
}

tag weightTag(size_t rank, bool grouped) {
  if (grouped) {
    switch (rank) {
    case 3: return tag::goiw;
    case 4: return tag::goihw;
    default: return tag::goidhw;
    }
  }
  switch (rank) {
  case 3: return tag::oiw;
  case 4: return tag::oihw;
  default: return tag::oidhw;
  }
}

/// The memory layout a view's bytes are in.
tag viewTag(const View &v) {
  return v.channelsLast ? tag::nhwc : plainTag(v.shape.size());
}

} // namespace

namespace {

/// The descriptors of a convolution call; `any` lets oneDNN choose layouts.
struct ConvShapes {
  dnnl::memory::desc src, wei, dst, bias, weiPlain;
  dnnl::memory::desc residual; // a fused residual add's input, if any
  bool sumInPlace = false;      // or the output holds the residual
  dims strides, dilations, padL, padR;
  bool hasBias;
};

ConvShapes convShapes(const OpDesc &op, const std::vector<View> &in,
                      const std::vector<View> &out, bool any) {
  const View &x = in[0], &w = in[1], &y = out[0];
  size_t rank = x.shape.size(), k = rank - 2;
  int64_t group = op.getInt("group", 1);
  auto st = op.getInts("strides"), dil = op.getInts("dilations"),
       pads = op.getInts("pads");
  ConvShapes c;
  c.strides.assign(st.begin(), st.end());
  for (size_t d = 0; d < k; ++d) {
    c.dilations.push_back(dil[d] - 1);
    c.padL.push_back(pads[d]);
    c.padR.push_back(pads[d + k]);
  }
  dims wDims;
  if (group > 1) {
    wDims = {group, w.shape[0] / group, w.shape[1]};
    wDims.insert(wDims.end(), w.shape.begin() + 2, w.shape.end());
  } else {
    wDims.assign(w.shape.begin(), w.shape.end());
  }
  c.weiPlain = dnnl::memory::desc(wDims, dt::f32, weightTag(rank, group > 1));
  // Channels-last activations are kept as they are: oneDNN's NHWC kernels
  // are its fastest, and a reorder would cost what the layout saves.
  c.src = dnnl::memory::desc(dims(x.shape.begin(), x.shape.end()), dt::f32,
                             any && !x.channelsLast ? tag::any : viewTag(x));
  c.wei = any ? dnnl::memory::desc(wDims, dt::f32, tag::any) : c.weiPlain;
  // A fused residual add reads its input in the output's layout, so the
  // output keeps the arena's layout too. Mode 2: the output already holds
  // the residual (a sum post-op); mode 1: a separate input (binary add).
  int64_t residual = op.getInt("fused_sum", 0);
  c.dst = dnnl::memory::desc(
      dims(y.shape.begin(), y.shape.end()), dt::f32,
      any && !y.channelsLast && !residual ? tag::any : viewTag(y));
  c.sumInPlace = residual == 2;
  if (residual == 1)
    c.residual = dnnl::memory::desc(dims(y.shape.begin(), y.shape.end()),
                                    dt::f32, viewTag(in[3]));
  c.hasBias = in.size() > 2 && in[2].data;
  c.bias = dnnl::memory::desc({y.shape[1]}, dt::f32, tag::x);
  return c;
}

dnnl::convolution_forward::primitive_desc convPrimitive(const OpDesc &op,
                                                        const ConvShapes &c) {
  auto desc = c.hasBias
                  ? dnnl::convolution_forward::desc(
                        dnnl::prop_kind::forward_inference,
                        dnnl::algorithm::convolution_direct, c.src, c.wei,
                        c.bias, c.dst, c.strides, c.dilations, c.padL, c.padR)
                  : dnnl::convolution_forward::desc(
                        dnnl::prop_kind::forward_inference,
                        dnnl::algorithm::convolution_direct, c.src, c.wei,
                        c.dst, c.strides, c.dilations, c.padL, c.padR);
  dnnl::primitive_attr attr;
  dnnl::post_ops post;
  // Post-op 0 (when present): the residual add; then the activation.
  if (c.sumInPlace)
    post.append_sum(1.0f);
  else if (!c.residual.is_zero())
    post.append_binary(dnnl::algorithm::binary_add, c.residual);
  std::string activation = op.getString("fused_activation", "");
  if (!activation.empty()) {
    auto bounds = op.getFloats("fused_activation");
    if (activation == "clip")
      post.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip_v2,
                          float(bounds[0]), float(bounds[1]));
    else
      post.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
  }
  if (post.len())
    attr.set_post_ops(post);
  return dnnl::convolution_forward::primitive_desc(desc, attr, engine());
}

struct ConvState : KernelState {
  dnnl::convolution_forward conv;
  dnnl::memory weights, srcBlocked, dstBlocked;
  // The layouts of the arena tensors (row-major or channels-last).
  dnnl::memory::desc srcPlain, dstPlain;
  bool sumInPlace = false; // the output holds the residual (fused_sum 2)
  bool reorderSrc = false, reorderDst = false;
  // Made once: a run only points them at its buffers (creating a stream,
  // memories and reorder primitives per call cost about 10 us each).
  dnnl::stream stream;
  dnnl::memory src, dst, bias, residualMemory;
  dnnl::reorder toBlocked, fromBlocked;
  std::unordered_map<int, dnnl::memory> args;
};

} // namespace

std::string oneDnnConv(const OpDesc &op, const std::vector<View> &in,
                       const std::vector<View> &out, int threads) {
  const View &x = in[0], &w = in[1], &y = out[0];
  size_t rank = x.shape.size();
  if (rank < 3 || rank > 5)
    return "oneDNN convolution supports 1-D to 3-D";
  if (x.channelsLast || y.channelsLast)
    return "a channels-last convolution runs prepared only";
  try {
    ConvShapes c = convShapes(op, in, out, /*any=*/false);
    dnnl::convolution_forward conv(convPrimitive(op, c));
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, dnnl::memory(c.src, engine(), x.data)},
        {DNNL_ARG_WEIGHTS, dnnl::memory(c.wei, engine(), w.data)},
        {DNNL_ARG_DST, dnnl::memory(c.dst, engine(), y.data)}};
    if (c.hasBias)
      args[DNNL_ARG_BIAS] = dnnl::memory(c.bias, engine(), in[2].data);
    if (!c.residual.is_zero())
      args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] =
          dnnl::memory(c.residual, engine(), in[3].data);
    if (c.sumInPlace && in[3].data != y.data)
      return "an in-place residual sum needs its output over the residual";
    omp_set_num_threads(std::max(1, threads));
    dnnl::stream stream(engine());
    conv.execute(stream, args);
    stream.wait();
  } catch (const dnnl::error &e) {
    return std::string("oneDNN convolution failed: ") + e.what();
  }
  return "";
}

std::string oneDnnConvPrepare(const OpDesc &op, const std::vector<View> &in,
                              const std::vector<View> &out,
                              std::unique_ptr<KernelState> &state) {
  const View &x = in[0], &w = in[1];
  // Only f32 convolutions whose weights are constants (their data is known
  // now) take the blocked path; the rest run the plain kernel.
  if (x.dtype != GAON_F32 || x.shape.size() < 3 || x.shape.size() > 5 ||
      !w.isConstant)
    return "";
  try {
    ConvShapes c = convShapes(op, in, out, /*any=*/true);
    auto pd = convPrimitive(op, c);
    auto s = std::make_unique<ConvState>();
    s->conv = dnnl::convolution_forward(pd);
    s->srcPlain = dnnl::memory::desc(c.src.dims(), dt::f32, viewTag(x));
    s->dstPlain = dnnl::memory::desc(c.dst.dims(), dt::f32, viewTag(out[0]));
    s->sumInPlace = c.sumInPlace;
    s->reorderSrc = pd.src_desc() != s->srcPlain;
    s->reorderDst = pd.dst_desc() != s->dstPlain;
    if (s->reorderSrc)
      s->srcBlocked = dnnl::memory(pd.src_desc(), engine());
    if (s->reorderDst)
      s->dstBlocked = dnnl::memory(pd.dst_desc(), engine());
    s->weights = dnnl::memory(pd.weights_desc(), engine());
    s->stream = dnnl::stream(engine());
    dnnl::memory plainWeights(c.weiPlain, engine(), w.data);
    dnnl::reorder(plainWeights, s->weights)
        .execute(s->stream, plainWeights, s->weights);
    s->stream.wait();
    // Memories without buffers yet; each run sets their handles.
    s->src = dnnl::memory(s->srcPlain, engine(), DNNL_MEMORY_NONE);
    s->dst = dnnl::memory(s->dstPlain, engine(), DNNL_MEMORY_NONE);
    s->args = {{DNNL_ARG_SRC, s->reorderSrc ? s->srcBlocked : s->src},
               {DNNL_ARG_WEIGHTS, s->weights},
               {DNNL_ARG_DST, s->reorderDst ? s->dstBlocked : s->dst}};
    if (c.hasBias) {
      s->bias = dnnl::memory(c.bias, engine(), DNNL_MEMORY_NONE);
      s->args[DNNL_ARG_BIAS] = s->bias;
    }
    if (!c.residual.is_zero()) {
      s->residualMemory = dnnl::memory(c.residual, engine(), DNNL_MEMORY_NONE);
      s->args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] =
          s->residualMemory;
    }
    if (s->reorderSrc)
      s->toBlocked = dnnl::reorder(s->src, s->srcBlocked);
    if (s->reorderDst)
      s->fromBlocked = dnnl::reorder(s->dstBlocked, s->dst);
    state = std::move(s);
  } catch (const dnnl::error &e) {
    return std::string("oneDNN convolution failed: ") + e.what();
  }
  return "";
}

std::string oneDnnConvRun(const OpDesc &op, const std::vector<View> &in,
                          const std::vector<View> &out, int threads,
                          KernelState &state) {
  auto &s = static_cast<ConvState &>(state);
  if (s.sumInPlace && in[3].data != out[0].data)
    return "an in-place residual sum needs its output over the residual";
  // Prepared with a bias or a residual exactly when the call has one.
  if (bool(s.bias) != (in.size() > 2 && in[2].data) ||
      bool(s.residualMemory) != (in.size() > 3 && in[3].data && !s.sumInPlace))
    return "the call's operands differ from the prepared convolution's";
  try {
    omp_set_num_threads(std::max(1, threads));
    s.src.set_data_handle(in[0].data);
    s.dst.set_data_handle(out[0].data);
    if (s.bias)
      s.bias.set_data_handle(in[2].data);
    if (s.residualMemory)
      s.residualMemory.set_data_handle(in[3].data);
    if (s.reorderSrc)
      s.toBlocked.execute(s.stream, s.src, s.srcBlocked);
    s.conv.execute(s.stream, s.args);
    if (s.reorderDst)
      s.fromBlocked.execute(s.stream, s.dstBlocked, s.dst);
    s.stream.wait();
  } catch (const dnnl::error &e) {
    return std::string("oneDNN convolution failed: ") + e.what();
  }
  return "";
}

std::string oneDnnMaxPool(const OpDesc &op, const std::vector<View> &in,
                          const std::vector<View> &out, int threads) {
  const View &x = in[0], &y = out[0];
  size_t rank = x.shape.size(), k = rank - 2;
  auto kernel = op.getInts("kernel_shape"), st = op.getInts("strides"),
       dil = op.getInts("dilations"), pads = op.getInts("pads");
  dims kernelDims(kernel.begin(), kernel.end()), strides(st.begin(), st.end()),
      dilations, padL, padR;
  for (size_t d = 0; d < k; ++d) {
    dilations.push_back(dil[d] - 1);
    padL.push_back(pads[d]);
    // The end padding that makes oneDNN's floor formula give our size.
    int64_t span = (kernel[d] - 1) * dil[d] + 1;
    padR.push_back(std::max<int64_t>(
        pads[d + k], (y.shape[d + 2] - 1) * st[d] + span - x.shape[d + 2] -
                         pads[d]));
  }
  dt type = x.dtype == GAON_I8 ? dt::s8 : x.dtype == GAON_U8 ? dt::u8 : dt::f32;
  try {
    dnnl::memory::desc src(dims(x.shape.begin(), x.shape.end()), type,
                           viewTag(x));
    dnnl::memory::desc dst(dims(y.shape.begin(), y.shape.end()), type,
                           viewTag(y));
    dnnl::pooling_v2_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, src,
        dst, strides, kernelDims, dilations, padL, padR);
    dnnl::pooling_v2_forward::primitive_desc pd(desc, engine());
    dnnl::pooling_v2_forward pool(pd);
    omp_set_num_threads(std::max(1, threads));
    dnnl::stream stream(engine());
    pool.execute(stream, {{DNNL_ARG_SRC, dnnl::memory(src, engine(), x.data)},
                          {DNNL_ARG_DST, dnnl::memory(dst, engine(), y.data)}});
    stream.wait();
  } catch (const dnnl::error &e) {
    return std::string("oneDNN pooling failed: ") + e.what();
  }
  return "";
}

std::string oneDnnSgemm(int64_t m, int64_t n, int64_t k, const float *a,
                        int64_t lda, const float *b, int64_t ldb, float *c,
                        int64_t ldc, int threads) {
  omp_set_num_threads(std::max(1, threads));
  dnnl_status_t status =
      dnnl_sgemm('N', 'N', m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  return status == dnnl_success ? "" : "oneDNN sgemm failed";
}

std::string oneDnnSgemmTransposedB(int64_t m, int64_t n, int64_t k,
                                   const float *a, int64_t lda, const float *b,
                                   int64_t ldb, float *c, int64_t ldc,
                                   int threads) {
  omp_set_num_threads(std::max(1, threads));
  dnnl_status_t status =
      dnnl_sgemm('N', 'T', m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  return status == dnnl_success ? "" : "oneDNN sgemm failed";
}

bool oneDnnIntegerGemmIsExact() {
  static const bool exact = [] {
    switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::avx2_vnni:
    case dnnl::cpu_isa::avx512_core_vnni:
    case dnnl::cpu_isa::avx512_core_bf16:
    case dnnl::cpu_isa::avx512_core_amx:
      return true;
    default:
      return false;
    }
  }();
  return exact;
}

std::string oneDnnIntegerGemmOffsets(int64_t m, int64_t n, int64_t k,
                                     const void *a, bool aUnsigned, int32_t ao,
                                     const int8_t *b, int32_t bo, int32_t *c,
                                     int threads) {
  omp_set_num_threads(std::max(1, threads));
  const int32_t zero = 0;
  dnnl_status_t status =
      aUnsigned
          ? dnnl_gemm_u8s8s32('N', 'N', 'F', m, n, k, 1.0f,
                              static_cast<const uint8_t *>(a), k, uint8_t(ao),
                              b, n, int8_t(bo), 0.0f, c, n, &zero)
          : dnnl_gemm_s8s8s32('N', 'N', 'F', m, n, k, 1.0f,
                              static_cast<const int8_t *>(a), k, int8_t(ao), b,
                              n, int8_t(bo), 0.0f, c, n, &zero);
  return status == dnnl_success ? "" : "oneDNN integer GEMM failed";
}

} // namespace gaon::cpu
