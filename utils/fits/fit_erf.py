#!/usr/bin/python3
"""Fits the rational erf approximation used by targets/cpu/kernels/VectorMath.cpp.

erf(x) ~= x * P(x^2) / Q(x^2) on |x| <= 3.925 (beyond it erf rounds to +-1
in float32), P and Q of degree 5, Q(0) = 1. The fit is weighted least squares
on the relative error, reweighted by 1/|Q| until it settles (Loeb's
iteration). Prints the coefficients and the worst relative error of the
float32 evaluation against math.erf; the kernel's unit test checks the same
bound (4e-7).
"""
import math

import numpy as np

LIMIT = 3.925


def fit(dp, dq, iters=30):
    xs = np.concatenate([np.linspace(1e-4, LIMIT, 4000),
                         LIMIT * (1 - np.cos(np.linspace(0, np.pi / 2, 2000)))[1:]])
    t = xs * xs
    g = np.array([math.erf(x) for x in xs]) / xs
    w = np.ones_like(t)
    for _ in range(iters):
        # P(t) - g (Q(t) - 1) = g, divided by g so the residual is relative.
        a = np.hstack([np.vander(t, dp + 1, increasing=True),
                       -g[:, None] * np.vander(t, dq + 1, increasing=True)[:, 1:]])
        a = a / g[:, None] * w[:, None]
        c, *_ = np.linalg.lstsq(a, w, rcond=None)
        p, q = c[:dp + 1], np.concatenate([[1.0], c[dp + 1:]])
        w = 1 / np.abs(np.polyval(q[::-1], t))
    return p, q


def horner32(coeffs, t):
    acc = np.zeros_like(t)
    for c in coeffs[::-1]:
        acc = (acc * t + np.float32(c)).astype(np.float32)
    return acc


def main():
    p, q = fit(5, 5)
    x = np.linspace(-4.5, 4.5, 2000001).astype(np.float32)
    xc = np.clip(x, -np.float32(LIMIT), np.float32(LIMIT))
    t = (xc * xc).astype(np.float32)
    y = np.clip(xc * (horner32(p, t) / horner32(q, t)), -1, 1)
    ref = np.array([math.erf(v) for v in x.astype(np.float64)])
    rel = np.abs(y - ref) / np.maximum(np.abs(ref), 1e-30)
    print("P:", ", ".join("%.9ef" % c for c in p))
    print("Q:", ", ".join("%.9ef" % c for c in q))
    print("max relative error (float32 evaluation): %.3g" % rel.max())


if __name__ == "__main__":
    main()
