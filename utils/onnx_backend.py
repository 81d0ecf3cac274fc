"""Shared helpers for running gaonc over ONNX's backend test suite.

Used by onnx_import_sweep.py (does every model convert?) and
onnx_conformance.py (does every model compute the right outputs?).
"""

import os
import re
import subprocess

SUITES = ["node", "pytorch-converted", "pytorch-operator", "simple"]
DEFAULT_DATA = "/usr/share/libonnx-testdata/data"
FREEZE_HINT = re.compile(r"--freeze-input=([^=\s]+)=VALUE\.pb")
CRASH_MARKERS = ("Stack dump", "PLEASE submit a bug report")


def list_tests(data, suites):
    """[(suite, name, dir)] for every test with a model, sorted."""
    tests = []
    for suite in suites:
        root = os.path.join(data, suite)
        if not os.path.isdir(root):
            raise FileNotFoundError(
                "no ONNX test data at %s (install libonnx-testdata)" % root)
        for name in sorted(os.listdir(root)):
            if os.path.exists(os.path.join(root, name, "model.onnx")):
                tests.append((suite, name, os.path.join(root, name)))
    return tests


def tensor_files(test_dir, prefix, data_set="test_data_set_0"):
    """{name: path} of a data set's input_* or output_* TensorProto files,
    and the paths in index order."""
    data = os.path.join(test_dir, data_set)
    named, ordered = {}, []
    if not os.path.isdir(data):
        return named, ordered
    import onnx  # Debian's python3-onnx
    files = [f for f in os.listdir(data)
             if f.startswith(prefix + "_") and f.endswith(".pb")]
    files.sort(key=lambda f: int(f[len(prefix) + 1:-3]))
    for entry in files:
        path = os.path.join(data, entry)
        tensor = onnx.TensorProto()
        with open(path, "rb") as f:
            try:
                tensor.ParseFromString(f.read())
            except Exception:  # A sequence or optional value.
                continue
        ordered.append(path)
        if tensor.name:
            named[tensor.name] = path
    return named, ordered


def first_error(stderr):
    for line in stderr.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()
    lines = [l for l in stderr.splitlines() if l.strip()]
    return lines[0].strip() if lines else "no message"


def compile_model(gaonc, test_dir, args, timeout=120):
    """Runs gaonc on a test's model.onnx with `args`, freezing the graph
    inputs gaonc asks for from test_data_set_0.

    Returns (status, reason, frozen): status is ok, error, crash or hang;
    frozen lists the input names fixed at compile time."""
    model = os.path.join(test_dir, "model.onnx")
    frozen = []
    inputs = None
    for _ in range(8):
        cmd = [gaonc, model] + args
        cmd += ["--freeze-input=%s=%s" % f for f in frozen]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired:
            return "hang", "no answer in %d s" % timeout, []
        if proc.returncode == 0:
            return "ok", "", [name for name, _ in frozen]
        if proc.returncode < 0 or any(m in proc.stderr for m in CRASH_MARKERS):
            return "crash", "exit %d: %s" % (proc.returncode,
                                            first_error(proc.stderr)), []
        wanted = [m for m in FREEZE_HINT.findall(proc.stderr)
                  if m not in dict(frozen)]
        if not wanted:
            return "error", first_error(proc.stderr), []
        if inputs is None:
            inputs, _ = tensor_files(test_dir, "input")
        if any(name not in inputs for name in wanted):
            return "error", first_error(proc.stderr), []
        frozen += [(name, inputs[name]) for name in wanted]
    return "error", "too many inputs to freeze", []


def load_expected(path):
    """{test key: reason} from an expected-failures file."""
    expected = {}
    if not path or not os.path.exists(path):
        return expected
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, reason = line.partition(" ")
            expected[name] = reason.strip()
    return expected


def write_expected(path, header, failures):
    with open(path, "w") as f:
        for line in header:
            f.write("# %s\n" % line)
        for key, reason in failures:
            f.write("%s %s\n" % (key, reason.replace("\n", " ")))
