#!/usr/bin/python3
"""Benchmark models with seeded random weights, built as exporters emit them.

  resnet50     ResNet-50 architecture (torchvision's, batch-norm folded into
               the convolutions as torch.onnx.export does in eval mode)
  mobilenetv2  MobileNet-v2 (inverted residuals, depthwise convolutions,
               ReLU6 as Clip)
  bert         a BERT-base-sized encoder stack: 12 layers, hidden 768,
               12 heads, FFN 3072, sequence 128, GELU via Erf

Usage: models.py NAME OUT.onnx [--layers N] [--seq N]
"""

import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Builder:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, base):
        self.count += 1
        return "%s_%d" % (base, self.count)

    def weight(self, shape, fan_in, base="w"):
        n = self.name(base)
        w = self.rng.standard_normal(shape).astype(np.float32)
        w *= np.float32(np.sqrt(2.0 / fan_in))
        self.inits.append(numpy_helper.from_array(w, n))
        return n

    def const(self, array, base="c"):
        n = self.name(base)
        self.inits.append(numpy_helper.from_array(array, n))
        return n

    def node(self, op, inputs, **attrs):
        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def conv(self, x, cin, cout, k, stride=1, group=1, act="relu"):
        w = self.weight((cout, cin // group, k, k), cin // group * k * k)
        b = self.const((self.rng.standard_normal(cout) * 0.01).astype(np.float32), "b")
        y = self.node("Conv", [x, w, b], kernel_shape=[k, k],
                      strides=[stride, stride], pads=[k // 2] * 4, group=group)
        if act == "relu":
            y = self.node("Relu", [y])
        elif act == "relu6":
            y = self.node("Clip", [y, self.const(np.float32(0), "lo"),
                                   self.const(np.float32(6), "hi")])
        return y

    def model(self, inputs, outputs, name, opset=13):
        graph = helper.make_graph(self.nodes, name, inputs, outputs, self.inits)
        m = helper.make_model(graph, producer_name="gaon-bench",
                              opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = 8
        return m


def classifier_head(b, x, channels):
    x = b.node("GlobalAveragePool", [x])
    x = b.node("Flatten", [x], axis=1)
    w = b.weight((1000, channels), channels)
    bias = b.const(np.zeros(1000, np.float32), "fc_b")
    return b.node("Gemm", [x, w, bias], transB=1)


def resnet50():
    b = Builder(50)
    x = b.conv("input", 3, 64, 7, stride=2)
    x = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4)
    cin = 64
    for blocks, width, stride in [(3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2)]:
        for i in range(blocks):
            s = stride if i == 0 else 1
            y = b.conv(x, cin, width, 1)
            y = b.conv(y, width, width, 3, stride=s)
            y = b.conv(y, width, width * 4, 1, act=None)
            short = x if (i > 0) else b.conv(x, cin, width * 4, 1, stride=s, act=None)
            x = b.node("Relu", [b.node("Add", [y, short])])
            cin = width * 4
    out = classifier_head(b, x, 2048)
    return b.model([helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])],
                   [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 1000])],
                   "resnet50")


def mobilenetv2():
    b = Builder(2)
    x = b.conv("input", 3, 32, 3, stride=2, act="relu6")
    cin = 32
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = cin * t
            y = x if t == 1 else b.conv(x, cin, hidden, 1, act="relu6")
            y = b.conv(y, hidden, hidden, 3, stride=stride, group=hidden, act="relu6")
            y = b.conv(y, hidden, c, 1, act=None)
            x = b.node("Add", [x, y]) if stride == 1 and cin == c else y
            cin = c
    x = b.conv(x, cin, 1280, 1, act="relu6")
    out = classifier_head(b, x, 1280)
    return b.model([helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])],
                   [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 1000])],
                   "mobilenetv2")


def bert(layers=12, hidden=768, heads=12, ffn=3072, seq=128):
    b = Builder(768)
    head = hidden // heads

    def linear(x, cin, cout):
        w = b.weight((cin, cout), cin)
        return b.node("Add", [b.node("MatMul", [x, w]),
                              b.const(np.zeros(cout, np.float32), "bias")])

    def layer_norm(x):
        return b.node("LayerNormalization",
                      [x, b.const(np.ones(hidden, np.float32), "gamma"),
                       b.const(np.zeros(hidden, np.float32), "beta")],
                      axis=-1, epsilon=1e-12)

    def split_heads(x):
        x = b.node("Reshape", [x, b.const(np.array([1, seq, heads, head], np.int64), "shape")])
        return b.node("Transpose", [x], perm=[0, 2, 1, 3])

    x = "input"
    for _ in range(layers):
        q = split_heads(linear(x, hidden, hidden))
        k = split_heads(linear(x, hidden, hidden))
        v = split_heads(linear(x, hidden, hidden))
        kt = b.node("Transpose", [k], perm=[0, 1, 3, 2])
        scores = b.node("Div", [b.node("MatMul", [q, kt]),
                                b.const(np.float32(np.sqrt(head)), "scale")])
        probs = b.node("Softmax", [scores], axis=-1)
        ctx = b.node("Transpose", [b.node("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        ctx = b.node("Reshape", [ctx, b.const(np.array([1, seq, hidden], np.int64), "shape")])
        x = layer_norm(b.node("Add", [x, linear(ctx, hidden, hidden)]))
        h = linear(x, hidden, ffn)
        # GELU as exporters spell it: 0.5 * h * (1 + erf(h / sqrt(2))).
        e = b.node("Erf", [b.node("Div", [h, b.const(np.float32(np.sqrt(2.0)), "sqrt2")])])
        h = b.node("Mul", [b.node("Mul", [h, b.node("Add", [e, b.const(np.float32(1), "one")])]),
                           b.const(np.float32(0.5), "half")])
        x = layer_norm(b.node("Add", [x, linear(h, ffn, hidden)]))
    return b.model([helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, seq, hidden])],
                   [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, seq, hidden])],
                   "bert", opset=17)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=["resnet50", "mobilenetv2", "bert"])
    parser.add_argument("out")
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--seq", type=int, default=128,
                        help="bert: tokens per sequence (a handful is "
                        "decode-shaped: weight-bound)")
    args = parser.parse_args()
    model = {"resnet50": resnet50, "mobilenetv2": mobilenetv2,
             "bert": lambda: bert(args.layers, seq=args.seq)}[args.name]()
    onnx.checker.check_model(model)
    onnx.save(model, args.out)


if __name__ == "__main__":
    main()
