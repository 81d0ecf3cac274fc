//===- gaon/runtime.hpp - a thin C++ wrapper over the C API -----*- C++ -*-===//
//
// Owning, move-only handles over gaon/runtime.h, with no exceptions: calls
// that can fail return a Status (true when it holds an error). Everything
// is inline; the C API stays the one ABI.
//
//   gaon::Model model;
//   if (gaon::Status s = gaon::Model::load("m.gnb", model))
//     return fail(s.message());
//   gaon::Session session;
//   if (gaon::Status s = gaon::Session::create(model, "cpu", 0, session))
//     return fail(s.message());
//   // inputs and outputs: gaon_tensor views of the caller's buffers, shaped
//   // as model.inputs() and model.outputs() describe.
//   if (gaon::Status s = session.run(inputs, outputs))
//     return fail(s.message());
//
//===----------------------------------------------------------------------===//

#ifndef GAON_RUNTIME_HPP
#define GAON_RUNTIME_HPP

#include "gaon/runtime.h"

#include <string>
#include <utility>
#include <vector>

namespace gaon {

/// An error from the runtime, or success (empty). Converts to true when it
/// holds an error, so `if (Status s = ...)` reads as "if it failed".
class Status {
public:
  Status() = default;
  explicit Status(gaon_status status) : status(status) {}
  Status(Status &&other) noexcept
      : status(std::exchange(other.status, nullptr)) {}
  Status &operator=(Status &&other) noexcept {
    std::swap(status, other.status);
    return *this;
  }
  Status(const Status &) = delete;
  Status &operator=(const Status &) = delete;
  ~Status() { gaon_status_free(status); }

  explicit operator bool() const { return status != nullptr; }
  gaon_status_code code() const { return gaon_status_get_code(status); }
  std::string message() const {
    return status ? gaon_status_message(status) : "";
  }

private:
  gaon_status status = nullptr;
};

/// One graph input or output: its name, dtype and shape.
struct TensorInfo {
  std::string name;
  gaon_tensor tensor; // data is null
  std::vector<int64_t> shape() const {
    return std::vector<int64_t>(tensor.shape, tensor.shape + tensor.rank);
  }
};

class Model {
public:
  Model() = default;
  Model(Model &&other) noexcept : model(std::exchange(other.model, nullptr)) {}
  Model &operator=(Model &&other) noexcept {
    std::swap(model, other.model);
    return *this;
  }
  ~Model() { gaon_model_release(model); }

  static Status load(const std::string &path, Model &out,
                     const gaon_allocator *allocator = nullptr) {
    gaon_model *m = nullptr;
    Status s(gaon_model_load_file(path.c_str(), allocator, &m));
    if (!s)
      out = Model(m);
    return s;
  }
  /// `data` must stay alive and unchanged while the model exists.
  static Status loadMemory(const void *data, size_t size, Model &out,
                           const gaon_allocator *allocator = nullptr) {
    gaon_model *m = nullptr;
    Status s(gaon_model_load_memory(data, size, allocator, &m));
    if (!s)
      out = Model(m);
    return s;
  }

  std::vector<TensorInfo> inputs() const {
    return describe(gaon_model_input_count(model), gaon_model_input);
  }
  std::vector<TensorInfo> outputs() const {
    return describe(gaon_model_output_count(model), gaon_model_output);
  }
  std::string target() const { return gaon_model_target(model); }
  const gaon_model *get() const { return model; }

  /// Entry points, by name ("main" for a model without named entries).
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (size_t i = 0; i < gaon_model_entry_count(model); ++i)
      names.push_back(gaon_model_entry_name(model, i));
    return names;
  }
  Status findEntry(const std::string &name, size_t &entry) const {
    return Status(gaon_model_find_entry(model, name.c_str(), &entry));
  }
  std::vector<TensorInfo> inputs(size_t entry) const {
    return describe(gaon_model_entry_input_count(model, entry),
                    [&](const gaon_model *m, size_t i, const char **name,
                        gaon_tensor *info) {
                      return gaon_model_entry_input(m, entry, i, name, info);
                    });
  }
  std::vector<TensorInfo> outputs(size_t entry) const {
    return describe(gaon_model_entry_output_count(model, entry),
                    [&](const gaon_model *m, size_t i, const char **name,
                        gaon_tensor *info) {
                      return gaon_model_entry_output(m, entry, i, name, info);
                    });
  }
  /// Session state (a decoder's caches), each at its largest shape.
  std::vector<TensorInfo> states() const {
    return describe(gaon_model_state_count(model), gaon_model_state);
  }

private:
  explicit Model(gaon_model *model) : model(model) {}
  template <typename F>
  std::vector<TensorInfo> describe(size_t count, F query) const {
    std::vector<TensorInfo> list(count);
    for (size_t i = 0; i < count; ++i) {
      const char *name = nullptr;
      Status s(query(model, i, &name, &list[i].tensor));
      list[i].name = name && !s ? name : "";
    }
    return list;
  }

  gaon_model *model = nullptr;
};

class Session {
public:
  Session() = default;
  Session(Session &&other) noexcept
      : session(std::exchange(other.session, nullptr)) {}
  Session &operator=(Session &&other) noexcept {
    std::swap(session, other.session);
    return *this;
  }
  ~Session() { gaon_session_release(session); }

  /// A session on `device` ("cpu", "sim"), with `threads` threads (0: all
  /// cores). The model must outlive it.
  static Status create(const Model &model, const std::string &device,
                       int threads, Session &out) {
    gaon_session_options options{device.c_str(), threads};
    gaon_session *s = nullptr;
    Status status(gaon_session_create(model.get(), &options, &s));
    if (!status)
      out = Session(s);
    return status;
  }

  Status run(const std::vector<gaon_tensor> &inputs,
             std::vector<gaon_tensor> &outputs) {
    return Status(gaon_session_run(session, inputs.data(), inputs.size(),
                                   outputs.data(), outputs.size()));
  }

  Status run(size_t entry, const std::vector<gaon_tensor> &inputs,
             std::vector<gaon_tensor> &outputs) {
    return Status(gaon_session_run_entry(session, entry, inputs.data(),
                                         inputs.size(), outputs.data(),
                                         outputs.size()));
  }
  Status resetState() { return Status(gaon_session_reset_state(session)); }
  Status readState(size_t index, gaon_tensor &tensor) const {
    return Status(gaon_session_read_state(session, index, &tensor));
  }
  Status writeState(size_t index, const gaon_tensor &tensor) {
    return Status(gaon_session_write_state(session, index, &tensor));
  }

  /// The last simulated run's profile or Chrome trace, as JSON.
  Status report(gaon_report_kind kind, std::string &json) const {
    char *text = nullptr;
    Status s(gaon_session_report(session, kind, &text));
    if (!s)
      json = text;
    gaon_string_free(text);
    return s;
  }

private:
  explicit Session(gaon_session *session) : session(session) {}
  gaon_session *session = nullptr;
};

} // namespace gaon

#endif // GAON_RUNTIME_HPP
