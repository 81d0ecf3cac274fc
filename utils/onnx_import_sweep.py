#!/usr/bin/python3
"""Imports every model of ONNX's backend test suite and converts it to `graph`.

Each test either converts, or fails with a clear error; none may crash or
hang. A graph input that must be a compile-time constant (a Reshape's shape
fed as an input, say) is frozen from the test's own input data when gaonc
asks for it with --freeze-input, exactly as a user would.

Tests that are known not to convert are listed, one reason each, in an
expected-failures file. The run fails when an unlisted test fails, when a
listed test starts converting (so the list only shrinks), and on any crash
or hang. It prints one line per unexpected result and a closing summary.

Usage: onnx_import_sweep.py --gaonc build/bin/gaonc
           [--expected test/onnx-backend/import-expected-failures.txt]
           [--data /usr/share/libonnx-testdata/data] [--suites node,...]
           [--jobs N] [--update]
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

SUITES = ["node", "pytorch-converted", "pytorch-operator", "simple"]
TIMEOUT_SECONDS = 120
FREEZE_HINT = re.compile(r"--freeze-input=([^=\s]+)=VALUE\.pb")


def input_files(test_dir):
    """Maps each input tensor's name to its .pb file in test_data_set_0."""
    data = os.path.join(test_dir, "test_data_set_0")
    files = {}
    if not os.path.isdir(data):
        return files
    try:
        import onnx  # Debian's python3-onnx
    except ImportError:
        return files
    for entry in sorted(os.listdir(data)):
        if entry.startswith("input_") and entry.endswith(".pb"):
            path = os.path.join(data, entry)
            tensor = onnx.TensorProto()
            with open(path, "rb") as f:
                try:
                    tensor.ParseFromString(f.read())
                except Exception:  # A sequence or optional input.
                    continue
            if tensor.name:
                files[tensor.name] = path
    return files


def first_error(stderr):
    for line in stderr.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()
    lines = [l for l in stderr.splitlines() if l.strip()]
    return lines[0].strip() if lines else "no message"


def run_one(gaonc, test_dir):
    """Returns (status, reason): status is ok, error, crash or hang."""
    model = os.path.join(test_dir, "model.onnx")
    frozen = []
    inputs = None
    for _ in range(8):
        cmd = [gaonc, model, "--emit=graph", "-o", os.devnull]
        cmd += ["--freeze-input=%s=%s" % f for f in frozen]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  errors="replace", timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            return "hang", "no answer in %d s" % TIMEOUT_SECONDS
        if proc.returncode == 0:
            return "ok", ""
        if proc.returncode < 0 or "Stack dump" in proc.stderr or \
                "PLEASE submit a bug report" in proc.stderr:
            return "crash", "exit %d: %s" % (proc.returncode,
                                            first_error(proc.stderr))
        wanted = [m for m in FREEZE_HINT.findall(proc.stderr)
                  if m not in dict(frozen)]
        if not wanted:
            return "error", first_error(proc.stderr)
        if inputs is None:
            inputs = input_files(test_dir)
        missing = [name for name in wanted if name not in inputs]
        if missing:
            return "error", first_error(proc.stderr)
        frozen += [(name, inputs[name]) for name in wanted]
    return "error", "too many inputs to freeze"


def load_expected(path):
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gaonc", required=True)
    parser.add_argument("--data", default="/usr/share/libonnx-testdata/data")
    parser.add_argument("--suites", default=",".join(SUITES))
    parser.add_argument("--expected")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--update", action="store_true",
                        help="rewrite the expected-failures file")
    args = parser.parse_args()

    tests = []
    for suite in args.suites.split(","):
        root = os.path.join(args.data, suite)
        if not os.path.isdir(root):
            print("error: no ONNX test data at %s (install libonnx-testdata)"
                  % root)
            return 2
        for name in sorted(os.listdir(root)):
            if os.path.exists(os.path.join(root, name, "model.onnx")):
                tests.append((suite, name, os.path.join(root, name)))

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda t: run_one(args.gaonc, t[2]), tests))

    expected = load_expected(args.expected)
    counts = {}
    unexpected = 0
    failures = []
    for (suite, name, _), (status, reason) in zip(tests, results):
        key = "%s/%s" % (suite, name)
        counts.setdefault(suite, {"ok": 0, "error": 0, "crash": 0, "hang": 0})
        counts[suite][status] += 1
        if status in ("crash", "hang"):
            print("%s: %s: %s" % (status.upper(), key, reason))
            unexpected += 1
        elif status == "error":
            failures.append((key, reason))
            if key not in expected and not args.update:
                print("UNEXPECTED FAILURE: %s: %s" % (key, reason))
                unexpected += 1
        elif key in expected and not args.update:
            print("UNEXPECTED PASS: %s (remove it from %s)"
                  % (key, args.expected))
            unexpected += 1

    if args.update and args.expected:
        with open(args.expected, "w") as f:
            f.write("# ONNX backend tests that do not convert to `graph` yet,\n"
                    "# one per line with the reason gaonc gives. Maintained by\n"
                    "# utils/onnx_import_sweep.py --update; it may only shrink.\n")
            for key, reason in failures:
                f.write("%s %s\n" % (key, reason))

    total = {"ok": 0, "error": 0, "crash": 0, "hang": 0}
    for suite in counts:
        c = counts[suite]
        n = sum(c.values())
        print("%-18s %4d models: %4d convert (%.1f%%), %3d clear errors, "
              "%d crashes, %d hangs" % (suite, n, c["ok"], 100.0 * c["ok"] / n,
                                        c["error"], c["crash"], c["hang"]))
        for k in total:
            total[k] += c[k]
    # A test passes when it behaves as recorded: converts, or fails with
    # the listed clear error.
    print("import sweep: %d passed, %d failed" % (len(tests) - unexpected,
                                                  unexpected))
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
