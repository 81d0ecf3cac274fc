//===- Runtime.cpp - loading, verification, sessions (the C API) ----------===//

#include "Internal.h"
#include "Threads.h"
#include "targets/common/RegularFile.h"

#include "gnb_generated.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace gaon::rt;
namespace gnb = gaon::gnb;

namespace gaon::rt { // NpuDecode.cpp
gaon_status decodeNpuConfig(const gnb::NpuConfig *c, npu::NpuConfig &out);
gaon_status decodeNpuSegment(const gaon_model &m, const gnb::NpuProgram *f,
                             SegmentDesc &seg);
} // namespace gaon::rt

namespace {

constexpr uint32_t kFormatVersion = GAON_GNB_FORMAT_VERSION;
constexpr uint64_t kAlignment = 64;

void *defaultAllocate(void *, size_t size, size_t alignment) {
  void *p = nullptr;
  if (posix_memalign(&p, std::max<size_t>(alignment, sizeof(void *)),
                     size ? size : 1) != 0)
    return nullptr;
  return p;
}
void defaultDeallocate(void *, void *p) { free(p); }

gaon_allocator resolveAllocator(const gaon_allocator *a) {
  if (a && a->allocate && a->deallocate)
    return *a;
  return gaon_allocator{defaultAllocate, defaultDeallocate, nullptr};
}

gaon_status invalid(const std::string &message) {
  return makeStatus(GAON_INVALID_MODEL, "invalid .gnb: " + message);
}

bool toDType(gnb::DType d, gaon_dtype &out) {
  if (d > gnb::DType::MAX)
    return false;
  out = static_cast<gaon_dtype>(d);
  return true;
}

uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/// Decodes and checks the meaning of a verified FlatBuffer.
gaon_status decode(gaon_model &m, const gnb::Model &fb) {
  if (fb.format_version() != kFormatVersion)
    return makeStatus(GAON_UNSUPPORTED,
                      "the model has .gnb format version " +
                          std::to_string(fb.format_version()) +
                          "; this runtime reads version " +
                          std::to_string(kFormatVersion) +
                          ": recompile the model with a matching gaonc");
  m.formatVersion = fb.format_version();
  m.target = fb.target() ? fb.target()->str() : "";
  m.compilerVersion = fb.compiler_version() ? fb.compiler_version()->str() : "";
  if (fb.constants_size() > m.constantsSize)
    return invalid("constants_size " + std::to_string(fb.constants_size()) +
                   " exceeds the " + std::to_string(m.constantsSize) +
                   " bytes of constant data present");
  m.arenaSize = fb.arena_size();
  if (m.arenaSize > (uint64_t(1) << 44))
    return invalid("arena size " + std::to_string(m.arenaSize) +
                   " is implausibly large");
  m.stateSize = fb.state_size();
  if (m.stateSize > (uint64_t(1) << 44))
    return invalid("state size " + std::to_string(m.stateSize) +
                   " is implausibly large");

  const auto *tensors = fb.tensors();
  size_t tensorCount = tensors ? tensors->size() : 0;
  m.tensors.resize(tensorCount);
  for (size_t i = 0; i < tensorCount; ++i) {
    const gnb::Tensor *t = tensors->Get(i);
    TensorDesc &d = m.tensors[i];
    std::string where = "tensor " + std::to_string(i);
    d.name = t->name() ? t->name()->str() : "";
    if (!toDType(t->dtype(), d.dtype))
      return invalid(where + " has an unknown dtype");
    if (t->shape() && t->shape()->size() > GAON_MAX_RANK)
      return invalid(where + " has rank above " +
                     std::to_string(GAON_MAX_RANK));
    uint64_t count = 1;
    if (t->shape())
      for (int64_t dim : *t->shape()) {
        if (dim < 0 || (dim > 0 && count > GAON_MAX_ELEMENTS / dim))
          return invalid(where + " has a negative or overflowing shape");
        count *= dim;
        d.shape.push_back(dim);
      }
    d.elementCount = count;
    d.offset = t->offset();
    d.byteSize = t->byte_size();
    if (d.byteSize != gaon_dtype_bytes(d.dtype, count))
      return invalid(where + " ('" + d.name + "') has byte_size " +
                     std::to_string(d.byteSize) + " but its shape needs " +
                     std::to_string(gaon_dtype_bytes(d.dtype, count)));
    if (d.dtype == GAON_I4 && t->storage() != gnb::Storage::Constant)
      return invalid(where + " ('" + d.name +
                     "') is int4 but not a constant; int4 tensors are "
                     "packed weights only");
    switch (t->storage()) {
    case gnb::Storage::Arena:
      d.storage = TensorDesc::Storage::Arena;
      if (d.offset > m.arenaSize || d.byteSize > m.arenaSize - d.offset)
        return invalid(where + " lies outside the arena");
      break;
    case gnb::Storage::Constant:
      d.storage = TensorDesc::Storage::Constant;
      if (d.offset > fb.constants_size() ||
          d.byteSize > fb.constants_size() - d.offset)
        return invalid(where + " lies outside the constant data");
      if (d.offset % kAlignment)
        return invalid(where + " is not 64-byte aligned");
      break;
    case gnb::Storage::Input:
      d.storage = TensorDesc::Storage::Input;
      break;
    case gnb::Storage::State:
      d.storage = TensorDesc::Storage::State;
      if (d.offset > m.stateSize || d.byteSize > m.stateSize - d.offset)
        return invalid(where + " ('" + d.name +
                       "') lies outside the state memory");
      break;
    default:
      return invalid(where + " has an unknown storage kind");
    }
    switch (t->layout()) {
    case gnb::Layout::RowMajor:
      break;
    case gnb::Layout::ChannelsLast:
      if (d.shape.size() != 4 || d.storage != TensorDesc::Storage::Arena)
        return invalid(where + " ('" + d.name +
                       "') is channels-last but is not a rank-4 arena tensor");
      d.channelsLast = true;
      break;
    default:
      return invalid(where + " has an unknown layout");
    }
    if (const gnb::Quantization *q = t->quantization()) {
      if (q->scales())
        d.scales.assign(q->scales()->begin(), q->scales()->end());
      if (q->zero_points())
        d.zeroPoints.assign(q->zero_points()->begin(), q->zero_points()->end());
      d.quantAxis = q->axis();
      if (d.scales.size() != d.zeroPoints.size() ||
          (d.quantAxis >= 0 &&
           (d.quantAxis >= (int)d.shape.size() ||
            (int64_t)d.scales.size() != d.shape[d.quantAxis])))
        return invalid(where + " has inconsistent quantization parameters");
    }
  }
  auto checkId = [&](uint32_t id, bool allowAbsent) {
    return (allowAbsent && id == kNoTensor) || id < tensorCount;
  };
  auto bindings =
      [&](const flatbuffers::Vector<flatbuffers::Offset<gnb::IoBinding>> *list,
          std::vector<IoDesc> &out, const char *what) -> gaon_status {
    if (!list)
      return nullptr;
    for (const gnb::IoBinding *b : *list) {
      if (!checkId(b->tensor(), false))
        return invalid(std::string(what) + " '" + b->name()->str() +
                       "' names tensor " + std::to_string(b->tensor()) +
                       " of " + std::to_string(tensorCount));
      out.push_back({b->name()->str(), b->tensor()});
    }
    return nullptr;
  };
  // States: named, in range, not overlapping.
  if (fb.states()) {
    uint64_t end = 0;
    for (const gnb::StateBuffer *st : *fb.states()) {
      StateDesc d;
      d.name = st->name()->str();
      if (!toDType(st->dtype(), d.dtype))
        return invalid("state '" + d.name + "' has an unknown dtype");
      uint64_t count = 1;
      if (st->shape())
        for (int64_t dim : *st->shape()) {
          if (dim < 0 || (dim > 0 && count > GAON_MAX_ELEMENTS / dim))
            return invalid("state '" + d.name +
                           "' has a negative or overflowing shape");
          count *= dim;
          d.shape.push_back(dim);
        }
      d.offset = st->offset();
      d.byteSize = st->byte_size();
      if (d.byteSize != gaon_dtype_bytes(d.dtype, count))
        return invalid("state '" + d.name + "' has byte_size " +
                       std::to_string(d.byteSize) + " but its shape needs " +
                       std::to_string(gaon_dtype_bytes(d.dtype, count)));
      if (d.offset % kAlignment || d.offset < end || d.offset > m.stateSize ||
          d.byteSize > m.stateSize - d.offset)
        return invalid("state '" + d.name +
                       "' is unaligned, overlaps another or lies outside the "
                       "state memory");
      end = d.offset + d.byteSize;
      m.states.push_back(std::move(d));
    }
  }
  // Entries; without any, the model is one entry over every segment.
  auto signatureOf = [&](const gnb::Entry *e, EntryDesc &out) -> gaon_status {
    const auto *ins = e ? e->inputs() : fb.inputs();
    const auto *outs = e ? e->outputs() : fb.outputs();
    if (gaon_status s = bindings(ins, out.inputs, "input"))
      return s;
    if (gaon_status s = bindings(outs, out.outputs, "output"))
      return s;
    for (const IoDesc &o : out.outputs)
      if (m.tensors[o.tensor].channelsLast)
        return invalid("output '" + o.name +
                       "' is channels-last; outputs are row-major");
    for (const IoDesc &in : out.inputs)
      if (m.tensors[in.tensor].storage != TensorDesc::Storage::Input)
        return invalid("input '" + in.name + "' is not bound to input storage");
    return nullptr;
  };
  size_t segmentCount = fb.segments() ? fb.segments()->size() : 0;
  if (!fb.entries() || fb.entries()->size() == 0) {
    EntryDesc e;
    e.name = "main";
    if (gaon_status s = signatureOf(nullptr, e))
      return s;
    for (size_t i = 0; i < segmentCount; ++i)
      e.segments.push_back(i);
    e.arenaSize = m.arenaSize;
    m.entries.push_back(std::move(e));
  } else {
    std::vector<bool> owned(segmentCount, false);
    for (const gnb::Entry *fe : *fb.entries()) {
      EntryDesc e;
      e.name = fe->name()->str();
      for (const EntryDesc &other : m.entries)
        if (other.name == e.name)
          return invalid("two entries are named '" + e.name + "'");
      if (gaon_status s = signatureOf(fe, e))
        return s;
      if (fe->segments())
        for (uint32_t i : *fe->segments()) {
          if (i >= segmentCount || owned[i])
            return invalid("entry '" + e.name + "' names segment " +
                           std::to_string(i) +
                           ", which is out of range or "
                           "another entry's");
          owned[i] = true;
          e.segments.push_back(i);
        }
      e.arenaSize = fe->arena_size();
      if (e.arenaSize > m.arenaSize)
        return invalid("entry '" + e.name + "' needs an arena of " +
                       std::to_string(e.arenaSize) +
                       " bytes, more than the model's arena_size");
      m.entries.push_back(std::move(e));
    }
  }

  if (fb.segments())
    for (const gnb::Segment *s : *fb.segments()) {
      SegmentDesc seg;
      if (s->device() == gnb::DeviceKind::CPU)
        seg.device = SegmentDesc::Device::CPU;
      else if (s->device() == gnb::DeviceKind::NPU)
        seg.device = SegmentDesc::Device::NPU;
      else
        return invalid("a segment names an unknown device kind");
      if (s->code())
        seg.code.assign(s->code()->begin(), s->code()->end());
      if (seg.device == SegmentDesc::Device::NPU) {
        if (m.npuConfig.name.empty())
          if (gaon_status st = decodeNpuConfig(fb.npu_config(), m.npuConfig))
            return st;
        if (gaon_status st = decodeNpuSegment(m, s->npu(), seg))
          return st;
      }
      if (s->ops())
        for (const gnb::Op *op : *s->ops()) {
          OpDesc d;
          d.kind = op->kind()->str();
          d.location = op->location() ? op->location()->str() : "";
          auto ids = [&](const flatbuffers::Vector<uint32_t> *v,
                         std::vector<uint32_t> &out, bool allowAbsent) {
            if (!v)
              return true;
            for (uint32_t id : *v) {
              if (!checkId(id, allowAbsent))
                return false;
              out.push_back(id);
            }
            return true;
          };
          if (!ids(op->inputs(), d.inputs, true) ||
              !ids(op->outputs(), d.outputs, false))
            return invalid("op " + d.kind + " at " + d.location +
                           " names a tensor id out of range");
          if (op->attributes())
            for (const gnb::Attribute *a : *op->attributes()) {
              AttributeDesc &attr = d.attributes[a->name()->str()];
              if (a->ints())
                attr.ints.assign(a->ints()->begin(), a->ints()->end());
              if (a->floats())
                attr.floats.assign(a->floats()->begin(), a->floats()->end());
              if (a->str())
                attr.str = a->str()->str();
            }
          seg.ops.push_back(std::move(d));
        }
      m.segments.push_back(std::move(seg));
    }

  // The states each segment touches (where their contents must be when it
  // runs: a device may keep a state it updates in place).
  for (SegmentDesc &seg : m.segments) {
    std::vector<bool> seen(m.states.size(), false);
    auto note = [&](uint32_t tensor) {
      int k = stateOfTensor(m, tensor);
      if (k >= 0 && !seen[k]) {
        seen[k] = true;
        seg.states.push_back(uint32_t(k));
      }
    };
    for (const OpDesc &op : seg.ops) {
      for (uint32_t id : op.inputs)
        note(id);
      for (uint32_t id : op.outputs)
        note(id);
    }
    for (const auto *list : {&seg.inputs, &seg.outputs})
      for (const NpuBindingDesc &b : *list)
        note(b.tensor);
  }

  // Every output must be computed: by a kernel, or stored by an NPU
  // program (an arena tensor nothing writes would come back as zeros).
  for (const EntryDesc &e : m.entries) {
    std::vector<bool> written(tensorCount, false);
    for (uint32_t i : e.segments) {
      const SegmentDesc &seg = m.segments[i];
      for (const OpDesc &op : seg.ops)
        for (uint32_t id : op.outputs)
          written[id] = true;
      // (A segment of reshapes binds its outputs where its inputs already
      // are: outputs need no store instruction.)
      if (seg.device == SegmentDesc::Device::NPU)
        for (const NpuBindingDesc &b : seg.outputs)
          written[b.tensor] = true;
    }
    for (const IoDesc &out : e.outputs) {
      const TensorDesc &t = m.tensors[out.tensor];
      if (t.storage == TensorDesc::Storage::Arena && t.byteSize > 0 &&
          !written[out.tensor])
        return invalid("output '" + out.name + "' (tensor " +
                       std::to_string(out.tensor) + ")" +
                       (m.entries.size() > 1 ? " of entry '" + e.name + "'"
                                             : std::string()) +
                       " is written by no segment");
    }
  }
  return nullptr;
}

/// Maps a regular file read-only (an empty file maps to null).
gaon_status mapFile(const std::string &path, void *&mapping, size_t &size) {
  std::string error;
  uint64_t bytes = 0;
  int fd = gaon::openRegularFile(path, bytes, error);
  if (fd < 0)
    return makeStatus(errno == ENOENT ? GAON_NOT_FOUND : GAON_INVALID_ARGUMENT,
                      error);
  size = bytes;
  mapping = size ? mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
  close(fd);
  if (size && mapping == MAP_FAILED) {
    mapping = nullptr;
    return makeStatus(GAON_RESOURCE_EXHAUSTED, "cannot map '" + path + "'");
  }
  return nullptr;
}

/// Maps the weights sidecar `name` from `dir`. Like ONNX external data it
/// must stay inside the model's folder: a relative path, no `..`, no
/// symbolic link anywhere on the way.
gaon_status mapWeights(gaon_model &m, const std::string &dir,
                       const std::string &name) {
  if (dir.empty())
    return makeStatus(GAON_UNSUPPORTED,
                      "the model keeps its weights in a sidecar file ('" +
                          name + "'); load it from a file, not from memory");
  if (name.empty() || name[0] == '/')
    return invalid("weights file '" + name + "' is not a relative path");
  std::string path = dir;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    std::string part = name.substr(
        start, end == std::string::npos ? std::string::npos : end - start);
    if (part == "..")
      return invalid("weights file '" + name + "' leaves the model's folder");
    if (!part.empty() && part != ".") {
      path += "/" + part;
      struct stat st;
      if (lstat(path.c_str(), &st) != 0)
        return makeStatus(GAON_NOT_FOUND,
                          "weights file '" + path + "' does not exist");
      if (S_ISLNK(st.st_mode))
        return invalid("weights path '" + path +
                       "' is a symbolic link, which is refused");
    }
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  void *mapping = nullptr;
  size_t size = 0;
  if (gaon_status s = mapFile(path, mapping, size))
    return s;
  m.weightsMapping = mapping;
  m.weightsMappingSize = size;
  m.constants = static_cast<const uint8_t *>(mapping);
  m.constantsSize = size;
  return nullptr;
}

/// Verifies and decodes `m.data`/`m.size` (already set). `dir` is the
/// model file's folder (empty when loading from memory).
gaon_status loadBuffer(gaon_model &m, const std::string &dir = "") {
  if (m.size < 8)
    return invalid("the file is " + std::to_string(m.size) +
                   " bytes, too small to hold a header");
  uint32_t fbSize;
  std::memcpy(&fbSize, m.data, 4);
  if (fbSize > m.size - 4)
    return invalid("the header claims " + std::to_string(fbSize) +
                   " bytes of program, but the file has " +
                   std::to_string(m.size - 4) + " after the header");
  if (!flatbuffers::BufferHasIdentifier(m.data, gnb::ModelIdentifier(),
                                        /*size_prefixed=*/true))
    return invalid("the file identifier is not GNB1 (not a Gaon binary, or "
                   "a binary of another format)");
  flatbuffers::Verifier verifier(m.data, 4 + size_t(fbSize));
  if (!gnb::VerifySizePrefixedModelBuffer(verifier))
    return invalid("the FlatBuffer at offset 4 fails verification (the file "
                   "is truncated or corrupt)");
  const gnb::Model *model = gnb::GetSizePrefixedModel(m.data);
  if (model->weights_file()) {
    if (gaon_status s = mapWeights(m, dir, model->weights_file()->str()))
      return s;
  } else {
    uint64_t dataStart = alignUp(4 + uint64_t(fbSize), kAlignment);
    if (dataStart <= m.size) {
      m.constants = m.data + dataStart;
      m.constantsSize = m.size - dataStart;
    }
  }
  return decode(m, *model);
}

} // namespace

//===----------------------------------------------------------------------===//
// Status, dtypes
//===----------------------------------------------------------------------===//

gaon_status gaon::rt::makeStatus(gaon_status_code code, std::string message) {
  if (code == GAON_OK)
    return nullptr;
  return new gaon_status_s{code, std::move(message)};
}

extern "C" {

gaon_status_code gaon_status_get_code(gaon_status s) {
  return s ? s->code : GAON_OK;
}
const char *gaon_status_message(gaon_status s) {
  return s ? s->message.c_str() : "ok";
}
void gaon_status_free(gaon_status s) { delete s; }

size_t gaon_dtype_size(gaon_dtype d) {
  switch (d) {
  case GAON_F32:
  case GAON_I32:
  case GAON_U32:
    return 4;
  case GAON_F16:
  case GAON_BF16:
  case GAON_I16:
  case GAON_U16:
    return 2;
  case GAON_F64:
  case GAON_I64:
  case GAON_U64:
    return 8;
  case GAON_I8:
  case GAON_U8:
  case GAON_BOOL:
    return 1;
  case GAON_I4:
    return 0;
  }
  return 0;
}

size_t gaon_dtype_bytes(gaon_dtype d, uint64_t count) {
  return d == GAON_I4 ? (count + 1) / 2 : count * gaon_dtype_size(d);
}

const char *gaon_dtype_name(gaon_dtype d) {
  static const char *names[] = {
      "float32", "float16", "bfloat16", "float64", "int8",   "int16", "int32",
      "int64",   "uint8",   "uint16",   "uint32",  "uint64", "bool",  "int4"};
  return (unsigned)d <= GAON_I4 ? names[d] : "unknown";
}

//===----------------------------------------------------------------------===//
// Models
//===----------------------------------------------------------------------===//

gaon_status gaon_model_load_memory(const void *data, size_t size,
                                   const gaon_allocator *allocator,
                                   gaon_model **out) {
  if (!data || !out)
    return makeStatus(GAON_INVALID_ARGUMENT, "null data or output pointer");
  auto m = std::make_unique<gaon_model>();
  m->allocator = resolveAllocator(allocator);
  m->data = static_cast<const uint8_t *>(data);
  m->size = size;
  if (gaon_status s = loadBuffer(*m))
    return s;
  *out = m.release();
  return nullptr;
}

gaon_status gaon_model_load_file(const char *path,
                                 const gaon_allocator *allocator,
                                 gaon_model **out) {
  if (!path || !out)
    return makeStatus(GAON_INVALID_ARGUMENT, "null path or output pointer");
  void *mapping = nullptr;
  size_t size = 0;
  if (gaon_status s = mapFile(path, mapping, size))
    return s;
  auto m = std::make_unique<gaon_model>();
  m->allocator = resolveAllocator(allocator);
  m->mapping = mapping;
  m->mappingSize = size;
  m->data = static_cast<const uint8_t *>(mapping);
  m->size = size;
  std::string dir(path);
  size_t slash = dir.rfind('/');
  dir = slash == std::string::npos ? "." : dir.substr(0, slash);
  if (dir.empty())
    dir = "/";
  if (gaon_status s = loadBuffer(*m, dir)) {
    s->message = std::string(path) + ": " + s->message;
    gaon_model_release(m.release());
    return s;
  }
  *out = m.release();
  return nullptr;
}

void gaon_model_release(gaon_model *m) {
  if (!m)
    return;
  if (m->mapping)
    munmap(m->mapping, m->mappingSize);
  if (m->weightsMapping)
    munmap(m->weightsMapping, m->weightsMappingSize);
  delete m;
}

size_t gaon_model_input_count(const gaon_model *m) {
  return m ? m->entries[0].inputs.size() : 0;
}
size_t gaon_model_output_count(const gaon_model *m) {
  return m ? m->entries[0].outputs.size() : 0;
}

static gaon_status describe(const gaon_model *m, const std::vector<IoDesc> &io,
                            size_t index, const char **name,
                            gaon_tensor *info) {
  if (!m || index >= io.size())
    return makeStatus(GAON_INVALID_ARGUMENT, "index out of range");
  const TensorDesc &t = m->tensors[io[index].tensor];
  if (name)
    *name = io[index].name.c_str();
  if (info) {
    *info = gaon_tensor{};
    info->dtype = t.dtype;
    info->rank = t.shape.size();
    std::copy(t.shape.begin(), t.shape.end(), info->shape);
    info->byte_size = t.byteSize;
  }
  return nullptr;
}

gaon_status gaon_model_input(const gaon_model *m, size_t i, const char **name,
                             gaon_tensor *info) {
  if (!m)
    return makeStatus(GAON_INVALID_ARGUMENT, "null model");
  return describe(m, m->entries[0].inputs, i, name, info);
}
gaon_status gaon_model_output(const gaon_model *m, size_t i, const char **name,
                              gaon_tensor *info) {
  if (!m)
    return makeStatus(GAON_INVALID_ARGUMENT, "null model");
  return describe(m, m->entries[0].outputs, i, name, info);
}
size_t gaon_model_entry_count(const gaon_model *m) {
  return m ? m->entries.size() : 0;
}
const char *gaon_model_entry_name(const gaon_model *m, size_t entry) {
  return m && entry < m->entries.size() ? m->entries[entry].name.c_str()
                                        : nullptr;
}
static std::string entryList(const gaon_model *m) {
  std::string names;
  for (const EntryDesc &e : m->entries)
    names += (names.empty() ? "" : ", ") + e.name;
  return names;
}
gaon_status gaon_model_find_entry(const gaon_model *m, const char *name,
                                  size_t *out) {
  if (!m || !name || !out)
    return makeStatus(GAON_INVALID_ARGUMENT, "null model, name or output");
  for (size_t i = 0; i < m->entries.size(); ++i)
    if (m->entries[i].name == name) {
      *out = i;
      return nullptr;
    }
  return makeStatus(GAON_NOT_FOUND, std::string("the model has no entry '") +
                                        name + "' (entries: " + entryList(m) +
                                        ")");
}
size_t gaon_model_entry_input_count(const gaon_model *m, size_t entry) {
  return m && entry < m->entries.size() ? m->entries[entry].inputs.size() : 0;
}
size_t gaon_model_entry_output_count(const gaon_model *m, size_t entry) {
  return m && entry < m->entries.size() ? m->entries[entry].outputs.size() : 0;
}
gaon_status gaon_model_entry_input(const gaon_model *m, size_t entry, size_t i,
                                   const char **name, gaon_tensor *info) {
  if (!m || entry >= m->entries.size())
    return makeStatus(GAON_INVALID_ARGUMENT,
                      "null model or entry out of range");
  return describe(m, m->entries[entry].inputs, i, name, info);
}
gaon_status gaon_model_entry_output(const gaon_model *m, size_t entry, size_t i,
                                    const char **name, gaon_tensor *info) {
  if (!m || entry >= m->entries.size())
    return makeStatus(GAON_INVALID_ARGUMENT,
                      "null model or entry out of range");
  return describe(m, m->entries[entry].outputs, i, name, info);
}
size_t gaon_model_state_count(const gaon_model *m) {
  return m ? m->states.size() : 0;
}
gaon_status gaon_model_state(const gaon_model *m, size_t i, const char **name,
                             gaon_tensor *info) {
  if (!m || i >= m->states.size())
    return makeStatus(GAON_INVALID_ARGUMENT,
                      "null model or state index out of range");
  const StateDesc &st = m->states[i];
  if (name)
    *name = st.name.c_str();
  if (info) {
    *info = gaon_tensor{};
    info->dtype = st.dtype;
    info->rank = st.shape.size();
    std::copy(st.shape.begin(), st.shape.end(), info->shape);
    info->byte_size = st.byteSize;
  }
  return nullptr;
}
const char *gaon_model_target(const gaon_model *m) {
  return m ? m->target.c_str() : "";
}
uint64_t gaon_model_arena_size(const gaon_model *m) {
  return m ? m->arenaSize : 0;
}

} // extern "C"

//===----------------------------------------------------------------------===//
// Devices and sessions
//===----------------------------------------------------------------------===//

namespace {
std::mutex registryMutex;
std::map<std::string, DeviceFactory> &registry() {
  static std::map<std::string, DeviceFactory> devices;
  return devices;
}
} // namespace

void gaon::rt::registerDevice(const std::string &name, DeviceFactory factory) {
  std::lock_guard<std::mutex> lock(registryMutex);
  registry()[name] = std::move(factory);
}

std::unique_ptr<Device> gaon::rt::createDevice(const std::string &name) {
  std::lock_guard<std::mutex> lock(registryMutex);
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second();
}

std::vector<std::string> gaon::rt::deviceNames() {
  std::lock_guard<std::mutex> lock(registryMutex);
  std::vector<std::string> names;
  for (const auto &entry : registry())
    names.push_back(entry.first);
  return names;
}

int gaon::rt::stateOfTensor(const gaon_model &m, uint32_t tensor) {
  if (tensor >= m.tensors.size()) // an absent optional operand
    return -1;
  const TensorDesc &t = m.tensors[tensor];
  if (t.storage != TensorDesc::Storage::State)
    return -1;
  for (size_t k = 0; k < m.states.size(); ++k)
    if (t.offset >= m.states[k].offset &&
        t.offset < m.states[k].offset + std::max<uint64_t>(m.states[k].byteSize, 1))
      return int(k);
  return -1;
}

void *ExecutionState::tensorData(uint32_t id) const {
  const TensorDesc &t = model->tensors[id];
  switch (t.storage) {
  case TensorDesc::Storage::Arena:
    return arena + t.offset;
  case TensorDesc::Storage::Constant:
    return const_cast<uint8_t *>(model->constants + t.offset);
  case TensorDesc::Storage::Input:
    return const_cast<void *>(inputData[id]);
  case TensorDesc::Storage::State:
    return state + t.offset;
  }
  return nullptr;
}

struct gaon_session_s {
  const gaon_model *model;
  std::unique_ptr<Device> device;
  std::vector<std::unique_ptr<PreparedSegment>> segments;
  uint8_t *arena = nullptr;
  uint8_t *state = nullptr; // model->stateSize bytes, kept between runs
  int threads = 0;
  /// Per state, the segment whose device memory holds it (null: `state`).
  std::vector<PreparedSegment *> stateOwner;

  /// Brings state `k` back to `state` from the device that holds it.
  gaon_status pullState(size_t k) {
    PreparedSegment *owner = stateOwner[k];
    if (!owner)
      return nullptr;
    stateOwner[k] = nullptr;
    return owner->pullState(uint32_t(k), state);
  }
};

namespace gaon::rt {
void registerBuiltinDevices(); // devices.cpp
}

extern "C" {

const char *gaon_runtime_devices(void) {
  gaon::rt::registerBuiltinDevices();
  static std::string names;
  static std::once_flag once;
  std::call_once(once, [] {
    for (const std::string &n : deviceNames())
      names += (names.empty() ? "" : ",") + n;
  });
  return names.c_str();
}

gaon_status gaon_session_create(const gaon_model *model,
                                const gaon_session_options *options,
                                gaon_session **out) {
  if (!model || !out)
    return makeStatus(GAON_INVALID_ARGUMENT, "null model or output pointer");
  gaon::rt::registerBuiltinDevices();
  std::string deviceName = options && options->device ? options->device : "cpu";
  int32_t threads = options ? options->threads : 0;
  if (threads < 0 || threads > GAON_MAX_THREADS)
    return makeStatus(GAON_INVALID_ARGUMENT,
                      "threads must be 0 (every core) to " +
                          std::to_string(GAON_MAX_THREADS) + ", got " +
                          std::to_string(threads));
  auto session = std::make_unique<gaon_session_s>();
  session->model = model;
  session->threads = resolveThreads(threads);
  // Preparation creates oneDNN primitives, which fix their thread count.
  ThreadScope scope(session->threads);
  session->device = createDevice(deviceName);
  if (!session->device) {
    std::string known;
    for (const std::string &n : deviceNames())
      known += (known.empty() ? "" : ", ") + n;
    return makeStatus(GAON_NOT_FOUND,
                      "no device '" + deviceName +
                          "' in this runtime (devices: " + known + ")");
  }
  for (const SegmentDesc &segment : model->segments) {
    if (!session->device->runs(segment.device))
      return makeStatus(
          GAON_UNSUPPORTED,
          std::string("the model has a ") +
              (segment.device == SegmentDesc::Device::NPU ? "npu" : "cpu") +
              " segment, which device '" + deviceName + "' cannot run");
    std::unique_ptr<PreparedSegment> prepared;
    if (gaon_status s = session->device->prepare(*model, segment, prepared))
      return s;
    session->segments.push_back(std::move(prepared));
  }
  session->arena = static_cast<uint8_t *>(model->allocator.allocate(
      model->allocator.context, model->arenaSize, kAlignment));
  if (!session->arena)
    return makeStatus(GAON_RESOURCE_EXHAUSTED,
                      "cannot allocate the " +
                          std::to_string(model->arenaSize) + "-byte arena");
  if (model->stateSize) {
    session->state = static_cast<uint8_t *>(model->allocator.allocate(
        model->allocator.context, model->stateSize, kAlignment));
    if (!session->state) {
      model->allocator.deallocate(model->allocator.context, session->arena);
      return makeStatus(GAON_RESOURCE_EXHAUSTED,
                        "cannot allocate the " +
                            std::to_string(model->stateSize) +
                            "-byte session state");
    }
    std::memset(session->state, 0, model->stateSize);
  }
  session->stateOwner.assign(model->states.size(), nullptr);
  *out = session.release();
  return nullptr;
}

gaon_status gaon_session_report(const gaon_session *s, gaon_report_kind kind,
                                char **json) {
  if (!s || !json)
    return makeStatus(GAON_INVALID_ARGUMENT, "null session or output pointer");
  std::vector<const SimRun *> runs;
  std::vector<ProfilePart> parts;
  for (const auto &segment : s->segments) {
    const SimRun *run = segment->lastSimRun();
    if (run)
      runs.push_back(run);
    parts.push_back({run, run ? nullptr : segment->lastHostRun()});
  }
  std::string text;
  if (runs.empty()) {
    // Nothing simulated (the cpu device): the CPU ops' host times.
    std::vector<const HostRun *> host;
    for (const ProfilePart &p : parts)
      if (p.host && p.host->valid)
        host.push_back(p.host);
    if (host.empty())
      return makeStatus(GAON_NOT_FOUND, "the session has not run yet");
    text = kind == GAON_REPORT_TRACE ? hostTraceJson(host)
                                     : hostProfileJson(host);
  } else {
    text = kind == GAON_REPORT_TRACE ? simTraceJson(runs)
                                     : simProfileJson(runs, parts);
  }
  *json = static_cast<char *>(std::malloc(text.size() + 1));
  if (!*json)
    return makeStatus(GAON_RESOURCE_EXHAUSTED, "cannot allocate the report");
  std::memcpy(*json, text.c_str(), text.size() + 1);
  return nullptr;
}

void gaon_string_free(char *text) { std::free(text); }

void gaon_session_release(gaon_session *s) {
  if (!s)
    return;
  s->model->allocator.deallocate(s->model->allocator.context, s->arena);
  if (s->state)
    s->model->allocator.deallocate(s->model->allocator.context, s->state);
  delete s;
}

static std::string signature(const gaon_model *m, const EntryDesc &e) {
  std::string sig;
  for (const IoDesc &in : e.inputs) {
    const TensorDesc &t = m->tensors[in.tensor];
    sig += (sig.empty() ? "" : ", ") + in.name + ": " +
           gaon_dtype_name(t.dtype) + "[";
    for (size_t i = 0; i < t.shape.size(); ++i)
      sig += (i ? "x" : "") + std::to_string(t.shape[i]);
    sig += "]";
  }
  return "(" + sig + ")";
}

/// Does a caller's tensor have the dtype, shape and buffer `d` needs? An
/// empty tensor needs no buffer.
static bool fitsShape(const gaon_tensor &t, gaon_dtype dtype,
                      const std::vector<int64_t> &shape, uint64_t byteSize) {
  if (t.dtype != dtype || t.rank != (int)shape.size() ||
      (!t.data && byteSize > 0) || t.byte_size < byteSize)
    return false;
  for (int i = 0; i < t.rank; ++i)
    if (t.shape[i] != shape[i])
      return false;
  return true;
}
static bool fits(const gaon_tensor &t, const TensorDesc &d) {
  return fitsShape(t, d.dtype, d.shape, d.byteSize);
}

gaon_status gaon_session_run_entry(gaon_session *s, size_t entry,
                                   const gaon_tensor *inputs, size_t inputCount,
                                   gaon_tensor *outputs, size_t outputCount) {
  if (!s)
    return makeStatus(GAON_INVALID_ARGUMENT, "null session");
  const gaon_model *m = s->model;
  if (entry >= m->entries.size())
    return makeStatus(GAON_INVALID_ARGUMENT,
                      "entry " + std::to_string(entry) +
                          " is out of range: "
                          "the model has " +
                          std::to_string(m->entries.size()) + " (" +
                          entryList(m) + ")");
  const EntryDesc &e = m->entries[entry];
  std::string which =
      m->entries.size() > 1 ? "entry '" + e.name + "'" : "the model";
  if (inputCount != e.inputs.size())
    return makeStatus(GAON_INVALID_ARGUMENT,
                      which + " takes " + std::to_string(e.inputs.size()) +
                          " inputs " + signature(m, e) + ", got " +
                          std::to_string(inputCount));
  if (outputCount != e.outputs.size())
    return makeStatus(GAON_INVALID_ARGUMENT,
                      which + " has " + std::to_string(e.outputs.size()) +
                          " outputs, got " + std::to_string(outputCount));
  if ((inputCount && !inputs) || (outputCount && !outputs))
    return makeStatus(GAON_INVALID_ARGUMENT, "null inputs or outputs array");
  ThreadScope scope(s->threads);
  ExecutionState state{m, s->arena, s->state, {}, s->threads,
                       &s->stateOwner};
  state.inputData.assign(m->tensors.size(), nullptr);
  for (size_t i = 0; i < inputCount; ++i) {
    if (!fits(inputs[i], m->tensors[e.inputs[i].tensor]))
      return makeStatus(GAON_INVALID_ARGUMENT,
                        "input " + std::to_string(i) + " ('" +
                            e.inputs[i].name + "') does not match " + which +
                            "'s signature " + signature(m, e));
    state.inputData[e.inputs[i].tensor] = inputs[i].data;
  }
  // Outputs are checked before any work is done.
  for (size_t i = 0; i < outputCount; ++i)
    if (!fits(outputs[i], m->tensors[e.outputs[i].tensor]))
      return makeStatus(GAON_INVALID_ARGUMENT,
                        "output " + std::to_string(i) + " ('" +
                            e.outputs[i].name +
                            "') buffer does not match its dtype and shape");
  for (uint32_t i : e.segments) {
    // A state another segment's device holds comes home first.
    for (uint32_t k : m->segments[i].states)
      if (s->stateOwner[k] && s->stateOwner[k] != s->segments[i].get())
        if (gaon_status st = s->pullState(k))
          return st;
    if (gaon_status st = s->segments[i]->run(state))
      return st;
  }
  for (size_t i = 0; i < outputCount; ++i)
    if (uint64_t bytes = m->tensors[e.outputs[i].tensor].byteSize)
      std::memcpy(outputs[i].data, state.tensorData(e.outputs[i].tensor),
                  bytes);
  return nullptr;
}

gaon_status gaon_session_run(gaon_session *s, const gaon_tensor *inputs,
                             size_t inputCount, gaon_tensor *outputs,
                             size_t outputCount) {
  return gaon_session_run_entry(s, 0, inputs, inputCount, outputs, outputCount);
}

gaon_status gaon_session_reset_state(gaon_session *s) {
  if (!s)
    return makeStatus(GAON_INVALID_ARGUMENT, "null session");
  if (s->state)
    std::memset(s->state, 0, s->model->stateSize);
  s->stateOwner.assign(s->stateOwner.size(), nullptr); // the host's zeros
  return nullptr;
}

static gaon_status checkState(const gaon_session *s, size_t index,
                              const gaon_tensor *t) {
  if (!s || !t)
    return makeStatus(GAON_INVALID_ARGUMENT, "null session or tensor");
  const gaon_model *m = s->model;
  if (index >= m->states.size())
    return makeStatus(GAON_INVALID_ARGUMENT,
                      "state " + std::to_string(index) +
                          " is out of range: the model has " +
                          std::to_string(m->states.size()));
  const StateDesc &st = m->states[index];
  if (!fitsShape(*t, st.dtype, st.shape, st.byteSize)) {
    std::string shape;
    for (size_t i = 0; i < st.shape.size(); ++i)
      shape += (i ? "x" : "") + std::to_string(st.shape[i]);
    return makeStatus(GAON_INVALID_ARGUMENT,
                      "state '" + st.name + "' is " +
                          gaon_dtype_name(st.dtype) + "[" + shape +
                          "]; the tensor given does not match it");
  }
  return nullptr;
}

gaon_status gaon_session_read_state(const gaon_session *s, size_t index,
                                    gaon_tensor *t) {
  if (gaon_status st = checkState(s, index, t))
    return st;
  const StateDesc &d = s->model->states[index];
  // (Reading does not change the state; bringing it home is bookkeeping.)
  if (gaon_status st = const_cast<gaon_session *>(s)->pullState(index))
    return st;
  if (d.byteSize)
    std::memcpy(t->data, s->state + d.offset, d.byteSize);
  return nullptr;
}

gaon_status gaon_session_write_state(gaon_session *s, size_t index,
                                     const gaon_tensor *t) {
  if (gaon_status st = checkState(s, index, t))
    return st;
  const StateDesc &d = s->model->states[index];
  if (d.byteSize)
    std::memcpy(s->state + d.offset, t->data, d.byteSize);
  s->stateOwner[index] = nullptr; // the host's copy is now the state
  return nullptr;
}

} // extern "C"
