//===- TensorKernels.cpp - data movement and indexing kernels ---------------===//
//
// Copies, transposes, slices, concatenation, padding and the gather/scatter
// family: strided walks over shapes, exact in every dtype.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/kernels/KernelSupport.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace gaon::cpu {
namespace {

//===----------------------------------------------------------------------===//

std::string kCopy(const OpDesc &, const Views &in, const Views &out, int) {
  if (out[0].data != in[0].data)
    std::memmove(out[0].data, in[0].data,
                 in[0].count() * gaon_dtype_size(in[0].dtype));
  return "";
}

/// out[i] = in[map[i]], element by element of any size.
void gatherBytes(const View &in, const View &out,
                 const std::vector<int64_t> &map) {
  size_t size = gaon_dtype_size(in.dtype);
  auto *x = in.as<uint8_t>();
  auto *y = out.as<uint8_t>();
  for (size_t i = 0; i < map.size(); ++i)
    std::memcpy(y + i * size, x + map[i] * size, size);
}

/// Walks the output in order and copies from the strided input position,
/// without materializing an index map.
template <typename E>
void stridedCopy(const E *x, E *y, const std::vector<int64_t> &shape,
                 const std::vector<int64_t> &st) {
  int64_t rank = shape.size(), count = 1;
  for (int64_t d : shape)
    count *= d;
  if (count == 0)
    return;
  int64_t innerSize = rank ? shape[rank - 1] : 1;
  int64_t innerStride = rank ? st[rank - 1] : 0;
  std::vector<int64_t> index(std::max<int64_t>(rank - 1, 0), 0);
  int64_t base = 0;
  for (int64_t i = 0; i < count; i += innerSize) {
    for (int64_t j = 0; j < innerSize; ++j)
      y[i + j] = x[base + j * innerStride];
    for (int64_t d = rank - 2; d >= 0; --d) {
      base += st[d];
      if (++index[d] < shape[d])
        break;
      base -= st[d] * index[d];
      index[d] = 0;
    }
  }
}

std::string kTranspose(const OpDesc &op, const Views &in, const Views &out,
                       int) {
  auto perm = op.getInts("perm");
  auto is = strides(in[0].shape);
  std::vector<int64_t> st;
  for (int64_t p : perm)
    st.push_back(is[p]);
  switch (gaon_dtype_size(in[0].dtype)) {
  case 4:
    stridedCopy(in[0].as<uint32_t>(), out[0].as<uint32_t>(), out[0].shape, st);
    return "";
  case 8:
    stridedCopy(in[0].as<uint64_t>(), out[0].as<uint64_t>(), out[0].shape, st);
    return "";
  case 2:
    stridedCopy(in[0].as<uint16_t>(), out[0].as<uint16_t>(), out[0].shape, st);
    return "";
  default:
    stridedCopy(in[0].as<uint8_t>(), out[0].as<uint8_t>(), out[0].shape, st);
    return "";
  }
}

std::string kSlice(const OpDesc &op, const Views &in, const Views &out, int) {
  auto starts = op.getInts("starts"), steps = op.getInts("steps");
  auto is = strides(in[0].shape);
  int64_t base = 0;
  std::vector<int64_t> st(is.size());
  for (size_t d = 0; d < is.size(); ++d) {
    base += starts[d] * is[d];
    st[d] = steps[d] * is[d];
  }
  gatherBytes(in[0], out[0], stridedMap(out[0].shape, st, base));
  return "";
}

std::string kExpand(const OpDesc &, const Views &in, const Views &out, int) {
  gatherBytes(in[0], out[0], broadcastMap(in[0].shape, out[0].shape));
  return "";
}

std::string kTile(const OpDesc &, const Views &in, const Views &out, int) {
  auto is = strides(in[0].shape);
  int64_t rank = in[0].shape.size(), count = out[0].count();
  std::vector<int64_t> map(count), index(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src += (index[d] % in[0].shape[d]) * is[d];
    map[i] = src;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < out[0].shape[d])
        break;
      index[d] = 0;
    }
  }
  gatherBytes(in[0], out[0], map);
  return "";
}

/// Concat copies each part's block into the whole, split the reverse: for
/// every outer index, the parts' (axis x inner) blocks follow each other.
void joinOrSplit(const View &whole, const Views &parts, int64_t axis,
                 bool join) {
  size_t size = gaon_dtype_size(whole.dtype);
  AxisSplit s(whole.shape, axis);
  auto *cursor = whole.as<uint8_t>();
  for (int64_t o = 0; o < s.outer; ++o)
    for (const View &part : parts) {
      int64_t block = part.shape[axis] * s.inner * size;
      uint8_t *p = part.as<uint8_t>() + o * block;
      std::memcpy(join ? cursor : p, join ? p : cursor, block);
      cursor += block;
    }
}

std::string kConcat(const OpDesc &op, const Views &in, const Views &out, int) {
  joinOrSplit(out[0], in, op.getInt("axis", 0), /*join=*/true);
  return "";
}

std::string kSplit(const OpDesc &op, const Views &in, const Views &out, int) {
  joinOrSplit(in[0], out, op.getInt("axis", 0), /*join=*/false);
  return "";
}

std::string kGather(const OpDesc &op, const Views &in, const Views &out, int) {
  int64_t axis = op.getInt("axis", 0);
  int64_t dim = in[0].shape[axis], outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= in[0].shape[d];
  for (size_t d = axis + 1; d < in[0].shape.size(); ++d)
    inner *= in[0].shape[d];
  std::vector<int64_t> picks(in[1].count());
  for (size_t i = 0; i < picks.size(); ++i) {
    int64_t v = in[1].dtype == GAON_I32 ? in[1].as<int32_t>()[i]
                                        : in[1].as<int64_t>()[i];
    if (v < -dim || v >= dim)
      return "gather index " + std::to_string(v) + " is out of range for an "
             "axis of size " + std::to_string(dim);
    picks[i] = v < 0 ? v + dim : v;
  }
  std::vector<int64_t> map;
  map.reserve(out[0].count());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t p : picks)
      for (int64_t j = 0; j < inner; ++j)
        map.push_back((o * dim + p) * inner + j);
  gatherBytes(in[0], out[0], map);
  return "";
}

std::string kPad(const OpDesc &op, const Views &in, const Views &out, int) {
  auto pads = op.getInts("pads");
  std::string mode = op.getString("mode", "constant");
  double value = op.getFloat("value", 0);
  int64_t rank = in[0].shape.size(), count = out[0].count();
  auto is = strides(in[0].shape);
  size_t size = gaon_dtype_size(in[0].dtype);
  // Fill with the padding value first, in the element type.
  GAON_DISPATCH(out[0].dtype, T, return unsupportedType(op, out[0].dtype),
    { std::fill(out[0].as<T>(), out[0].as<T>() + count, static_cast<T>(value)); })
  std::vector<int64_t> index(rank, 0);
  auto *x = in[0].as<uint8_t>();
  auto *y = out[0].as<uint8_t>();
  for (int64_t i = 0; i < count; ++i) {
    int64_t src = 0;
    bool inside = true;
    for (int64_t d = 0; d < rank && inside; ++d) {
      int64_t n = in[0].shape[d], c = index[d] - pads[d];
      if (c < 0 || c >= n) {
        if (mode == "constant" || n == 0) {
          inside = false;
          break;
        }
        if (mode == "edge")
          c = c < 0 ? 0 : n - 1;
        else if (mode == "reflect")
          c = c < 0 ? -c : 2 * (n - 1) - c;
        else // wrap
          c = ((c % n) + n) % n;
      }
      src += c * is[d];
    }
    if (inside)
      std::memcpy(y + i * size, x + src * size, size);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < out[0].shape[d])
        break;
      index[d] = 0;
    }
  }
  return "";
}

//===----------------------------------------------------------------------===//
// Linear algebra, convolution, pooling (float)
//===----------------------------------------------------------------------===//

int64_t indexAt(const View &v, int64_t i) {
  return v.dtype == GAON_I32 ? v.as<int32_t>()[i] : v.as<int64_t>()[i];
}

/// For each element of an index tensor shaped like `shape`, the linear
/// offset in `data` it addresses when its coordinate on `axis` is replaced
/// by the index value. Fails on an out-of-range index.
std::string elementOffsets(const View &data, const View &indices, int64_t axis,
                           std::vector<int64_t> &offsets) {
  auto ds = strides(data.shape);
  int64_t rank = indices.shape.size(), count = indices.count();
  int64_t dim = data.shape[axis];
  offsets.resize(count);
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t v = indexAt(indices, i);
    if (v < -dim || v >= dim)
      return "index " + std::to_string(v) + " is out of range for an axis "
             "of size " + std::to_string(dim);
    if (v < 0)
      v += dim;
    int64_t off = 0;
    for (int64_t d = 0; d < rank; ++d)
      off += (d == axis ? v : index[d]) * ds[d];
    offsets[i] = off;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < indices.shape[d])
        break;
      index[d] = 0;
    }
  }
  return "";
}

std::string kGatherElements(const OpDesc &op, const Views &in, const Views &out,
                            int) {
  std::vector<int64_t> offsets;
  std::string error = elementOffsets(in[0], in[1], op.getInt("axis", 0), offsets);
  if (!error.empty())
    return error;
  gatherBytes(in[0], out[0], offsets);
  return "";
}

/// Applies `reduction` of `update` into `target`.
template <typename T> void combine(T &target, T update, const std::string &r) {
  if (r == "add")
    target = wrapArith(target, update, '+');
  else if (r == "mul")
    target = wrapArith(target, update, '*');
  else if (r == "max")
    target = std::max(target, update);
  else if (r == "min")
    target = std::min(target, update);
  else
    target = update;
}

std::string kScatterElements(const OpDesc &op, const Views &in,
                             const Views &out, int) {
  std::vector<int64_t> offsets;
  std::string error = elementOffsets(in[0], in[1], op.getInt("axis", 0), offsets);
  if (!error.empty())
    return error;
  std::string reduction = op.getString("reduction", "none");
  std::memcpy(out[0].data, in[0].data, in[0].count() * gaon_dtype_size(in[0].dtype));
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    for (size_t i = 0; i < offsets.size(); ++i)
      combine(out[0].as<T>()[offsets[i]], in[2].as<T>()[i], reduction);
  })
  return "";
}

/// Offsets of the slices an ONNX GatherND/ScatterND index tuple addresses.
std::string ndOffsets(const View &data, const View &indices, int64_t batchDims,
                      std::vector<int64_t> &offsets, int64_t &sliceSize) {
  auto ds = strides(data.shape);
  int64_t m = indices.shape.back();
  int64_t tuples = indices.count() / std::max<int64_t>(m, 1);
  sliceSize = 1;
  for (size_t d = batchDims + m; d < data.shape.size(); ++d)
    sliceSize *= data.shape[d];
  int64_t batch = 1;
  for (int64_t d = 0; d < batchDims; ++d)
    batch *= data.shape[d];
  int64_t perBatch = tuples / std::max<int64_t>(batch, 1);
  offsets.resize(tuples);
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t b = t / std::max<int64_t>(perBatch, 1);
    int64_t off = b * (batchDims ? ds[batchDims - 1] : 0);
    for (int64_t k = 0; k < m; ++k) {
      int64_t dim = data.shape[batchDims + k];
      int64_t v = indexAt(indices, t * m + k);
      if (v < -dim || v >= dim)
        return "index " + std::to_string(v) + " is out of range for an axis "
               "of size " + std::to_string(dim);
      off += (v < 0 ? v + dim : v) * ds[batchDims + k];
    }
    offsets[t] = off;
  }
  return "";
}

std::string kGatherNd(const OpDesc &op, const Views &in, const Views &out, int) {
  std::vector<int64_t> offsets;
  int64_t slice;
  std::string error = ndOffsets(in[0], in[1], op.getInt("batch_dims", 0),
                                offsets, slice);
  if (!error.empty())
    return error;
  size_t bytes = slice * gaon_dtype_size(in[0].dtype);
  for (size_t t = 0; t < offsets.size(); ++t)
    std::memcpy(out[0].as<uint8_t>() + t * bytes,
                in[0].as<uint8_t>() + offsets[t] * gaon_dtype_size(in[0].dtype),
                bytes);
  return "";
}

std::string kScatterNd(const OpDesc &op, const Views &in, const Views &out,
                       int) {
  std::vector<int64_t> offsets;
  int64_t slice;
  std::string error = ndOffsets(in[0], in[1], 0, offsets, slice);
  if (!error.empty())
    return error;
  std::string reduction = op.getString("reduction", "none");
  std::memcpy(out[0].data, in[0].data, in[0].count() * gaon_dtype_size(in[0].dtype));
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    for (size_t t = 0; t < offsets.size(); ++t)
      for (int64_t j = 0; j < slice; ++j)
        combine(out[0].as<T>()[offsets[t] + j], in[2].as<T>()[t * slice + j],
                reduction);
  })
  return "";
}

std::string kOneHot(const OpDesc &op, const Views &in, const Views &out, int) {
  int64_t axis = op.getInt("axis", 0);
  double off = op.getFloat("off_value", 0), on = op.getFloat("on_value", 1);
  int64_t depth = out[0].shape[axis];
  AxisSplit s(out[0].shape, axis);
  std::vector<int64_t> idx(in[0].count());
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    for (size_t i = 0; i < idx.size(); ++i)
      idx[i] = static_cast<int64_t>(in[0].as<T>()[i]);
  })
  GAON_DISPATCH(out[0].dtype, T, return unsupportedType(op, out[0].dtype), {
    T *y = out[0].as<T>();
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t k = 0; k < depth; ++k)
        for (int64_t i = 0; i < s.inner; ++i) {
          int64_t v = idx[o * s.inner + i];
          if (v < 0)
            v += depth;
          y[(o * depth + k) * s.inner + i] =
              static_cast<T>(v == k ? on : off);
        }
  })
  return "";
}

std::string kTopK(const OpDesc &op, const Views &in, const Views &out, int) {
  int64_t axis = op.getInt("axis", 0), k = op.getInt("k", 0);
  bool largest = op.getInt("largest", 1);
  AxisSplit s(in[0].shape, axis);
  GAON_DISPATCH(in[0].dtype, T, return unsupportedType(op, in[0].dtype), {
    const T *x = in[0].as<T>();
    T *values = out[0].as<T>();
    int64_t *indices = out[1].as<int64_t>();
    std::vector<int64_t> order(s.size);
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t i = 0; i < s.inner; ++i) {
        auto at = [&](int64_t j) { return x[(o * s.size + j) * s.inner + i]; };
        for (int64_t j = 0; j < s.size; ++j)
          order[j] = j;
        // Sorted by value; ties keep the lower index.
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
          return largest ? at(a) > at(b) : at(a) < at(b);
        });
        for (int64_t j = 0; j < k; ++j) {
          values[(o * k + j) * s.inner + i] = at(order[j]);
          indices[(o * k + j) * s.inner + i] = order[j];
        }
      }
  })
  return "";
}

std::string kTrilu(const OpDesc &op, const Views &in, const Views &out, int) {
  bool upper = op.getInt("upper", 1);
  int64_t k = op.getInt("k", 0), rank = in[0].shape.size();
  int64_t rows = in[0].shape[rank - 2], cols = in[0].shape[rank - 1];
  int64_t mats = in[0].count() / std::max<int64_t>(1, rows * cols);
  size_t size = gaon_dtype_size(in[0].dtype);
  std::memset(out[0].data, 0, in[0].count() * size);
  for (int64_t m = 0; m < mats; ++m)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        if (upper ? c - r >= k : c - r <= k) {
          int64_t at = (m * rows + r) * cols + c;
          std::memcpy(out[0].as<uint8_t>() + at * size,
                      in[0].as<uint8_t>() + at * size, size);
        }
  return "";
}

//===----------------------------------------------------------------------===//
// Transposed convolution, LRN, resize
std::string kStorageCast(const OpDesc &op, const Views &in, const Views &out,
                         int t) {
  return kCopy(op, in, out, t);
}

} // namespace

void addTensorKernels(KernelTable &t) {
  t.insert({"graph.reshape", kCopy});
  t.insert({"graph.transpose", kTranspose});
  t.insert({"graph.slice", kSlice});
  t.insert({"graph.expand", kExpand});
  t.insert({"graph.tile", kTile});
  t.insert({"graph.concat", kConcat});
  t.insert({"graph.split", kSplit});
  t.insert({"graph.gather", kGather});
  t.insert({"graph.pad", halfAsFloat<kPad>});
  t.insert({"graph.gather_elements", halfAsFloat<kGatherElements>});
  t.insert({"graph.scatter_elements", halfAsFloat<kScatterElements>});
  t.insert({"graph.gather_nd", halfAsFloat<kGatherNd>});
  t.insert({"graph.scatter_nd", halfAsFloat<kScatterNd>});
  t.insert({"graph.one_hot", halfAsFloat<kOneHot>});
  t.insert({"graph.top_k", halfAsFloat<kTopK>});
  t.insert({"graph.trilu", halfAsFloat<kTrilu>});
  t.insert({"graph.storage_cast", kStorageCast});
}

} // namespace gaon::cpu
