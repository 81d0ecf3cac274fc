#!/usr/bin/python3
"""Runs the Python package's pytest suite (test/python) against a build and
ends with "pytest: N passed, N failed" for utils/run-tests.sh.

Usage: utils/run_pytest.py BUILD_DIR
"""
import os
import sys

import pytest

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
sys.path.insert(0, os.path.join(build, "python"))
os.environ["PYTHONPATH"] = os.path.join(build, "python")


class Count:
    passed = failed = 0

    def pytest_runtest_logreport(self, report):
        if report.when == "call" and report.passed:
            Count.passed += 1
        elif report.failed:
            Count.failed += 1


code = pytest.main(["-q", "-p", "no:cacheprovider", os.path.join(root, "test", "python")],
                   plugins=[Count()])
if code not in (0, 1):  # collection or usage errors
    Count.failed += 1
print("pytest: %d passed, %d failed" % (Count.passed, Count.failed))
sys.exit(0 if Count.failed == 0 else 1)
