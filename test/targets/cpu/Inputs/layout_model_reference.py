"""Computes make_layout_model.py's outputs in numpy (no fusion, no layouts)
for input INPUT.npy and compares them with gaon-run's DIR/output_<i>.npy.

Usage: layout_model_reference.py MODEL.onnx INPUT.npy DIR
Prints "match" or the outputs that differ.
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def conv(x, w, pad):
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1
    y = np.zeros((n, m, oh, ow), np.float64)
    for i in range(kh):
        for j in range(kw):
            y += np.einsum("nchw,mc->nmhw", xp[:, :, i:i + oh, j:j + ow],
                           w[:, :, i, j])
    return y


model = onnx.load(sys.argv[1])
w = {t.name: numpy_helper.to_array(t).astype(np.float64)
     for t in model.graph.initializer}
x = np.load(sys.argv[2]).astype(np.float64)
relu = lambda v: np.maximum(v, 0)
relu_a = relu(conv(x, w["wa"], 1))
pool = relu_a.reshape(1, 8, 8, 2, 8, 2).max(axis=(3, 5))
relu_res = relu(conv(pool, w["wb"], 1) + pool)
outputs = [relu_res.mean(axis=(2, 3)).reshape(1, 8),
           conv(relu_res, w["we"], 0) + w["bias"],
           conv(x, w["wc"], 0),
           conv(relu_res, w["wh"], 0) + conv(relu_res, w["wg"], 1)]
bad = [i for i, ref in enumerate(outputs)
       if not np.allclose(np.load("%s/output_%d.npy" % (sys.argv[3], i)), ref,
                          rtol=1e-4, atol=1e-5)]
print("match" if not bad else "differ: %s" % bad)
