//===- KernelSupport.cpp - what the CPU kernel families share -------------===//

#include "targets/cpu/kernels/KernelSupport.h"

namespace gaon::cpu {

/// Splits [0, n) over up to `threads` threads of the OpenMP pool (the one
/// oneDNN uses, so the two never oversubscribe the cores); small work runs
/// inline.
void parallelFor(int64_t n, int threads, int64_t grain,
                 const std::function<void(int64_t, int64_t)> &fn) {
  int64_t workers = std::min<int64_t>(
      std::max(1, threads), std::max<int64_t>(1, n / std::max<int64_t>(grain, 1)));
  if (workers <= 1) {
    fn(0, n);
    return;
  }
  int64_t chunk = (n + workers - 1) / workers;
#pragma omp parallel for num_threads(workers) schedule(static, 1)
  for (int64_t w = 0; w < workers; ++w) {
    int64_t b = w * chunk, e = std::min(n, b + chunk);
    if (b < e)
      fn(b, e);
  }
}

std::vector<int64_t> strides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    s[d] = s[d + 1] * shape[d + 1];
  return s;
}

/// The strided walk over `outShape`: for each element (row-major), the
/// source index base + sum(index[d] * st[d]). Broadcast, transpose and
/// slice are such walks.
std::vector<int64_t> stridedMap(const std::vector<int64_t> &outShape,
                                const std::vector<int64_t> &st, int64_t base) {
  int64_t rank = outShape.size(), count = 1;
  for (int64_t d : outShape)
    count *= d;
  std::vector<int64_t> map(count), index(rank, 0);
  int64_t cur = base;
  for (int64_t i = 0; i < count; ++i) {
    map[i] = cur;
    for (int64_t d = rank - 1; d >= 0; --d) {
      cur += st[d];
      if (++index[d] < outShape[d])
        break;
      cur -= st[d] * index[d];
      index[d] = 0;
    }
  }
  return map;
}

std::vector<int64_t> broadcastStrides(const std::vector<int64_t> &shape,
                                      const std::vector<int64_t> &out) {
  int64_t rank = out.size(), offset = rank - shape.size();
  std::vector<int64_t> st(rank, 0);
  int64_t stride = 1;
  for (int64_t d = rank - 1; d >= offset; --d) {
    st[d] = shape[d - offset] == 1 ? 0 : stride;
    stride *= shape[d - offset];
  }
  return st;
}

/// For each output element (row-major), the index of the element of an
/// operand of `shape` that numpy broadcasting reads.
std::vector<int64_t> broadcastMap(const std::vector<int64_t> &shape,
                                  const std::vector<int64_t> &out) {
  return stridedMap(out, broadcastStrides(shape, out), 0);
}

std::string unsupportedType(const OpDesc &op, gaon_dtype t) {
  return op.kind + " has no CPU kernel for " + gaon_dtype_name(t);
}

} // namespace gaon::cpu
