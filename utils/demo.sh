#!/usr/bin/env bash
# Compiles the demo CNN (models/demo/tiny_cnn.onnx) for the CPU target, shows
# the graph IR and the binary, and runs it.
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
echo "== gaonc $model --target=cpu -o $out/tiny_cnn.gnb"
"$build/bin/gaonc" "$model" --input-shape=image:1x3x32x32 --target=cpu \
  -o "$out/tiny_cnn.gnb" --summary
echo
echo "== gaon-dump $out/tiny_cnn.gnb (header and signature)"
"$build/bin/gaon-dump" "$out/tiny_cnn.gnb" | head -4
echo
echo "== gaon-run $out/tiny_cnn.gnb --device=cpu --repeat=20 (deterministic random input)"
"$build/bin/gaon-run" "$out/tiny_cnn.gnb" --device=cpu --repeat=20 \
  --output-dir="$out"
echo
echo "Outputs are in $out/output_0.npy. The NPU target and its simulator"
echo "(--device=sim) come next."
