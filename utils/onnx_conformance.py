#!/usr/bin/python3
"""Runs ONNX 1.12's backend tests end to end on a Gaon device.

For each test: gaonc compiles model.onnx for the target (freezing the graph
inputs that must be constants, as a user would), gaon-run runs every
test_data_set_* with its inputs, and every output is compared with ONNX's
expected output at ONNX's tolerances (rtol 1e-3, atol 1e-7; NaNs must
match). Tests that cannot pass yet are listed with one reason each in an
expected-failures file; the run fails on an unlisted failure and on a
listed test that passes (so the list only shrinks).

Prints one line per unexpected result and ends with
"conformance: N passed, N failed, N skipped", where skipped counts the
listed expected failures.

Usage: onnx_conformance.py --gaonc build/bin/gaonc --gaon-run build/bin/gaon-run
          [--target cpu] [--device cpu] [--expected FILE] [--update]
          [--suites node,...] [--jobs N] [--filter SUBSTRING]
          [--gaonc-flag=FLAG]... [--rtol R --atol A]
Float results are compared at ONNX's tolerances on the CPU target and at
bf16's (rtol 1e-2, atol 1e-3) on the NPU target.
"""

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from onnx import TensorProto, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_backend  # noqa: E402

RTOL, ATOL = 1e-3, 1e-7
# The NPU computes floats in bf16 with f32 sums (docs/npu.md); its results
# are held to the bf16 tolerance of the NPU issue.
NPU_RTOL, NPU_ATOL = 1e-2, 1e-3
RUN_TIMEOUT = 300


def read_pb(path):
    tensor = TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def compare(expected, actual, rtol=RTOL, atol=ATOL):
    """An empty string if they match at ONNX's tolerances, else why not."""
    if expected.shape != actual.shape:
        return "shape %s, expected %s" % (actual.shape, expected.shape)
    if expected.dtype != actual.dtype and not (
            expected.dtype.kind == actual.dtype.kind == "b"):
        return "dtype %s, expected %s" % (actual.dtype, expected.dtype)
    if expected.dtype.kind in "biu":
        if not np.array_equal(expected, actual):
            diff = np.argwhere(expected != actual)[0]
            return "value at %s is %s, expected %s" % (
                tuple(diff), actual[tuple(diff)], expected[tuple(diff)])
        return ""
    e = expected.astype(np.float64)
    a = actual.astype(np.float64)
    if not np.array_equal(np.isnan(e), np.isnan(a)):
        return "NaNs differ"
    ok = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
    if not ok.all():
        worst = np.unravel_index(np.argmax(np.abs(a - e) * ~ok), a.shape)
        return "value at %s is %.8g, expected %.8g (max abs diff %.3g)" % (
            tuple(int(i) for i in worst), a[worst], e[worst],
            np.nanmax(np.abs(a - e)))
    return ""


def run_test(args, test):
    """(status, reason): status is pass, fail, crash."""
    suite, name, test_dir = test
    work = tempfile.mkdtemp(prefix="gaon-conf-")
    try:
        binary = os.path.join(work, "model.gnb")
        status, reason, frozen = onnx_backend.compile_model(
            args.gaonc, test_dir,
            ["--target=" + args.target, "-o", binary] + args.gaonc_flag)
        if status != "ok":
            return ("crash" if status in ("crash", "hang") else "fail",
                    "compile: " + reason)
        sets = sorted(d for d in os.listdir(test_dir)
                      if d.startswith("test_data_set_"))
        if not sets:
            return "fail", "no test data"
        for data_set in sets:
            named, ordered = onnx_backend.tensor_files(test_dir, "input",
                                                       data_set)
            _, outputs = onnx_backend.tensor_files(test_dir, "output",
                                                   data_set)
            # Frozen inputs are constants now; the rest go by name.
            inputs = []
            for path in ordered:
                tname = next((n for n, p in named.items() if p == path), None)
                if tname in frozen:
                    continue
                inputs.append("--input=%s=%s" % (tname, path) if tname
                              else "--input=" + path)
            out_dir = os.path.join(work, data_set)
            os.makedirs(out_dir)
            cmd = [args.gaon_run, binary, "--device=" + args.device,
                   "--output-dir=" + out_dir, "--threads=1"] + inputs
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True,
                                      errors="replace", timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                return "crash", "run: no answer in %d s" % RUN_TIMEOUT
            if proc.returncode < 0:
                return "crash", "run: killed by signal %d" % -proc.returncode
            if proc.returncode != 0:
                return "fail", "run: " + onnx_backend.first_error(proc.stderr)
            for i, path in enumerate(outputs):
                got = os.path.join(out_dir, "output_%d.npy" % i)
                if not os.path.exists(got):
                    return "fail", "output %d missing" % i
                why = compare(read_pb(path), np.load(got), args.rtol,
                              args.atol)
                if why:
                    return "fail", "output %d: %s" % (i, why)
        return "pass", ""
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gaonc", required=True)
    parser.add_argument("--gaon-run", required=True)
    parser.add_argument("--target", default="cpu")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--data", default=onnx_backend.DEFAULT_DATA)
    parser.add_argument("--suites", default=",".join(onnx_backend.SUITES))
    parser.add_argument("--expected")
    parser.add_argument("--filter", default="")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--update", action="store_true",
                        help="rewrite the expected-failures file")
    parser.add_argument("--gaonc-flag", action="append", default=[],
                        help="an extra gaonc flag (repeatable)")
    parser.add_argument("--rtol", type=float)
    parser.add_argument("--atol", type=float)
    args = parser.parse_args()
    npu = args.target == "npu"
    if args.rtol is None:
        args.rtol = NPU_RTOL if npu else RTOL
    if args.atol is None:
        args.atol = NPU_ATOL if npu else ATOL

    tests = [t for t in onnx_backend.list_tests(args.data,
                                                args.suites.split(","))
             if args.filter in t[1]]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda t: run_test(args, t), tests))

    expected = onnx_backend.load_expected(args.expected)
    passed = failed = skipped = 0
    failures = []
    per_suite = {}
    for (suite, name, _), (status, reason) in zip(tests, results):
        key = "%s/%s" % (suite, name)
        per_suite.setdefault(suite, [0, 0])
        per_suite[suite][1] += 1
        if status == "pass":
            per_suite[suite][0] += 1
            if key in expected and not args.update:
                print("UNEXPECTED PASS: %s (remove it from the list)" % key)
                failed += 1
            else:
                passed += 1
            continue
        failures.append((key, reason))
        if status == "crash":
            print("CRASH: %s: %s" % (key, reason))
            failed += 1
        elif key in expected or args.update:
            skipped += 1
        else:
            print("FAIL: %s: %s" % (key, reason))
            failed += 1

    if args.update and args.expected:
        onnx_backend.write_expected(args.expected, [
            "ONNX backend tests that do not pass end to end on the %s "
            "target yet," % args.target,
            "one per line with the reason. Maintained by",
            "utils/onnx_conformance.py --update; it may only shrink."],
            failures)
    for suite, (ok, total) in per_suite.items():
        print("%-18s %4d/%4d pass end to end (%.1f%%)" % (
            suite, ok, total, 100.0 * ok / max(total, 1)))
    print("conformance: %d passed, %d failed, %d skipped" % (
        passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
