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
status=0

# lit: every dialect, conversion, importer and tool test.
echo "== lit"
lit_out=$(mktemp)
"$python" "$lit" -sv "$build/test" 2>&1 | tee "$lit_out" | grep -E "^(FAIL|XPASS|UNRESOLVED|TIMEOUT):|^  (Passed|Failed|Unsupported|Expectedly)" || true
lit_passed=$(grep -oE "^  Passed *: *[0-9]+" "$lit_out" | grep -oE "[0-9]+$" || echo 0)
lit_failed=$(grep -oE "^  (Failed|Unresolved|Timed Out|Unexpectedly Passed) *: *[0-9]+" "$lit_out" | grep -oE "[0-9]+$" | awk '{s += $1} END {print s + 0}')
if ! grep -qE "^  Passed" "$lit_out"; then
  echo "lit did not run (see above)"; lit_failed=$((lit_failed + 1))
fi
passed=$((passed + lit_passed)); failed=$((failed + lit_failed))
rm -f "$lit_out"

# The import sweep over ONNX's own backend test models.
echo "== ONNX backend test models through gaonc --emit=graph"
sweep_out=$(mktemp)
"$python" "$root/utils/onnx_import_sweep.py" --gaonc "$build/bin/gaonc" \
  --expected "$root/test/onnx-backend/import-expected-failures.txt" | tee "$sweep_out"
sweep_line=$(grep -E "^import sweep: [0-9]+ passed, [0-9]+ failed" "$sweep_out" || true)
if [ -z "$sweep_line" ]; then
  echo "import sweep did not finish"; failed=$((failed + 1))
else
  passed=$((passed + $(echo "$sweep_line" | grep -oE "[0-9]+ passed" | grep -oE "[0-9]+")))
  failed=$((failed + $(echo "$sweep_line" | grep -oE "[0-9]+ failed" | grep -oE "[0-9]+")))
fi
rm -f "$sweep_out"

# Mutated models: every one compiles or is refused; none crashes or hangs.
echo "== gaonc on mutated ONNX models"
fuzz_out=$(mktemp)
"$python" "$root/utils/fuzz_import.py" --gaonc "$build/bin/gaonc" --count 300 | tee "$fuzz_out"
fuzz_line=$(grep -E "^import fuzz: [0-9]+ passed, [0-9]+ failed" "$fuzz_out" || true)
if [ -z "$fuzz_line" ]; then
  echo "import fuzz did not finish"; failed=$((failed + 1))
else
  passed=$((passed + $(echo "$fuzz_line" | grep -oE "[0-9]+ passed" | grep -oE "[0-9]+")))
  failed=$((failed + $(echo "$fuzz_line" | grep -oE "[0-9]+ failed" | grep -oE "[0-9]+")))
fi
rm -f "$fuzz_out"

echo "gaon: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
