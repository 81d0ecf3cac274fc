//===- CheckpointImporter.cpp - Hugging Face checkpoints to onnx ----------===//
//
// Each architecture is a table of weight names and a few switches (norm
// placement, QK norms, NoPE global layers); config.json gives the sizes.
// The builder writes the decoder step in the `onnx` dialect, as
// onnxruntime-genai's builder would export it, so that everything after
// import is shared with ONNX models. Weights are read from the mapped
// safetensors, transposed from PyTorch's (out, in) into MatMul's (in, out)
// as they are copied into constants.
//
//===----------------------------------------------------------------------===//

#include "compiler/importer/CheckpointImporter.h"
#include "compiler/importer/Safetensors.h"
#include "dialects/onnx/OnnxOps.h"
#include "targets/common/RegularFile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <optional>

using namespace mlir;

namespace gaon {

namespace {

constexpr int64_t kOnnxInt32 = 6; // TensorProto.INT32, for Cast

/// Where an architecture keeps its weights and how its blocks are wired.
struct Architecture {
  const char *name;       // `architectures[0]` in config.json
  const char *modelType;  // `model_type`
  const char *layersKey;  // the config key of the layer count
  const char *epsKey;     // the config key of the norms' epsilon
  const char *embed, *finalNorm, *head;
  const char *layerPrefix; // with {0} for the layer
  const char *inputNorm, *q, *k, *v, *o, *postAttentionNorm, *gate, *up,
      *down;
  // EXAONE 4.0: no input norm; the attention and MLP outputs are normed
  // (post_attention_layernorm, post_feedforward_layernorm) before their
  // residual adds; RMS norms over head_dim on q and k before RoPE.
  bool postNorms;
  const char *postFeedForwardNorm, *qNorm, *kNorm;
  bool tiedByDefault;
};

const Architecture kArchitectures[] = {
    {"LlamaForCausalLM", "llama", "num_hidden_layers", "rms_norm_eps",
     "model.embed_tokens.weight", "model.norm.weight", "lm_head.weight",
     "model.layers.{0}.", "input_layernorm.weight", "self_attn.q_proj",
     "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
     "post_attention_layernorm.weight", "mlp.gate_proj", "mlp.up_proj",
     "mlp.down_proj", false, nullptr, nullptr, nullptr, false},
    {"ExaoneForCausalLM", "exaone", "num_layers", "layer_norm_epsilon",
     "transformer.wte.weight", "transformer.ln_f.weight", "lm_head.weight",
     "transformer.h.{0}.", "ln_1.weight", "attn.attention.q_proj",
     "attn.attention.k_proj", "attn.attention.v_proj",
     "attn.attention.out_proj", "ln_2.weight", "mlp.c_fc_0", "mlp.c_fc_1",
     "mlp.c_proj", false, nullptr, nullptr, nullptr, true},
    {"Exaone4ForCausalLM", "exaone4", "num_hidden_layers", "rms_norm_eps",
     "model.embed_tokens.weight", "model.norm.weight", "lm_head.weight",
     "model.layers.{0}.", nullptr, "self_attn.q_proj", "self_attn.k_proj",
     "self_attn.v_proj", "self_attn.o_proj",
     "post_attention_layernorm.weight", "mlp.gate_proj", "mlp.up_proj",
     "mlp.down_proj", true, "post_feedforward_layernorm.weight",
     "self_attn.q_norm.weight", "self_attn.k_norm.weight", false},
};

/// What config.json says, checked.
struct Config {
  const Architecture *arch = nullptr;
  int64_t layers = 0, hidden = 0, heads = 0, kvHeads = 0, headDim = 0,
          ffn = 0, vocab = 0;
  double eps = 1e-5, ropeTheta = 10000.0;
  bool tied = false, attentionBias = false, mlpBias = false;
  // rope_scaling llama3 (factor 0: none).
  double ropeFactor = 0, lowFreqFactor = 1, highFreqFactor = 4;
  int64_t originalContext = 8192;
  // Per layer: its sliding window in keys (0: global) and whether RoPE
  // applies (EXAONE 4.0's hybrid global layers are NoPE).
  std::vector<int64_t> window;
  std::vector<bool> rope;
};

class CheckpointImporter {
public:
  CheckpointImporter(MLIRContext &context, StringRef path,
                     const ImportOptions &options)
      : context(context), builder(&context), folder(path.str()),
        options(options),
        folderLoc(FileLineColLoc::get(&context, path, 0, 0)) {}

  OwningOpRef<ModuleOp> run();

private:
  MLIRContext &context;
  OpBuilder builder;
  std::string folder;
  const ImportOptions &options;
  Location folderLoc;
  Config config;
  std::unique_ptr<SafetensorsCheckpoint> weights;
  Value noneValue;

  /// An error at the folder. `where` is a file of it (named first) or a
  /// tensor (which the message itself names).
  InFlightDiagnostic error(const std::string &where) {
    InFlightDiagnostic d = emitError(folderLoc);
    if (StringRef(where).ends_with(".json"))
      d << where << ": ";
    return d;
  }
  LogicalResult readConfig();
  std::string layerName(int64_t layer, const char *part) const {
    return llvm::formatv(config.arch->layerPrefix, layer).str() + part;
  }

  // Weights, checked against the shape config.json implies.
  FailureOr<const SafetensorsTensor *> tensor(const std::string &name,
                                              ArrayRef<int64_t> shape);
  FailureOr<Value> vectorWeight(const std::string &name, int64_t size);
  /// A PyTorch Linear weight (out, in) as a MatMul operand (in, out).
  FailureOr<Value> linearWeight(const std::string &name, int64_t in,
                                int64_t out);
  FailureOr<Value> floats(const SafetensorsTensor &t, ArrayRef<int64_t> shape,
                          bool transpose, const std::string &name);

  Value constant(ArrayRef<float> values, ArrayRef<int64_t> shape,
                 const std::string &name);
  Value i64Constant(ArrayRef<int64_t> values, ArrayRef<int64_t> shape,
                    const std::string &name);
  Value node(StringRef opType, ValueRange inputs, ArrayRef<Type> results,
             ArrayRef<NamedAttribute> attrs, const std::string &name,
             int64_t version, StringRef domain = "");
  Value node1(StringRef opType, ValueRange inputs, Type result,
              ArrayRef<NamedAttribute> attrs, const std::string &name,
              int64_t version, StringRef domain = "") {
    return node(opType, inputs, {result}, attrs, name, version, domain);
  }
  NamedAttribute intAttr(StringRef name, int64_t v) {
    return builder.getNamedAttr(name, builder.getI64IntegerAttr(v));
  }
  NamedAttribute floatAttr(StringRef name, double v) {
    return builder.getNamedAttr(name, builder.getF32FloatAttr(float(v)));
  }

  FailureOr<Value> linear(Value x, int64_t layer, const char *part, int64_t in,
                          int64_t out, bool bias);
  FailureOr<Value> rmsNorm(Value x, const std::string &weightName,
                           int64_t size, const std::string &name);
  void rotaryCaches(Value &cos, Value &sin);
};

//===----------------------------------------------------------------------===//
// config.json
//===----------------------------------------------------------------------===//

LogicalResult CheckpointImporter::readConfig() {
  std::string why;
  uint64_t size = 0;
  int fd = openConfinedFile(folder, "config.json", size, why);
  if (fd < 0)
    return error("config.json") << why, failure();
  if (size > (16u << 20)) {
    ::close(fd);
    return error("config.json") << "the file is " << size << " bytes (16 MB at most)",
           failure();
  }
  auto buffer = llvm::MemoryBuffer::getOpenFile(
      fd, "config.json", size, /*RequiresNullTerminator=*/false);
  ::close(fd);
  if (!buffer)
    return error("config.json") << "cannot be read: "
                                << buffer.getError().message(),
           failure();
  llvm::StringRef text = (*buffer)->getBuffer();
  llvm::Expected<llvm::json::Value> json = llvm::json::parse(text);
  if (!json)
    return error("config.json") << "not JSON: "
                                << llvm::toString(json.takeError()),
           failure();
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return error("config.json") << "not a JSON object", failure();

  std::string archName;
  if (const llvm::json::Array *archs = root->getArray("architectures"))
    if (!archs->empty() && (*archs)[0].getAsString())
      archName = (*archs)[0].getAsString()->str();
  std::string modelType;
  if (auto t = root->getString("model_type"))
    modelType = t->str();
  for (const Architecture &a : kArchitectures)
    if ((!archName.empty() && archName == a.name) ||
        (archName.empty() && modelType == a.modelType))
      config.arch = &a;
  if (!config.arch)
    return error("config.json")
               << "architecture '"
               << (archName.empty() ? "model_type " + modelType : archName)
               << "' is not supported; Gaon reads "
               << supportedCheckpointArchitectures(),
           failure();

  auto integer = [&](const char *key, int64_t &out,
                     std::optional<int64_t> fallback =
                         std::nullopt) -> LogicalResult {
    const llvm::json::Value *v = root->get(key);
    if ((!v || v->kind() == llvm::json::Value::Null) && fallback) {
      out = *fallback;
      return success();
    }
    std::optional<int64_t> i = v ? v->getAsInteger() : std::nullopt;
    if (!i || *i < 1 || *i > (int64_t(1) << 31))
      return error("config.json")
                 << "'" << key << "' must be a positive integer"
                 << (v ? "" : ", and it is missing"),
             failure();
    out = *i;
    return success();
  };
  auto number = [&](const char *key, double &out) -> LogicalResult {
    const llvm::json::Value *v = root->get(key);
    if (!v || v->kind() == llvm::json::Value::Null)
      return success(); // the architecture's default stays
    std::optional<double> d = v->getAsNumber();
    if (!d || !(*d > 0) || !std::isfinite(*d))
      return error("config.json") << "'" << key
                                  << "' must be a positive number",
             failure();
    out = *d;
    return success();
  };
  auto boolean = [&](const char *key, bool &out) -> LogicalResult {
    const llvm::json::Value *v = root->get(key);
    if (!v || v->kind() == llvm::json::Value::Null)
      return success();
    std::optional<bool> b = v->getAsBoolean();
    if (!b)
      return error("config.json") << "'" << key << "' must be true or false",
             failure();
    out = *b;
    return success();
  };
  Config &c = config;
  c.tied = c.arch->tiedByDefault;
  if (failed(integer(c.arch->layersKey, c.layers)) ||
      failed(integer("hidden_size", c.hidden)) ||
      failed(integer("num_attention_heads", c.heads)) ||
      failed(integer("num_key_value_heads", c.kvHeads, c.heads)) ||
      failed(integer("intermediate_size", c.ffn)) ||
      failed(integer("vocab_size", c.vocab)) ||
      failed(integer("head_dim", c.headDim, c.hidden / c.heads)) ||
      failed(number(c.arch->epsKey, c.eps)) ||
      failed(number("rope_theta", c.ropeTheta)) ||
      failed(boolean("tie_word_embeddings", c.tied)) ||
      failed(boolean("attention_bias", c.attentionBias)) ||
      failed(boolean("mlp_bias", c.mlpBias)))
    return failure();
  if (c.heads % c.kvHeads)
    return error("config.json") << "num_key_value_heads " << c.kvHeads
                                << " does not divide num_attention_heads "
                                << c.heads,
           failure();
  if (c.headDim % 2)
    return error("config.json") << "head_dim " << c.headDim
                                << " is odd; rotary embeddings need pairs",
           failure();
  for (const char *key : {"hidden_act", "activation_function"})
    if (auto act = root->getString(key); act && *act != "silu")
      return error("config.json") << "'" << key << "' is '" << *act
                                  << "'; Gaon's decoders use silu",
             failure();

  if (const llvm::json::Value *scaling = root->get("rope_scaling");
      scaling && scaling->kind() != llvm::json::Value::Null) {
    const llvm::json::Object *s = scaling->getAsObject();
    std::optional<llvm::StringRef> type =
        s ? s->getString("rope_type") : std::nullopt;
    if (s && !type)
      type = s->getString("type");
    if (!type || (*type != "default" && *type != "llama3"))
      return error("config.json")
                 << "rope_scaling type '" << (type ? *type : "?")
                 << "' is not supported; Gaon reads default and llama3",
             failure();
    if (*type == "llama3") {
      auto get = [&](const char *key, double &out) {
        std::optional<double> d = s->getNumber(key);
        if (d)
          out = *d;
        return d.has_value() && *d > 0;
      };
      double original = 0;
      if (!get("factor", c.ropeFactor) ||
          !get("low_freq_factor", c.lowFreqFactor) ||
          !get("high_freq_factor", c.highFreqFactor) ||
          !get("original_max_position_embeddings", original) ||
          c.highFreqFactor == c.lowFreqFactor)
        return error("config.json")
                   << "rope_scaling llama3 needs positive factor, "
                      "low_freq_factor, high_freq_factor (different from "
                      "low) and original_max_position_embeddings",
               failure();
      c.originalContext = int64_t(original);
    }
  }

  // Sliding-window layers: EXAONE 4.0 names each layer's kind in
  // layer_types (sliding_window_pattern is null or a string depending on
  // the release, so it is not read).
  c.window.assign(c.layers, 0);
  c.rope.assign(c.layers, true);
  if (const llvm::json::Array *types = root->getArray("layer_types")) {
    if (int64_t(types->size()) != c.layers)
      return error("config.json") << "layer_types has " << types->size()
                                  << " entries for " << c.layers << " layers",
             failure();
    int64_t window = 0;
    bool anySliding = false;
    for (const llvm::json::Value &t : *types)
      anySliding |= t.getAsString() == llvm::StringRef("sliding_attention");
    if (anySliding && failed(integer("sliding_window", window)))
      return failure();
    for (int64_t i = 0; i < c.layers; ++i) {
      std::optional<llvm::StringRef> t = (*types)[i].getAsString();
      if (!t || (*t != "sliding_attention" && *t != "full_attention"))
        return error("config.json")
                   << "layer_types[" << i << "] must be sliding_attention or "
                                             "full_attention",
               failure();
      if (*t == "sliding_attention")
        c.window[i] = window;
      // A hybrid model's global layers are NoPE (EXAONE 4.0); without
      // sliding layers every layer uses RoPE.
      if (c.arch->postNorms && anySliding && *t == "full_attention")
        c.rope[i] = false;
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

FailureOr<const SafetensorsTensor *>
CheckpointImporter::tensor(const std::string &name, ArrayRef<int64_t> shape) {
  const SafetensorsTensor *t = weights->lookup(name);
  if (!t)
    return error(name) << "the checkpoint has no tensor '" << name << "' ("
                       << config.arch->name << " names its weights so)",
           failure();
  if (ArrayRef<int64_t>(t->shape) != shape)
    return error(name) << "tensor '" << name << "' in '" << t->file
                       << "' has shape " << shapeString(t->shape)
                       << ", but config.json (hidden_size " << config.hidden
                       << ", heads " << config.heads << "/" << config.kvHeads
                       << ", head_dim " << config.headDim
                       << ", intermediate_size " << config.ffn
                       << ", vocab_size " << config.vocab << ") needs "
                       << shapeString(shape),
           failure();
  return t;
}

FailureOr<Value> CheckpointImporter::floats(const SafetensorsTensor &t,
                                            ArrayRef<int64_t> shape,
                                            bool transpose,
                                            const std::string &name) {
  std::vector<float> values(t.numElements()), out;
  std::string why;
  if (!SafetensorsCheckpoint::readFloats(t, values.data(), why))
    return error(name) << why, failure();
  if (transpose) {
    int64_t rows = t.shape[0], cols = t.shape[1];
    out.resize(values.size());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        out[c * rows + r] = values[r * cols + c];
    values.swap(out);
  }
  return constant(values, shape, name);
}

FailureOr<Value> CheckpointImporter::vectorWeight(const std::string &name,
                                                  int64_t size) {
  auto t = tensor(name, {size});
  if (failed(t))
    return failure();
  return floats(**t, {size}, false, name);
}

FailureOr<Value> CheckpointImporter::linearWeight(const std::string &name,
                                                  int64_t in, int64_t out) {
  auto t = tensor(name, {out, in});
  if (failed(t))
    return failure();
  return floats(**t, {in, out}, true, name);
}

Value CheckpointImporter::constant(ArrayRef<float> values,
                                   ArrayRef<int64_t> shape,
                                   const std::string &name) {
  auto type = RankedTensorType::get(shape, builder.getF32Type());
  return builder.create<onnx::ConstantOp>(
      NameLoc::get(builder.getStringAttr(name), folderLoc),
      DenseElementsAttr::get(type, values), builder.getStringAttr(name));
}

Value CheckpointImporter::i64Constant(ArrayRef<int64_t> values,
                                      ArrayRef<int64_t> shape,
                                      const std::string &name) {
  auto type = RankedTensorType::get(shape, builder.getI64Type());
  return builder.create<onnx::ConstantOp>(
      NameLoc::get(builder.getStringAttr(name), folderLoc),
      DenseElementsAttr::get(type, values), builder.getStringAttr(name));
}

Value CheckpointImporter::node(StringRef opType, ValueRange inputs,
                               ArrayRef<Type> results,
                               ArrayRef<NamedAttribute> attrs,
                               const std::string &name, int64_t version,
                               StringRef domain) {
  auto op = builder.create<onnx::NodeOp>(
      NameLoc::get(builder.getStringAttr(name), folderLoc), results,
      builder.getStringAttr(opType),
      domain.empty() ? StringAttr() : builder.getStringAttr(domain),
      builder.getI64IntegerAttr(version),
      attrs.empty() ? DictionaryAttr() : builder.getDictionaryAttr(attrs),
      inputs);
  return op.getResult(0);
}

//===----------------------------------------------------------------------===//
// The decoder
//===----------------------------------------------------------------------===//

FailureOr<Value> CheckpointImporter::linear(Value x, int64_t layer,
                                            const char *part, int64_t in,
                                            int64_t out, bool bias) {
  std::string base = layerName(layer, part);
  auto w = linearWeight(base + ".weight", in, out);
  if (failed(w))
    return failure();
  auto xType = llvm::cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(xType.getShape());
  shape.back() = out;
  auto type = RankedTensorType::get(shape, builder.getF32Type());
  Value y = node1("MatMul", {x, *w}, type, {}, base, 13);
  if (!bias)
    return y;
  auto b = vectorWeight(base + ".bias", out);
  if (failed(b))
    return failure();
  return node1("Add", {y, *b}, type, {}, base + ".bias", 14);
}

FailureOr<Value> CheckpointImporter::rmsNorm(Value x,
                                             const std::string &weightName,
                                             int64_t size,
                                             const std::string &name) {
  auto g = vectorWeight(weightName, size);
  if (failed(g))
    return failure();
  return node1("SimplifiedLayerNormalization", {x, *g}, x.getType(),
               {intAttr("axis", -1), floatAttr("epsilon", config.eps)}, name,
               1);
}

/// cos and sin of position * inv_freq for every position below
/// --max-seq-len, (positions, head_dim / 2), computed in f32 the way
/// Hugging Face's rotary embedding computes them (llama3 scaling
/// included).
void CheckpointImporter::rotaryCaches(Value &cos, Value &sin) {
  const Config &c = config;
  int64_t half = c.headDim / 2, positions = options.decoder.maxSeqLen;
  std::vector<float> inv(half);
  for (int64_t i = 0; i < half; ++i) {
    float exponent = float(2 * i) / float(c.headDim);
    inv[i] = 1.0f / std::pow(float(c.ropeTheta), exponent);
  }
  if (c.ropeFactor > 0) {
    float factor = float(c.ropeFactor), low = float(c.lowFreqFactor),
          high = float(c.highFreqFactor), old = float(c.originalContext);
    float lowWavelen = old / low, highWavelen = old / high;
    for (float &f : inv) {
      float wavelen = 2.0f * float(M_PI) / f;
      float scaled = wavelen > lowWavelen ? f / factor : f;
      float smooth = (old / wavelen - low) / (high - low);
      bool medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
      if (medium)
        scaled = (1.0f - smooth) * scaled / factor + smooth * scaled;
      f = scaled;
    }
  }
  std::vector<float> cosv(positions * half), sinv(positions * half);
  for (int64_t p = 0; p < positions; ++p)
    for (int64_t i = 0; i < half; ++i) {
      float angle = float(p) * inv[i];
      cosv[p * half + i] = float(std::cos(double(angle)));
      sinv[p * half + i] = float(std::sin(double(angle)));
    }
  cos = constant(cosv, {positions, half}, "cos_cache");
  sin = constant(sinv, {positions, half}, "sin_cache");
}

OwningOpRef<ModuleOp> CheckpointImporter::run() {
  if (options.decoder.maxSeqLen <= 0) {
    error("config.json") << "a checkpoint compiles to decoder steps: give "
                            "--max-seq-len=M";
    return nullptr;
  }
  if (failed(readConfig()))
    return nullptr;
  std::string why;
  weights = SafetensorsCheckpoint::open(folder, why);
  if (!weights) {
    error("") << why;
    return nullptr;
  }

  const Config &c = config;
  const Architecture &a = *c.arch;
  int64_t B = options.decoder.batch, S = options.decoder.sequence,
          M = options.decoder.maxSeqLen, P = M - S, D = c.headDim,
          H = c.heads, Hkv = c.kvHeads;
  Type f32 = builder.getF32Type(), i64 = builder.getI64Type(),
       i32 = builder.getI32Type();
  auto tensorType = [](ArrayRef<int64_t> shape, Type element) {
    return RankedTensorType::get(shape, element);
  };

  OwningOpRef<ModuleOp> module = ModuleOp::create(folderLoc);
  (*module)->setAttr("onnx.producer",
                     builder.getStringAttr(std::string("gaon checkpoint ") +
                                           a.name));
  (*module)->setAttr(
      "onnx.opset_import",
      builder.getDictionaryAttr(
          {builder.getNamedAttr("ai.onnx", builder.getI64IntegerAttr(17)),
           builder.getNamedAttr("com.microsoft",
                                builder.getI64IntegerAttr(1))}));
  builder.setInsertionPointToEnd(module->getBody());

  SmallVector<Type> argTypes{tensorType({B, S}, i64), tensorType({B, M}, i64)};
  SmallVector<std::string> argNames{"input_ids", "attention_mask"};
  SmallVector<Type> resultTypes{tensorType({B, S, c.vocab}, f32)};
  SmallVector<std::string> resultNames{"logits"};
  for (int64_t i = 0; i < c.layers; ++i)
    for (const char *kv : {"key", "value"}) {
      argTypes.push_back(tensorType({B, Hkv, P, D}, f32));
      argNames.push_back(llvm::formatv("past_key_values.{0}.{1}", i, kv));
      resultTypes.push_back(tensorType({B, Hkv, M, D}, f32));
      resultNames.push_back(llvm::formatv("present.{0}.{1}", i, kv));
    }
  auto func = builder.create<func::FuncOp>(
      folderLoc, "main", builder.getFunctionType(argTypes, resultTypes));
  auto named = [&](StringRef name) -> Attribute {
    return builder.getDictionaryAttr(
        builder.getNamedAttr("onnx.name", builder.getStringAttr(name)));
  };
  SmallVector<Attribute> argAttrs, resultAttrs;
  for (const std::string &n : argNames)
    argAttrs.push_back(named(n));
  for (const std::string &n : resultNames)
    resultAttrs.push_back(named(n));
  func.setAllArgAttrs(argAttrs);
  func.setAllResultAttrs(resultAttrs);
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToStart(body);
  Value inputIds = body->getArgument(0), attentionMask = body->getArgument(1);

  // Valid keys per row, as onnxruntime-genai's GroupQueryAttention reads
  // them: seqlens_k = sum(attention_mask) - 1, total = the mask's length.
  Value maskSum = node1("ReduceSum",
                        {attentionMask, i64Constant({1}, {1}, "axis_1")},
                        tensorType({B}, i64), {intAttr("keepdims", 0)},
                        "seqlens_sum", 13);
  Value seqlens = node1(
      "Cast",
      {node1("Sub", {maskSum, i64Constant({1}, {}, "one")},
             tensorType({B}, i64), {}, "seqlens_sub", 14)},
      tensorType({B}, i32), {intAttr("to", kOnnxInt32)}, "seqlens_k", 13);
  Value maskShape = node1("Shape", {attentionMask}, tensorType({2}, i64), {},
                          "mask_shape", 15);
  Value totalLength = node1(
      "Cast",
      {node1("Gather", {maskShape, i64Constant({1}, {}, "index_1")},
             tensorType({}, i64), {intAttr("axis", 0)}, "mask_length", 13)},
      tensorType({}, i32), {intAttr("to", kOnnxInt32)}, "total_sequence_length",
      13);
  Value cosCache, sinCache;
  rotaryCaches(cosCache, sinCache);

  auto embedTensor = tensor(a.embed, {c.vocab, c.hidden});
  if (failed(embedTensor))
    return nullptr;
  auto embed = floats(**embedTensor, {c.vocab, c.hidden}, false, a.embed);
  if (failed(embed))
    return nullptr;
  Type rows = tensorType({B, S, c.hidden}, f32);
  Value h = node1("Gather", {*embed, inputIds}, rows, {intAttr("axis", 0)},
                  a.embed, 13);

  SmallVector<Value> presents;
  auto headsNorm = [&](Value x, int64_t layer, const char *part,
                       int64_t heads) -> FailureOr<Value> {
    std::string base = layerName(layer, part);
    Value split = node1("Reshape", {x, i64Constant({B, S, heads, D}, {4},
                                                   base + ".heads")},
                        tensorType({B, S, heads, D}, f32), {}, base + ".split",
                        14);
    auto normed = rmsNorm(split, base, D, base);
    if (failed(normed))
      return failure();
    return node1("Reshape", {*normed, i64Constant({B, S, heads * D}, {3},
                                                  base + ".rows")},
                 tensorType({B, S, heads * D}, f32), {}, base + ".merge", 14);
  };
  for (int64_t i = 0; i < c.layers; ++i) {
    Value x = h;
    if (a.inputNorm) {
      auto n = rmsNorm(h, layerName(i, a.inputNorm), c.hidden,
                       layerName(i, "input_norm"));
      if (failed(n))
        return nullptr;
      x = *n;
    }
    auto q = linear(x, i, a.q, c.hidden, H * D, c.attentionBias);
    auto k = linear(x, i, a.k, c.hidden, Hkv * D, c.attentionBias);
    auto v = linear(x, i, a.v, c.hidden, Hkv * D, c.attentionBias);
    if (failed(q) || failed(k) || failed(v))
      return nullptr;
    if (a.qNorm) {
      q = headsNorm(*q, i, a.qNorm, H);
      k = headsNorm(*k, i, a.kNorm, Hkv);
      if (failed(q) || failed(k))
        return nullptr;
    }
    SmallVector<Value> gqaInputs{*q,           *k,
                                 *v,           body->getArgument(2 + 2 * i),
                                 body->getArgument(3 + 2 * i), seqlens,
                                 totalLength};
    if (c.rope[i]) {
      gqaInputs.push_back(cosCache);
      gqaInputs.push_back(sinCache);
    }
    std::string attnName = layerName(i, "attention");
    auto attn = builder.create<onnx::NodeOp>(
        NameLoc::get(builder.getStringAttr(attnName), folderLoc),
        TypeRange{tensorType({B, S, H * D}, f32),
                  tensorType({B, Hkv, M, D}, f32),
                  tensorType({B, Hkv, M, D}, f32)},
        builder.getStringAttr("GroupQueryAttention"),
        builder.getStringAttr("com.microsoft"), builder.getI64IntegerAttr(1),
        builder.getDictionaryAttr(
            {intAttr("num_heads", H), intAttr("kv_num_heads", Hkv),
             intAttr("do_rotary", c.rope[i] ? 1 : 0),
             intAttr("local_window_size", c.window[i] ? c.window[i] - 1 : -1),
             floatAttr("scale", 1.0 / std::sqrt(double(D)))}),
        gqaInputs);
    presents.push_back(attn.getResult(1));
    presents.push_back(attn.getResult(2));
    auto o = linear(attn.getResult(0), i, a.o, H * D, c.hidden,
                    c.attentionBias);
    if (failed(o))
      return nullptr;
    if (a.postNorms) {
      o = rmsNorm(*o, layerName(i, a.postAttentionNorm), c.hidden,
                  layerName(i, "post_attention_norm"));
      if (failed(o))
        return nullptr;
    }
    h = node1("Add", {*o, h}, rows, {}, layerName(i, "attention_residual"), 14);
    x = h;
    if (!a.postNorms) {
      auto n = rmsNorm(h, layerName(i, a.postAttentionNorm), c.hidden,
                       layerName(i, "mlp_norm"));
      if (failed(n))
        return nullptr;
      x = *n;
    }
    auto gate = linear(x, i, a.gate, c.hidden, c.ffn, c.mlpBias);
    if (failed(gate))
      return nullptr;
    Type wide = tensorType({B, S, c.ffn}, f32);
    std::string mlp = layerName(i, "mlp");
    Value act = node1("Mul",
                      {*gate, node1("Sigmoid", {*gate}, wide, {},
                                    mlp + ".sigmoid", 13)},
                      wide, {}, mlp + ".silu", 14);
    auto up = linear(x, i, a.up, c.hidden, c.ffn, c.mlpBias);
    if (failed(up))
      return nullptr;
    auto down = linear(node1("Mul", {act, *up}, wide, {}, mlp + ".gated", 14),
                       i, a.down, c.ffn, c.hidden, c.mlpBias);
    if (failed(down))
      return nullptr;
    if (a.postNorms) {
      down = rmsNorm(*down, layerName(i, a.postFeedForwardNorm), c.hidden,
                     layerName(i, "post_feedforward_norm"));
      if (failed(down))
        return nullptr;
    }
    h = node1("Add", {*down, h}, rows, {}, layerName(i, "mlp_residual"), 14);
  }
  auto final = rmsNorm(h, a.finalNorm, c.hidden, "final_norm");
  if (failed(final))
    return nullptr;
  FailureOr<Value> head;
  if (c.tied) {
    head = floats(**embedTensor, {c.hidden, c.vocab}, true,
                  std::string(a.embed) + " (tied head)");
  } else {
    head = linearWeight(a.head, c.hidden, c.vocab);
  }
  if (failed(head))
    return nullptr;
  Value logits = node1("MatMul", {*final, *head}, resultTypes[0], {},
                       "lm_head", 13);
  SmallVector<Value> results{logits};
  results.append(presents);
  builder.create<func::ReturnOp>(folderLoc, results);
  return module;
}

} // namespace

bool isCheckpointFolder(StringRef path) {
  llvm::SmallString<256> config(path);
  llvm::sys::path::append(config, "config.json");
  return llvm::sys::fs::is_directory(path) && llvm::sys::fs::exists(config);
}

StringRef supportedCheckpointArchitectures() {
  return "LlamaForCausalLM (llama), ExaoneForCausalLM (exaone, EXAONE 3.5) "
         "and Exaone4ForCausalLM (exaone4, EXAONE 4.0)";
}

OwningOpRef<ModuleOp> importCheckpoint(MLIRContext &context, StringRef path,
                                       const ImportOptions &options) {
  context.loadDialect<onnx::OnnxDialect, func::FuncDialect>();
  return CheckpointImporter(context, path, options).run();
}

} // namespace gaon
