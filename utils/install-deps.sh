#!/usr/bin/env bash
# Installs Gaon's build and test dependencies from Debian's archive.
# Idempotent: installs only the packages that are missing, and does nothing
# (not even `apt-get update`) when everything is already present.
set -euo pipefail

PACKAGES=(
  # Toolchain
  cmake ninja-build g++ ccache make libgtest-dev
  # LLVM/MLIR 19: headers, CMake packages, FileCheck, lit and mlir-opt
  llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools
  # ONNX protobuf schema and the runtime it needs
  libonnx-dev libprotobuf-dev protobuf-compiler
  # Binary format (runtime)
  libflatbuffers-dev flatbuffers-compiler
  # CPU kernels: oneDNN for convolution and matrix products; zlib for .npz
  zlib1g-dev
  libdnnl-dev
  # OpenMP runtime: LLVM's libomp, which lets the runtime set per thread how
  # long idle workers spin (docs/runtime.md, Threads)
  libomp-19-dev
  # Tokenizers: Unicode character classes for the pre-tokenizer regexes
  libicu-dev
  # Test-model generation and ONNX's own backend tests
  python3-onnx python3-numpy libonnx-testdata libopenblas0-pthread
  # A real dataset for the quantization accuracy test (8x8 digits)
  python3-sklearn
  # The Python package (pybind11, Python headers) and its tests
  python3-dev pybind11-dev python3-pybind11 python3-pytest
  # Headless browser for the HTML report tests
  chromium
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
