//===- gaon-generate.cpp - text from a decoder binary ---------------------===//
//
//   gaon-generate MODEL.gnb (--tokenizer=tokenizer.json
//                 (--prompt=TEXT | --prompt-file=F) | --prompt-ids=1,2,3)
//                 [--max-new-tokens=N] [--temperature=T] [--top-k=K]
//                 [--top-p=P] [--seed=S] [--device=cpu|sim] [--threads=N]
//                 [--eos-id=ID] [--output-ids=F.json] [--no-special]
//                 [--chat [--chat-template=F] [--system=TEXT]]
//                 [--show-prompt] [--profile=P.json] [--output-logits=F.npy]
//
// MODEL.gnb is a decoder compiled with `gaonc --max-seq-len=M`
// (docs/llm.md): its `decode` entry takes input_ids (1 x 1) and position
// and returns logits; the key/value caches are session state, updated in
// place. With a `prefill` entry (gaonc --prefill-chunk=N) the prompt runs
// N tokens at a time, the rest through decode; then tokens are sampled
// (greedy at temperature 0, the default) and streamed as text as they are
// made. At the end: time to first token and tokens per second of host wall
// time, and of simulated NPU time on the sim device. With --chat the prompt
// is one user turn of a chat template: a --chat-template file's text with
// {prompt} (and optionally {system}) in it, or the built-in EXAONE or Llama 3
// template, chosen by the tokenizer's special tokens.
//
//===----------------------------------------------------------------------===//

#include "DecoderState.h"
#include "Json.h"
#include "TensorFiles.h"
#include "Tokenizer.h"
#include "Utf8.h"

#include "gaon/runtime.h"
#include "targets/common/RegularFile.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace {

int usage(const std::string &error) {
  if (!error.empty())
    std::fprintf(stderr, "gaon-generate: %s\n", error.c_str());
  std::fprintf(
      error.empty() ? stdout : stderr,
      "usage: gaon-generate MODEL.gnb (--tokenizer=tokenizer.json "
      "(--prompt=TEXT | --prompt-file=F) | --prompt-ids=1,2,3)\n"
      "         [--max-new-tokens=N] [--temperature=T] [--top-k=K] "
      "[--top-p=P] [--seed=S]\n"
      "         [--device=cpu|sim] [--threads=N] [--eos-id=ID] "
      "[--output-ids=F.json] [--no-special]\n"
      "         [--chat [--chat-template=F] [--system=TEXT]] "
      "[--show-prompt] [--profile=P.json] [--output-logits=F.npy]\n"
      "MODEL.gnb is a decoder from gaonc --max-seq-len=M (docs/llm.md). "
      "Greedy at --temperature=0 (the default).\n");
  return error.empty() ? 0 : 2;
}

/// The built-in chat templates: one user turn, then the assistant's cue.
/// {system} and {prompt} are replaced; the begin-of-text token comes from
/// the tokenizer's own post-processor.
struct ChatTemplate {
  const char *name, *marker, *text, *defaultSystem;
};
const ChatTemplate kChatTemplates[] = {
    {"EXAONE", "[|user|]",
     "[|system|]{system}[|endofturn|]\n[|user|]{prompt}\n[|assistant|]",
     "You are EXAONE model from LG AI Research, a helpful assistant."},
    {"Llama 3", "<|start_header_id|>",
     "<|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>"
     "<|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|>"
     "<|start_header_id|>assistant<|end_header_id|>\n\n",
     "You are a helpful assistant."},
};

/// `text` with each `{name}` replaced by `value`.
std::string fill(std::string text, const std::string &name,
                 const std::string &value) {
  std::string key = "{" + name + "}";
  for (size_t at = text.find(key); at != std::string::npos;
       at = text.find(key, at + value.size()))
    text.replace(at, key.size(), value);
  return text;
}

bool flagValue(const char *arg, const char *flag, std::string &out) {
  size_t n = std::strlen(flag);
  if (std::strncmp(arg, flag, n) != 0 || arg[n] != '=')
    return false;
  out = arg + n + 1;
  return true;
}

bool parseInt(const std::string &s, int64_t lo, int64_t hi, int64_t &out) {
  if (s.empty() || s.size() > 18)
    return false;
  char *end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (*end || v < lo || v > hi)
    return false;
  out = v;
  return true;
}

bool parseFloat(const std::string &s, double lo, double hi, double &out) {
  char *end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end || !(v >= lo && v <= hi))
    return false;
  out = v;
  return true;
}

bool parseIds(const std::string &s, std::vector<int64_t> &ids) {
  size_t at = 0;
  while (at <= s.size()) {
    size_t comma = s.find(',', at);
    int64_t id;
    if (!parseInt(s.substr(at, comma == std::string::npos ? std::string::npos
                                                          : comma - at),
                  0, INT32_MAX, id))
      return false;
    ids.push_back(id);
    if (comma == std::string::npos)
      return true;
    at = comma + 1;
  }
  return true;
}

/// Fails with the runtime's message.
bool check(gaon_status status, const char *what) {
  if (!status)
    return true;
  std::fprintf(stderr, "gaon-generate: %s: %s\n", what,
               gaon_status_message(status));
  gaon_status_free(status);
  return false;
}

/// The length of the longest prefix of `s` made of whole UTF-8 characters.
size_t completeUtf8(const std::string &s) {
  size_t end = s.size();
  for (size_t back = 1; back <= 4 && back <= s.size(); ++back) {
    unsigned char c = s[s.size() - back];
    if ((c & 0xC0) == 0x80)
      continue; // a continuation byte
    int need = c < 0x80         ? 1
               : (c >> 5) == 6  ? 2
               : (c >> 4) == 14 ? 3
               : (c >> 3) == 30 ? 4
                                : 1;
    if (int(back) < need)
      end = s.size() - back;
    break;
  }
  return end;
}

/// `s` with every byte that is not part of valid UTF-8 replaced by U+FFFD,
/// as Hugging Face's decode does.
std::string lossyUtf8(const std::string &s) {
  std::string out;
  for (const gaon::utf8::Char &c : gaon::utf8::decode(s))
    out += c.cp < 0 ? std::string("\xEF\xBF\xBD") : s.substr(c.at, c.len);
  return out;
}

struct Sampler {
  double temperature = 0, topP = 1;
  int64_t topK = 0;
  std::mt19937_64 rng;

  int64_t pick(const float *logits, int64_t vocab) {
    if (temperature <= 0)
      return std::max_element(logits, logits + vocab) - logits;
    std::vector<int64_t> order(vocab);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return logits[a] > logits[b];
    });
    int64_t keep = topK > 0 ? std::min(topK, vocab) : vocab;
    std::vector<double> p(keep);
    double best = logits[order[0]], total = 0;
    for (int64_t i = 0; i < keep; ++i)
      total += p[i] = std::exp((logits[order[i]] - best) / temperature);
    // Nucleus: the fewest most likely tokens whose probability reaches top-p.
    double mass = 0;
    int64_t cut = keep;
    for (int64_t i = 0; i < keep; ++i) {
      mass += p[i] / total;
      if (mass >= topP) {
        cut = i + 1;
        break;
      }
    }
    std::discrete_distribution<int64_t> dist(p.begin(), p.begin() + cut);
    return order[dist(rng)];
  }
};

/// The binary and its session: the caches are the session's state, kept
/// and updated in place between steps by the runtime.
struct Decoder {
  std::string path;
  gaon_model *model = nullptr;
  gaon_session *session = nullptr;
  int64_t maxLen = 0;
  bool simulated = false;
  ~Decoder() {
    if (session)
      gaon_session_release(session);
    if (model)
      gaon_model_release(model);
  }
  int fail(const std::string &message) const {
    std::fprintf(stderr, "gaon-generate: %s: %s\n", path.c_str(),
                 message.c_str());
    return 1;
  }
  bool load(const std::string &file, const std::string &device,
            int64_t threads) {
    path = file;
    if (!check(gaon_model_load_file(file.c_str(), nullptr, &model),
               file.c_str()))
      return false;
    maxLen = gaon::tools::cachePositions(model);
    if (!maxLen)
      return !fail("it holds no key/value cache state; compile the decoder "
                   "with gaonc --max-seq-len=M (docs/llm.md)");
    gaon_session_options options{device.c_str(), int32_t(threads)};
    simulated = device == "sim" || device == "sim-timing";
    return check(gaon_session_create(model, &options, &session), "session");
  }
};

/// One entry point (decode or prefill): input_ids (1 x tokens), position;
/// output logits.
struct Step {
  const Decoder *decoder = nullptr;
  size_t entry = 0;
  std::string name;
  std::vector<gaon_tensor> inputs, outputs;
  std::vector<std::vector<char>> inputData, outputData;
  size_t idsIndex = 0, positionIndex = 0;
  int64_t tokens = 0, vocab = 0;
  // Rows of logits: one per token, or only the last (gaonc's prefill).
  int64_t logitRows = 0;
  // Simulated NPU time (with host-link transfers) and measured host-op
  // time of the runs so far, from the sim device's profiles.
  double *npuSeconds = nullptr, *hostOpSeconds = nullptr;

  explicit operator bool() const { return decoder != nullptr; }
  int fail(const std::string &message) const {
    return decoder->fail("entry '" + name + "': " + message);
  }

  bool bind(const Decoder &d, size_t index) {
    decoder = &d;
    entry = index;
    name = gaon_model_entry_name(d.model, index);
    std::map<std::string, size_t> inputIndex;
    inputs.resize(gaon_model_entry_input_count(d.model, index));
    for (size_t i = 0; i < inputs.size(); ++i) {
      const char *n;
      gaon_model_entry_input(d.model, index, i, &n, &inputs[i]);
      inputIndex[n] = i;
    }
    outputs.resize(gaon_model_entry_output_count(d.model, index));
    const char *first = nullptr;
    for (size_t o = 0; o < outputs.size(); ++o)
      gaon_model_entry_output(d.model, index, o, o ? nullptr : &first,
                              &outputs[o]);
    if (inputs.size() != 2 || !inputIndex.count("input_ids") ||
        !inputIndex.count("position") || outputs.size() != 1 ||
        std::string(first) != "logits")
      return !fail("not a decoder step from gaonc --max-seq-len (it needs "
                   "inputs input_ids and position and one output, logits)");
    idsIndex = inputIndex["input_ids"];
    positionIndex = 1 - idsIndex;
    const gaon_tensor &ids = inputs[idsIndex];
    if (ids.rank != 2 || ids.shape[0] != 1 || ids.dtype != GAON_I64)
      return !fail("input_ids must be int64 1 x N (batch 1)");
    tokens = ids.shape[1];
    vocab = outputs[0].shape[outputs[0].rank - 1];
    logitRows = outputs[0].rank >= 2 ? outputs[0].shape[outputs[0].rank - 2]
                                     : 1;
    if (logitRows != tokens && logitRows != 1)
      return !fail("logits must have a row per token or one row");
    inputData.resize(2);
    for (size_t i = 0; i < 2; ++i) {
      inputData[i].assign(inputs[i].byte_size, 0);
      inputs[i].data = inputData[i].data();
    }
    outputData.assign(1, std::vector<char>(outputs[0].byte_size));
    outputs[0].data = outputData[0].data();
    return true;
  }

  /// Adds the last run's simulated time to the counters.
  void account() {
    char *text = nullptr;
    if (!decoder->simulated || !npuSeconds ||
        gaon_session_report(decoder->session, GAON_REPORT_PROFILE, &text))
      return; // GAON_NOT_FOUND: no NPU segment ran
    gaon::json::Value profile;
    std::string error;
    if (gaon::json::parse(text, profile, error)) {
      auto number = [&](const char *key) {
        const gaon::json::Value *v = profile.get(key);
        return v && v->kind == gaon::json::Value::Number ? v->number : 0.0;
      };
      *npuSeconds +=
          number("simulated_seconds") + number("host_transfer_seconds");
      *hostOpSeconds += number("host_op_seconds");
    }
    gaon_string_free(text);
  }

  /// Runs `tokens` ids from `ids` at `position`; the caches advance.
  bool run(const int64_t *ids, int64_t position) {
    std::memcpy(inputs[idsIndex].data, ids, sizeof(int64_t) * tokens);
    *static_cast<int64_t *>(inputs[positionIndex].data) = position;
    if (!check(gaon_session_run_entry(decoder->session, entry, inputs.data(),
                                      inputs.size(), outputs.data(),
                                      outputs.size()),
               decoder->path.c_str()))
      return false;
    account();
    return true;
  }
  const float *lastLogits() const {
    return static_cast<const float *>(outputs[0].data) +
           (logitRows - 1) * vocab;
  }
};

} // namespace

int main(int argc, char **argv) {
  std::string modelPath, tokenizerPath, prompt, promptFile, promptIds,
      device = "cpu", outputIds, chatTemplatePath, system, profilePath,
      outputLogits;
  bool havePrompt = false, addSpecial = true, chat = false,
       haveSystem = false, showPrompt = false;
  int64_t maxNew = 64, topK = 0, seed = 0, threads = 0, eosId = -1;
  double temperature = 0, topP = 1;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    std::string v;
    if (!std::strcmp(a, "--help") || !std::strcmp(a, "-h"))
      return usage("");
    if (!std::strcmp(a, "--version")) {
      std::printf("gaon-generate (Gaon) %s\n", GAON_VERSION);
      return 0;
    }
    if (!std::strcmp(a, "--no-special")) {
      addSpecial = false;
    } else if (!std::strcmp(a, "--chat")) {
      chat = true;
    } else if (!std::strcmp(a, "--show-prompt")) {
      showPrompt = true;
    } else if (flagValue(a, "--system", system)) {
      haveSystem = true;
    } else if (flagValue(a, "--chat-template", chatTemplatePath)) {
      chat = true;
    } else if (flagValue(a, "--tokenizer", tokenizerPath) ||
               flagValue(a, "--prompt-file", promptFile) ||
               flagValue(a, "--prompt-ids", promptIds) ||
               flagValue(a, "--device", device) ||
               flagValue(a, "--output-ids", outputIds) ||
               flagValue(a, "--profile", profilePath) ||
               flagValue(a, "--output-logits", outputLogits)) {
    } else if (flagValue(a, "--prefill", v)) {
      return usage("--prefill is gone: the prefill step is an entry of "
                   "MODEL.gnb (gaonc --max-seq-len=M --prefill-chunk=N)");
    } else if (flagValue(a, "--prompt", prompt)) {
      havePrompt = true;
    } else if (flagValue(a, "--max-new-tokens", v)) {
      if (!parseInt(v, 0, 1 << 24, maxNew))
        return usage("--max-new-tokens must be an integer in [0, 2^24]");
    } else if (flagValue(a, "--top-k", v)) {
      if (!parseInt(v, 0, INT32_MAX, topK))
        return usage("--top-k must be a non-negative integer (0: all)");
    } else if (flagValue(a, "--seed", v)) {
      if (!parseInt(v, 0, INT64_MAX / 2, seed))
        return usage("--seed must be a non-negative integer");
    } else if (flagValue(a, "--threads", v)) {
      if (!parseInt(v, 0, GAON_MAX_THREADS, threads))
        return usage("--threads must be in [0, 256] (0: all cores)");
    } else if (flagValue(a, "--eos-id", v)) {
      if (!parseInt(v, 0, INT32_MAX, eosId))
        return usage("--eos-id must be a token id");
    } else if (flagValue(a, "--temperature", v)) {
      if (!parseFloat(v, 0, 100, temperature))
        return usage("--temperature must be in [0, 100] (0: greedy)");
    } else if (flagValue(a, "--top-p", v)) {
      if (!parseFloat(v, 1e-6, 1, topP))
        return usage("--top-p must be in (0, 1]");
    } else if (a[0] == '-') {
      return usage(std::string("unknown option '") + a + "'");
    } else if (modelPath.empty()) {
      modelPath = a;
    } else {
      return usage("give one model");
    }
  }
  if (modelPath.empty() && !showPrompt)
    return usage("no model given");
  if ((haveSystem || chat) && !promptIds.empty())
    return usage("--chat and --system format text: give --prompt or "
                 "--prompt-file");
  if (haveSystem && !chat)
    return usage("--system is part of a chat: add --chat");
  int sources =
      int(havePrompt) + int(!promptFile.empty()) + int(!promptIds.empty());
  if (sources != 1)
    return usage("give one of --prompt, --prompt-file and --prompt-ids");
  if (promptIds.empty() && tokenizerPath.empty())
    return usage("--prompt and --prompt-file need --tokenizer");

  // The prompt.
  std::string error;
  std::unique_ptr<gaon::Tokenizer> tokenizer;
  if (!tokenizerPath.empty()) {
    tokenizer = gaon::Tokenizer::load(tokenizerPath, error);
    if (!tokenizer) {
      std::fprintf(stderr, "gaon-generate: %s\n", error.c_str());
      return 1;
    }
  }
  std::vector<int64_t> ids;
  if (!promptIds.empty()) {
    if (!parseIds(promptIds, ids))
      return usage("--prompt-ids must be comma-separated token ids");
  } else {
    if (!promptFile.empty() &&
        !gaon::readRegularFile(promptFile, prompt, error, uint64_t(16) << 20)) {
      std::fprintf(stderr, "gaon-generate: %s\n", error.c_str());
      return 1;
    }
    if (chat) {
      // One user turn of the chat template, then the assistant's cue.
      std::string form;
      const ChatTemplate *builtIn = nullptr;
      if (!chatTemplatePath.empty()) {
        if (!gaon::readRegularFile(chatTemplatePath, form, error,
                                   uint64_t(1) << 20)) {
          std::fprintf(stderr, "gaon-generate: %s\n", error.c_str());
          return 1;
        }
        if (form.find("{prompt}") == std::string::npos) {
          std::fprintf(stderr,
                       "gaon-generate: %s: a chat template needs {prompt} "
                       "where the user's text goes (and may have {system})\n",
                       chatTemplatePath.c_str());
          return 1;
        }
      } else {
        for (const ChatTemplate &t : kChatTemplates)
          if (tokenizer->tokenId(t.marker) >= 0) {
            builtIn = &t;
            break;
          }
        if (!builtIn) {
          std::fprintf(stderr,
                       "gaon-generate: %s has neither EXAONE's [|user|] nor "
                       "Llama 3's <|start_header_id|> token; give the "
                       "model's template with --chat-template=FILE ({prompt} "
                       "where the user's text goes)\n",
                       tokenizerPath.c_str());
          return 1;
        }
        form = builtIn->text;
      }
      prompt = fill(fill(form, "system",
                         haveSystem || !builtIn ? system
                                                : builtIn->defaultSystem),
                    "prompt", prompt);
    }
    if (!tokenizer->encode(prompt, addSpecial, ids, error)) {
      std::fprintf(stderr, "gaon-generate: %s\n", error.c_str());
      return 1;
    }
  }
  if (ids.empty())
    return usage("the prompt has no tokens");
  if (showPrompt) {
    // The text the model reads, and its ids; no model runs.
    std::printf("%s\n[", prompt.c_str());
    for (size_t i = 0; i < ids.size(); ++i)
      std::printf("%s%lld", i ? ", " : "", (long long)ids[i]);
    std::printf("]\n");
    return 0;
  }
  // Generation stops at the end of text or of a chat turn: every such
  // token the tokenizer has (or the one --eos-id names).
  std::vector<int64_t> stopIds;
  if (eosId >= 0)
    stopIds.push_back(eosId);
  else if (tokenizer)
    for (const char *name : {"<|end_of_text|>", "<|endoftext|>", "</s>",
                             "<|eot_id|>", "[|endofturn|]"})
      if (int64_t id = tokenizer->tokenId(name); id >= 0)
        stopIds.push_back(id);

  // The decode entry, and the prefill entry when the binary has one; the
  // caches are the session's state, shared by both.
  Decoder decoder;
  if (!decoder.load(modelPath, device, threads))
    return 1;
  Step decode, prefill;
  for (size_t e = 0; e < gaon_model_entry_count(decoder.model); ++e) {
    std::string name = gaon_model_entry_name(decoder.model, e);
    if (name == "decode" && !decode.bind(decoder, e))
      return 1;
    if (name == "prefill" && !prefill.bind(decoder, e))
      return 1;
  }
  if (!decode)
    return decoder.fail("it has no `decode` entry (batch 1); compile it with "
                        "gaonc --max-seq-len=M [--decode-batch=1,...]");
  if (decode.tokens != 1)
    return decode.fail("input_ids must be 1 x 1");
  if (prefill && prefill.vocab != decode.vocab)
    return prefill.fail("its vocabulary differs from the decode entry's");
  int64_t vocab = decode.vocab, maxLen = decoder.maxLen;
  if (int64_t(ids.size()) > maxLen)
    return decoder.fail("the prompt has " + std::to_string(ids.size()) +
                        " tokens; the binary holds at most " +
                        std::to_string(maxLen) +
                        " positions (gaonc --max-seq-len)");
  for (int64_t id : ids)
    if (id >= vocab)
      return decoder.fail("prompt token " + std::to_string(id) +
                          " is outside the model's vocabulary of " +
                          std::to_string(vocab));

  // Simulated time: prompt (to the first token) and decode, separately.
  double npuPrompt = 0, hostPrompt = 0, npuDecode = 0, hostDecode = 0;
  decode.npuSeconds = prefill.npuSeconds = &npuPrompt;
  decode.hostOpSeconds = prefill.hostOpSeconds = &hostPrompt;
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  Sampler sampler{temperature, topP, topK, std::mt19937_64(uint64_t(seed))};
  int64_t position = 0;
  bool ok = true;
  const float *logits = nullptr;
  // The prompt: whole chunks through prefill, the rest a token at a time.
  size_t next = 0;
  while (ok && prefill && ids.size() - next >= size_t(prefill.tokens) &&
         position + prefill.tokens <= maxLen) {
    ok = prefill.run(&ids[next], position);
    logits = prefill.lastLogits();
    next += prefill.tokens;
    position += prefill.tokens;
  }
  for (; ok && next < ids.size(); ++next) {
    ok = decode.run(&ids[next], position++);
    logits = decode.lastLogits();
  }
  std::vector<int64_t> generated;
  std::string shown;
  auto firstToken = start;
  std::string stop = "max-new-tokens";
  // --output-logits: the logits each generated token was picked from.
  std::vector<float> pickedFrom;
  while (ok && int64_t(generated.size()) < maxNew) {
    if (!outputLogits.empty())
      pickedFrom.insert(pickedFrom.end(), logits, logits + vocab);
    int64_t token = sampler.pick(logits, vocab);
    generated.push_back(token);
    if (generated.size() == 1) {
      firstToken = Clock::now();
      decode.npuSeconds = &npuDecode;
      decode.hostOpSeconds = &hostDecode;
    }
    if (tokenizer) {
      std::string text;
      if (tokenizer->decode(generated, text, error, /*skipSpecial=*/true)) {
        // Whole characters only: a character's bytes may span tokens.
        std::string ready = lossyUtf8(text.substr(0, completeUtf8(text)));
        if (ready.size() > shown.size() &&
            ready.compare(0, shown.size(), shown) == 0) {
          std::fwrite(ready.data() + shown.size(), 1,
                      ready.size() - shown.size(), stdout);
          std::fflush(stdout);
          shown = ready;
        }
      }
    } else {
      std::printf("%s%lld", generated.size() == 1 ? "" : " ", (long long)token);
      std::fflush(stdout);
    }
    if (std::find(stopIds.begin(), stopIds.end(), token) != stopIds.end()) {
      stop = "end of text";
      break;
    }
    if (position >= maxLen) {
      stop = "max-seq-len";
      break;
    }
    if (int64_t(generated.size()) < maxNew) {
      ok = decode.run(&token, position++);
      logits = decode.lastLogits();
    }
  }
  auto end = Clock::now();
  std::printf("\n");
  if (!ok)
    return 1;
  if (!outputLogits.empty()) {
    gaon::tools::HostTensor t;
    t.shape = {int64_t(generated.size()), vocab};
    t.bytes.resize(pickedFrom.size() * sizeof(float));
    std::memcpy(t.bytes.data(), pickedFrom.data(), t.bytes.size());
    std::string why = gaon::tools::writeNpy(outputLogits, t);
    if (!why.empty()) {
      std::fprintf(stderr, "gaon-generate: %s\n", why.c_str());
      return 1;
    }
  }

  // The last step's device profile, before anything else runs.
  std::string lastStep = "null";
  if (!profilePath.empty()) {
    char *text = nullptr;
    if (!gaon_session_report(decoder.session, GAON_REPORT_PROFILE, &text)) {
      lastStep = text;
      gaon_string_free(text);
    }
  }
  double ttft = std::chrono::duration<double>(firstToken - start).count();
  double decodeSeconds =
      std::chrono::duration<double>(end - firstToken).count();
  std::fprintf(
      stderr,
      "gaon-generate: %zu prompt tokens, %zu generated (stopped at "
      "%s); time to first token %.1f ms, %.1f tokens/s after it "
      "(host wall time, %s device)\n",
      ids.size(), generated.size(), stop.c_str(), ttft * 1e3,
      generated.size() > 1 ? double(generated.size() - 1) / decodeSeconds : 0.0,
      device.c_str());
  if (decoder.simulated && generated.size() > 0) {
    size_t steps = generated.size() - 1;
    std::fprintf(stderr,
                 "gaon-generate: simulated NPU time (with host-link "
                 "transfers): time to first token %.3f ms%s; host ops "
                 "(CPU segments, measured): %.3f ms to the first token%s\n",
                 npuPrompt * 1e3,
                 steps && npuDecode > 0
                     ? (", " + std::to_string(int64_t(steps / npuDecode)) +
                        " tokens/s after it")
                           .c_str()
                     : "",
                 hostPrompt * 1e3,
                 steps ? (", " +
                          std::to_string(hostDecode * 1e3 / double(steps)) +
                          " ms per later token")
                             .c_str()
                       : "");
  }
  if (!outputIds.empty()) {
    FILE *f = std::fopen(outputIds.c_str(), "w");
    if (!f) {
      std::fprintf(stderr, "gaon-generate: cannot write '%s'\n",
                   outputIds.c_str());
      return 1;
    }
    auto list = [&](const std::vector<int64_t> &v) {
      std::string s = "[";
      for (size_t i = 0; i < v.size(); ++i)
        s += (i ? ", " : "") + std::to_string(v[i]);
      return s + "]";
    };
    std::fprintf(f, "{\"prompt_ids\": %s, \"generated_ids\": %s}\n",
                 list(ids).c_str(), list(generated).c_str());
    std::fclose(f);
  }
  if (!profilePath.empty()) {
    // The generation's times (host wall, and simulated on the sim device)
    // and the last step's device profile.
    FILE *f = std::fopen(profilePath.c_str(), "w");
    if (!f) {
      std::fprintf(stderr, "gaon-generate: cannot write '%s'\n",
                   profilePath.c_str());
      return 1;
    }
    size_t later = generated.empty() ? 0 : generated.size() - 1;
    std::fprintf(
        f,
        "{\"device\": \"%s\", \"prompt_tokens\": %zu, "
        "\"generated_tokens\": %zu, \"stopped_at\": \"%s\",\n"
        " \"host\": {\"time_to_first_token_seconds\": %.9g, "
        "\"tokens_per_second\": %.9g},\n",
        device.c_str(), ids.size(), generated.size(), stop.c_str(), ttft,
        later && decodeSeconds > 0 ? double(later) / decodeSeconds : 0.0);
    if (decoder.simulated)
      std::fprintf(f,
                   " \"simulated\": {\"time_to_first_token_seconds\": %.9g, "
                   "\"decode_seconds\": %.9g, \"tokens_per_second\": %.9g, "
                   "\"host_op_seconds\": %.9g},\n",
                   npuPrompt, npuDecode,
                   later && npuDecode > 0 ? double(later) / npuDecode : 0.0,
                   hostPrompt + hostDecode);
    else
      std::fprintf(f, " \"simulated\": null,\n");
    std::fprintf(f, " \"last_step\": %s}\n", lastStep.c_str());
    std::fclose(f);
  }
  return 0;
}
