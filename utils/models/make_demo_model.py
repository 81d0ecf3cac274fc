#!/usr/bin/python3
"""Writes the small CNN that `make demo` compiles (models/demo/tiny_cnn.onnx).

A 3x32x32 image classifier with seeded random weights: two conv + batch-norm
+ ReLU blocks, max pooling, global average pooling, flatten and a linear
layer, exported the way PyTorch exports such models (opset 13, shape
arithmetic for the flatten). Regenerate with:
    /usr/bin/python3 utils/models/make_demo_model.py models/demo/tiny_cnn.onnx
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main(path):
    rng = np.random.default_rng(2026)

    def init(name, *shape, scale=0.1):
        return numpy_helper.from_array(
            (rng.standard_normal(shape) * scale).astype(np.float32), name)

    inits = [
        init("conv1.weight", 16, 3, 3, 3), init("conv1.bias", 16),
        numpy_helper.from_array(np.ones(16, np.float32), "bn1.scale"),
        init("bn1.bias", 16), init("bn1.mean", 16),
        numpy_helper.from_array(
            rng.uniform(0.5, 1.5, 16).astype(np.float32), "bn1.var"),
        init("conv2.weight", 32, 16, 3, 3), init("conv2.bias", 32),
        init("fc.weight", 10, 32), init("fc.bias", 10),
        numpy_helper.from_array(np.array([0], np.int64), "zero"),
        numpy_helper.from_array(np.array([-1], np.int64), "minus_one"),
    ]
    nodes = [
        helper.make_node("Conv", ["image", "conv1.weight", "conv1.bias"],
                         ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization",
                         ["c1", "bn1.scale", "bn1.bias", "bn1.mean",
                          "bn1.var"], ["b1"], name="bn1"),
        helper.make_node("Relu", ["b1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1",
                         kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "conv2.weight", "conv2.bias"],
                         ["c2"], name="conv2", pads=[1, 1, 1, 1],
                         strides=[2, 2]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["g"], name="gap"),
        # PyTorch's flatten: Reshape to [batch, -1] with the batch size
        # taken from Shape at run time.
        helper.make_node("Shape", ["g"], ["g_shape"], name="shape"),
        helper.make_node("Gather", ["g_shape", "zero"], ["batch"],
                         name="batch", axis=0),
        helper.make_node("Concat", ["batch", "minus_one"], ["flat_shape"],
                         name="flat_shape", axis=0),
        helper.make_node("Reshape", ["g", "flat_shape"], ["flat"],
                         name="flatten"),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"],
                         ["logits"], name="fc", transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax",
                         axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT,
                                       ["batch", 3, 32, 32])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT,
                                       ["batch", 10])],
        inits)
    model = helper.make_model(graph, producer_name="gaon-demo",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


if __name__ == "__main__":
    main(sys.argv[1])
