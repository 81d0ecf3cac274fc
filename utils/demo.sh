#!/usr/bin/env bash
# Compiles the demo CNN (models/demo/tiny_cnn.onnx) for the NPU, shows the
# graph IR, the placement report and the binary, runs it on the simulator
# with a profile and a trace, and runs the CPU target beside it.
set -eu
build=${1:-build}
model=models/demo/tiny_cnn.onnx
out=$build/demo
mkdir -p "$out"
echo "== gaonc $model --input-shape=image:1x3x32x32 --emit=graph"
"$build/bin/gaonc" "$model" --input-shape=image:1x3x32x32 --emit=graph \
  --elide-constants -o "$out/tiny_cnn.graph.mlir"
grep -E "graph\.(conv|batch_norm|relu|max_pool|reduce|reshape|matmul|add|softmax)" \
  "$out/tiny_cnn.graph.mlir" | sed -E 's/ \{.*\}//; s/^ +/  /'
echo
echo "== gaonc $model -o $out/tiny_cnn.gnb --report=$out/report.json (NPU target, edge)"
"$build/bin/gaonc" "$model" --input-shape=image:1x3x32x32 \
  -o "$out/tiny_cnn.gnb" --report="$out/report.json"
sed -E 's/^\{"npu".*\[$//; s/\]\}$//; /^$/d' "$out/report.json" | sed 's/^/  /'
echo
echo "== gaon-dump $out/tiny_cnn.gnb (segments)"
"$build/bin/gaon-dump" "$out/tiny_cnn.gnb" | sed -n '/^segment/,$p'
echo
echo "== gaon-run $out/tiny_cnn.gnb --device=sim --profile=$out/profile.json --trace=$out/trace.json"
"$build/bin/gaon-run" "$out/tiny_cnn.gnb" --device=sim --output-dir="$out" \
  --profile="$out/profile.json" --trace="$out/trace.json"
/usr/bin/python3 - "$out/profile.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
print("simulated NPU time: %.2f us (%d cycles at %.1f GHz), %.0f kB DRAM "
      "traffic, %d MACs" % (p["simulated_seconds"] * 1e6, p["total_cycles"],
      p["clock_hz"] / 1e9, (p["dram_read_bytes"] + p["dram_write_bytes"]) / 1e3,
      p["macs"]))
for layer in p["layers"]:
    print("  %-18s %7d cycles %9d MACs" % (layer["name"], layer["cycles"],
                                           layer["macs"]))
PY
echo
echo "== the same model on the CPU target, for comparison"
"$build/bin/gaonc" "$model" --input-shape=image:1x3x32x32 --target=cpu \
  -o "$out/tiny_cnn.cpu.gnb"
"$build/bin/gaon-run" "$out/tiny_cnn.cpu.gnb" --device=cpu --repeat=20
echo
echo "Outputs are in $out/output_0.npy; open $out/trace.json in Perfetto"
echo "(ui.perfetto.dev) to see each engine's timeline."
