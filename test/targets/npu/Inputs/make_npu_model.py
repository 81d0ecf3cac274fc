"""A small CNN that touches every NPU lowering, with a CPU op in between.

conv(3x3, pad 1) + relu -> maxpool(3x3, stride 2, pad 1) -> conv(1x1) ->
residual add + relu -> clip(0, 6) -> tanh (CPU) -> conv(3x3, stride 2,
dilation 1; 256 channels, so two cores split it) -> global average pool ->
flatten -> gemm + relu -> gemm.
Writes MODEL.onnx and MODEL.input.npy.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


def weight(name, *shape):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
    return numpy_helper.from_array(
        (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32), name)


inits = [
    weight("w1", 16, 3, 3, 3), weight("b1", 16),
    weight("w2", 16, 16, 1, 1), weight("b2", 16),
    weight("w3", 256, 16, 3, 3), weight("b3", 256),
    weight("fc1_w", 24, 256), weight("fc1_b", 24),
    weight("fc2_w", 10, 24), weight("fc2_b", 10),
]
nodes = [
    helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1",
                     pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
    helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1",
                     kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], name="conv2"),
    helper.make_node("Add", ["c2", "p1"], ["a2"], name="add2"),
    helper.make_node("Relu", ["a2"], ["r2"], name="relu2"),
    helper.make_node("Clip", ["r2", "lo", "hi"], ["k2"], name="clip2"),
    helper.make_node("Tanh", ["k2"], ["s2"], name="tanh2"),
    helper.make_node("Conv", ["s2", "w3", "b3"], ["c3"], name="conv3",
                     pads=[1, 1, 1, 1], strides=[2, 2]),
    helper.make_node("GlobalAveragePool", ["c3"], ["g3"], name="gap"),
    helper.make_node("Flatten", ["g3"], ["f3"], name="flatten"),
    helper.make_node("Gemm", ["f3", "fc1_w", "fc1_b"], ["h1"], name="fc1",
                     transB=1),
    helper.make_node("Relu", ["h1"], ["h1r"], name="fc1_relu"),
    helper.make_node("Gemm", ["h1r", "fc2_w", "fc2_b"], ["y"], name="fc2",
                     transB=1),
]
inits += [numpy_helper.from_array(np.array(0, np.float32), "lo"),
          numpy_helper.from_array(np.array(6, np.float32), "hi")]
graph = helper.make_graph(
    nodes, "npu_lowerings",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 20, 20])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
np.save(sys.argv[1].replace(".onnx", ".input.npy"),
        rng.standard_normal((1, 3, 20, 20)).astype(np.float32))
