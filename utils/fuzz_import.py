#!/usr/bin/python3
"""Mutation fuzzing of gaonc's importer and conversion on real ONNX models.

Takes models from ONNX's backend test suite and corrupts them two ways:
bytes (flips, deletions, insertions: the protobuf layer) and meaning (input
dimensions, attribute values, dropped inputs, initializer shapes: the
importer, the conversion and ONNX's own shape inference). Every mutant must
be compiled or refused with an error; a crash, an abort or a hang fails.
Seeded, so a run is reproducible; a failing mutant is kept for debugging.

Usage: fuzz_import.py --gaonc build/bin/gaonc [--count N] [--seed S]
                      [--keep-dir DIR]
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile

import onnx

DATA = "/usr/share/libonnx-testdata/data/node"
TIMEOUT = 60


def mutate_bytes(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        pos = rng.randrange(len(data))
        kind = rng.random()
        if kind < 0.6:
            data[pos] = rng.randrange(256)
        elif kind < 0.8:
            del data[pos:pos + rng.randint(1, 8)]
        else:
            data[pos:pos] = bytes(rng.randrange(256)
                                  for _ in range(rng.randint(1, 4)))
    return bytes(data)


def mutate_meaning(rng, model):
    graph = model.graph
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        if kind < 0.3 and graph.input:
            value = rng.choice(graph.input)
            if value.type.HasField("tensor_type") and \
                    value.type.tensor_type.shape.dim:
                dim = rng.choice(value.type.tensor_type.shape.dim)
                dim.dim_value = rng.choice([0, 1, 2, 3, 7, 1 << 20])
        elif kind < 0.7 and graph.node:
            node = rng.choice(graph.node)
            if not node.attribute:
                continue
            attr = rng.choice(node.attribute)
            if attr.type == onnx.AttributeProto.INT:
                attr.i = rng.choice([-3, -1, 0, 1, 2, 5, 1 << 40])
            elif attr.type == onnx.AttributeProto.INTS and len(attr.ints):
                attr.ints[rng.randrange(len(attr.ints))] = rng.choice(
                    [-3, -1, 0, 1, 2, 9, 1 << 40])
                if rng.random() < 0.3:
                    del attr.ints[-1]
            elif attr.type == onnx.AttributeProto.FLOAT:
                attr.f = rng.choice([-1.0, 0.0, 1e30, float("nan")])
            elif attr.type == onnx.AttributeProto.STRING:
                attr.s = rng.choice([b"", b"bogus", b"SAME_UPPER", b"VALID"])
        elif kind < 0.85 and graph.node:
            node = rng.choice(graph.node)
            if node.input and rng.random() < 0.5:
                node.input[rng.randrange(len(node.input))] = ""
            elif len(node.input) > 1:
                del node.input[-1]
        elif graph.initializer:
            init = rng.choice(graph.initializer)
            if init.dims:
                init.dims[0] = rng.choice([0, 1, 2, 100])
    return model.SerializeToString()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gaonc", required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep-dir", default=tempfile.gettempdir())
    args = parser.parse_args()

    rng = random.Random(args.seed)
    tests = sorted(os.listdir(DATA))
    failures = 0
    work = tempfile.mkdtemp(prefix="gaon-fuzz-")
    for i in range(args.count):
        test = rng.choice(tests)
        path = os.path.join(DATA, test, "model.onnx")
        with open(path, "rb") as f:
            original = f.read()
        if i % 2:
            data = mutate_bytes(rng, original)
        else:
            data = mutate_meaning(rng, onnx.load_from_string(original))
        mutant = os.path.join(work, "mutant.onnx")
        with open(mutant, "wb") as f:
            f.write(data)
        try:
            proc = subprocess.run([args.gaonc, mutant, "-o", os.devnull],
                                  capture_output=True, text=True,
                                  errors="replace", timeout=TIMEOUT)
            bad = proc.returncode < 0 or "Stack dump" in proc.stderr or \
                "PLEASE submit a bug report" in proc.stderr or \
                (proc.returncode != 0 and "error:" not in proc.stderr)
            why = "exit %d" % proc.returncode
        except subprocess.TimeoutExpired:
            bad, why = True, "no answer in %d s" % TIMEOUT
        if bad:
            failures += 1
            kept = os.path.join(args.keep_dir, "gaon-fuzz-%d-%d.onnx"
                                % (args.seed, i))
            with open(kept, "wb") as f:
                f.write(data)
            print("CRASH: mutant %d of %s (%s), kept as %s"
                  % (i, test, why, kept))
    os.remove(os.path.join(work, "mutant.onnx")) if os.path.exists(
        os.path.join(work, "mutant.onnx")) else None
    os.rmdir(work)
    print("import fuzz: %d passed, %d failed" % (args.count - failures,
                                                 failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
