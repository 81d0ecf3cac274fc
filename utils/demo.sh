#!/usr/bin/env bash
# Compiles the demo CNN (models/demo/tiny_cnn.onnx) as far as the pipeline
# goes today, prints the graph IR and a summary.
set -eu
build=${1:-build}
model=models/demo/tiny_cnn.onnx
echo "== gaonc $model --input-shape=image:1x3x32x32 --emit=graph"
"$build/bin/gaonc" "$model" --input-shape=image:1x3x32x32 --emit=graph \
  --elide-constants --summary -o "$build/tiny_cnn.graph.mlir"
cat "$build/tiny_cnn.graph.mlir"
echo
echo "The graph IR is in $build/tiny_cnn.graph.mlir. Running it needs the"
echo "runtime and a backend (CPU target, NPU simulator), which come next."
