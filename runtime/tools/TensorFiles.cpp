//===- TensorFiles.cpp - .npy and ONNX TensorProto (.pb) files ------------===//

#include "TensorFiles.h"

#include "targets/common/RegularFile.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include <zlib.h>

namespace gaon::tools {

gaon_tensor HostTensor::view() {
  gaon_tensor t{};
  t.dtype = dtype;
  t.rank = shape.size();
  for (size_t i = 0; i < shape.size() && i < GAON_MAX_RANK; ++i)
    t.shape[i] = shape[i];
  t.data = bytes.data();
  t.byte_size = bytes.size();
  return t;
}

namespace {


bool elementCount(const std::vector<int64_t> &shape, uint64_t &count) {
  count = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && count > (uint64_t(1) << 40) / d))
      return false;
    count *= d;
  }
  return true;
}

//===- .npy ---------------------------------------------------------------===//

struct NpyType {
  const char *descr;
  gaon_dtype dtype;
};
const NpyType kNpyTypes[] = {
    {"<f4", GAON_F32}, {"<f2", GAON_F16}, {"<f8", GAON_F64}, {"|i1", GAON_I8},
    {"<i2", GAON_I16}, {"<i4", GAON_I32}, {"<i8", GAON_I64}, {"|u1", GAON_U8},
    {"<u2", GAON_U16}, {"<u4", GAON_U32}, {"<u8", GAON_U64}, {"|b1", GAON_BOOL},
};

std::string readNpy(const std::string &data, HostTensor &out) {
  if (data.size() < 10 || data.compare(0, 6, "\x93NUMPY") != 0)
    return "not a .npy file (bad magic)";
  int major = (unsigned char)data[6];
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = (unsigned char)data[8] | ((unsigned char)data[9] << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (data.size() < 12)
      return "truncated .npy header";
    uint32_t len;
    std::memcpy(&len, data.data() + 8, 4);
    headerLen = len;
    headerStart = 12;
  } else {
    return ".npy version " + std::to_string(major) + " is not supported";
  }
  if (headerStart + headerLen > data.size())
    return "truncated .npy header";
  std::string header = data.substr(headerStart, headerLen);
  auto field = [&](const std::string &key) -> std::string {
    size_t k = header.find("'" + key + "'");
    if (k == std::string::npos)
      return "";
    size_t colon = header.find(':', k);
    return colon == std::string::npos ? "" : header.substr(colon + 1);
  };
  std::string descr = field("descr");
  size_t q1 = descr.find('\''), q2 = descr.find('\'', q1 + 1);
  if (q1 == std::string::npos || q2 == std::string::npos)
    return ".npy header has no descr";
  descr = descr.substr(q1 + 1, q2 - q1 - 1);
  bool found = false;
  for (const NpyType &t : kNpyTypes)
    if (descr == t.descr || (descr.size() == 3 && descr[0] == '=' &&
                             descr.substr(1) == std::string(t.descr).substr(1))) {
      out.dtype = t.dtype;
      found = true;
    }
  if (!found)
    return ".npy dtype '" + descr + "' is not supported";
  if (field("fortran_order").find("True") == 0 ||
      field("fortran_order").find(" True") == 0)
    return "Fortran-ordered .npy files are not supported";
  std::string shape = field("shape");
  size_t open = shape.find('('), close = shape.find(')');
  if (open == std::string::npos || close == std::string::npos)
    return ".npy header has no shape";
  std::stringstream dims(shape.substr(open + 1, close - open - 1));
  std::string dim;
  out.shape.clear();
  while (std::getline(dims, dim, ',')) {
    size_t b = dim.find_first_not_of(' '), e = dim.find_last_not_of(' ');
    if (b == std::string::npos)
      continue;
    // Decimal digits only, below 2^62: what numpy writes.
    std::string digits = dim.substr(b, e - b + 1);
    int64_t value = 0;
    for (char c : digits) {
      if (c < '0' || c > '9' || value > (int64_t(1) << 62) / 10)
        return ".npy shape entry '" + digits +
               "' is not a dimension (a decimal count below 2^62)";
      value = value * 10 + (c - '0');
    }
    if (digits.empty())
      return ".npy shape has an empty entry";
    out.shape.push_back(value);
    if (out.shape.size() > GAON_MAX_RANK)
      return ".npy shape has more than " + std::to_string(GAON_MAX_RANK) +
             " dimensions; Gaon tensors have at most " +
             std::to_string(GAON_MAX_RANK);
  }
  uint64_t count;
  if (!elementCount(out.shape, count))
    return ".npy shape is invalid";
  size_t bytes = count * gaon_dtype_size(out.dtype);
  size_t start = headerStart + headerLen;
  if (data.size() - start != bytes)
    return ".npy holds " + std::to_string(data.size() - start) +
           " data bytes, its shape needs " + std::to_string(bytes);
  out.bytes.assign(data.begin() + start, data.end());
  return "";
}

//===- .npz: a zip archive of .npy members -------------------------------===//
//
// numpy.savez writes members stored or deflated, with ZIP64 extra fields
// (force_zip64). The central directory gives each member's method, sizes and
// local header; every offset and size is checked against the file.

uint32_t le32(const std::string &d, size_t at) {
  uint32_t v;
  std::memcpy(&v, d.data() + at, 4);
  return v;
}
uint16_t le16(const std::string &d, size_t at) {
  uint16_t v;
  std::memcpy(&v, d.data() + at, 2);
  return v;
}
uint64_t le64(const std::string &d, size_t at) {
  uint64_t v;
  std::memcpy(&v, d.data() + at, 8);
  return v;
}

std::string inflateRaw(const char *in, size_t inSize, size_t outSize,
                       std::string &out) {
  out.assign(outSize, '\0');
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
    return "cannot start inflating";
  z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in));
  z.avail_in = static_cast<uInt>(inSize);
  z.next_out = reinterpret_cast<Bytef *>(out.data());
  z.avail_out = static_cast<uInt>(outSize);
  int status = inflate(&z, Z_FINISH);
  size_t produced = outSize - z.avail_out;
  inflateEnd(&z);
  if (status != Z_STREAM_END || produced != outSize)
    return "a deflated member is corrupt";
  return "";
}

std::string readNpz(const std::string &data,
                    std::vector<std::pair<std::string, HostTensor>> &out,
                    uint64_t maxMemberBytes) {
  // The end-of-central-directory record: the last 22+ bytes.
  if (data.size() < 22)
    return "not a .npz file (too short)";
  size_t eocd = std::string::npos;
  for (size_t i = data.size() - 22 + 1; i-- > 0 && data.size() - i <= 22 + 65535;)
    if (le32(data, i) == 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd == std::string::npos)
    return "not a .npz file (no zip directory)";
  uint64_t entries = le16(data, eocd + 10), dirOffset = le32(data, eocd + 16);
  if (dirOffset == 0xFFFFFFFFu || entries == 0xFFFF) {
    // ZIP64: the locator precedes the record and points at the real one.
    if (eocd < 20 || le32(data, eocd - 20) != 0x07064b50)
      return "damaged ZIP64 directory";
    uint64_t rec = le64(data, eocd - 20 + 8);
    if (rec > data.size() - 56 || le32(data, rec) != 0x06064b50)
      return "damaged ZIP64 directory";
    entries = le64(data, rec + 32);
    dirOffset = le64(data, rec + 48);
  }
  size_t at = dirOffset;
  for (uint64_t e = 0; e < entries; ++e) {
    if (at > data.size() || data.size() - at < 46 ||
        le32(data, at) != 0x02014b50)
      return "damaged zip directory entry " + std::to_string(e);
    uint16_t method = le16(data, at + 10);
    uint64_t compSize = le32(data, at + 20), size = le32(data, at + 24);
    uint16_t nameLen = le16(data, at + 28), extraLen = le16(data, at + 30),
             commentLen = le16(data, at + 32);
    uint64_t local = le32(data, at + 42);
    if (data.size() - at - 46 < size_t(nameLen) + extraLen + commentLen)
      return "damaged zip directory entry " + std::to_string(e);
    std::string name = data.substr(at + 46, nameLen);
    // ZIP64 extra field: the 64-bit values of the fields that are all ones.
    for (size_t x = at + 46 + nameLen, end = x + extraLen; x + 4 <= end;) {
      uint16_t id = le16(data, x), len = le16(data, x + 2);
      size_t v = x + 4;
      if (id == 0x0001) {
        auto take = [&](uint64_t &field, bool wide) {
          if (wide && v + 8 <= x + 4 + len && v + 8 <= end) {
            field = le64(data, v);
            v += 8;
          }
        };
        take(size, size == 0xFFFFFFFFu);
        take(compSize, compSize == 0xFFFFFFFFu);
        take(local, local == 0xFFFFFFFFu);
      }
      x += 4 + size_t(len);
    }
    at += 46 + size_t(nameLen) + extraLen + commentLen;
    if (local > data.size() || data.size() - local < 30 ||
        le32(data, local) != 0x04034b50)
      return "member '" + name + "' has no local header";
    uint64_t start = local + 30 + le16(data, local + 26) + le16(data, local + 28);
    if (start > data.size() || data.size() - start < compSize)
      return "member '" + name + "' is truncated";
    // Checked before inflating: a few MB of deflated zeros can claim GBs.
    if (size > maxMemberBytes)
      return "member '" + name + "' holds " + std::to_string(size) +
             " bytes, more than the " + std::to_string(maxMemberBytes) +
             " an array of the model's inputs takes with its header";
    std::string member;
    if (method == 0) {
      if (compSize != size)
        return "member '" + name + "' has inconsistent sizes";
      member = data.substr(start, size);
    } else if (method == 8) {
      if (std::string error =
              inflateRaw(data.data() + start, compSize, size, member);
          !error.empty())
        return "member '" + name + "': " + error;
    } else {
      return "member '" + name + "' uses compression method " +
             std::to_string(method) + " (only stored and deflate are read)";
    }
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0)
      name.resize(name.size() - 4);
    HostTensor t;
    t.name = name;
    if (std::string error = readNpy(member, t); !error.empty())
      return "member '" + name + "': " + error;
    out.emplace_back(name, std::move(t));
  }
  return "";
}

//===- ONNX TensorProto, read from the protobuf wire format ---------------===//

struct Reader {
  const uint8_t *p, *end;
  bool varint(uint64_t &v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end)
        return false;
      uint8_t b = *p++;
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80))
        return true;
    }
    return false;
  }
};

gaon_dtype onnxDType(uint64_t code, bool &ok) {
  ok = true;
  switch (code) {
  case 1: return GAON_F32;
  case 2: return GAON_U8;
  case 3: return GAON_I8;
  case 4: return GAON_U16;
  case 5: return GAON_I16;
  case 6: return GAON_I32;
  case 7: return GAON_I64;
  case 9: return GAON_BOOL;
  case 10: return GAON_F16;
  case 11: return GAON_F64;
  case 12: return GAON_U32;
  case 13: return GAON_U64;
  case 16: return GAON_BF16;
  }
  ok = false;
  return GAON_F32;
}

std::string readPb(const std::string &data, HostTensor &out) {
  Reader r{reinterpret_cast<const uint8_t *>(data.data()),
           reinterpret_cast<const uint8_t *>(data.data()) + data.size()};
  uint64_t dataType = 0;
  std::string raw;
  std::vector<uint64_t> varints; // int32_data, int64_data, uint64_data
  std::vector<uint8_t> fixed;    // float_data, double_data (packed bytes)
  bool haveRaw = false;
  out.shape.clear();
  while (r.p < r.end) {
    uint64_t key;
    if (!r.varint(key))
      return "malformed TensorProto (bad field key)";
    uint64_t field = key >> 3, wire = key & 7;
    auto lengthDelimited = [&](std::string &s) -> bool {
      uint64_t len;
      if (!r.varint(len) || len > uint64_t(r.end - r.p))
        return false;
      s.assign(reinterpret_cast<const char *>(r.p), len);
      r.p += len;
      return true;
    };
    if (wire == 0) {
      uint64_t v;
      if (!r.varint(v))
        return "malformed TensorProto (bad varint)";
      if (field == 1)
        out.shape.push_back((int64_t)v);
      else if (field == 2)
        dataType = v;
      else if (field == 5 || field == 7 || field == 11)
        varints.push_back(v);
    } else if (wire == 2) {
      std::string s;
      if (!lengthDelimited(s))
        return "malformed TensorProto (bad length)";
      if (field == 9) {
        raw = s;
        haveRaw = true;
      } else if (field == 8) {
        out.name = s;
      } else if (field == 1 || field == 5 || field == 7 || field == 11) {
        Reader packed{reinterpret_cast<const uint8_t *>(s.data()),
                      reinterpret_cast<const uint8_t *>(s.data()) + s.size()};
        while (packed.p < packed.end) {
          uint64_t v;
          if (!packed.varint(v))
            return "malformed TensorProto (bad packed varint)";
          if (field == 1)
            out.shape.push_back((int64_t)v);
          else
            varints.push_back(v);
        }
      } else if (field == 4 || field == 10) {
        fixed.insert(fixed.end(), s.begin(), s.end());
      }
    } else if (wire == 5) {
      if (r.end - r.p < 4)
        return "malformed TensorProto (truncated fixed32)";
      if (field == 4)
        fixed.insert(fixed.end(), r.p, r.p + 4);
      r.p += 4;
    } else if (wire == 1) {
      if (r.end - r.p < 8)
        return "malformed TensorProto (truncated fixed64)";
      if (field == 10)
        fixed.insert(fixed.end(), r.p, r.p + 8);
      r.p += 8;
    } else {
      return "malformed TensorProto (unsupported wire type " +
             std::to_string(wire) + ")";
    }
  }
  bool ok;
  out.dtype = onnxDType(dataType, ok);
  if (!ok)
    return "TensorProto data type " + std::to_string(dataType) +
           " is not supported";
  uint64_t count;
  if (out.shape.size() > GAON_MAX_RANK)
    return "TensorProto has " + std::to_string(out.shape.size()) +
           " dimensions; Gaon tensors have at most " +
           std::to_string(GAON_MAX_RANK);
  if (!elementCount(out.shape, count))
    return "TensorProto shape is invalid";
  size_t size = gaon_dtype_size(out.dtype), bytes = count * size;
  if (haveRaw) {
    if (raw.size() != bytes)
      return "TensorProto raw_data holds " + std::to_string(raw.size()) +
             " bytes, its shape needs " + std::to_string(bytes);
    out.bytes.assign(raw.begin(), raw.end());
  } else if (!fixed.empty()) {
    if (fixed.size() != bytes)
      return "TensorProto float/double data does not match its shape";
    out.bytes = fixed;
  } else {
    if (varints.size() != count)
      return "TensorProto holds " + std::to_string(varints.size()) +
             " values, its shape needs " + std::to_string(count);
    out.bytes.resize(bytes);
    for (uint64_t i = 0; i < count; ++i)
      std::memcpy(out.bytes.data() + i * size, &varints[i], size);
  }
  return "";
}

} // namespace

std::string readTensorFile(const std::string &path, HostTensor &out) {
  std::string data, error;
  if (!readRegularFile(path, data, error))
    return error;
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0)
    error = readNpy(data, out);
  else if (path.size() >= 3 && path.compare(path.size() - 3, 3, ".pb") == 0)
    error = readPb(data, out);
  else
    error = "unknown file type (expected .npy or .pb)";
  return error.empty() ? "" : path + ": " + error;
}

std::string readNpzFile(const std::string &path,
                        std::vector<std::pair<std::string, HostTensor>> &out,
                        uint64_t maxMemberBytes) {
  std::string data, error;
  if (!readRegularFile(path, data, error))
    return error;
  error = readNpz(data, out, maxMemberBytes);
  return error.empty() ? "" : path + ": " + error;
}

std::string writeNpy(const std::string &path, const HostTensor &t) {
  const char *descr = nullptr;
  for (const NpyType &n : kNpyTypes)
    if (n.dtype == t.dtype)
      descr = n.descr;
  if (!descr)
    return std::string("cannot write ") + gaon_dtype_name(t.dtype) +
           " as .npy";
  std::string shape;
  for (int64_t d : t.shape)
    shape += std::to_string(d) + ",";
  if (t.shape.size() > 1)
    shape.pop_back();
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': (" + shape +
                       "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream f(path, std::ios::binary);
  if (!f)
    return "cannot write '" + path + "'";
  uint16_t len = header.size();
  f.write("\x93NUMPY\x01\x00", 8);
  f.write(reinterpret_cast<const char *>(&len), 2);
  f << header;
  f.write(reinterpret_cast<const char *>(t.bytes.data()), t.bytes.size());
  return f ? "" : "cannot write '" + path + "'";
}

} // namespace gaon::tools
