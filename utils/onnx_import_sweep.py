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
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_backend  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gaonc", required=True)
    parser.add_argument("--data", default=onnx_backend.DEFAULT_DATA)
    parser.add_argument("--suites", default=",".join(onnx_backend.SUITES))
    parser.add_argument("--expected")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--update", action="store_true",
                        help="rewrite the expected-failures file")
    args = parser.parse_args()

    try:
        tests = onnx_backend.list_tests(args.data, args.suites.split(","))
    except FileNotFoundError as e:
        print("error: %s" % e)
        return 2

    def run_one(test):
        status, reason, _ = onnx_backend.compile_model(
            args.gaonc, test[2], ["--emit=graph", "-o", os.devnull])
        return status, reason

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(run_one, tests))

    expected = onnx_backend.load_expected(args.expected)
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
        onnx_backend.write_expected(args.expected, [
            "ONNX backend tests that do not convert to `graph` yet,",
            "one per line with the reason gaonc gives. Maintained by",
            "utils/onnx_import_sweep.py --update; it may only shrink."],
            failures)

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
