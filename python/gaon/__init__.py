"""Gaon from Python: compile ONNX models for the NPU or the CPU, and run
them on numpy arrays.

    import gaon
    binary = gaon.compile("models/demo/tiny_cnn.onnx",
                          input_shapes={"image": (1, 3, 32, 32)})
    session = gaon.Session(binary, device="sim")
    outputs = session.run({"image": image})      # {name: ndarray}
    print(binary.report, session.profile)

Importable from a build with PYTHONPATH=build/python. Compiling runs the
build's gaonc driver (the same passes and checks as the command line);
running goes through the runtime's C API in process.
"""

import json
import os
import shutil
import subprocess
import tempfile

import numpy as np

from . import _gaon

__all__ = ["Error", "Binary", "Session", "compile", "load", "devices",
           "version"]

Error = _gaon.Error
version = _gaon.version
gnb_format_version = _gaon.gnb_format_version


def devices():
    """The device names this runtime has: cpu, sim, sim-timing, ..."""
    return _gaon.devices().split(",")


def _gaonc():
    """The gaonc driver of the build this package belongs to."""
    path = os.environ.get("GAON_GAONC") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "bin", "gaonc")
    if not os.path.exists(path):
        raise Error("cannot find gaonc at '%s'; set GAON_GAONC to its path"
                    % path)
    return path


class Binary:
    """A compiled model: a .gnb binary in memory, its signature and (when
    compiled here with report=True) the placement report."""

    def __init__(self, data, report=None, path=None):
        self._data = bytes(data)
        self._model = _gaon.Model.from_bytes(self._data)
        self.report = report
        self.path = path

    @property
    def signature(self):
        """{"inputs": [...], "outputs": [...]}, each a dict of name, dtype
        and shape (entry 0; see entries)."""
        return {"inputs": self._model.inputs(),
                "outputs": self._model.outputs()}

    @property
    def entries(self):
        return self._model.entries

    @property
    def target(self):
        return self._model.target

    def save(self, path):
        with open(path, "wb") as f:
            f.write(self._data)
        self.path = path

    def __bytes__(self):
        return self._data

    def __repr__(self):
        return "<gaon.Binary target=%s inputs=%s>" % (
            self.target, [i["name"] for i in self.signature["inputs"]])


def load(path):
    """Loads a .gnb file (a binary with a weights sidecar stays on disk and
    is loaded by path)."""
    if os.path.exists(path + ".weights"):
        binary = Binary.__new__(Binary)
        binary._data = b""
        binary._model = _gaon.Model.load(path)
        binary.report = None
        binary.path = path
        return binary
    with open(path, "rb") as f:
        return Binary(f.read(), path=path)


def _shape_flag(name, shape):
    return "--input-shape=%s:%s" % (name, "x".join(str(int(d)) for d in shape))


def compile(model, target="npu", npu_config="edge", input_shapes=None,
            quantize=None, calibration=None, report=True, extra_args=()):
    """Compiles an ONNX model (a path, an onnx.ModelProto or its bytes) and
    returns a Binary.

    target: "npu" or "cpu"; npu_config: "edge", "server" or a JSON file;
    input_shapes: {name: shape} for dynamic inputs; quantize: None, "int8",
    "w8a16" or "w4a16"; calibration (int8): "random" or an iterable of
    {input name: ndarray} samples; extra_args: more gaonc flags.
    Raises gaon.Error with the compiler's message on failure."""
    with tempfile.TemporaryDirectory(prefix="gaon-") as work:
        if isinstance(model, (str, os.PathLike)):
            model_path = os.fspath(model)
        else:
            model_path = os.path.join(work, "model.onnx")
            data = model if isinstance(model, (bytes, bytearray)) else \
                model.SerializeToString()
            with open(model_path, "wb") as f:
                f.write(data)
        out = os.path.join(work, "model.gnb")
        args = [_gaonc(), model_path, "-o", out, "--target=" + target]
        if target == "npu":
            args.append("--npu-config=" + npu_config)
        for name, shape in (input_shapes or {}).items():
            args.append(_shape_flag(name, shape))
        if quantize:
            args.append("--quantize=" + quantize)
        if calibration is not None:
            if isinstance(calibration, str):
                args.append("--calibration-data=" + calibration)
            else:
                folder = os.path.join(work, "calibration")
                os.mkdir(folder)
                for i, sample in enumerate(calibration):
                    np.savez(os.path.join(folder, "sample%06d.npz" % i),
                             **{k: np.asarray(v) for k, v in sample.items()})
                args.append("--calibration-data=" + folder)
        report_path = os.path.join(work, "report.json")
        if report:
            args.append("--report=" + report_path)
        args.extend(extra_args)
        proc = subprocess.run(args, capture_output=True, text=True)
        if proc.returncode != 0:
            raise Error(proc.stderr.strip() or
                        "gaonc failed with exit code %d" % proc.returncode)
        placement = None
        if report:
            with open(report_path) as f:
                placement = json.load(f)
        with open(out, "rb") as f:
            return Binary(f.read(), report=placement)


class Session:
    """A session on a device ("cpu", "sim" or "sim-timing"; by default sim
    for an NPU binary, cpu otherwise, as gaon-run) with its own memory and
    state; threads=0 uses every available core. Sessions on one binary may
    run in parallel from Python threads."""

    def __init__(self, binary, device=None, threads=0):
        if isinstance(binary, (str, os.PathLike)):
            binary = load(os.fspath(binary))
        if device is None:
            device = "sim" if binary.target == "npu" else "cpu"
        self.binary = binary
        self.device = device
        self._session = _gaon.Session(binary._model, device, threads)

    def run(self, inputs, entry=None):
        """Runs the binary (or its entry point `entry`) on {name: ndarray}
        and returns {name: ndarray}. bfloat16 tensors are uint16 arrays."""
        return self._session.run(inputs, entry)

    @property
    def profile(self):
        """The last simulated run's profile as a dict (docs/npu.md)."""
        return json.loads(self._session.report("profile"))

    @property
    def trace(self):
        """The last simulated run's Chrome trace as a dict."""
        return json.loads(self._session.report("trace"))

    def reset_state(self):
        self._session.reset_state()

    def read_state(self, name):
        return self._session.read_state(name)

    def write_state(self, name, value):
        self._session.write_state(name, value)
