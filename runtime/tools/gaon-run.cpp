//===- gaon-run.cpp - run a .gnb model
//--------------------------------------===//
//
//   gaon-run MODEL.gnb [--device=cpu|sim|sim-timing] [--input=[NAME=]PATH]...
//            [--output-dir=DIR] [--repeat=N] [--threads=N]
//            [--profile=PROFILE.json] [--trace=TRACE.json] [--entry=NAME]
//            [--context=N]
//
// Inputs are .npy or ONNX TensorProto .pb files, by name or in graph-input
// order, or .npz archives whose array names name inputs; with none,
// deterministic random inputs. Outputs are written as DIR/output_<i>.npy in
// ONNX order, and summarized. --profile and --trace write the last run's
// report: on the sim device the simulator's, on cpu each op's host time in
// the same format (a Chrome trace opens in Perfetto; a profile named .html
// is a page). --entry runs one entry point of a binary with several (a
// decoder's decode and prefill steps); session state (a decoder's caches)
// starts at zero.
//
//===----------------------------------------------------------------------===//

#include "DecoderState.h"
#include "HtmlReport.h"
#include "TensorFiles.h"

#include "gaon/runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

using gaon::tools::HostTensor;

namespace {

int fail(const std::string &message) {
  std::fprintf(stderr, "gaon-run: error: %s\n", message.c_str());
  return 1;
}

/// The most threads a session takes (the runtime refuses more).
constexpr int kMaxThreads = GAON_MAX_THREADS;

/// A decimal count in [0, limit], and nothing else.
bool parseCount(const char *text, int limit, int &out) {
  if (!*text)
    return false;
  int64_t value = 0;
  for (const char *c = text; *c; ++c) {
    if (*c < '0' || *c > '9')
      return false;
    value = value * 10 + (*c - '0');
    if (value > limit)
      return false;
  }
  out = int(value);
  return true;
}

int failStatus(gaon_status s) {
  int rc = fail(gaon_status_message(s));
  gaon_status_free(s);
  return rc;
}

std::string describe(const char *name, const gaon_tensor &t) {
  std::string s = std::string(name) + ": " + gaon_dtype_name(t.dtype) + "[";
  for (int i = 0; i < t.rank; ++i)
    s += (i ? "x" : "") + std::to_string(t.shape[i]);
  return s + "]";
}

std::string signature(const gaon_model *m, size_t entry) {
  std::string s;
  for (size_t i = 0; i < gaon_model_entry_input_count(m, entry); ++i) {
    const char *name;
    gaon_tensor info;
    gaon_model_entry_input(m, entry, i, &name, &info);
    s += (i ? ", " : "") + describe(name, info);
  }
  return "(" + s + ")";
}

/// Deterministic inputs: floats in [-1, 1), integers in [0, 4), bools.
void fillRandom(HostTensor &t, uint64_t seed) {
  std::mt19937_64 rng(seed);
  size_t count = t.bytes.size() / gaon_dtype_size(t.dtype);
  for (size_t i = 0; i < count; ++i) {
    double u = std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
    void *p = t.bytes.data() + i * gaon_dtype_size(t.dtype);
    switch (t.dtype) {
    case GAON_F32: {
      float v = u;
      std::memcpy(p, &v, 4);
      break;
    }
    case GAON_F64:
      std::memcpy(p, &u, 8);
      break;
    case GAON_BOOL:
      *static_cast<uint8_t *>(p) = u > 0;
      break;
    default: {
      int64_t v = (int64_t)((u + 1) * 2);
      std::memcpy(p, &v, gaon_dtype_size(t.dtype));
    }
    }
  }
}

std::string summary(const HostTensor &t) {
  if (t.dtype != GAON_F32 && t.dtype != GAON_F64) {
    std::string s = "[";
    size_t n = std::min<size_t>(8, t.bytes.size() / gaon_dtype_size(t.dtype));
    for (size_t i = 0; i < n; ++i) {
      int64_t v = 0;
      std::memcpy(&v, t.bytes.data() + i * gaon_dtype_size(t.dtype),
                  gaon_dtype_size(t.dtype));
      if (t.dtype == GAON_I8)
        v = (int8_t)v;
      if (t.dtype == GAON_I16)
        v = (int16_t)v;
      if (t.dtype == GAON_I32)
        v = (int32_t)v;
      s += (i ? ", " : "") + std::to_string(v);
    }
    return s + (n < t.bytes.size() / gaon_dtype_size(t.dtype) ? ", ...]" : "]");
  }
  size_t count = t.bytes.size() / gaon_dtype_size(t.dtype);
  double lo = INFINITY, hi = -INFINITY, sum = 0;
  std::string first;
  for (size_t i = 0; i < count; ++i) {
    double v = t.dtype == GAON_F32
                   ? reinterpret_cast<const float *>(t.bytes.data())[i]
                   : reinterpret_cast<const double *>(t.bytes.data())[i];
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
    if (i < 6) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%s%.6g", i ? ", " : "", v);
      first += buf;
    }
  }
  char buf[160];
  std::snprintf(buf, sizeof(buf), "min %.6g max %.6g mean %.6g", lo, hi,
                count ? sum / count : 0.0);
  return std::string(buf) + "  [" + first + (count > 6 ? ", ...]" : "]");
}

} // namespace

int main(int argc, char **argv) {
  std::string modelPath, device, outputDir, profilePath, tracePath, entryName;
  std::vector<std::string> inputSpecs;
  int repeat = 0, threads = 0;
  int context = -1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *flag) -> const char * {
      size_t n = std::strlen(flag);
      return a.compare(0, n, flag) == 0 ? a.c_str() + n : nullptr;
    };
    if (const char *v = value("--device="))
      device = v;
    else if (const char *v = value("--input="))
      inputSpecs.push_back(v);
    else if (const char *v = value("--output-dir="))
      outputDir = v;
    else if (const char *v = value("--repeat=")) {
      if (!parseCount(v, 1000000000, repeat))
        return fail(
            std::string("--repeat takes a count from 0 to 10^9, got '") + v +
            "'");
    } else if (const char *v = value("--threads=")) {
      if (!parseCount(v, kMaxThreads, threads))
        return fail(std::string("--threads takes 0 (every core) to ") +
                    std::to_string(kMaxThreads) + ", got '" + v + "'");
    } else if (const char *v = value("--context=")) {
      if (!parseCount(v, 1 << 30, context))
        return fail(std::string("--context takes a position count from 0 to "
                                "2^30, got '") +
                    v + "'");
    } else if (const char *v = value("--entry="))
      entryName = v;
    else if (const char *v = value("--profile="))
      profilePath = v;
    else if (const char *v = value("--trace="))
      tracePath = v;
    else if (a == "--version") {
      std::printf("gaon-run (Gaon) %s; reads .gnb format %d\n", GAON_VERSION,
                  GAON_GNB_FORMAT_VERSION);
      return 0;
    } else if (a == "--help" || a == "-h") {
      std::printf("usage: gaon-run MODEL.gnb [--device=cpu|sim|sim-timing] "
                  "[--input=[NAME=]PATH]... [--output-dir=DIR] [--repeat=N] "
                  "[--threads=N] [--profile=PROFILE.json] "
                  "[--trace=TRACE.json] [--entry=NAME] [--context=N]\n"
                  "PATH is a .npy or ONNX .pb tensor (by NAME, or in input "
                  "order) or a .npz archive of arrays named after inputs.\n"
                  "--threads=N: 0 (default) uses every available core.\n"
                  "--entry=NAME runs that entry point (gaon-dump lists them; "
                  "default: the first).\n"
                  "--context=N runs a decoder step (gaonc --max-seq-len) at "
                  "a cache already holding N positions.\n");
      return 0;
    } else if (!a.empty() && a[0] == '-')
      return fail("unknown option '" + a + "'");
    else if (modelPath.empty())
      modelPath = a;
    else
      return fail("more than one model given ('" + modelPath + "', '" + a +
                  "')");
  }
  if (modelPath.empty())
    return fail("no model; usage: gaon-run MODEL.gnb [options]");
  if (!outputDir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(outputDir, ec);
    if (ec)
      return fail("cannot create --output-dir '" + outputDir +
                  "': " + ec.message());
  }

  gaon_model *model = nullptr;
  if (gaon_status s = gaon_model_load_file(modelPath.c_str(), nullptr, &model))
    return failStatus(s);
  // By default a binary runs where it was compiled for: the NPU's
  // binaries on its simulator until a driver exists.
  if (device.empty())
    device = std::string(gaon_model_target(model)) == "npu" ? "sim" : "cpu";
  if (device == "sim-timing" && !outputDir.empty())
    return fail("--output-dir needs output values; --device=sim-timing "
                "computes the NPU's time only (use --device=sim)");
  size_t entry = 0;
  if (!entryName.empty())
    if (gaon_status s = gaon_model_find_entry(model, entryName.c_str(), &entry))
      return failStatus(s);
  size_t inputCount = gaon_model_entry_input_count(model, entry);
  size_t outputCount = gaon_model_entry_output_count(model, entry);

  // Host memory the run needs: inputs, outputs and the session's arena.
  // Refused up front when the machine does not have it, rather than dying
  // in an allocation (or swapping for minutes) half way.
  {
    double need = double(gaon_model_arena_size(model));
    for (size_t i = 0; i < gaon_model_state_count(model); ++i) {
      gaon_tensor info;
      gaon_model_state(model, i, nullptr, &info);
      need += double(info.byte_size);
    }
    for (size_t i = 0; i < inputCount; ++i) {
      gaon_tensor info;
      gaon_model_entry_input(model, entry, i, nullptr, &info);
      need += double(info.byte_size);
    }
    for (size_t i = 0; i < outputCount; ++i) {
      gaon_tensor info;
      gaon_model_entry_output(model, entry, i, nullptr, &info);
      need += double(info.byte_size);
    }
    double physical = double(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGE_SIZE);
    if (physical > 0 && need > 0.9 * physical) {
      char text[160];
      std::snprintf(
          text, sizeof text,
          "the model's inputs, outputs, arena and state need %.1f GiB of "
          "host memory; this machine has %.1f GiB",
          need / double(1 << 30), physical / double(1 << 30));
      gaon_model_release(model);
      return fail(text);
    }
  }

  // Inputs: by name (NAME=PATH) or in order.
  std::vector<HostTensor> inputs(inputCount);
  std::vector<bool> given(inputCount, false);
  size_t nextPositional = 0;
  // The index of the input named `name`, or inputCount.
  auto inputNamed = [&](const std::string &name) {
    for (size_t i = 0; i < inputCount; ++i) {
      const char *n;
      gaon_model_entry_input(model, entry, i, &n, nullptr);
      if (name == n)
        return i;
    }
    return inputCount;
  };
  for (const std::string &spec : inputSpecs) {
    size_t eq = spec.find('=');
    size_t index = inputCount;
    std::string path = spec;
    if (eq != std::string::npos) {
      std::string name = spec.substr(0, eq);
      path = spec.substr(eq + 1);
      index = inputNamed(name);
      if (index == inputCount)
        return fail("the model has no input '" + name + "'; its inputs are " +
                    signature(model, entry));
    } else if (path.size() > 4 &&
               path.compare(path.size() - 4, 4, ".npz") == 0) {
      // An archive gives inputs by its array names (numpy.savez(f, x=...));
      // one array feeds a model of one input whatever its name.
      uint64_t largest = 0;
      for (size_t i = 0; i < inputCount; ++i) {
        gaon_tensor info;
        gaon_model_entry_input(model, entry, i, nullptr, &info);
        largest = std::max<uint64_t>(largest, info.byte_size);
      }
      std::vector<std::pair<std::string, HostTensor>> arrays;
      std::string error = gaon::tools::readNpzFile(
          path, arrays, largest + gaon::tools::kNpyHeaderAllowance);
      if (!error.empty())
        return fail(error);
      for (auto &[name, tensor] : arrays) {
        size_t at = inputNamed(name);
        if (at == inputCount && arrays.size() == 1 && inputCount == 1)
          at = 0;
        if (at == inputCount)
          return fail(path + ": array '" + name +
                      "' names no input; the model takes " +
                      signature(model, entry));
        if (given[at])
          return fail("input '" + name + "' is given twice");
        inputs[at] = std::move(tensor);
        given[at] = true;
      }
      continue;
    } else {
      index = nextPositional++;
      if (index >= inputCount)
        return fail("more inputs given than the model takes " +
                    signature(model, entry));
    }
    if (given[index])
      return fail("input " + std::to_string(index) + " is given twice");
    std::string error = gaon::tools::readTensorFile(path, inputs[index]);
    if (!error.empty())
      return fail(error);
    given[index] = true;
  }
  for (size_t i = 0; i < inputCount; ++i) {
    const char *name;
    gaon_tensor info;
    gaon_model_entry_input(model, entry, i, &name, &info);
    HostTensor &t = inputs[i];
    if (!given[i]) {
      if (!inputSpecs.empty())
        return fail("input '" + std::string(name) +
                    "' is not given; the model takes " +
                    signature(model, entry));
      t.dtype = info.dtype;
      t.shape.assign(info.shape, info.shape + info.rank);
      t.bytes.assign(info.byte_size, 0);
      fillRandom(t, 1234 + i);
      continue;
    }
    bool match = t.dtype == info.dtype && (int)t.shape.size() == info.rank &&
                 std::equal(t.shape.begin(), t.shape.end(), info.shape);
    if (!match)
      return fail("input '" + std::string(name) + "' is " +
                  describe("given", t.view()).substr(7) +
                  " but the model takes " + describe(name, info));
  }

  // A decoder step at a given context: its position input says how many
  // cache entries are already there.
  if (context >= 0) {
    int64_t tokens = 0;
    HostTensor *position = nullptr;
    for (size_t i = 0; i < inputCount; ++i) {
      const char *name;
      gaon_model_entry_input(model, entry, i, &name, nullptr);
      std::string n = name;
      if (n == "position") {
        if (given[i])
          return fail("give either --context or --input=position=...");
        position = &inputs[i];
      } else if (n == "input_ids" && inputs[i].shape.size() == 2) {
        tokens = inputs[i].shape[1];
      }
    }
    int64_t maxLen = gaon::tools::cachePositions(model);
    if (!position || position->dtype != GAON_I64 || !maxLen)
      return fail("--context is for decoder steps compiled with gaonc "
                  "--max-seq-len (a position input and key/value caches)");
    if (int64_t(context) + tokens > maxLen)
      return fail("--context=" + std::to_string(context) +
                  " leaves no room "
                  "for " +
                  std::to_string(tokens) +
                  " new token(s) in caches "
                  "of " +
                  std::to_string(maxLen) + " positions");
    int64_t *p = reinterpret_cast<int64_t *>(position->bytes.data());
    for (size_t k = 0; k < position->bytes.size() / 8; ++k)
      p[k] = context;
  }

  gaon_session_options options{device.c_str(), threads};
  gaon_session *session = nullptr;
  if (gaon_status s = gaon_session_create(model, &options, &session)) {
    gaon_model_release(model);
    return failStatus(s);
  }
  std::vector<gaon_tensor> inViews;
  for (HostTensor &t : inputs)
    inViews.push_back(t.view());
  std::vector<HostTensor> outputs(outputCount);
  std::vector<gaon_tensor> outViews;
  std::vector<std::string> outNames;
  for (size_t i = 0; i < outputCount; ++i) {
    const char *name;
    gaon_tensor info;
    gaon_model_entry_output(model, entry, i, &name, &info);
    outNames.push_back(name);
    outputs[i].dtype = info.dtype;
    outputs[i].shape.assign(info.shape, info.shape + info.rank);
    outputs[i].bytes.assign(info.byte_size, 0);
    outViews.push_back(outputs[i].view());
  }

  std::vector<double> times;
  int runs = std::max(1, repeat);
  for (int r = 0; r < runs; ++r) {
    auto start = std::chrono::steady_clock::now();
    if (gaon_status s = gaon_session_run_entry(session, entry, inViews.data(),
                                               inViews.size(), outViews.data(),
                                               outViews.size())) {
      gaon_session_release(session);
      gaon_model_release(model);
      return failStatus(s);
    }
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }

  bool timingOnly = device == "sim-timing";
  for (size_t i = 0; i < outputCount; ++i) {
    std::printf("output %zu %s: %s\n", i,
                describe(outNames[i].c_str(), outViews[i]).c_str(),
                timingOnly ? "(timing only: no values)"
                           : summary(outputs[i]).c_str());
    if (!outputDir.empty()) {
      std::string error = gaon::tools::writeNpy(
          outputDir + "/output_" + std::to_string(i) + ".npy", outputs[i]);
      if (!error.empty())
        return fail(error);
    }
  }
  for (auto [path, kind] : {std::pair{profilePath, GAON_REPORT_PROFILE},
                            std::pair{tracePath, GAON_REPORT_TRACE}}) {
    if (path.empty())
      continue;
    char *json = nullptr;
    if (gaon_status s = gaon_session_report(session, kind, &json)) {
      gaon_session_release(session);
      gaon_model_release(model);
      return failStatus(s);
    }
    std::string text = json;
    if (kind == GAON_REPORT_PROFILE && gaon::tools::wantsHtml(path))
      text = gaon::tools::renderHtmlReport(
          std::filesystem::path(modelPath).filename().string() + " on " +
              device,
          "", json);
    FILE *f = std::fopen(path.c_str(), "w");
    bool ok = f && std::fputs(text.c_str(), f) >= 0;
    ok = f && std::fclose(f) == 0 && ok;
    gaon_string_free(json);
    if (!ok)
      return fail("cannot write '" + path + "'");
  }
  if (repeat > 0) {
    std::sort(times.begin(), times.end());
    std::printf("latency over %d runs on %s: min %.3f ms, median %.3f ms\n",
                runs, device.c_str(), times.front(), times[times.size() / 2]);
  }
  gaon_session_release(session);
  gaon_model_release(model);
  return 0;
}
