"""A transformer-like block for the vector engine's row ops:
x [1, 8, 32] -> matmul + bias -> add x -> layer norm -> matmul -> softmax,
and beside it an RMS norm as torch.onnx writes it (pow, mean, add, sqrt,
div, mul), which gaon-graph-recompose makes one rms_norm, a SwiGLU-style
gate x * sigmoid(x) (one silu) and a plain sigmoid.
Writes MODEL.onnx and MODEL.input.npy.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(11)
f32 = np.float32
inits = [
    numpy_helper.from_array((rng.standard_normal((32, 32)) / 6).astype(f32), "w1"),
    numpy_helper.from_array(rng.standard_normal(32).astype(f32) * 0.1, "b1"),
    numpy_helper.from_array((1 + 0.1 * rng.standard_normal(32)).astype(f32), "gamma"),
    numpy_helper.from_array((0.1 * rng.standard_normal(32)).astype(f32), "beta"),
    numpy_helper.from_array((rng.standard_normal((32, 16)) / 3).astype(f32), "w2"),
]
nodes = [
    helper.make_node("MatMul", ["x", "w1"], ["m1"], name="proj"),
    helper.make_node("Add", ["m1", "b1"], ["p1"], name="proj_bias"),
    helper.make_node("Add", ["p1", "x"], ["r1"], name="residual"),
    helper.make_node("LayerNormalization", ["r1", "gamma", "beta"], ["n1"],
                     name="norm", axis=-1, epsilon=1e-5),
    helper.make_node("MatMul", ["n1", "w2"], ["s"], name="scores"),
    helper.make_node("Softmax", ["s"], ["y"], name="probs", axis=-1),
    helper.make_node("Pow", ["r1", "two"], ["sq"], name="rms/pow"),
    helper.make_node("ReduceMean", ["sq"], ["ms"], name="rms/mean", axes=[-1]),
    helper.make_node("Add", ["ms", "eps"], ["mse"], name="rms/eps"),
    helper.make_node("Sqrt", ["mse"], ["rt"], name="rms/sqrt"),
    helper.make_node("Div", ["one", "rt"], ["inv"], name="rms/inv"),
    helper.make_node("Mul", ["r1", "inv"], ["xn"], name="rms/normalize"),
    helper.make_node("Mul", ["xn", "rms_gamma"], ["y2"], name="rms"),
    helper.make_node("MatMul", ["y2", "w3"], ["gate"], name="gate"),
    helper.make_node("Sigmoid", ["gate"], ["gs"], name="gate_sigmoid"),
    helper.make_node("Mul", ["gate", "gs"], ["y3"], name="silu"),
    helper.make_node("Sigmoid", ["r1"], ["y4"], name="sigmoid"),
]
inits += [
    numpy_helper.from_array(np.array(2.0, f32), "two"),
    numpy_helper.from_array(np.array(1e-6, f32), "eps"),
    numpy_helper.from_array(np.array(1.0, f32), "one"),
    numpy_helper.from_array((1 + 0.1 * rng.standard_normal(32)).astype(f32), "rms_gamma"),
    numpy_helper.from_array((rng.standard_normal((32, 48)) / 2).astype(f32), "w3"),
]
graph = helper.make_graph(
    nodes, "rows",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 32])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 16]),
     helper.make_tensor_value_info("y2", TensorProto.FLOAT, [1, 8, 32]),
     helper.make_tensor_value_info("y3", TensorProto.FLOAT, [1, 8, 48]),
     helper.make_tensor_value_info("y4", TensorProto.FLOAT, [1, 8, 32])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
np.save(sys.argv[1].replace(".onnx", ".input.npy"),
        rng.standard_normal((1, 8, 32)).astype(f32))
