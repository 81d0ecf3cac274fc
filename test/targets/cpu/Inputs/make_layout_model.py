"""A small residual CNN whose tensors exercise each channels-last rule.

  x -> conv_a+relu_a -> pool -> conv_b -> add_res(+pool) -> relu_res -> gap -> flat
                                        \-> bias_add (broadcast [1,C,1,1])
  conv_c (x) is a graph output.
  relu_res -> conv_h (1x1) --------\
  relu_res -> conv_g -> add_g(conv_h + conv_g), a graph output

conv_b's call adds add_res's residual (pool, which conv_b also reads, so a
separate input) and applies relu_res; conv_g's call adds conv_h, which dies
there, into conv_h's own memory.

Expected layouts: pool, conv_b, add_res, relu_res and conv_a's fused output
channels-last; bias_add's operand conv_e row-major (a broadcasting add reads
row-major); conv_c row-major (an output).
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(3)


def weight(name, *shape):
    return numpy_helper.from_array(
        (rng.standard_normal(shape) * 0.2).astype(np.float32), name)


inits = [weight("wa", 8, 3, 3, 3), weight("wb", 8, 8, 3, 3),
         weight("wc", 4, 3, 1, 1), weight("we", 8, 8, 1, 1),
         weight("bias", 1, 8, 1, 1), weight("wh", 8, 8, 1, 1),
         weight("wg", 8, 8, 3, 3)]
nodes = [
    helper.make_node("Conv", ["x", "wa"], ["conv_a"], name="conv_a", pads=[1] * 4),
    helper.make_node("Relu", ["conv_a"], ["relu_a"], name="relu_a"),
    helper.make_node("MaxPool", ["relu_a"], ["pool"], name="pool",
                     kernel_shape=[2, 2], strides=[2, 2]),
    helper.make_node("Conv", ["pool", "wb"], ["conv_b"], name="conv_b", pads=[1] * 4),
    helper.make_node("Add", ["conv_b", "pool"], ["add_res"], name="add_res"),
    helper.make_node("Relu", ["add_res"], ["relu_res"], name="relu_res"),
    helper.make_node("GlobalAveragePool", ["relu_res"], ["gap"], name="gap"),
    helper.make_node("Flatten", ["gap"], ["flat"], name="flat"),
    helper.make_node("Conv", ["relu_res", "we"], ["conv_e"], name="conv_e"),
    helper.make_node("Add", ["conv_e", "bias"], ["bias_add"], name="bias_add"),
    helper.make_node("Conv", ["x", "wc"], ["conv_c"], name="conv_c"),
    helper.make_node("Conv", ["relu_res", "wh"], ["conv_h"], name="conv_h"),
    helper.make_node("Conv", ["relu_res", "wg"], ["conv_g"], name="conv_g",
                     pads=[1] * 4),
    helper.make_node("Add", ["conv_h", "conv_g"], ["add_g"], name="add_g"),
]
graph = helper.make_graph(
    nodes, "layouts",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
    [helper.make_tensor_value_info(n, TensorProto.FLOAT, None)
     for n in ["flat", "bias_add", "conv_c", "add_g"]],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.save(model, sys.argv[1])
