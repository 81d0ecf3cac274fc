#!/usr/bin/env bash
# Runs every test suite and ends with one summary line, "N passed, N failed".
# Usage: utils/run-tests.sh BUILD_DIR
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
python=/usr/bin/python3
lit=${LLVM_EXTERNAL_LIT:-/usr/lib/llvm-19/build/utils/lit/lit.py}
passed=0
failed=0

# Runs a suite whose last line is "<name>: N passed, N failed" and adds its
# counts; a suite that does not get that far counts as one failure.
run_suite() {
  local title=$1 tag=$2
  shift 2
  echo "== $title"
  local out line
  out=$(mktemp)
  "$@" | tee "$out"
  line=$(grep -E "^$tag: [0-9]+ passed, [0-9]+ failed" "$out" | tail -n 1)
  rm -f "$out"
  if [ -z "$line" ]; then
    echo "$title did not finish"
    failed=$((failed + 1))
    return
  fi
  passed=$((passed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
  failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
}

# lit: every dialect, conversion, importer, tool and unit test. Its summary
# is reformatted into the common closing line.
lit_suite() {
  local out
  out=$(mktemp)
  "$python" "$lit" -sv "$build/test" > "$out" 2>&1
  grep -E "^(FAIL|XPASS|UNRESOLVED|TIMEOUT):|^  (Passed|Failed|Unsupported|Unresolved)" "$out"
  local ok bad
  ok=$(grep -oE "^  Passed *: *[0-9]+" "$out" | grep -oE "[0-9]+$")
  bad=$(grep -oE "^  (Failed|Unresolved|Timed Out|Unexpectedly Passed) *: *[0-9]+" "$out" |
        grep -oE "[0-9]+$" | awk '{s += $1} END {print s + 0}')
  [ -n "$ok" ] && echo "lit: $ok passed, $bad failed"
  rm -f "$out"
}

run_suite "lit" lit lit_suite
# ONNX's own backend test models through gaonc --emit=graph: each converts
# or fails with its recorded reason; none crashes or hangs.
run_suite "ONNX backend test models" "import sweep" \
  "$python" "$root/utils/onnx_import_sweep.py" --gaonc "$build/bin/gaonc" \
  --expected "$root/test/onnx-backend/import-expected-failures.txt"
# ONNX's backend tests end to end on the CPU target: compile, run, compare
# with ONNX's expected outputs at ONNX's tolerances.
run_suite "ONNX backend tests on the CPU target" "conformance" \
  "$python" "$root/utils/onnx_conformance.py" --gaonc "$build/bin/gaonc" \
  --gaon-run "$build/bin/gaon-run" --target cpu --device cpu \
  --expected "$root/test/onnx-backend/cpu-expected-failures.txt"
# The same tests compiled for the NPU (--npu-greedy puts every op the NPU
# can run there, so each lowering is exercised) and run on the simulator,
# compared at bf16's tolerances.
run_suite "ONNX backend tests on the NPU target (sim device)" "conformance" \
  "$python" "$root/utils/onnx_conformance.py" --gaonc "$build/bin/gaonc" \
  --gaon-run "$build/bin/gaon-run" --target npu --device sim \
  --gaonc-flag=--npu-greedy \
  --expected "$root/test/onnx-backend/npu-expected-failures.txt"
# Mutated models: every one compiles or is refused; none crashes or hangs.
run_suite "gaonc on mutated ONNX models" "import fuzz" \
  "$python" "$root/utils/fuzz_import.py" --gaonc "$build/bin/gaonc" --count 300

# Damaged binaries: every one runs or is refused; none crashes or hangs.
run_suite "gaon-run on mutated .gnb binaries" "gnb fuzz" \
  "$python" "$root/utils/fuzz_gnb.py" --gaonc "$build/bin/gaonc" \
  --gaon-run "$build/bin/gaon-run" --flatc "$(command -v flatc)" --count 400

# The Python package: compile/run round trips, dtypes, errors, threads.
run_suite "Python package (pytest)" pytest \
  "$python" "$root/utils/run_pytest.py" "$build"

echo "gaon: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
