//===- gaon-dump.cpp - print everything in a .gnb binary ------------------===//
//
//   gaon-dump MODEL.gnb [--json]
//
// Loads (and so fully verifies) the model, then prints its header, entry
// points with their signatures, session state, tensor table, memory plan
// and segments.
//
//===----------------------------------------------------------------------===//

#include "Internal.h"
#include "targets/npu/isa/IsaJson.h"

#include <cstdio>
#include <string>

using namespace gaon::rt;

namespace {

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s.empty() ? "scalar" : s;
}

const char *storageName(TensorDesc::Storage s) {
  switch (s) {
  case TensorDesc::Storage::Arena: return "arena";
  case TensorDesc::Storage::Constant: return "constant";
  case TensorDesc::Storage::Input: return "input";
  case TensorDesc::Storage::State: return "state";
  }
  return "?";
}

std::string jsonInts(const std::vector<int64_t> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

void printText(const gaon_model &m) {
  std::printf("format version %u, compiler %s, target %s\n", m.formatVersion,
              m.compilerVersion.c_str(), m.target.c_str());
  std::printf("arena %llu bytes, constants %llu bytes\n",
              (unsigned long long)m.arenaSize,
              (unsigned long long)m.constantsSize);
  // One entry without a name of its own prints as before: its signature.
  bool named = m.entries.size() > 1 || m.entries[0].name != "main";
  for (const EntryDesc &e : m.entries) {
    std::string indent = named ? "  " : "";
    if (named) {
      std::string segments;
      for (uint32_t s : e.segments)
        segments += (segments.empty() ? "" : ",") + std::to_string(s);
      std::printf("entry %s: arena %llu bytes, segments [%s]\n", e.name.c_str(),
                  (unsigned long long)e.arenaSize, segments.c_str());
    }
    for (const IoDesc &io : e.inputs)
      std::printf("%sinput  %-20s tensor %u %s[%s]\n", indent.c_str(),
                  io.name.c_str(), io.tensor,
                  gaon_dtype_name(m.tensors[io.tensor].dtype),
                  shapeString(m.tensors[io.tensor].shape).c_str());
    for (const IoDesc &io : e.outputs)
      std::printf("%soutput %-20s tensor %u %s[%s]\n", indent.c_str(),
                  io.name.c_str(), io.tensor,
                  gaon_dtype_name(m.tensors[io.tensor].dtype),
                  shapeString(m.tensors[io.tensor].shape).c_str());
  }
  if (!m.states.empty())
    std::printf("state %llu bytes, kept between runs:\n",
                (unsigned long long)m.stateSize);
  for (const StateDesc &st : m.states)
    std::printf("  state %-24s offset %-10llu %s[%s]\n", st.name.c_str(),
                (unsigned long long)st.offset, gaon_dtype_name(st.dtype),
                shapeString(st.shape).c_str());
  std::printf("tensors (%zu):\n", m.tensors.size());
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    const TensorDesc &t = m.tensors[i];
    std::printf("  %4zu %-8s %-9s offset %-10llu %10llu bytes  %s[%s]%s%s%s\n",
                i, gaon_dtype_name(t.dtype), storageName(t.storage),
                (unsigned long long)t.offset, (unsigned long long)t.byteSize,
                gaon_dtype_name(t.dtype), shapeString(t.shape).c_str(),
                t.channelsLast ? " nhwc" : "", t.name.empty() ? "" : "  ",
                t.name.c_str());
  }
  for (size_t s = 0; s < m.segments.size(); ++s) {
    const SegmentDesc &seg = m.segments[s];
    if (seg.device == SegmentDesc::Device::NPU) {
      const gaon::npu::Program &p = *seg.program;
      std::printf("segment %zu: npu, %d core(s), %llu bytes of device memory, "
                  "%zu layer tag(s)\n",
                  s, p.cores, (unsigned long long)p.dramBytes, p.tags.size());
      for (int c = 0; c < p.cores; ++c) {
        std::printf("  core %d:", c);
        for (int e = 0; e < gaon::npu::kEngines; ++e)
          std::printf(" %s %zu", gaon::npu::engineName(gaon::npu::Engine(e)),
                      p.queues[c][e].size());
        std::printf(" instructions\n");
      }
      auto bindings = [&](const char *what,
                          const std::vector<NpuBindingDesc> &list) {
        for (const NpuBindingDesc &b : list)
          std::printf("  %-8s tensor %u at device %llu%s  %s\n", what,
                      b.tensor, (unsigned long long)b.dram,
                      b.transform ? " (converted)" : "",
                      m.tensors[b.tensor].name.c_str());
      };
      bindings("input", seg.inputs);
      bindings("output", seg.outputs);
      std::printf("  %zu constant(s) uploaded once\n", seg.constants.size());
      continue;
    }
    std::printf("segment %zu: %s, %zu ops\n", s, "cpu", seg.ops.size());
    for (const OpDesc &op : seg.ops) {
      std::string ins, outs;
      for (uint32_t id : op.inputs)
        ins += (ins.empty() ? "" : ", ") +
               (id == kNoTensor ? std::string("-") : std::to_string(id));
      for (uint32_t id : op.outputs)
        outs += (outs.empty() ? "" : ", ") + std::to_string(id);
      std::printf("  %-22s (%s) -> (%s)  %s\n", op.kind.c_str(), ins.c_str(),
                  outs.c_str(), op.location.c_str());
    }
  }
}

/// An NPU segment's program: every instruction of every queue, with the
/// bindings of its constants, inputs and outputs.
void printNpuProgramJson(const SegmentDesc &seg) {
  const gaon::npu::Program &p = *seg.program;
  std::printf(",\"npu\":{\"cores\":%d,\"dram_bytes\":%llu,\"tags\":[",
              p.cores, (unsigned long long)p.dramBytes);
  for (size_t t = 0; t < p.tags.size(); ++t)
    std::printf("%s%s", t ? "," : "", jsonQuote(p.tags[t]).c_str());
  std::printf("],\"queues\":[");
  bool firstQueue = true;
  for (int c = 0; c < p.cores; ++c)
    for (int e = 0; e < gaon::npu::kEngines; ++e) {
      const auto &queue = p.queues[c][e];
      if (queue.empty())
        continue;
      std::printf("%s{\"core\":%d,\"engine\":\"%s\",\"instructions\":[",
                  firstQueue ? "" : ",", c,
                  gaon::npu::engineName(gaon::npu::Engine(e)));
      firstQueue = false;
      for (size_t i = 0; i < queue.size(); ++i)
        std::printf("%s%s", i ? "," : "",
                    gaon::npu::instructionJson(queue[i]).c_str());
      std::printf("]}");
    }
  std::printf("]");
  auto bindings = [](const char *key, const std::vector<NpuBindingDesc> &list) {
    std::printf(",\"%s\":[", key);
    for (size_t i = 0; i < list.size(); ++i) {
      const NpuBindingDesc &b = list[i];
      std::printf("%s{\"tensor\":%u,\"dram\":%llu", i ? "," : "", b.tensor,
                  (unsigned long long)b.dram);
      if (b.transform) {
        std::vector<int64_t> sizes(b.sizes.begin(), b.sizes.end()),
            strides(b.strides.begin(), b.strides.end());
        std::printf(",\"device_type\":\"%s\",\"sizes\":%s,\"strides\":%s",
                    gaon::npu::elemTypeName(b.deviceType),
                    jsonInts(sizes).c_str(), jsonInts(strides).c_str());
      }
      std::printf("}");
    }
    std::printf("]");
  };
  bindings("constants", seg.constants);
  bindings("inputs", seg.inputs);
  bindings("outputs", seg.outputs);
  std::printf("}");
}

void printJson(const gaon_model &m) {
  std::printf("{\"format_version\":%u,\"compiler_version\":%s,\"target\":%s,"
              "\"arena_size\":%llu,\"constants_size\":%llu,",
              m.formatVersion, jsonQuote(m.compilerVersion).c_str(),
              jsonQuote(m.target).c_str(), (unsigned long long)m.arenaSize,
              (unsigned long long)m.constantsSize);
  // "key":[{name, tensor}...] and `end`.
  auto io = [&](const char *key, const std::vector<IoDesc> &list,
                const char *end = ",") {
    std::printf("\"%s\":[", key);
    for (size_t i = 0; i < list.size(); ++i)
      std::printf("%s{\"name\":%s,\"tensor\":%u}", i ? "," : "",
                  jsonQuote(list[i].name).c_str(), list[i].tensor);
    std::printf("]%s", end);
  };
  io("inputs", m.entries[0].inputs);
  io("outputs", m.entries[0].outputs);
  std::printf("\"entries\":[");
  for (size_t i = 0; i < m.entries.size(); ++i) {
    const EntryDesc &e = m.entries[i];
    std::printf("%s{\"name\":%s,\"arena_size\":%llu,\"segments\":%s,",
                i ? "," : "", jsonQuote(e.name).c_str(),
                (unsigned long long)e.arenaSize,
                jsonInts(std::vector<int64_t>(e.segments.begin(),
                                              e.segments.end()))
                    .c_str());
    io("inputs", e.inputs);
    io("outputs", e.outputs, "}");
  }
  std::printf("],\"state_size\":%llu,\"states\":[",
              (unsigned long long)m.stateSize);
  for (size_t i = 0; i < m.states.size(); ++i) {
    const StateDesc &st = m.states[i];
    std::printf("%s{\"name\":%s,\"dtype\":\"%s\",\"shape\":%s,"
                "\"offset\":%llu,\"byte_size\":%llu}",
                i ? "," : "", jsonQuote(st.name).c_str(),
                gaon_dtype_name(st.dtype), jsonInts(st.shape).c_str(),
                (unsigned long long)st.offset,
                (unsigned long long)st.byteSize);
  }
  std::printf("],");
  std::printf("\"tensors\":[");
  for (size_t i = 0; i < m.tensors.size(); ++i) {
    const TensorDesc &t = m.tensors[i];
    std::printf("%s{\"name\":%s,\"dtype\":\"%s\",\"shape\":%s,\"storage\":\"%s\","
                "\"offset\":%llu,\"byte_size\":%llu,\"layout\":\"%s\"}",
                i ? "," : "", jsonQuote(t.name).c_str(),
                gaon_dtype_name(t.dtype), jsonInts(t.shape).c_str(),
                storageName(t.storage), (unsigned long long)t.offset,
                (unsigned long long)t.byteSize,
                t.channelsLast ? "channels_last" : "row_major");
  }
  std::printf("],\"segments\":[");
  for (size_t s = 0; s < m.segments.size(); ++s) {
    const SegmentDesc &seg = m.segments[s];
    std::printf("%s{\"device\":\"%s\",\"ops\":[", s ? "," : "",
                seg.device == SegmentDesc::Device::CPU ? "cpu" : "npu");
    for (size_t o = 0; o < seg.ops.size(); ++o) {
      const OpDesc &op = seg.ops[o];
      std::vector<int64_t> ins(op.inputs.begin(), op.inputs.end()),
          outs(op.outputs.begin(), op.outputs.end());
      for (int64_t &id : ins)
        if (id == kNoTensor)
          id = -1;
      std::printf("%s{\"kind\":%s,\"location\":%s,\"inputs\":%s,\"outputs\":%s,"
                  "\"attributes\":{",
                  o ? "," : "", jsonQuote(op.kind).c_str(),
                  jsonQuote(op.location).c_str(), jsonInts(ins).c_str(),
                  jsonInts(outs).c_str());
      bool first = true;
      for (const auto &[name, a] : op.attributes) {
        std::printf("%s%s:", first ? "" : ",", jsonQuote(name).c_str());
        first = false;
        if (!a.str.empty())
          std::printf("%s", jsonQuote(a.str).c_str());
        else if (!a.floats.empty()) {
          std::printf("[");
          for (size_t i = 0; i < a.floats.size(); ++i)
            std::printf("%s%.17g", i ? "," : "", a.floats[i]);
          std::printf("]");
        } else
          std::printf("%s", jsonInts(a.ints).c_str());
      }
      std::printf("}}");
    }
    std::printf("]");
    if (seg.program)
      printNpuProgramJson(seg);
    std::printf("}");
  }
  std::printf("]}\n");
}

} // namespace

int main(int argc, char **argv) {
  std::string path;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json")
      json = true;
    else if (a == "--help" || a == "-h") {
      std::printf("usage: gaon-dump MODEL.gnb [--json]\n"
                  "Prints everything in a Gaon binary: header, entry points, "
                  "state, tensor table, segments\n(CPU ops; with --json also every "
                  "NPU instruction and binding).\n");
      return 0;
    } else if (a == "--version") {
      std::printf("gaon-dump (Gaon) %s; reads .gnb format %d\n", GAON_VERSION,
                  GAON_GNB_FORMAT_VERSION);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "gaon-dump: error: unknown option '%s'\n", a.c_str());
      return 1;
    } else
      path = a;
  }
  if (path.empty()) {
    std::fprintf(stderr, "gaon-dump: error: usage: gaon-dump MODEL.gnb [--json]\n");
    return 1;
  }
  gaon_model *model = nullptr;
  if (gaon_status s = gaon_model_load_file(path.c_str(), nullptr, &model)) {
    std::fprintf(stderr, "gaon-dump: error: %s\n", gaon_status_message(s));
    gaon_status_free(s);
    return 1;
  }
  json ? printJson(*model) : printText(*model);
  gaon_model_release(model);
  return 0;
}
