"""make_matmul_model.py OUT.onnx M K N: x[M, K] @ w[K, N] + b, seeded, and
x.npy beside OUT.onnx (the input the tests run)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out, m, k, n = sys.argv[1], *map(int, sys.argv[2:5])
rng = np.random.default_rng(7)
w = (rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
b = rng.standard_normal(n).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["xw"], name="proj"),
     helper.make_node("Add", ["xw", "b"], ["y"], name="proj_bias")],
    "matmul",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
    [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          out)
np.save(os.path.join(os.path.dirname(out), "x.npy"),
        rng.standard_normal((m, k)).astype(np.float32))
