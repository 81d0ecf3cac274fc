"""Checks a weight-only MLP (make_mlp.py) end to end.

Reads the graph MLIR gaonc printed for it, decodes each block_dequantize's
integers and scales, and checks:
  - the integers lie in the symmetric range of their width, and every weight
    is its integer times its block's scale to within half a step (or was
    clipped: the scale search may shrink a block's range);
  - the CPU target's output equals relu(x @ W1 + b1) @ W2 computed in numpy
    from the decoded weights (f32 tolerance);
  - the NPU simulator's output, if given, agrees with it to bf16 tolerance.

Usage: check_weight_only.py MODEL.onnx GRAPH.mlir X.npy CPU_Y.npy [SIM_Y.npy]
"""
import re
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def decode(body, shape, elem):
    count = int(np.prod(shape))
    if body.startswith('"0x'):
        raw = bytes.fromhex(body[3:-1])
        if elem in ("i4", "i8"):
            v = np.frombuffer(raw, np.int8).astype(np.int32)
            if elem == "i4":
                v = ((v & 0xF) ^ 8) - 8
        else:
            v = np.frombuffer(raw, np.float32)
    else:
        v = np.array([float(t) for t in re.findall(r"[-+0-9.eE]+", body)])
    if v.size == 1:
        v = np.full(count, v[0])
    return v.reshape(shape)


def main():
    model, mlir, x_path, cpu_path = sys.argv[1:5]
    text = open(mlir).read()
    consts = {}
    for m in re.finditer(r"(%\d+) = graph.constant dense<(.*?)> : tensor<([0-9x]+)x(\w+)>", text):
        shape = [int(d) for d in m.group(3).split("x")]
        consts[m.group(1)] = decode(m.group(2), shape, m.group(4))
    weights = []
    for m in re.finditer(r"graph.block_dequantize (%\d+), (%\d+) \{axis = 0 : i64, block_size = (\d+) : i64\} : \(tensor<[0-9x]+x(i\d)>", text):
        q, s, block, elem = consts[m.group(1)], consts[m.group(2)], int(m.group(3)), m.group(4)
        qmax = 7 if elem == "i4" else 127
        assert np.abs(q).max() <= qmax, "integers outside [-%d, %d]" % (qmax, qmax)
        weights.append((q * np.repeat(s, block, axis=0)[: q.shape[0]], elem))
    init = {t.name: numpy_helper.to_array(t) for t in onnx.load(model).graph.initializer}
    assert len(weights) == 2, "expected two block_dequantize ops, found %d" % len(weights)
    # Gaussian weights in blocks of 16: about 8% RMS error at 4 bits and
    # 0.5% at 8 bits.
    for (w, elem), name in zip(weights, ["w1", "w2"]):
        err = w - init[name]
        rel = np.sqrt((err ** 2).sum() / (init[name] ** 2).sum())
        print("%s (%s): relative weight error %.4f" % (name, elem, rel))
        assert rel < (0.1 if elem == "i4" else 0.006), name
    weights = [w for w, _ in weights]
    x = np.load(x_path)
    ref = np.maximum(x @ weights[0] + init["b1"], 0) @ weights[1]
    cpu = np.load(cpu_path)
    np.testing.assert_allclose(cpu, ref, rtol=1e-4, atol=1e-4)
    print("cpu matches the decoded weights")
    if len(sys.argv) > 5:
        sim = np.load(sys.argv[5])
        scale = np.abs(ref).max()
        worst = np.abs(sim - ref).max() / scale
        print("sim: worst error %.4f of the largest output" % worst)
        assert worst < 0.02, worst


if __name__ == "__main__":
    main()
