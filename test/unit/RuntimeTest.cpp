//===- RuntimeTest.cpp - the runtime's C API and thread contract ----------===//
//
// The contract (gaon/runtime.h): a loaded model is immutable and shared; a
// session is used by one thread at a time; many sessions on one model run
// concurrently. These tests hold the runtime to it on the demo CNN, compiled
// by the build (GAON_TEST_GNB). Hand-built binaries check what loading
// refuses.
//
//===----------------------------------------------------------------------===//

#include "gaon/runtime.h"
#include "gaon/runtime.hpp"
#include "gnb_generated.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

namespace {

struct ModelFixture : ::testing::Test {
  void SetUp() override {
    gaon_status s = gaon_model_load_file(GAON_TEST_GNB, nullptr, &model);
    ASSERT_EQ(s, nullptr) << gaon_status_message(s);
  }
  void TearDown() override { gaon_model_release(model); }

  /// Runs one inference on a fresh session; returns the output.
  std::vector<float> run(const std::vector<float> &input, int threads) {
    gaon_session_options options{"cpu", threads};
    gaon_session *session = nullptr;
    gaon_status s = gaon_session_create(model, &options, &session);
    EXPECT_EQ(s, nullptr) << gaon_status_message(s);
    gaon_tensor in{}, out{};
    gaon_model_input(model, 0, nullptr, &in);
    gaon_model_output(model, 0, nullptr, &out);
    in.data = const_cast<float *>(input.data());
    std::vector<float> result(out.byte_size / sizeof(float));
    out.data = result.data();
    s = gaon_session_run(session, &in, 1, &out, 1);
    EXPECT_EQ(s, nullptr) << gaon_status_message(s);
    gaon_session_release(session);
    return result;
  }

  gaon_model *model = nullptr;
};

std::vector<float> pattern(size_t n, float seed) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = std::sin(seed + 0.01f * i);
  return v;
}

TEST_F(ModelFixture, Signature) {
  ASSERT_EQ(gaon_model_input_count(model), 1u);
  ASSERT_EQ(gaon_model_output_count(model), 1u);
  const char *name;
  gaon_tensor info;
  ASSERT_EQ(gaon_model_input(model, 0, &name, &info), nullptr);
  EXPECT_STREQ(name, "image");
  EXPECT_EQ(info.dtype, GAON_F32);
  EXPECT_EQ(info.rank, 4);
  EXPECT_EQ(info.shape[3], 32);
  EXPECT_STREQ(gaon_model_target(model), "cpu");
  gaon_status bad = gaon_model_input(model, 5, &name, &info);
  EXPECT_EQ(gaon_status_get_code(bad), GAON_INVALID_ARGUMENT);
  gaon_status_free(bad);
}

TEST_F(ModelFixture, ConcurrentSessionsAgreeWithSerialRuns) {
  gaon_tensor info;
  gaon_model_input(model, 0, nullptr, &info);
  size_t n = info.byte_size / sizeof(float);
  constexpr int kThreads = 6;
  std::vector<std::vector<float>> inputs, serial, parallel(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(pattern(n, float(t)));
    serial.push_back(run(inputs[t], 1));
  }
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t)
    pool.emplace_back([&, t] {
      for (int repeat = 0; repeat < 5; ++repeat)
        parallel[t] = run(inputs[t], 2);
    });
  for (auto &th : pool)
    th.join();
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(serial[t], parallel[t]) << "session " << t;
}

TEST_F(ModelFixture, ThreadCountsOutOfRangeAreRefused) {
  for (int32_t threads : {-1, GAON_MAX_THREADS + 1, 100000}) {
    gaon_session_options options{"cpu", threads};
    gaon_session *session = nullptr;
    gaon_status s = gaon_session_create(model, &options, &session);
    EXPECT_EQ(gaon_status_get_code(s), GAON_INVALID_ARGUMENT) << threads;
    EXPECT_NE(std::strstr(gaon_status_message(s), "threads must be 0"),
              nullptr);
    EXPECT_EQ(session, nullptr);
    gaon_status_free(s);
  }
}

TEST_F(ModelFixture, WrongInputsAreRefused) {
  gaon_session *session = nullptr;
  ASSERT_EQ(gaon_session_create(model, nullptr, &session), nullptr);
  gaon_tensor in{}, out{};
  gaon_model_input(model, 0, nullptr, &in);
  gaon_model_output(model, 0, nullptr, &out);
  std::vector<float> x(in.byte_size / 4), y(out.byte_size / 4);
  in.data = x.data();
  out.data = y.data();
  in.shape[3] = 31;
  gaon_status s = gaon_session_run(session, &in, 1, &out, 1);
  EXPECT_EQ(gaon_status_get_code(s), GAON_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(gaon_status_message(s), "image: float32[1x3x32x32]"),
            nullptr)
      << gaon_status_message(s);
  gaon_status_free(s);
  s = gaon_session_run(session, &in, 0, &out, 1);
  EXPECT_EQ(gaon_status_get_code(s), GAON_INVALID_ARGUMENT);
  gaon_status_free(s);
  gaon_session_release(session);
}

TEST(Runtime, LoadFromMemoryAndRefuseGarbage) {
  std::ifstream f(GAON_TEST_GNB, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)),
                          std::istreambuf_iterator<char>());
  gaon_model *model = nullptr;
  ASSERT_EQ(gaon_model_load_memory(bytes.data(), bytes.size(), nullptr, &model),
            nullptr);
  gaon_model_release(model);
  for (size_t cut : {size_t(0), size_t(3), size_t(64), bytes.size() / 2}) {
    gaon_status s = gaon_model_load_memory(bytes.data(), cut, nullptr, &model);
    EXPECT_EQ(gaon_status_get_code(s), GAON_INVALID_MODEL) << cut;
    gaon_status_free(s);
  }
  gaon_session *session = nullptr;
  gaon_status s = gaon_session_create(nullptr, nullptr, &session);
  EXPECT_EQ(gaon_status_get_code(s), GAON_INVALID_ARGUMENT);
  gaon_status_free(s);
}

TEST(Runtime, CustomAllocatorIsUsed) {
  struct Counter {
    int allocations = 0, frees = 0;
  } counter;
  gaon_allocator allocator{
      [](void *ctx, size_t size, size_t alignment) -> void * {
        ++static_cast<Counter *>(ctx)->allocations;
        void *p = nullptr;
        return posix_memalign(&p, alignment, size ? size : 1) == 0 ? p
                                                                   : nullptr;
      },
      [](void *ctx, void *p) {
        ++static_cast<Counter *>(ctx)->frees;
        free(p);
      },
      &counter};
  gaon_model *model = nullptr;
  ASSERT_EQ(gaon_model_load_file(GAON_TEST_GNB, &allocator, &model), nullptr);
  gaon_session *session = nullptr;
  ASSERT_EQ(gaon_session_create(model, nullptr, &session), nullptr);
  gaon_session_release(session);
  gaon_model_release(model);
  EXPECT_GE(counter.allocations, 1);
  EXPECT_EQ(counter.allocations, counter.frees);
}

} // namespace

// The C++ wrapper (gaon/runtime.hpp): the same results as the C API, and
// errors carried as Status values.
TEST(RuntimeCpp, RunsTheDemoModelAndReportsErrors) {
  gaon::Model model;
  ASSERT_FALSE(gaon::Model::load(GAON_TEST_GNB, model));
  std::vector<gaon::TensorInfo> inputs = model.inputs(), outputs = model.outputs();
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0].name, "image");
  EXPECT_EQ(inputs[0].shape(), (std::vector<int64_t>{1, 3, 32, 32}));
  EXPECT_EQ(model.target(), "cpu");

  std::vector<float> x(3 * 32 * 32, 0.5f), y(10, 0.0f);
  gaon_tensor in = inputs[0].tensor, out = outputs[0].tensor;
  in.data = x.data();
  in.byte_size = x.size() * sizeof(float);
  out.data = y.data();
  out.byte_size = y.size() * sizeof(float);
  std::vector<gaon_tensor> ins{in}, outs{out};
  gaon::Session session;
  ASSERT_FALSE(gaon::Session::create(model, "cpu", 1, session));
  gaon::Status run = session.run(ins, outs);
  ASSERT_FALSE(run) << run.message();
  float sum = 0;
  for (float v : y)
    sum += v;
  EXPECT_NEAR(sum, 1.0f, 1e-5); // the demo ends in a softmax

  // On cpu the profile holds each op's host time.
  std::string json;
  gaon::Status report = session.report(GAON_REPORT_PROFILE, json);
  ASSERT_FALSE(report) << report.message();
  EXPECT_NE(json.find("\"device\":\"cpu\""), std::string::npos);
  EXPECT_NE(json.find("\"host_seconds\""), std::string::npos);
  gaon::Session fresh;
  ASSERT_FALSE(gaon::Session::create(model, "cpu", 1, fresh));
  gaon::Status none = fresh.report(GAON_REPORT_PROFILE, json);
  EXPECT_TRUE(none);
  EXPECT_EQ(none.code(), GAON_NOT_FOUND); // nothing has run yet

  gaon::Model missing;
  gaon::Status load = gaon::Model::load("/nonexistent/m.gnb", missing);
  EXPECT_TRUE(load);
  EXPECT_EQ(load.code(), GAON_NOT_FOUND);
  EXPECT_NE(load.message().find("/nonexistent/m.gnb"), std::string::npos);

  gaon::Session bad;
  gaon::Status create = gaon::Session::create(model, "tpu", 0, bad);
  EXPECT_TRUE(create);
  EXPECT_NE(create.message().find("no device 'tpu'"), std::string::npos);
}

namespace {

/// A .gnb holding one tensor, `dtype` of shape [5] with `storage` and
/// `byteSize`, and 64 bytes of constant data; the rest of the model empty.
std::vector<uint8_t> oneTensorGnb(gaon::gnb::DType dtype,
                                  gaon::gnb::Storage storage,
                                  uint64_t byteSize) {
  namespace gnb = gaon::gnb;
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<int64_t> shape{5};
  std::vector<flatbuffers::Offset<gnb::Tensor>> tensors{gnb::CreateTensorDirect(
      fbb, "w", dtype, &shape, storage, 0, byteSize)};
  auto model = gnb::CreateModelDirect(fbb, GAON_GNB_FORMAT_VERSION, "test", "cpu", nullptr, 0,
                                      &tensors, nullptr, nullptr, 64, nullptr,
                                      64);
  gnb::FinishSizePrefixedModelBuffer(fbb, model);
  std::vector<uint8_t> bytes(fbb.GetBufferPointer(),
                             fbb.GetBufferPointer() + fbb.GetSize());
  bytes.resize((bytes.size() + 63) / 64 * 64 + 64, 0);
  return bytes;
}

std::string loadError(const std::vector<uint8_t> &bytes) {
  gaon_model *model = nullptr;
  gaon_status s = gaon_model_load_memory(bytes.data(), bytes.size(), nullptr,
                                         &model);
  std::string message = s ? gaon_status_message(s) : "";
  gaon_status_free(s);
  gaon_model_release(model);
  return message;
}

TEST(Runtime, Int4TensorsArePackedConstantsOnly) {
  namespace gnb = gaon::gnb;
  // Five int4 values take three bytes.
  EXPECT_EQ(gaon_dtype_bytes(GAON_I4, 5), 3u);
  EXPECT_EQ(gaon_dtype_size(GAON_I4), 0u);
  EXPECT_STREQ(gaon_dtype_name(GAON_I4), "int4");
  EXPECT_EQ(loadError(oneTensorGnb(gnb::DType::I4, gnb::Storage::Constant, 3)),
            "");
  EXPECT_NE(loadError(oneTensorGnb(gnb::DType::I4, gnb::Storage::Constant, 5))
                .find("has byte_size 5 but its shape needs 3"),
            std::string::npos);
  EXPECT_NE(loadError(oneTensorGnb(gnb::DType::I4, gnb::Storage::Arena, 3))
                .find("is int4 but not a constant"),
            std::string::npos);
}

/// Two entry points over one state, a cache of 2 rows x 4 slots: "one"
/// writes one value into row 0 at a position, "two" one value into each
/// of both rows. Each returns the updated cache it sees.
std::vector<uint8_t> statefulGnb() {
  namespace gnb = gaon::gnb;
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<gnb::Tensor>> tensors;
  auto tensor = [&](const char *name, gnb::DType dtype,
                    std::vector<int64_t> shape, gnb::Storage storage) {
    uint64_t count = 1;
    for (int64_t d : shape)
      count *= d;
    uint64_t bytes = count * (dtype == gnb::DType::F32 ? 4 : 8);
    tensors.push_back(
        gnb::CreateTensorDirect(fbb, name, dtype, &shape, storage, 0, bytes));
    return uint32_t(tensors.size() - 1);
  };
  std::vector<flatbuffers::Offset<gnb::Segment>> segments;
  std::vector<flatbuffers::Offset<gnb::Entry>> entries;
  for (int64_t batch : {1, 2}) {
    uint32_t update = tensor("update", gnb::DType::F32, {batch, 1},
                             gnb::Storage::Input);
    uint32_t position =
        tensor("position", gnb::DType::I64, {batch}, gnb::Storage::Input);
    uint32_t cache =
        tensor("cache", gnb::DType::F32, {batch, 4}, gnb::Storage::State);
    uint32_t updated =
        tensor("updated", gnb::DType::F32, {batch, 4}, gnb::Storage::State);
    std::vector<uint32_t> in{cache, update, position}, out{updated};
    std::vector<int64_t> axis{1};
    std::vector<flatbuffers::Offset<gnb::Attribute>> attrs{
        gnb::CreateAttributeDirect(fbb, "axis", &axis)};
    std::vector<flatbuffers::Offset<gnb::Op>> ops{gnb::CreateOpDirect(
        fbb, "graph.cache_update", &in, &out, &attrs, "update")};
    std::vector<uint32_t> owned{uint32_t(segments.size())};
    segments.push_back(
        gnb::CreateSegmentDirect(fbb, gnb::DeviceKind::CPU, &ops));
    std::vector<flatbuffers::Offset<gnb::IoBinding>> inputs{
        gnb::CreateIoBindingDirect(fbb, "update", update),
        gnb::CreateIoBindingDirect(fbb, "position", position)};
    std::vector<flatbuffers::Offset<gnb::IoBinding>> outputs{
        gnb::CreateIoBindingDirect(fbb, "cache", updated)};
    entries.push_back(gnb::CreateEntryDirect(
        fbb, batch == 1 ? "one" : "two", &inputs, &outputs, &owned, 0));
  }
  std::vector<int64_t> stateShape{2, 4};
  std::vector<flatbuffers::Offset<gnb::StateBuffer>> states{
      gnb::CreateStateBufferDirect(fbb, "cache", gnb::DType::F32, &stateShape,
                                   0, 32)};
  auto model = gnb::CreateModelDirect(
      fbb, GAON_GNB_FORMAT_VERSION, "test", "cpu", nullptr, 0, &tensors,
      nullptr, nullptr, 0, &segments, 0, nullptr, 0, &entries, &states, 32);
  gnb::FinishSizePrefixedModelBuffer(fbb, model);
  std::vector<uint8_t> bytes(fbb.GetBufferPointer(),
                             fbb.GetBufferPointer() + fbb.GetSize());
  bytes.resize((bytes.size() + 63) / 64 * 64, 0);
  return bytes;
}

gaon_tensor view(gaon_dtype dtype, std::vector<int64_t> shape, void *data,
                 size_t bytes) {
  gaon_tensor t{};
  t.dtype = dtype;
  t.rank = shape.size();
  std::copy(shape.begin(), shape.end(), t.shape);
  t.data = data;
  t.byte_size = bytes;
  return t;
}

std::string message(gaon_status s) {
  std::string text = s ? gaon_status_message(s) : "";
  gaon_status_free(s);
  return text;
}

TEST(Runtime, EntriesShareSessionStateUpdatedInPlace) {
  std::vector<uint8_t> bytes = statefulGnb();
  gaon::Model model;
  ASSERT_FALSE(gaon::Model::loadMemory(bytes.data(), bytes.size(), model));
  EXPECT_EQ(model.entries(), (std::vector<std::string>{"one", "two"}));
  ASSERT_EQ(model.states().size(), 1u);
  EXPECT_EQ(model.states()[0].shape(), (std::vector<int64_t>{2, 4}));
  size_t one = 9, two = 9;
  ASSERT_FALSE(model.findEntry("one", one));
  ASSERT_FALSE(model.findEntry("two", two));
  EXPECT_EQ(one, 0u);
  EXPECT_EQ(two, 1u);
  EXPECT_EQ(model.inputs(two)[0].shape(), (std::vector<int64_t>{2, 1}));
  gaon::Status missing = model.findEntry("prefill", one);
  EXPECT_NE(std::string(missing.message()).find(
                "the model has no entry 'prefill' (entries: one, two)"),
            std::string::npos);

  gaon::Session session, other;
  ASSERT_FALSE(gaon::Session::create(model, "cpu", 1, session));
  ASSERT_FALSE(gaon::Session::create(model, "cpu", 1, other));
  // Entry "one" writes 7 at slot 2 of row 0; "two" then writes 8 and 9 at
  // slot 0 of both rows; each run sees what the earlier ones left.
  float u1 = 7, u2[2] = {8, 9}, c1[4], c2[8];
  int64_t p1 = 2, p2[2] = {0, 0};
  std::vector<gaon_tensor> in1{view(GAON_F32, {1, 1}, &u1, 4),
                               view(GAON_I64, {1}, &p1, 8)};
  std::vector<gaon_tensor> out1{view(GAON_F32, {1, 4}, c1, 16)};
  ASSERT_FALSE(session.run(0, in1, out1));
  EXPECT_EQ(std::vector<float>(c1, c1 + 4), (std::vector<float>{0, 0, 7, 0}));
  std::vector<gaon_tensor> in2{view(GAON_F32, {2, 1}, u2, 8),
                               view(GAON_I64, {2}, p2, 16)};
  std::vector<gaon_tensor> out2{view(GAON_F32, {2, 4}, c2, 32)};
  ASSERT_FALSE(session.run(1, in2, out2));
  EXPECT_EQ(std::vector<float>(c2, c2 + 8),
            (std::vector<float>{8, 0, 7, 0, 9, 0, 0, 0}));
  // Sessions do not share state.
  ASSERT_FALSE(other.run(1, in2, out2));
  EXPECT_EQ(std::vector<float>(c2, c2 + 8),
            (std::vector<float>{8, 0, 0, 0, 9, 0, 0, 0}));

  // Reading, writing and resetting the state.
  float state[8];
  gaon_tensor whole = view(GAON_F32, {2, 4}, state, 32);
  ASSERT_FALSE(session.readState(0, whole));
  EXPECT_EQ(state[2], 7.0f);
  state[3] = 5;
  ASSERT_FALSE(session.writeState(0, whole));
  ASSERT_FALSE(session.run(0, in1, out1));
  EXPECT_EQ(c1[3], 5.0f);
  ASSERT_FALSE(session.resetState());
  ASSERT_FALSE(session.readState(0, whole));
  EXPECT_EQ(std::vector<float>(state, state + 8), std::vector<float>(8, 0.0f));

  // Misuse gets a message, not a crash.
  gaon_tensor rowOnly = view(GAON_F32, {1, 4}, state, 16);
  EXPECT_NE(std::string(session.writeState(0, rowOnly).message())
                .find("state 'cache' is float32[2x4]; the tensor given does "
                      "not match it"),
            std::string::npos);
  EXPECT_NE(std::string(session.readState(3, whole).message())
                .find("state 3 is out of range: the model has 1"),
            std::string::npos);
  EXPECT_NE(std::string(session.run(2, in1, out1).message())
                .find("entry 2 is out of range: the model has 2 (one, two)"),
            std::string::npos);
  EXPECT_NE(std::string(session.run(1, in1, out1).message())
                .find("input 0 ('update') does not match entry 'two''s "
                      "signature (update: float32[2x1], position: int64[2])"),
            std::string::npos);
  p1 = 4; // no room at slot 4 of 4
  EXPECT_NE(std::string(session.run(0, in1, out1).message())
                .find("position 4 of batch row 0 leaves no room"),
            std::string::npos);
  EXPECT_EQ(message(gaon_session_read_state(nullptr, 0, &whole)),
            "null session or tensor");
}

TEST(Runtime, SessionsKeepTheirOwnStateAcrossThreads) {
  // The thread contract with state: one model, a session per thread, each
  // thread filling its cache through both entries; no session sees
  // another's writes.
  std::vector<uint8_t> bytes = statefulGnb();
  gaon::Model model;
  ASSERT_FALSE(gaon::Model::loadMemory(bytes.data(), bytes.size(), model));
  constexpr int kThreads = 6;
  std::vector<std::vector<float>> finalState(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t)
    pool.emplace_back([&, t] {
      gaon::Session session;
      if (gaon::Status s = gaon::Session::create(model, "cpu", 1, session)) {
        errors[t] = s.message();
        return;
      }
      for (int round = 0; round < 50; ++round)
        for (int64_t slot = 0; slot < 4; ++slot) {
          // Entry "one" writes row 0, entry "two" both rows at `slot`.
          float u1 = float(100 * t + slot), u2[2] = {0, float(-t - slot)};
          int64_t p1 = slot, p2[2] = {slot, slot};
          float c1[4], c2[8];
          std::vector<gaon_tensor> in2{view(GAON_F32, {2, 1}, u2, 8),
                                       view(GAON_I64, {2}, p2, 16)};
          std::vector<gaon_tensor> out2{view(GAON_F32, {2, 4}, c2, 32)};
          std::vector<gaon_tensor> in1{view(GAON_F32, {1, 1}, &u1, 4),
                                       view(GAON_I64, {1}, &p1, 8)};
          std::vector<gaon_tensor> out1{view(GAON_F32, {1, 4}, c1, 16)};
          if (gaon::Status s = session.run(1, in2, out2)) {
            errors[t] = s.message();
            return;
          }
          if (gaon::Status s = session.run(0, in1, out1)) {
            errors[t] = s.message();
            return;
          }
        }
      finalState[t].resize(8);
      gaon_tensor whole = view(GAON_F32, {2, 4}, finalState[t].data(), 32);
      if (gaon::Status s = session.readState(0, whole))
        errors[t] = s.message();
    });
  for (std::thread &th : pool)
    th.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(errors[t], "") << "thread " << t;
    std::vector<float> want{float(100 * t),     float(100 * t + 1),
                            float(100 * t + 2), float(100 * t + 3),
                            float(-t),          float(-t - 1),
                            float(-t - 2),      float(-t - 3)};
    EXPECT_EQ(finalState[t], want) << "thread " << t;
  }
}

TEST(Runtime, LoadingChecksEntriesAndStates) {
  std::vector<uint8_t> bytes = statefulGnb();
  // A tensor in state storage of a model with no state memory is refused.
  namespace gnb = gaon::gnb;
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<int64_t> shape{4};
  std::vector<flatbuffers::Offset<gnb::Tensor>> tensors{gnb::CreateTensorDirect(
      fbb, "cache", gnb::DType::F32, &shape, gnb::Storage::State, 0, 16)};
  auto model = gnb::CreateModelDirect(fbb, GAON_GNB_FORMAT_VERSION, "test",
                                      "cpu", nullptr, 0, &tensors);
  gnb::FinishSizePrefixedModelBuffer(fbb, model);
  std::vector<uint8_t> noState(fbb.GetBufferPointer(),
                               fbb.GetBufferPointer() + fbb.GetSize());
  noState.resize((noState.size() + 63) / 64 * 64, 0);
  EXPECT_NE(loadError(noState).find(
                "tensor 0 ('cache') lies outside the state memory"),
            std::string::npos);
  EXPECT_EQ(loadError(bytes), "");
}

} // namespace
