//===- GaonModule.cpp - gaon._gaon: the runtime's C API for Python --------===//
//
// A thin binding: models and sessions over gaon/runtime.h, numpy arrays in
// and out. Inputs that are already C-contiguous with the right dtype are
// passed without a copy; the GIL is released while a session runs, so
// sessions run in parallel from Python threads.
//
//===----------------------------------------------------------------------===//

#include "Tokenizer.h"
#include "gaon/runtime.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace py = pybind11;

namespace {

/// The runtime's error, raised in Python as gaon.Error.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(gaon_status status) {
  if (!status)
    return;
  std::string message = gaon_status_message(status);
  gaon_status_free(status);
  throw Error(message);
}

/// numpy's dtype for a gaon dtype; bfloat16 travels as its uint16 bits.
py::dtype numpyType(gaon_dtype dtype) {
  switch (dtype) {
  case GAON_F32: return py::dtype("float32");
  case GAON_F16: return py::dtype("float16");
  case GAON_BF16: return py::dtype("uint16");
  case GAON_F64: return py::dtype("float64");
  case GAON_I8: return py::dtype("int8");
  case GAON_I16: return py::dtype("int16");
  case GAON_I32: return py::dtype("int32");
  case GAON_I64: return py::dtype("int64");
  case GAON_U8: return py::dtype("uint8");
  case GAON_U16: return py::dtype("uint16");
  case GAON_U32: return py::dtype("uint32");
  case GAON_U64: return py::dtype("uint64");
  case GAON_BOOL: return py::dtype("bool");
  case GAON_I4: break;
  }
  throw Error(std::string("no numpy type holds ") + gaon_dtype_name(dtype));
}

std::vector<int64_t> shapeOf(const gaon_tensor &t) {
  return std::vector<int64_t>(t.shape, t.shape + t.rank);
}

py::dict describe(const char *name, const gaon_tensor &t) {
  py::dict d;
  d["name"] = name;
  d["dtype"] = gaon_dtype_name(t.dtype);
  d["shape"] = py::tuple(py::cast(shapeOf(t)));
  return d;
}

class Model {
public:
  static std::shared_ptr<Model> fromFile(const std::string &path) {
    auto m = std::shared_ptr<Model>(new Model);
    check(gaon_model_load_file(path.c_str(), nullptr, &m->model));
    return m;
  }
  static std::shared_ptr<Model> fromBytes(py::bytes data) {
    auto m = std::shared_ptr<Model>(new Model);
    // The runtime uses the bytes in place: the model keeps its own copy.
    m->bytes = std::string(data);
    check(gaon_model_load_memory(m->bytes.data(), m->bytes.size(), nullptr,
                                 &m->model));
    return m;
  }
  ~Model() {
    if (model)
      gaon_model_release(model);
  }

  size_t entry(const py::object &name) const {
    if (name.is_none())
      return 0;
    size_t index;
    check(gaon_model_find_entry(model, py::cast<std::string>(name).c_str(),
                                &index));
    return index;
  }
  py::list inputs(const py::object &entryName) const {
    return signature(entry(entryName), gaon_model_entry_input_count,
                     gaon_model_entry_input);
  }
  py::list outputs(const py::object &entryName) const {
    return signature(entry(entryName), gaon_model_entry_output_count,
                     gaon_model_entry_output);
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (size_t i = 0; i < gaon_model_entry_count(model); ++i)
      names.push_back(gaon_model_entry_name(model, i));
    return names;
  }
  py::list states() const {
    py::list list;
    for (size_t i = 0; i < gaon_model_state_count(model); ++i) {
      const char *name;
      gaon_tensor t;
      check(gaon_model_state(model, i, &name, &t));
      list.append(describe(name, t));
    }
    return list;
  }
  size_t stateIndex(const std::string &name) const {
    for (size_t i = 0; i < gaon_model_state_count(model); ++i) {
      const char *n;
      check(gaon_model_state(model, i, &n, nullptr));
      if (name == n)
        return i;
    }
    throw Error("the model has no state '" + name + "'");
  }
  std::string target() const { return gaon_model_target(model); }

  gaon_model *model = nullptr;

private:
  Model() = default;
  /// One side of an entry's signature, through the C API's pair of calls.
  template <typename Count, typename Describe>
  py::list signature(size_t e, Count count, Describe describeOne) const {
    py::list list;
    for (size_t i = 0; i < count(model, e); ++i) {
      const char *name;
      gaon_tensor t;
      check(describeOne(model, e, i, &name, &t));
      list.append(describe(name, t));
    }
    return list;
  }
  std::string bytes;
};

class Session {
public:
  Session(std::shared_ptr<Model> model, const std::string &device,
          int threads)
      : model(std::move(model)) {
    gaon_session_options options{device.c_str(), threads};
    gaon_status status;
    {
      // Preparation compiles kernels; other Python threads may run.
      py::gil_scoped_release release;
      status = gaon_session_create(this->model->model, &options, &session);
    }
    check(status);
  }
  ~Session() {
    if (session)
      gaon_session_release(session);
  }

  py::dict run(const py::dict &feeds, const py::object &entryName) {
    const gaon_model *m = model->model;
    size_t e = model->entry(entryName);
    size_t inCount = gaon_model_entry_input_count(m, e);
    size_t outCount = gaon_model_entry_output_count(m, e);
    std::vector<gaon_tensor> in(inCount), out(outCount);
    std::vector<py::array> keep; // arrays whose memory the run reads
    size_t used = 0;
    for (size_t i = 0; i < inCount; ++i) {
      const char *name;
      check(gaon_model_entry_input(m, e, i, &name, &in[i]));
      if (!feeds.contains(name))
        throw Error(std::string("input '") + name + "' is not given; " +
                    signature(e));
      ++used;
      py::array given = py::cast<py::array>(feeds[name]);
      py::dtype want = numpyType(in[i].dtype);
      if (!given.dtype().equal(want))
        throw Error(std::string("input '") + name + "' is " +
                    py::cast<std::string>(py::str(given.dtype())) +
                    " but the model takes " + gaon_dtype_name(in[i].dtype) +
                    (in[i].dtype == GAON_BF16 ? " (as uint16 bits)" : ""));
      std::vector<int64_t> shape(given.shape(),
                                 given.shape() + given.ndim());
      if (shape != shapeOf(in[i]))
        throw Error(std::string("input '") + name + "' has shape " +
                    shapeText(shape) + " but the model takes " +
                    shapeText(shapeOf(in[i])));
      // A copy only where the layout needs one.
      py::array contiguous = py::array::ensure(
          given, py::array::c_style);
      keep.push_back(contiguous);
      in[i].data = const_cast<void *>(contiguous.data());
    }
    if (used != feeds.size())
      for (auto item : feeds) {
        std::string key = py::cast<std::string>(item.first);
        bool known = false;
        for (size_t i = 0; i < inCount; ++i) {
          const char *name;
          check(gaon_model_entry_input(m, e, i, &name, nullptr));
          known |= key == name;
        }
        if (!known)
          throw Error("'" + key + "' is no input of the model; " +
                      signature(e));
      }
    py::dict results;
    std::vector<py::array> arrays;
    std::vector<std::string> names;
    for (size_t i = 0; i < outCount; ++i) {
      const char *name;
      check(gaon_model_entry_output(m, e, i, &name, &out[i]));
      py::array array(numpyType(out[i].dtype), shapeOf(out[i]));
      out[i].data = array.mutable_data();
      arrays.push_back(array);
      names.push_back(name);
    }
    gaon_status status;
    {
      py::gil_scoped_release release;
      status = gaon_session_run_entry(session, e, in.data(), in.size(),
                                      out.data(), out.size());
    }
    check(status);
    for (size_t i = 0; i < outCount; ++i)
      results[py::str(names[i])] = arrays[i];
    return results;
  }

  std::string report(const std::string &kind) const {
    gaon_report_kind k;
    if (kind == "profile")
      k = GAON_REPORT_PROFILE;
    else if (kind == "trace")
      k = GAON_REPORT_TRACE;
    else
      throw Error("a report is 'profile' or 'trace', not '" + kind + "'");
    char *json = nullptr;
    check(gaon_session_report(session, k, &json));
    std::string text = json;
    gaon_string_free(json);
    return text;
  }

  void resetState() { check(gaon_session_reset_state(session)); }
  py::array readState(const std::string &name) const {
    size_t index = model->stateIndex(name);
    gaon_tensor t;
    check(gaon_model_state(model->model, index, nullptr, &t));
    py::array array(numpyType(t.dtype), shapeOf(t));
    t.data = array.mutable_data();
    check(gaon_session_read_state(session, index, &t));
    return array;
  }
  void writeState(const std::string &name, const py::array &value) {
    size_t index = model->stateIndex(name);
    gaon_tensor t;
    check(gaon_model_state(model->model, index, nullptr, &t));
    if (!value.dtype().equal(numpyType(t.dtype)) ||
        std::vector<int64_t>(value.shape(), value.shape() + value.ndim()) !=
            shapeOf(t))
      throw Error("state '" + name + "' takes " + gaon_dtype_name(t.dtype) +
                  shapeText(shapeOf(t)));
    py::array contiguous = py::array::ensure(value, py::array::c_style);
    t.data = const_cast<void *>(contiguous.data());
    check(gaon_session_write_state(session, index, &t));
  }

private:
  static std::string shapeText(const std::vector<int64_t> &shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
      s += (i ? "x" : "") + std::to_string(shape[i]);
    return s + "]";
  }
  std::string signature(size_t e) const {
    std::string s = "the model takes (";
    for (size_t i = 0; i < gaon_model_entry_input_count(model->model, e);
         ++i) {
      const char *name;
      gaon_tensor t;
      check(gaon_model_entry_input(model->model, e, i, &name, &t));
      s += std::string(i ? ", " : "") + name + ": " +
           gaon_dtype_name(t.dtype) + shapeText(shapeOf(t));
    }
    return s + ")";
  }

  std::shared_ptr<Model> model;
  gaon_session *session = nullptr;
};

} // namespace

/// A tokenizer.json's byte-level BPE (the one gaon-generate uses).
class PyTokenizer {
public:
  explicit PyTokenizer(const std::string &path) {
    std::string error;
    tokenizer = gaon::Tokenizer::load(path, error);
    if (!tokenizer)
      throw Error(error);
  }
  std::vector<int64_t> encode(const std::string &text, bool addSpecial) const {
    std::vector<int64_t> ids;
    std::string error;
    if (!tokenizer->encode(text, addSpecial, ids, error))
      throw Error(error);
    return ids;
  }
  py::bytes decode(const std::vector<int64_t> &ids, bool skipSpecial) const {
    std::string text, error;
    if (!tokenizer->decode(ids, text, error, skipSpecial))
      throw Error(error);
    return py::bytes(text); // may end inside a UTF-8 sequence
  }
  int64_t tokenId(const std::string &token) const {
    return tokenizer->tokenId(token);
  }

private:
  std::unique_ptr<gaon::Tokenizer> tokenizer;
};

PYBIND11_MODULE(_gaon, m) {
  m.doc() = "Gaon's runtime: load .gnb binaries and run them (see gaon).";
  py::register_exception<Error>(m, "Error");
  m.attr("version") = GAON_VERSION;
  m.attr("gnb_format_version") = GAON_GNB_FORMAT_VERSION;
  m.def("devices", [] { return std::string(gaon_runtime_devices()); });

  py::class_<Model, std::shared_ptr<Model>>(m, "Model")
      .def_static("load", &Model::fromFile, py::arg("path"))
      .def_static("from_bytes", &Model::fromBytes, py::arg("data"))
      .def("inputs", &Model::inputs, py::arg("entry") = py::none())
      .def("outputs", &Model::outputs, py::arg("entry") = py::none())
      .def_property_readonly("entries", &Model::entries)
      .def_property_readonly("states", &Model::states)
      .def_property_readonly("target", &Model::target);

  py::class_<Session>(m, "Session")
      .def(py::init<std::shared_ptr<Model>, const std::string &, int>(),
           py::arg("model"), py::arg("device") = "cpu",
           py::arg("threads") = 0)
      .def("run", &Session::run, py::arg("inputs"),
           py::arg("entry") = py::none())
      .def("report", &Session::report, py::arg("kind") = "profile")
      .def("reset_state", &Session::resetState)
      .def("read_state", &Session::readState, py::arg("name"))
      .def("write_state", &Session::writeState, py::arg("name"),
           py::arg("value"));

  py::class_<PyTokenizer>(m, "Tokenizer")
      .def(py::init<const std::string &>(), py::arg("path"))
      .def("encode", &PyTokenizer::encode, py::arg("text"),
           py::arg("add_special") = true)
      .def("decode_bytes", &PyTokenizer::decode, py::arg("ids"),
           py::arg("skip_special") = false)
      .def("token_id", &PyTokenizer::tokenId, py::arg("token"));
}
