//===- Safetensors.cpp - verified, memory-mapped safetensors --------------===//
//
// The format: an 8-byte little-endian header size N, N bytes of JSON
// mapping each tensor name to {dtype, shape, data_offsets: [begin, end]}
// (offsets relative to the end of the header; "__metadata__" holds
// strings), then the data. Nothing here trusts the header: sizes are
// checked for overflow, ranges against the file and each other.
//
//===----------------------------------------------------------------------===//

#include "compiler/importer/Safetensors.h"
#include "targets/common/RegularFile.h"

#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cstring>

namespace gaon {

namespace {

/// Headers describe tensors, not data: 100 MB covers hundreds of thousands
/// of entries, and a lying size cannot make the reader allocate more.
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

bool parseDtype(llvm::StringRef s, SafetensorsDtype &dtype) {
  static const struct {
    const char *name;
    SafetensorsDtype dtype;
  } table[] = {{"F32", SafetensorsDtype::F32}, {"F16", SafetensorsDtype::F16},
               {"BF16", SafetensorsDtype::BF16}, {"I8", SafetensorsDtype::I8},
               {"U8", SafetensorsDtype::U8},   {"I32", SafetensorsDtype::I32},
               {"I64", SafetensorsDtype::I64}};
  for (const auto &entry : table)
    if (s == entry.name) {
      dtype = entry.dtype;
      return true;
    }
  return false;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f,
           mant = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else { // subnormal: normalize
    exp = 113;
    while (!(mant & 0x400)) {
      mant <<= 1;
      --exp;
    }
    bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

} // namespace

unsigned safetensorsDtypeSize(SafetensorsDtype dtype) {
  switch (dtype) {
  case SafetensorsDtype::I8:
  case SafetensorsDtype::U8:
    return 1;
  case SafetensorsDtype::F16:
  case SafetensorsDtype::BF16:
    return 2;
  case SafetensorsDtype::F32:
  case SafetensorsDtype::I32:
    return 4;
  case SafetensorsDtype::I64:
    return 8;
  }
  return 1;
}

int64_t SafetensorsTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

bool SafetensorsCheckpoint::addBuffer(std::unique_ptr<llvm::MemoryBuffer> data,
                                      const std::string &fileName,
                                      std::string &error) {
  llvm::StringRef file = data->getBuffer();
  auto fail = [&](const std::string &why) {
    error = "'" + fileName + "': " + why;
    return false;
  };
  if (file.size() < 8)
    return fail("is " + std::to_string(file.size()) +
                " bytes, too short for a safetensors header");
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = headerSize << 8 | uint8_t(file[i]);
  if (headerSize > kMaxHeaderBytes || headerSize > file.size() - 8)
    return fail("the header claims " + std::to_string(headerSize) +
                " bytes, but the file holds " +
                std::to_string(file.size() - 8) + " after the size (and " +
                std::to_string(kMaxHeaderBytes) + " is the limit)");
  llvm::StringRef header = file.substr(8, headerSize);
  llvm::StringRef payload = file.substr(8 + headerSize);
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(header);
  if (!json)
    return fail("the header is not JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object *object = json->getAsObject();
  if (!object)
    return fail("the header is not a JSON object");

  struct Range {
    uint64_t begin, end;
    std::string name;
  };
  std::vector<Range> ranges;
  std::vector<SafetensorsTensor> found;
  for (const auto &[key, value] : *object) {
    std::string name = key.str();
    if (name == "__metadata__")
      continue;
    auto bad = [&](const std::string &why) {
      return fail("tensor '" + name + "' " + why);
    };
    const llvm::json::Object *entry = value.getAsObject();
    if (!entry)
      return bad("is not described by a JSON object");
    SafetensorsTensor tensor;
    tensor.name = name;
    tensor.file = fileName;
    std::optional<llvm::StringRef> dtype = entry->getString("dtype");
    if (!dtype || !parseDtype(*dtype, tensor.dtype))
      return bad("has dtype '" + (dtype ? dtype->str() : std::string("?")) +
                 "'; Gaon reads F32, F16, BF16, I8, U8, I32 and I64");
    const llvm::json::Array *shape = entry->getArray("shape");
    const llvm::json::Array *offsets = entry->getArray("data_offsets");
    if (!shape || !offsets || offsets->size() != 2)
      return bad("needs 'shape' and two 'data_offsets'");
    uint64_t elements = 1;
    for (const llvm::json::Value &dim : *shape) {
      std::optional<int64_t> d = dim.getAsInteger();
      if (!d || *d < 0)
        return bad("has a shape entry that is not a non-negative integer");
      if (*d != 0 && elements > (uint64_t(1) << 62) / uint64_t(*d))
        return bad("has a shape whose size overflows");
      elements *= uint64_t(*d);
      tensor.shape.push_back(*d);
    }
    std::optional<int64_t> begin = (*offsets)[0].getAsInteger(),
                           end = (*offsets)[1].getAsInteger();
    if (!begin || !end || *begin < 0 || *end < *begin)
      return bad("has data_offsets that are not an ordered pair of "
                 "non-negative integers");
    uint64_t bytes = elements * safetensorsDtypeSize(tensor.dtype);
    if (uint64_t(*end - *begin) != bytes)
      return bad("holds " + std::to_string(*end - *begin) +
                 " bytes, but its shape and dtype need " +
                 std::to_string(bytes));
    if (uint64_t(*end) > payload.size())
      return bad("has data_offsets [" + std::to_string(*begin) + ", " +
                 std::to_string(*end) + ") past the end of the data (" +
                 std::to_string(payload.size()) + " bytes)");
    tensor.bytes = payload.substr(*begin, bytes);
    tensor.fileOffset = 8 + headerSize + uint64_t(*begin);
    ranges.push_back({uint64_t(*begin), uint64_t(*end), name});
    found.push_back(std::move(tensor));
  }
  std::sort(ranges.begin(), ranges.end(), [](const Range &a, const Range &b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].begin < ranges[i - 1].end)
      return fail("tensors '" + ranges[i - 1].name + "' and '" +
                  ranges[i].name + "' overlap in the data");
  for (SafetensorsTensor &tensor : found) {
    std::string name = tensor.name;
    if (!tensors.try_emplace(name, std::move(tensor)).second)
      return fail("tensor '" + name + "' is also in '" +
                  tensors.find(name)->second.file + "'");
  }
  files.push_back(std::move(data));
  return true;
}

bool SafetensorsCheckpoint::addFile(const std::string &folder,
                                    const std::string &relative,
                                    std::string &error) {
  uint64_t size = 0;
  int fd = openConfinedFile(folder, relative, size, error);
  if (fd < 0)
    return false;
  auto buffer = llvm::MemoryBuffer::getOpenFile(
      fd, relative, size, /*RequiresNullTerminator=*/false);
  ::close(fd);
  if (!buffer) {
    error = "cannot map '" + relative + "': " + buffer.getError().message();
    return false;
  }
  return addBuffer(std::move(*buffer), relative, error);
}

std::unique_ptr<SafetensorsCheckpoint>
SafetensorsCheckpoint::open(const std::string &folder, std::string &error) {
  auto checkpoint = std::make_unique<SafetensorsCheckpoint>();
  uint64_t size = 0;
  std::string indexError;
  int fd = openConfinedFile(folder, "model.safetensors.index.json", size,
                            indexError);
  if (fd < 0) {
    if (!checkpoint->addFile(folder, "model.safetensors", error))
      return nullptr;
    return checkpoint;
  }
  if (size > kMaxHeaderBytes) {
    ::close(fd);
    error = "'model.safetensors.index.json' is " + std::to_string(size) +
            " bytes, more than the " + std::to_string(kMaxHeaderBytes) +
            " an index may hold";
    return nullptr;
  }
  auto indexBuffer = llvm::MemoryBuffer::getOpenFile(
      fd, "model.safetensors.index.json", size,
      /*RequiresNullTerminator=*/false);
  ::close(fd);
  if (!indexBuffer) {
    error = "cannot read 'model.safetensors.index.json': " +
            indexBuffer.getError().message();
    return nullptr;
  }
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*indexBuffer)->getBuffer());
  if (!json) {
    error = "'model.safetensors.index.json' is not JSON: " +
            llvm::toString(json.takeError());
    return nullptr;
  }
  const llvm::json::Object *map =
      json->getAsObject() ? json->getAsObject()->getObject("weight_map")
                          : nullptr;
  if (!map) {
    error = "'model.safetensors.index.json' has no 'weight_map' object";
    return nullptr;
  }
  std::vector<std::string> shards;
  for (const auto &[name, file] : *map) {
    std::optional<llvm::StringRef> f = file.getAsString();
    if (!f) {
      error = "'model.safetensors.index.json': tensor '" + name.str() +
              "' maps to something other than a file name";
      return nullptr;
    }
    if (std::find(shards.begin(), shards.end(), f->str()) == shards.end())
      shards.push_back(f->str());
  }
  std::sort(shards.begin(), shards.end());
  for (const std::string &shard : shards)
    if (!checkpoint->addFile(folder, shard, error)) {
      error = "shard named by model.safetensors.index.json: " + error;
      return nullptr;
    }
  for (const auto &[name, file] : *map) {
    const SafetensorsTensor *t = checkpoint->lookup(name);
    if (!t || t->file != *file.getAsString()) {
      error = "'model.safetensors.index.json' puts tensor '" + name.str() +
              "' in '" + file.getAsString()->str() + "', which does not hold it";
      return nullptr;
    }
  }
  return checkpoint;
}

const SafetensorsTensor *
SafetensorsCheckpoint::lookup(llvm::StringRef name) const {
  auto it = tensors.find(name);
  return it == tensors.end() ? nullptr : &it->second;
}

std::vector<std::string> SafetensorsCheckpoint::names() const {
  std::vector<std::string> out;
  for (const auto &entry : tensors)
    out.push_back(entry.getKey().str());
  std::sort(out.begin(), out.end());
  return out;
}

bool SafetensorsCheckpoint::readFloats(const SafetensorsTensor &tensor,
                                       float *out, std::string &error) {
  const char *p = tensor.bytes.data();
  int64_t n = tensor.numElements();
  switch (tensor.dtype) {
  case SafetensorsDtype::F32:
    std::memcpy(out, p, size_t(n) * 4);
    return true;
  case SafetensorsDtype::BF16:
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      uint32_t bits = uint32_t(h) << 16;
      std::memcpy(out + i, &bits, 4);
    }
    return true;
  case SafetensorsDtype::F16:
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      out[i] = halfToFloat(h);
    }
    return true;
  default:
    error = "tensor '" + tensor.name + "' in '" + tensor.file +
            "' is not floating point (F32, F16 or BF16)";
    return false;
  }
}

} // namespace gaon
