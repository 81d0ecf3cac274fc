"""A two-layer MLP with odd sizes for the weight-only tests: K = 40 (groups
of 16 leave a short last one), 33 hidden columns (an odd int4 row).

Usage: make_mlp.py OUT.onnx INPUT.npy
"""
import sys, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
rng = np.random.default_rng(3)
K, H, N = 40, 33, 24
w1 = rng.standard_normal((K, H)).astype(np.float32)
b1 = rng.standard_normal(H).astype(np.float32)
w2 = rng.standard_normal((H, N)).astype(np.float32)
nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1"),
         helper.make_node("Add", ["h", "b1"], ["hb"], name="fc1_bias"),
         helper.make_node("Relu", ["hb"], ["r"], name="relu"),
         helper.make_node("MatMul", ["r", "w2"], ["y"], name="fc2")]
g = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [6, K])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [6, N])],
                      [numpy_helper.from_array(a, n) for a, n in [(w1, "w1"), (b1, "b1"), (w2, "w2")]])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
m.ir_version = 8
onnx.save(m, sys.argv[1])
np.save(sys.argv[2], rng.standard_normal((6, K)).astype(np.float32))
