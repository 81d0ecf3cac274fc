#!/usr/bin/python3
"""Writes a tiny seeded checkpoint (utils/models/make_tiny_checkpoint.py),
compiles the folder with gaonc --max-seq-len, generates with gaon-generate
and checks the result against the numpy reference of the architecture.

    check_checkpoint.py --bin=BUILD/bin --work=DIR --arch=llama|exaone|exaone4
        [--tied] [--window=W] [--dtype=f32|bf16] [--rope-scaling=llama3]
        [--shards=N] [--layers=2] [--prompt=5] [--generate=64]
        [--target=cpu|npu] [--device=cpu|sim] [--prefill-chunk=C]
        [--cosine=0.999] [--tokens=N]

Prints how many greedy tokens agree with the reference's before the first
difference (at least --tokens, all of them by default, must), and the
lowest per-step cosine between Gaon's logits and the reference's for the
same tokens (the reference is fed Gaon's tokens, so one early difference
does not make every later step differ); it must reach --cosine.
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "models"))
from make_tiny_checkpoint import Checkpoint  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_decoder import run  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--arch", default="llama")
    ap.add_argument("--tied", action="store_true")
    ap.add_argument("--window", type=int, default=0)
    ap.add_argument("--dtype", default="f32")
    ap.add_argument("--rope-scaling", default="none")
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--head-dim", type=int, default=0)
    ap.add_argument("--prompt", type=int, default=5)
    ap.add_argument("--generate", type=int, default=64)
    ap.add_argument("--max-seq-len", type=int, default=96)
    ap.add_argument("--target", default="cpu")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--prefill-chunk", type=int, default=0)
    ap.add_argument("--cosine", type=float, default=0.999)
    ap.add_argument("--tokens", type=int, default=-1)
    a = ap.parse_args()

    ckpt = Checkpoint(a.arch, layers=a.layers, head_dim=a.head_dim, tied=a.tied,
                      window=a.window, dtype=a.dtype, rope_scaling=a.rope_scaling)
    folder = os.path.join(a.work, "checkpoint")
    ckpt.save(folder, a.shards)
    gnb = os.path.join(a.work, "model.gnb")
    run([os.path.join(a.bin, "gaonc"), folder, "-o", gnb, "--target=" + a.target,
         "--max-seq-len=%d" % a.max_seq_len]
        + (["--prefill-chunk=%d" % a.prefill_chunk] if a.prefill_chunk else []))
    prompt = [int(t) for t in np.random.default_rng(7).integers(0, ckpt.vocab, a.prompt)]
    ids_file = os.path.join(a.work, "ids.json")
    logits_file = os.path.join(a.work, "logits.npy")
    run([os.path.join(a.bin, "gaon-generate"), gnb, "--device=" + a.device,
         "--prompt-ids=" + ",".join(map(str, prompt)),
         "--max-new-tokens=%d" % a.generate, "--output-ids=" + ids_file,
         "--output-logits=" + logits_file])
    got = json.load(open(ids_file))["generated_ids"]
    got_logits = np.load(logits_file)
    want, _ = ckpt.greedy(prompt, a.generate)
    same = 0
    while same < len(want) and same < len(got) and want[same] == got[same]:
        same += 1
    # The reference's logits for Gaon's own tokens.
    seq = prompt + got[:-1]
    ref, _ = ckpt.forward(np.array([seq], np.int64), ckpt.empty_past())
    ref = ref[0, len(prompt) - 1:].astype(np.float64)
    g = got_logits.astype(np.float64)
    cos = (g * ref).sum(-1) / (np.linalg.norm(g, axis=-1) * np.linalg.norm(ref, axis=-1))
    need = a.generate if a.tokens < 0 else a.tokens
    ok = same >= need and cos.min() >= a.cosine and len(got) == a.generate
    print("generated %d tokens; %d agree with the reference before the first "
          "difference; lowest logit cosine %.6f" % (len(got), same, cos.min()))
    print("%s: %s" % ("PASS" if ok else "FAIL", a.arch))
    if not ok:
        print("gaon      %s\nreference %s" % (got, want))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
