#!/usr/bin/python3
"""Trains a small CNN on scikit-learn's 8x8 handwritten digits, in numpy,
and exports it to ONNX with its data, for the int8 accuracy test.

    make_digits_cnn.py OUT_DIR

writes
    OUT_DIR/digits.onnx        input x: N x 1 x 8 x 8 (N symbolic), logits N x 10
    OUT_DIR/calibration/*.npy  training images in batches of 360 (calibration)
    OUT_DIR/test_x.npy         the held-out test images (360 x 1 x 8 x 8)
    OUT_DIR/test_y.npy         their labels
and prints the fp32 test accuracy the numpy model reaches.

The network: conv 3x3 1->16 + ReLU, conv 3x3 16->16 + ReLU, a residual add
of the two + ReLU, 2x2 max pooling, flatten, a linear layer to 10 classes.
It exercises every integer op the quantizer produces (qconv, qadd, max
pooling, qmatmul). Training is seeded, so the model is the same every run.
"""

import os
import sys

# One BLAS thread: sums in a fixed order, so training gives the same model
# on every run and machine load.
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits


def im2col(x, pad=1):
    """N x C x 8 x 8 -> (N*64) x (C*9) patches of 3x3 windows, stride 1."""
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.empty((n, c, 3, 3, h, w), x.dtype)
    for i in range(3):
        for j in range(3):
            cols[:, :, i, j] = xp[:, :, i:i + h, j:j + w]
    return cols.transpose(0, 4, 5, 1, 2, 3).reshape(n * h * w, c * 9)


def col2im(cols, shape, pad=1):
    n, c, h, w = shape
    cols = cols.reshape(n, h, w, c, 3, 3).transpose(0, 3, 4, 5, 1, 2)
    xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), cols.dtype)
    for i in range(3):
        for j in range(3):
            xp[:, :, i:i + h, j:j + w] += cols[:, :, i, j]
    return xp[:, :, pad:pad + h, pad:pad + w]


def conv_forward(x, w, b):
    n, _, h, wd = x.shape
    cols = im2col(x)
    y = cols @ w.reshape(w.shape[0], -1).T + b
    return y.reshape(n, h, wd, -1).transpose(0, 3, 1, 2), cols


def conv_backward(dy, cols, x_shape, w):
    m = w.shape[0]
    dy2 = dy.transpose(0, 2, 3, 1).reshape(-1, m)
    dw = (dy2.T @ cols).reshape(w.shape)
    db = dy2.sum(0)
    dx = col2im(dy2 @ w.reshape(m, -1), x_shape)
    return dx, dw, db


class Net:
    def __init__(self, rng):
        he = lambda *s: rng.standard_normal(s).astype(np.float32) * np.sqrt(2.0 / np.prod(s[1:]))
        self.p = {
            "w1": he(16, 1, 3, 3), "b1": np.zeros(16, np.float32),
            "w2": he(16, 16, 3, 3), "b2": np.zeros(16, np.float32),
            "w3": (rng.standard_normal((256, 10)) * np.sqrt(1.0 / 256)).astype(np.float32),
            "b3": np.zeros(10, np.float32),
        }

    def forward(self, x):
        p, c = self.p, {}
        c["x"] = x
        z1, c["cols1"] = conv_forward(x, p["w1"], p["b1"])
        a1 = np.maximum(z1, 0)
        z2, c["cols2"] = conv_forward(a1, p["w2"], p["b2"])
        a2 = np.maximum(z2, 0)
        s = a2 + a1
        r = np.maximum(s, 0)
        n = x.shape[0]
        win = r.reshape(n, 16, 4, 2, 4, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, 16, 4, 4, 4)
        arg = win.argmax(-1)
        pooled = win.max(-1)
        f = pooled.reshape(n, 256)
        logits = f @ p["w3"] + p["b3"]
        c.update(z1=z1, a1=a1, z2=z2, s=s, arg=arg, f=f)
        return logits, c

    def backward(self, dlogits, c):
        p, g = self.p, {}
        n = dlogits.shape[0]
        g["w3"] = c["f"].T @ dlogits
        g["b3"] = dlogits.sum(0)
        dpool = (dlogits @ p["w3"].T).reshape(n, 16, 4, 4)
        dwin = np.zeros((n, 16, 4, 4, 4), np.float32)
        np.put_along_axis(dwin, c["arg"][..., None], dpool[..., None], -1)
        dr = dwin.reshape(n, 16, 4, 4, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, 16, 8, 8)
        ds = dr * (c["s"] > 0)
        dz2 = ds * (c["z2"] > 0)
        da1, g["w2"], g["b2"] = conv_backward(dz2, c["cols2"], c["a1"].shape, p["w2"])
        da1 = da1 + ds
        dz1 = da1 * (c["z1"] > 0)
        _, g["w1"], g["b1"] = conv_backward(dz1, c["cols1"], c["x"].shape, p["w1"])
        return g


def train(x, y, rng, epochs=12, batch=32, lr=2e-3):
    net = Net(rng)
    m = {k: np.zeros_like(v) for k, v in net.p.items()}
    v = {k: np.zeros_like(val) for k, val in net.p.items()}
    t = 0
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            logits, cache = net.forward(x[idx])
            e = np.exp(logits - logits.max(1, keepdims=True))
            prob = e / e.sum(1, keepdims=True)
            prob[np.arange(len(idx)), y[idx]] -= 1
            grads = net.backward(prob / len(idx), cache)
            t += 1
            for k in net.p:  # Adam
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
                mh, vh = m[k] / (1 - 0.9 ** t), v[k] / (1 - 0.999 ** t)
                net.p[k] -= (lr * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
    return net


def export(net, path):
    p = net.p
    inits = [numpy_helper.from_array(p[k], k) for k in ("w1", "b1", "w2", "b2", "w3", "b3")]
    inits.append(numpy_helper.from_array(np.array([-1, 256], np.int64), "flat"))
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["z1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["z1"], ["a1"], name="relu1"),
        helper.make_node("Conv", ["a1", "w2", "b2"], ["z2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["z2"], ["a2"], name="relu2"),
        helper.make_node("Add", ["a2", "a1"], ["s"], name="residual"),
        helper.make_node("Relu", ["s"], ["r"], name="relu3"),
        helper.make_node("MaxPool", ["r"], ["pooled"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Reshape", ["pooled", "flat"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "w3", "b3"], ["logits"], name="fc"),
    ]
    graph = helper.make_graph(
        nodes, "digits_cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main(out):
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]  # N x 1 x 8 x 8
    y = digits.target.astype(np.int64)
    rng = np.random.default_rng(8)
    order = rng.permutation(len(x))
    test, training = order[:360], order[360:]
    net = train(x[training], y[training], rng)
    logits, _ = net.forward(x[test])
    accuracy = (logits.argmax(1) == y[test]).mean()
    os.makedirs(os.path.join(out, "calibration"), exist_ok=True)
    export(net, os.path.join(out, "digits.onnx"))
    np.save(os.path.join(out, "test_x.npy"), x[test])
    np.save(os.path.join(out, "test_y.npy"), y[test])
    for i in range(2):
        np.save(os.path.join(out, "calibration", "batch%d.npy" % i),
                x[training[360 * i:360 * (i + 1)]])
    print("numpy fp32 test accuracy %.4f" % accuracy)


if __name__ == "__main__":
    main(sys.argv[1])
