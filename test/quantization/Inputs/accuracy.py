#!/usr/bin/python3
"""accuracy.py LABELS.npy FP32.npy INT8.npy [MAX_DROP_POINTS]

Prints the fp32 and int8 top-1 accuracies over the labels, their agreement
and the int8 logits' SQNR against fp32, and fails if int8 accuracy is more
than MAX_DROP_POINTS (default 1) percentage points below fp32's.
"""
import sys

import numpy as np

labels = np.load(sys.argv[1])
fp32 = np.load(sys.argv[2]).astype(np.float64)
int8 = np.load(sys.argv[3]).astype(np.float64)
max_drop = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
a32 = 100 * (fp32.argmax(1) == labels).mean()
a8 = 100 * (int8.argmax(1) == labels).mean()
agree = 100 * (fp32.argmax(1) == int8.argmax(1)).mean()
sqnr = 10 * np.log10((fp32 ** 2).sum() / max(((fp32 - int8) ** 2).sum(), 1e-30))
print("fp32 %.2f%% int8 %.2f%% agreement %.2f%% sqnr %.1f dB" % (a32, a8, agree, sqnr))
if a8 < a32 - max_drop:
    print("FAIL: int8 loses %.2f points (more than %.2f)" % (a32 - a8, max_drop))
    sys.exit(1)
print("OK: int8 within %.2f points of fp32" % max_drop)
