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

__all__ = ["Error", "Binary", "Session", "Tokenizer", "compile", "load",
           "devices", "version"]

Error = _gaon.Error
version = _gaon.version
gnb_format_version = _gaon.gnb_format_version


def devices():
    """The device names this runtime has: cpu, sim, sim-timing, ..."""
    return _gaon.devices().split(",")


def _gaonc():
    """The gaonc driver of the build this package belongs to."""
    path = os.environ.get("GAON_GAONC")
    if not path:
        try:  # installed with pip: the build it came from
            from ._paths import BIN
        except ImportError:  # in the build folder: build/python/gaon
            BIN = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "..", "..", "bin")
        path = os.path.join(BIN, "gaonc")
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


class Tokenizer:
    """A Hugging Face tokenizer.json (byte-level BPE, as gaon-generate)."""

    def __init__(self, path):
        self._tokenizer = _gaon.Tokenizer(os.fspath(path))

    def encode(self, text, add_special=True):
        return self._tokenizer.encode(text, add_special)

    def decode(self, ids, skip_special=False):
        return self._tokenizer.decode_bytes(list(ids), skip_special).decode(
            "utf-8", errors="replace")

    def token_id(self, token):
        return self._tokenizer.token_id(token)


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

    def generate(self, prompt, max_new_tokens=32, tokenizer=None,
                 eos_id=None, temperature=0.0, seed=0):
        """Yields new token ids one at a time from a decoder compiled with
        gaonc --max-seq-len (entries decode and, with --prefill-chunk,
        prefill). `prompt` is a list of token ids, or text with `tokenizer`
        (a gaon.Tokenizer or a tokenizer.json path). Greedy at temperature
        0, else sampled with `seed`. The session's caches restart at zero.
        """
        if isinstance(tokenizer, (str, os.PathLike)):
            tokenizer = Tokenizer(tokenizer)
        if isinstance(prompt, str):
            if tokenizer is None:
                raise Error("a text prompt needs a tokenizer")
            prompt = tokenizer.encode(prompt)
        ids = [int(t) for t in prompt]
        if not ids:
            raise Error("the prompt is empty")
        model = self.binary._model
        if "decode" not in model.entries:
            raise Error("the binary has no decode entry; compile the decoder "
                        "with gaonc --max-seq-len=M (docs/llm.md)")
        positions = min((s["shape"][2] for s in model.states
                         if len(s["shape"]) == 4), default=0)
        chunk = 0
        if "prefill" in model.entries:
            shape = {i["name"]: i["shape"] for i in model.inputs("prefill")}
            chunk = shape["input_ids"][1]
        position_shape = {i["name"]: i["shape"] for i in
                          model.inputs("decode")}["position"]

        def step(entry, tokens, at):
            if at + len(tokens) > positions:
                raise Error("%d positions do not fit the caches of %d "
                            "(gaonc --max-seq-len)" % (at + len(tokens),
                                                       positions))
            out = self._session.run(
                {"input_ids": np.array([tokens], np.int64),
                 "position": np.full(position_shape, at, np.int64)}, entry)
            logits = out["logits"]
            return logits.reshape(-1, logits.shape[-1])[-1]

        self._session.reset_state()
        at, logits = 0, None
        while chunk and len(ids) - at >= chunk:
            logits = step("prefill", ids[at:at + chunk], at)
            at += chunk
        while at < len(ids):
            logits = step("decode", [ids[at]], at)
            at += 1
        rng = np.random.default_rng(seed)
        for n in range(max_new_tokens):
            if temperature > 0:
                z = logits.astype(np.float64) / temperature
                p = np.exp(z - z.max())
                token = int(rng.choice(len(p), p=p / p.sum()))
            else:
                token = int(np.argmax(logits))
            yield token
            if token == eos_id or n + 1 == max_new_tokens:
                return
            logits = step("decode", [token], at)
            at += 1
