//===- OnnxImporter.cpp - .onnx files to the onnx dialect -----------------===//
//
// This file is compiled with exceptions enabled: ONNX's shape inference
// reports problems by throwing, and nothing else may escape from here.
//
//===----------------------------------------------------------------------===//

#include "compiler/importer/OnnxImporter.h"
#include "targets/common/RegularFile.h"

#include "dialects/onnx/OnnxOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <google/protobuf/io/coded_stream.h>

#include <limits>

#include <fcntl.h>
#include <new>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <map>

using namespace mlir;
using llvm::StringRef;

namespace gaon {

namespace {

/// A regular file's bytes, mapped where that pays; FIFOs, devices and
/// folders are refused (targets/common/RegularFile.h), with the reason.
std::unique_ptr<llvm::MemoryBuffer> readRegular(const std::string &path,
                                                std::string &error) {
  uint64_t size = 0;
  int fd = gaon::openRegularFile(path, size, error);
  if (fd < 0)
    return nullptr;
  auto buffer = llvm::MemoryBuffer::getOpenFile(fd, path, size,
                                                /*RequiresNullTerminator=*/false);
  ::close(fd);
  if (!buffer) {
    error = "cannot read '" + path + "': " + buffer.getError().message();
    return nullptr;
  }
  return std::move(*buffer);
}


constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 17; // What ONNX 1.12 defines.

std::string shapeString(llvm::ArrayRef<int64_t> dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? "x" : "") + std::to_string(dims[i]);
  return s;
}

class Importer {
public:
  Importer(MLIRContext &ctx, StringRef path, const ImportOptions &options)
      : ctx(ctx), builder(&ctx), path(path.str()), options(options),
        fileLoc(FileLineColLoc::get(&ctx, path, 0, 0)) {}

  OwningOpRef<ModuleOp> run();

private:
  LogicalResult load();
  LogicalResult freezeInputs();
  LogicalResult verifyNodes();
  LogicalResult resolveInputShapes();
  FailureOr<std::vector<int64_t>> decoderShape(const ::onnx::ValueInfoProto &input);
  llvm::StringMap<std::vector<int64_t>> decoderShapes;
  LogicalResult inferShapes();
  LogicalResult buildFunction(ModuleOp module);
  LogicalResult importNode(const ::onnx::NodeProto &node, int index);

  FailureOr<Type> elementType(int32_t dataType, Location loc,
                              StringRef what);
  FailureOr<Type> valueType(const ::onnx::TypeProto &type, Location loc,
                            StringRef what);
  FailureOr<ElementsAttr> tensorAttr(const ::onnx::TensorProto &tensor,
                                     Location loc);
  FailureOr<std::string> readExternal(const ::onnx::TensorProto &tensor,
                                      size_t expectedBytes, Location loc);
  FailureOr<Attribute> attribute(const ::onnx::AttributeProto &attr,
                                 Location loc);
  Location nodeLoc(const ::onnx::NodeProto &node, int index);

  MLIRContext &ctx;
  OpBuilder builder;
  std::string path;
  const ImportOptions &options;
  Location fileLoc;
  ::onnx::ModelProto model;
  ::onnx::GraphProto inferred; // What ONNX's shape inference adds.
  std::map<std::string, int64_t> opsets; // domain ("" default) -> version
  llvm::StringMap<Value> values;          // ONNX value name -> SSA value
  llvm::StringMap<const ::onnx::TypeProto *> knownTypes;
  Value noneValue;
};

/// The ONNX default domain has two spellings.
std::string canonicalDomain(const std::string &domain) {
  return domain == "ai.onnx" ? std::string() : domain;
}

FailureOr<Type> Importer::elementType(int32_t dataType, Location loc,
                                      StringRef what) {
  using TP = ::onnx::TensorProto;
  switch (dataType) {
  case TP::FLOAT:
    return Type(builder.getF32Type());
  case TP::DOUBLE:
    return Type(builder.getF64Type());
  case TP::FLOAT16:
    return Type(builder.getF16Type());
  case TP::BFLOAT16:
    return Type(builder.getBF16Type());
  case TP::INT8:
    return Type(builder.getIntegerType(8));
  case TP::INT16:
    return Type(builder.getIntegerType(16));
  case TP::INT32:
    return Type(builder.getIntegerType(32));
  case TP::INT64:
    return Type(builder.getIntegerType(64));
  case TP::UINT8:
    return Type(builder.getIntegerType(8, /*isSigned=*/false));
  case TP::UINT16:
    return Type(builder.getIntegerType(16, false));
  case TP::UINT32:
    return Type(builder.getIntegerType(32, false));
  case TP::UINT64:
    return Type(builder.getIntegerType(64, false));
  case TP::BOOL:
    return Type(builder.getI1Type());
  default:
    break;
  }
  std::string name = TP::DataType_IsValid(dataType)
                         ? TP::DataType_Name(TP::DataType(dataType))
                         : "data type " + std::to_string(dataType);
  emitError(loc) << what << " has element type " << name
                 << ", which Gaon does not support (supported: float, "
                    "double, float16, bfloat16, int8/16/32/64, "
                    "uint8/16/32/64, bool)";
  return failure();
}

FailureOr<Type> Importer::valueType(const ::onnx::TypeProto &type, Location loc,
                                    StringRef what) {
  if (!type.has_tensor_type()) {
    emitError(loc) << what
                   << " is not a tensor (sequence, map and optional values "
                      "are not supported)";
    return failure();
  }
  const auto &tensor = type.tensor_type();
  auto element = elementType(tensor.elem_type(), loc, what);
  if (failed(element))
    return failure();
  if (!tensor.has_shape())
    return Type(UnrankedTensorType::get(*element));
  llvm::SmallVector<int64_t> dims;
  for (const auto &dim : tensor.shape().dim())
    dims.push_back(dim.has_dim_value() && dim.dim_value() >= 0
                       ? dim.dim_value()
                       : ShapedType::kDynamic);
  return Type(RankedTensorType::get(dims, *element));
}

/// A node's name, or its op type and index when it has none.
std::string displayName(const ::onnx::NodeProto &node, int index) {
  return node.name().empty() ? node.op_type() + "_" + std::to_string(index)
                             : node.name();
}

Location Importer::nodeLoc(const ::onnx::NodeProto &node, int index) {
  return NameLoc::get(builder.getStringAttr(displayName(node, index)),
                      fileLoc);
}

FailureOr<std::string> Importer::readExternal(const ::onnx::TensorProto &tensor,
                                              size_t expectedBytes,
                                              Location loc) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const auto &entry : tensor.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset" || entry.key() == "length") {
      uint64_t v;
      if (StringRef(entry.value()).getAsInteger(10, v)) {
        emitError(loc) << "tensor '" << tensor.name() << "' has external "
                       << entry.key() << " '" << entry.value()
                       << "', which is not a non-negative integer";
        return failure();
      }
      (entry.key() == "offset" ? offset : length.emplace()) = v;
    }
  }
  if (location.empty()) {
    emitError(loc) << "tensor '" << tensor.name()
                   << "' is stored externally but names no location";
    return failure();
  }
  // External data must stay inside the model's folder: no absolute paths,
  // no `..`, no symbolic links anywhere on the way.
  llvm::SmallString<256> modelDir(path);
  llvm::sys::path::remove_filename(modelDir);
  if (modelDir.empty())
    modelDir = ".";
  bool escapes = llvm::sys::path::is_absolute(location) ||
                 location.find('\\') != std::string::npos;
  for (auto it = llvm::sys::path::begin(location),
            end = llvm::sys::path::end(location);
       it != end; ++it)
    escapes |= *it == "..";
  if (escapes) {
    emitError(loc) << "tensor '" << tensor.name()
                   << "' has external data location '" << location
                   << "', which leaves the model's folder; external data "
                      "must be a relative path below it without '..'";
    return failure();
  }
  llvm::SmallString<256> file(modelDir);
  for (auto it = llvm::sys::path::begin(location),
            end = llvm::sys::path::end(location);
       it != end; ++it) {
    llvm::sys::path::append(file, *it);
    llvm::sys::fs::file_status status;
    if (llvm::sys::fs::status(file, status, /*follow=*/false)) {
      emitError(loc) << "tensor '" << tensor.name()
                     << "': external data file '" << file
                     << "' does not exist";
      return failure();
    }
    if (llvm::sys::fs::is_symlink_file(status)) {
      emitError(loc) << "tensor '" << tensor.name()
                     << "': external data path '" << file
                     << "' is a symbolic link, which is refused";
      return failure();
    }
  }
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> buffer = readRegular(std::string(file.str()), error);
  if (!buffer) {
    emitError(loc) << "tensor '" << tensor.name() << "': external data: "
                   << error;
    return failure();
  }
  uint64_t size = buffer->getBufferSize();
  uint64_t want = length ? *length : expectedBytes;
  if (want != expectedBytes || offset > size || want > size - offset) {
    emitError(loc) << "tensor '" << tensor.name() << "': external data at "
                   << "offset " << offset << " with length " << want
                   << " does not fit '" << file << "' (" << size
                   << " bytes) or the tensor (" << expectedBytes
                   << " bytes)";
    return failure();
  }
  return std::string(buffer->getBufferStart() + offset, want);
}

FailureOr<ElementsAttr> Importer::tensorAttr(const ::onnx::TensorProto &tensor,
                                             Location loc) {
  std::string what = "tensor '" + tensor.name() + "'";
  if (tensor.has_segment()) {
    emitError(loc) << what << " is segmented, which is not supported";
    return failure();
  }
  auto element = elementType(tensor.data_type(), loc, what);
  if (failed(element))
    return failure();
  llvm::SmallVector<int64_t> dims;
  uint64_t count = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0 || (d > 0 && count > std::numeric_limits<int64_t>::max() /
                                       static_cast<uint64_t>(d))) {
      emitError(loc) << what << " has invalid dimension " << d;
      return failure();
    }
    count *= d;
    dims.push_back(d);
  }
  auto type = RankedTensorType::get(dims, *element);
  unsigned bits = element->getIntOrFloatBitWidth();
  size_t elementBytes = bits == 1 ? 1 : bits / 8;
  if (count > std::numeric_limits<size_t>::max() / elementBytes) {
    emitError(loc) << what << " is too large";
    return failure();
  }
  size_t bytes = count * elementBytes;

  // The little-endian bytes of the tensor, from whichever field holds them.
  std::string raw;
  using TP = ::onnx::TensorProto;
  if (tensor.data_location() == TP::EXTERNAL) {
    auto external = readExternal(tensor, bytes, loc);
    if (failed(external))
      return failure();
    raw = std::move(*external);
  } else if (tensor.has_raw_data()) {
    raw = tensor.raw_data();
  } else {
    raw.resize(bytes);
    auto copyField = [&](const auto &field, StringRef name) -> LogicalResult {
      if ((uint64_t)field.size() != count) {
        emitError(loc) << what << " has " << field.size() << " values in "
                       << name << " but its shape " << shapeString(dims)
                       << " holds " << count;
        return failure();
      }
      for (uint64_t i = 0; i < count; ++i) {
        auto v = field.Get(i);
        // Narrow to the element width (int32_data carries int8, uint16,
        // float16 bits, ...; uint64_data carries uint32).
        std::memcpy(&raw[i * elementBytes], &v, elementBytes);
      }
      return success();
    };
    LogicalResult ok = success();
    switch (tensor.data_type()) {
    case TP::FLOAT:
      ok = copyField(tensor.float_data(), "float_data");
      break;
    case TP::DOUBLE:
      ok = copyField(tensor.double_data(), "double_data");
      break;
    case TP::INT64:
      ok = copyField(tensor.int64_data(), "int64_data");
      break;
    case TP::UINT32:
    case TP::UINT64:
      ok = copyField(tensor.uint64_data(), "uint64_data");
      break;
    default:
      ok = copyField(tensor.int32_data(), "int32_data");
      break;
    }
    if (failed(ok))
      return failure();
  }
  if (raw.size() != bytes) {
    emitError(loc) << what << " holds " << raw.size()
                   << " bytes but its shape " << shapeString(dims) << " of "
                   << *element << " needs " << bytes;
    return failure();
  }
  if (bits == 1) {
    llvm::SmallVector<bool> bools;
    for (char c : raw)
      bools.push_back(c != 0);
    return ElementsAttr(DenseElementsAttr::get(type, bools));
  }
  bool detectedSplat = false;
  if (!DenseElementsAttr::isValidRawBuffer(type, llvm::ArrayRef(raw.data(),
                                                                raw.size()),
                                           detectedSplat)) {
    emitError(loc) << what << " has a malformed data buffer";
    return failure();
  }
  return ElementsAttr(DenseElementsAttr::getFromRawBuffer(
      type, llvm::ArrayRef(raw.data(), raw.size())));
}

FailureOr<Attribute> Importer::attribute(const ::onnx::AttributeProto &attr,
                                         Location loc) {
  using AP = ::onnx::AttributeProto;
  if (!attr.ref_attr_name().empty()) {
    emitError(loc) << "attribute '" << attr.name()
                   << "' refers to a function attribute, which is only "
                      "valid inside ONNX functions";
    return failure();
  }
  switch (attr.type()) {
  case AP::INT:
    return Attribute(builder.getI64IntegerAttr(attr.i()));
  case AP::FLOAT:
    return Attribute(builder.getF32FloatAttr(attr.f()));
  case AP::STRING:
    return Attribute(builder.getStringAttr(attr.s()));
  case AP::INTS:
    return Attribute(builder.getDenseI64ArrayAttr(
        llvm::SmallVector<int64_t>(attr.ints().begin(), attr.ints().end())));
  case AP::FLOATS:
    return Attribute(builder.getDenseF32ArrayAttr(
        llvm::SmallVector<float>(attr.floats().begin(), attr.floats().end())));
  case AP::STRINGS: {
    llvm::SmallVector<Attribute> strings;
    for (const auto &s : attr.strings())
      strings.push_back(builder.getStringAttr(s));
    return Attribute(builder.getArrayAttr(strings));
  }
  case AP::TENSOR: {
    auto value = tensorAttr(attr.t(), loc);
    if (failed(value))
      return failure();
    return Attribute(*value);
  }
  case AP::GRAPH:
  case AP::GRAPHS: {
    // Kept losslessly as serialized GraphProtos; no conversion reads them
    // yet, so nodes with subgraphs (If, Loop, Scan) are reported there.
    llvm::SmallVector<Attribute> graphs;
    if (attr.type() == AP::GRAPH)
      graphs.push_back(builder.getStringAttr(attr.g().SerializeAsString()));
    for (const auto &g : attr.graphs())
      graphs.push_back(builder.getStringAttr(g.SerializeAsString()));
    return Attribute(builder.getDictionaryAttr(
        builder.getNamedAttr("onnx.subgraphs", builder.getArrayAttr(graphs))));
  }
  default:
    emitError(loc) << "attribute '" << attr.name() << "' has type "
                   << AP::AttributeType_Name(attr.type())
                   << ", which is not supported";
    return failure();
  }
}

/// How deep a second parse looks to tell over-nested models from corrupt
/// ones: far past protobuf's default of 100, far below a stack's limit.
constexpr int kDeepNestingProbe = 2000;

LogicalResult Importer::load() {
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> buffer = readRegular(path, error);
  if (!buffer) {
    emitError(fileLoc) << error;
    return failure();
  }
  size_t size = buffer->getBufferSize();
  if (size > (size_t)std::numeric_limits<int>::max()) {
    emitError(fileLoc) << "'" << path << "' is " << size
                       << " bytes; protobuf files are limited to 2 GiB, so "
                          "store the weights as ONNX external data";
    return failure();
  }
  if (!model.ParseFromArray(buffer->getBufferStart(), (int)size)) {
    // Protobuf stops at 100 nested messages (an If's branch inside an If's
    // branch ... reaches it at about 30 levels of subgraphs). Parsing again
    // with a deeper, still stack-safe limit tells that case apart.
    google::protobuf::io::CodedInputStream deeper(
        reinterpret_cast<const uint8_t *>(buffer->getBufferStart()),
        (int)size);
    deeper.SetRecursionLimit(kDeepNestingProbe);
    ::onnx::ModelProto probe;
    if (probe.ParseFromCodedStream(&deeper) &&
        deeper.ConsumedEntireMessage()) {
      emitError(fileLoc)
          << "'" << path
          << "' nests subgraphs (If, Loop or Scan bodies within each other) "
             "more than 100 protobuf messages deep, which Gaon does not "
             "read; flatten the control flow";
      return failure();
    }
    emitError(fileLoc) << "cannot parse '" << path
                       << "' as an ONNX model: the file is truncated, "
                          "corrupt, or not an ONNX protobuf";
    return failure();
  }
  if (!model.has_graph()) {
    emitError(fileLoc) << "'" << path << "' holds no graph";
    return failure();
  }
  for (const auto &opset : model.opset_import())
    opsets[canonicalDomain(opset.domain())] = opset.version();
  // IR version 1 and 2 models predate opset_import and mean opset 1. Later
  // models may import only other domains.
  if (!opsets.count("") && model.ir_version() < 3)
    opsets[""] = 1;
  int64_t opset = opsets.count("") ? opsets[""] : kMinOpset;
  if (opset < kMinOpset || opset > kMaxOpset) {
    emitError(fileLoc) << "'" << path << "' uses ONNX opset " << opset
                       << "; Gaon supports opsets " << kMinOpset << " to "
                       << kMaxOpset
                       << " (ONNX 1.12); convert the model with "
                          "onnx.version_converter";
    return failure();
  }
  return success();
}

LogicalResult Importer::freezeInputs() {
  ::onnx::GraphProto *graph = model.mutable_graph();
  for (const auto &entry : options.frozenInputs) {
    StringRef name = entry.getKey();
    auto *inputs = graph->mutable_input();
    auto it = std::find_if(inputs->begin(), inputs->end(),
                           [&](const auto &in) { return in.name() == name; });
    if (it == inputs->end()) {
      emitError(fileLoc) << "--freeze-input names '" << name
                         << "', which is not an input of the model";
      return failure();
    }
    std::string error;
    std::unique_ptr<llvm::MemoryBuffer> buffer =
        readRegular(entry.getValue(), error);
    if (!buffer) {
      emitError(fileLoc) << "--freeze-input " << name << ": " << error;
      return failure();
    }
    ::onnx::TensorProto tensor;
    if (buffer->getBufferSize() > (size_t)INT32_MAX ||
        !tensor.ParseFromArray(buffer->getBufferStart(),
                               (int)buffer->getBufferSize())) {
      emitError(fileLoc) << "--freeze-input " << name << ": cannot read '"
                         << entry.getValue()
                         << "' as a serialized ONNX TensorProto (.pb)";
      return failure();
    }
    if (it->type().has_tensor_type()) {
      const auto &declared = it->type().tensor_type();
      bool shapeFits = !declared.has_shape() ||
                       declared.shape().dim_size() == tensor.dims_size();
      for (int i = 0; shapeFits && declared.has_shape() &&
                      i < declared.shape().dim_size();
           ++i)
        shapeFits = !declared.shape().dim(i).has_dim_value() ||
                    declared.shape().dim(i).dim_value() == tensor.dims(i);
      if (declared.elem_type() != tensor.data_type() || !shapeFits) {
        emitError(fileLoc) << "--freeze-input " << name << ": the tensor in '"
                           << entry.getValue()
                           << "' does not match the input's declared type";
        return failure();
      }
    }
    tensor.set_name(name.str());
    *graph->add_initializer() = std::move(tensor);
    inputs->erase(it);
  }
  return success();
}

FailureOr<std::vector<int64_t>>
Importer::decoderShape(const ::onnx::ValueInfoProto &input) {
  const ImportOptions::Decoder &d = options.decoder;
  const std::string &name = input.name();
  if (name == "input_ids" || name == "position_ids")
    return std::vector<int64_t>{d.batch, d.sequence};
  if (name == "attention_mask")
    return std::vector<int64_t>{d.batch, d.maxSeqLen};
  llvm::StringRef rest(name);
  if (rest.consume_front("past_key_values.") &&
      (rest.ends_with(".key") || rest.ends_with(".value"))) {
    const auto &shape = input.type().tensor_type().shape();
    auto fixed = [&](int i) -> int64_t {
      return shape.dim_size() == 4 && shape.dim(i).has_dim_value()
                 ? shape.dim(i).dim_value()
                 : -1;
    };
    if (fixed(1) < 1 || fixed(3) < 1) {
      emitError(fileLoc) << "input '" << name
                         << "': --max-seq-len needs the past key/value "
                            "inputs declared as (batch, heads, past, "
                            "head_size) with static heads and head size";
      return failure();
    }
    return std::vector<int64_t>{d.batch, fixed(1), d.maxSeqLen - d.sequence,
                                fixed(3)};
  }
  emitError(fileLoc) << "input '" << name
                     << "' is not one of a decoder's (input_ids, "
                        "attention_mask, position_ids, "
                        "past_key_values.N.key/value); --max-seq-len "
                        "compiles decoders exported in that convention";
  return failure();
}

LogicalResult Importer::resolveInputShapes() {
  ::onnx::GraphProto *graph = model.mutable_graph();
  llvm::StringSet<> initializerNames;
  for (const auto &init : graph->initializer())
    initializerNames.insert(init.name());
  llvm::StringSet<> inputNames;
  std::string dynamicDims, exampleFlags;
  bool ok = true;
  for (auto &input : *graph->mutable_input()) {
    if (initializerNames.contains(input.name()))
      continue;
    inputNames.insert(input.name());
    if (!input.type().has_tensor_type())
      continue; // valueType reports non-tensors when the function is built.
    auto *tensor = input.mutable_type()->mutable_tensor_type();
    const std::vector<int64_t> *given = nullptr;
    auto it = options.inputShapes.find(input.name());
    if (it != options.inputShapes.end()) {
      given = &it->second;
    } else if (options.decoder.maxSeqLen) {
      FailureOr<std::vector<int64_t>> dims = decoderShape(input);
      if (failed(dims)) {
        ok = false;
        continue;
      }
      given = &(decoderShapes[input.name()] = *dims);
    }
    if (given) {
      const std::vector<int64_t> &dims = *given;
      if (tensor->has_shape() && tensor->shape().dim_size() != (int)dims.size()) {
        emitError(fileLoc) << "--input-shape gives input '" << input.name()
                           << "' rank " << dims.size()
                           << ", but the model says rank "
                           << tensor->shape().dim_size();
        ok = false;
        continue;
      }
      tensor->mutable_shape()->clear_dim();
      for (int64_t d : dims)
        tensor->mutable_shape()->add_dim()->set_dim_value(d);
      continue;
    }
    if (!tensor->has_shape()) {
      dynamicDims += "\n  input '" + input.name() + "' has no shape";
      continue;
    }
    // A ready-to-use flag for each such input, with 1 for its unknown
    // dimensions (a batch of one, say).
    std::string example;
    bool dynamic = false;
    for (int i = 0; i < tensor->shape().dim_size(); ++i) {
      const auto &dim = tensor->shape().dim(i);
      bool known = dim.has_dim_value() && dim.dim_value() >= 0;
      example += (i ? "x" : "") +
                 std::to_string(known ? dim.dim_value() : int64_t(1));
      if (known)
        continue;
      dynamic = true;
      dynamicDims += "\n  input '" + input.name() + "' dimension " +
                     std::to_string(i);
      if (dim.has_dim_param())
        dynamicDims += " ('" + dim.dim_param() + "')";
    }
    if (dynamic)
      exampleFlags += " --input-shape=" + input.name() + ":" + example;
  }
  for (const auto &entry : options.inputShapes)
    if (!inputNames.contains(entry.getKey())) {
      std::string names;
      for (const auto &input : graph->input())
        if (!initializerNames.contains(input.name()))
          names += (names.empty() ? "'" : ", '") + input.name() + "'";
      emitError(fileLoc) << "--input-shape names '" << entry.getKey()
                         << "', which is not an input of the model (inputs: "
                         << names << ")";
      ok = false;
    }
  if (!dynamicDims.empty()) {
    emitError(fileLoc)
        << "the model has dynamic input dimensions; Gaon compiles static "
           "shapes. Give each such input its shape with "
           "--input-shape=NAME:D0xD1x...:"
        << dynamicDims
        << (exampleFlags.empty() ? ""
                                 : "\nfor example, with 1 for each:" +
                                       exampleFlags);
    ok = false;
  }
  return success(ok);
}

/// Checks every node with a known schema against it (input and output
/// counts, required inputs, attribute names and types), reporting every bad
/// node. This runs before ONNX's shape inference, which assumes valid nodes.
LogicalResult Importer::verifyNodes() {
  bool ok = true;
  const ::onnx::GraphProto &graph = model.graph();
  for (int i = 0; i < graph.node_size(); ++i) {
    const ::onnx::NodeProto &node = graph.node(i);
    std::string domain = canonicalDomain(node.domain());
    auto opset = opsets.find(domain);
    if (opset == opsets.end())
      continue; // importNode reports the missing domain import.
    const ::onnx::OpSchema *schema = ::onnx::OpSchemaRegistry::Schema(
        node.op_type(), (int)opset->second,
        domain.empty() ? ::onnx::ONNX_DOMAIN : domain);
    if (!schema)
      continue; // Unknown operators are reported by the conversion.
    // Window sizes and counts that ONNX's shape inference divides by: zero
    // or negative values crash it, so they are refused first.
    for (const auto &attr : node.attribute()) {
      StringRef name = attr.name();
      if (name != "strides" && name != "dilations" && name != "kernel_shape" &&
          name != "group" && name != "blocksize")
        continue;
      bool positive = attr.i() >= 1 || attr.type() != ::onnx::AttributeProto::INT;
      for (int64_t v : attr.ints())
        positive &= v >= 1;
      if (!positive) {
        emitError(nodeLoc(node, i))
            << "node '" << displayName(node, i) << "' (" << node.op_type()
            << "): attribute '" << name
            << "' must be positive";
        ok = false;
      }
    }
    try {
      schema->Verify(node);
    } catch (const std::exception &e) {
      std::string message = e.what();
      // ONNX appends its own context after a "==> Context:" marker.
      size_t context = message.find("==> Context:");
      if (context != std::string::npos)
        message.resize(context);
      while (!message.empty() && std::isspace((unsigned char)message.back()))
        message.pop_back();
      emitError(nodeLoc(node, i))
          << "node '" << displayName(node, i) << "' (" << node.op_type()
          << " version " << schema->since_version()
          << ") does not match its ONNX schema: " << message;
      ok = false;
    }
  }
  return success(ok);
}

/// Runs ONNX's shape inference in a child process. ONNX's inference code
/// trusts its input: on hostile attribute values it can divide by zero or
/// allocate without bound. In a child with a memory and time limit, such a
/// model costs a warning, not the compiler. The child sends back only the
/// inferred value types.
LogicalResult Importer::inferShapes() {
  constexpr unsigned kTimeoutSeconds = 120;
  constexpr rlim_t kMemoryLimit = rlim_t(8) << 30;
  int fds[2];
  if (pipe(fds) != 0) {
    emitError(fileLoc) << "cannot create a pipe for shape inference";
    return failure();
  }
  llvm::outs().flush();
  llvm::errs().flush();
  pid_t child = fork();
  if (child < 0) {
    close(fds[0]);
    close(fds[1]);
    emitError(fileLoc) << "cannot fork for shape inference";
    return failure();
  }
  if (child == 0) {
    close(fds[0]);
    // The child's failures are reported by the parent; LLVM's crash and
    // out-of-memory handlers must not print from here.
    int devNull = open("/dev/null", O_WRONLY);
    if (devNull >= 0)
      dup2(devNull, STDERR_FILENO);
    std::set_new_handler(nullptr);
    struct rlimit limit = {kMemoryLimit, kMemoryLimit};
    setrlimit(RLIMIT_AS, &limit);
    alarm(kTimeoutSeconds);
    std::string reply;
    try {
      ::onnx::ShapeInferenceOptions inferenceOptions(
          /*check_type=*/false, /*error_mode=*/0, /*data_propagation=*/false);
      ::onnx::shape_inference::InferShapes(
          model, ::onnx::OpSchemaRegistry::Instance(), inferenceOptions);
      ::onnx::GraphProto types;
      *types.mutable_value_info() = model.graph().value_info();
      *types.mutable_output() = model.graph().output();
      reply = "T" + types.SerializeAsString();
    } catch (const std::bad_alloc &) {
      _exit(3);
    } catch (const std::exception &e) {
      reply = std::string("E") + e.what();
    }
    size_t written = 0;
    while (written < reply.size()) {
      ssize_t n = write(fds[1], reply.data() + written, reply.size() - written);
      if (n <= 0)
        _exit(2);
      written += n;
    }
    _exit(0);
  }
  close(fds[1]);
  std::string reply;
  char buffer[1 << 16];
  ssize_t n;
  while ((n = read(fds[0], buffer, sizeof(buffer))) > 0)
    reply.append(buffer, n);
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  bool exitedCleanly = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!exitedCleanly || reply.empty()) {
    // Not silent: the model imports with the types the file declares, and
    // every converted op still has its types checked by Gaon's own rules.
    std::string why = WIFSIGNALED(status)
                          ? "stopped by signal " +
                                std::to_string(WTERMSIG(status))
                          : "exited with status " +
                                std::to_string(WEXITSTATUS(status));
    emitWarning(fileLoc) << "ONNX shape inference failed on this model ("
                         << why << "); importing with the value types the "
                         << "file declares";
  } else if (reply[0] == 'E') {
    emitError(fileLoc) << "ONNX shape inference rejected the model: "
                       << reply.substr(1);
    return failure();
  } else if (!inferred.ParseFromArray(reply.data() + 1,
                                      (int)reply.size() - 1)) {
    emitWarning(fileLoc) << "ONNX shape inference returned unreadable "
                            "results; importing without them";
  }
  const ::onnx::GraphProto &graph = model.graph();
  for (const auto &info : graph.value_info())
    knownTypes[info.name()] = &info.type();
  for (const auto &info : inferred.value_info())
    knownTypes[info.name()] = &info.type();
  for (const auto &info : graph.output())
    knownTypes[info.name()] = &info.type();
  for (const auto &info : inferred.output())
    knownTypes[info.name()] = &info.type();
  return success();
}

LogicalResult Importer::importNode(const ::onnx::NodeProto &node, int index) {
  Location loc = nodeLoc(node, index);
  std::string domain = canonicalDomain(node.domain());
  auto opsetIt = opsets.find(domain);
  if (opsetIt == opsets.end()) {
    emitError(loc) << "node '" << displayName(node, index) << "' ("
                   << node.op_type() << ") uses domain '" << domain
                   << "', which the model does not import";
    return failure();
  }
  // The since-version identifies the operator schema in force; unknown
  // operators keep the domain's opset version and are reported later.
  int64_t sinceVersion = opsetIt->second;
  if (const ::onnx::OpSchema *schema = ::onnx::OpSchemaRegistry::Schema(
          node.op_type(), (int)opsetIt->second,
          domain.empty() ? ::onnx::ONNX_DOMAIN : domain))
    sinceVersion = schema->since_version();

  llvm::SmallVector<Value> inputs;
  for (const std::string &name : node.input()) {
    if (name.empty()) {
      if (!noneValue)
        noneValue = builder.create<onnx::NoneOp>(fileLoc);
      inputs.push_back(noneValue);
      continue;
    }
    Value v = values.lookup(name);
    if (!v) {
      emitError(loc) << "input '" << name << "' of node '"
                     << displayName(node, index) << "' (" << node.op_type()
                     << ") is produced by no graph input, initializer or "
                        "earlier node; ONNX graphs must be topologically "
                        "sorted";
      return failure();
    }
    inputs.push_back(v);
  }

  llvm::SmallVector<NamedAttribute> attrs;
  for (const auto &attr : node.attribute()) {
    auto value = attribute(attr, loc);
    if (failed(value))
      return failure();
    attrs.push_back(builder.getNamedAttr(attr.name(), *value));
  }

  // A Constant node is a value, like an initializer.
  if (node.op_type() == "Constant" && domain.empty() && node.output_size() == 1 &&
      attrs.size() == 1 && llvm::isa<ElementsAttr>(attrs[0].getValue())) {
    auto value = llvm::cast<ElementsAttr>(attrs[0].getValue());
    values[node.output(0)] = builder.create<onnx::ConstantOp>(
        loc, value, builder.getStringAttr(node.output(0)));
    return success();
  }

  llvm::SmallVector<Type> resultTypes;
  for (const std::string &name : node.output()) {
    Type type = UnrankedTensorType::get(builder.getF32Type());
    if (const ::onnx::TypeProto *known = knownTypes.lookup(name)) {
      auto converted = valueType(*known, loc, "output '" + name + "'");
      if (failed(converted))
        return failure();
      type = *converted;
    }
    resultTypes.push_back(type);
  }
  auto op = builder.create<onnx::NodeOp>(
      loc, resultTypes, builder.getStringAttr(node.op_type()),
      domain.empty() ? StringAttr() : builder.getStringAttr(domain),
      builder.getI64IntegerAttr(sinceVersion),
      attrs.empty() ? DictionaryAttr() : builder.getDictionaryAttr(attrs),
      inputs);
  for (int i = 0; i < node.output_size(); ++i)
    if (!node.output(i).empty())
      values[node.output(i)] = op.getResult(i);
  return success();
}

LogicalResult Importer::buildFunction(ModuleOp module) {
  const ::onnx::GraphProto &graph = model.graph();
  builder.setInsertionPointToEnd(module.getBody());
  llvm::StringSet<> initializerNames;
  for (const auto &init : graph.initializer())
    initializerNames.insert(init.name());

  llvm::SmallVector<Type> argTypes;
  llvm::SmallVector<std::string> argNames;
  bool ok = true;
  for (const auto &input : graph.input()) {
    if (initializerNames.contains(input.name()))
      continue;
    auto type = valueType(input.type(), fileLoc,
                          "graph input '" + input.name() + "'");
    if (failed(type)) {
      ok = false;
      continue;
    }
    argTypes.push_back(*type);
    argNames.push_back(input.name());
  }
  llvm::SmallVector<Type> resultTypes;
  for (const auto &output : graph.output()) {
    auto type = valueType(output.type(), fileLoc,
                          "graph output '" + output.name() + "'");
    if (failed(type)) {
      ok = false;
      continue;
    }
    resultTypes.push_back(*type);
  }
  if (!ok)
    return failure();

  // The graph name goes in an attribute: it need not be a valid symbol.
  std::string name = "main";
  auto func = builder.create<func::FuncOp>(
      fileLoc, name, builder.getFunctionType(argTypes, resultTypes));
  if (!graph.name().empty())
    func->setAttr("onnx.graph_name", builder.getStringAttr(graph.name()));
  // All at once: setting them one by one builds (and keeps, uniqued) a
  // new array per call, quadratic in the number of inputs or outputs.
  auto named = [&](StringRef name) {
    return builder.getDictionaryAttr(
        builder.getNamedAttr("onnx.name", builder.getStringAttr(name)));
  };
  SmallVector<Attribute> argAttrs, resultAttrs;
  for (const std::string &argName : argNames)
    argAttrs.push_back(named(argName));
  for (int i = 0; i < graph.output_size(); ++i)
    resultAttrs.push_back(named(graph.output(i).name()));
  func.setAllArgAttrs(argAttrs);
  func.setAllResultAttrs(resultAttrs);
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToStart(body);
  for (size_t i = 0; i < argNames.size(); ++i)
    values[argNames[i]] = body->getArgument(i);

  for (const auto &init : graph.initializer()) {
    Location loc = NameLoc::get(builder.getStringAttr(init.name()), fileLoc);
    auto value = tensorAttr(init, loc);
    if (failed(value)) {
      ok = false;
      continue;
    }
    values[init.name()] = builder.create<onnx::ConstantOp>(
        loc, *value, builder.getStringAttr(init.name()));
  }
  if (!ok)
    return failure();

  for (int i = 0; i < graph.node_size(); ++i)
    if (failed(importNode(graph.node(i), i)))
      return failure();

  llvm::SmallVector<Value> results;
  for (const auto &output : graph.output()) {
    Value v = values.lookup(output.name());
    if (!v) {
      emitError(fileLoc) << "graph output '" << output.name()
                         << "' is produced by no node, input or initializer";
      return failure();
    }
    results.push_back(v);
  }
  builder.create<func::ReturnOp>(fileLoc, results);
  // ONNX's declared output types may be less precise than what the body
  // computes; the function signature follows the body.
  func.setFunctionType(builder.getFunctionType(
      argTypes, ValueRange(results).getTypes()));
  return success();
}

OwningOpRef<ModuleOp> Importer::run() {
  if (failed(load()) || failed(freezeInputs()) || failed(verifyNodes()) ||
      failed(resolveInputShapes()) || failed(inferShapes()))
    return nullptr;
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  llvm::SmallVector<NamedAttribute> opsetAttrs;
  for (const auto &[domain, version] : opsets)
    opsetAttrs.push_back(builder.getNamedAttr(
        domain.empty() ? "ai.onnx" : domain,
        builder.getI64IntegerAttr(version)));
  (*module)->setAttr("onnx.opset_import",
                     builder.getDictionaryAttr(opsetAttrs));
  if (!model.producer_name().empty())
    (*module)->setAttr("onnx.producer",
                       builder.getStringAttr(model.producer_name() + " " +
                                             model.producer_version()));
  if (failed(buildFunction(*module)))
    return nullptr;
  return module;
}

} // namespace

std::string parseInputShape(StringRef spec, ImportOptions &options) {
  auto [name, dims] = spec.rsplit(':');
  if (name.empty() || dims.empty() || spec.find(':') == StringRef::npos)
    return "--input-shape expects NAME:D0xD1x... (for example "
           "input:1x3x224x224), got '" +
           spec.str() + "'";
  std::vector<int64_t> shape;
  if (dims != "scalar") {
    llvm::SmallVector<StringRef> parts;
    dims.split(parts, 'x');
    for (StringRef part : parts) {
      int64_t d;
      if (part.getAsInteger(10, d) || d < 0)
        return "--input-shape '" + spec.str() + "': '" + part.str() +
               "' is not a non-negative dimension";
      shape.push_back(d);
    }
  }
  if (!options.inputShapes.try_emplace(name, shape).second)
    return "--input-shape gives '" + name.str() +
           "' a shape twice; give each input one";
  return "";
}

std::string parseFreezeInput(StringRef spec, ImportOptions &options) {
  auto [name, file] = spec.split('=');
  if (name.empty() || file.empty())
    return "--freeze-input expects NAME=VALUE.pb, got '" + spec.str() + "'";
  if (!options.frozenInputs.try_emplace(name, file.str()).second)
    return "--freeze-input gives '" + name.str() +
           "' a value twice; give each input one";
  return "";
}

OwningOpRef<ModuleOp> importOnnxFile(MLIRContext &context, StringRef path,
                                     const ImportOptions &options) {
  context.loadDialect<onnx::OnnxDialect, func::FuncDialect>();
  return Importer(context, path, options).run();
}

} // namespace gaon
