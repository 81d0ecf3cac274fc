"""compare.py EXPECTED.npy ACTUAL.npy: bf16-level agreement of two outputs.

Prints the cosine similarity; fails unless it is at least 0.999 and every
element is within rtol 1e-2 + atol of the largest magnitude times 1e-2.
"""
import sys

import numpy as np

e = np.load(sys.argv[1]).astype(np.float64).ravel()
a = np.load(sys.argv[2]).astype(np.float64).ravel()
cos = float(e @ a / (np.linalg.norm(e) * np.linalg.norm(a)))
worst = float(np.max(np.abs(a - e) - 1e-2 * np.abs(e)) / np.max(np.abs(e)))
print("cosine %.4f" % min(cos, 0.9999))
print("agree" if cos >= 0.999 and worst <= 1e-2 else
      "DISAGREE: worst scaled error %.3g" % worst)
sys.exit(0 if cos >= 0.999 and worst <= 1e-2 else 1)
