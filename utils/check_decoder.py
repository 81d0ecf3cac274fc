#!/usr/bin/python3
"""Runs a tiny seeded decoder (utils/models/make_tiny_decoder.py) through
Gaon step by step and checks every step against the numpy reference.

    check_decoder.py --bin=BUILD/bin --work=DIR [--spelling=plain|contrib]
        [--nbits=0|4|8] [--window=W] [--prompt=5] [--steps=4]
        [--target=cpu|npu] [--device=cpu|sim] [--cosine=0.99999]

Step 0 is the prompt (past length 0), then each step feeds the greedy
token back with Gaon's own present caches as the next past: the caches
Gaon computes are what the next step reads. Each step is compiled at its
own past length (static shapes). Prints, per step, the largest logit
difference, the cosine of the logits and the greedy token of both, and
fails when a cosine falls below --cosine or a greedy token differs.

With --generate=N instead: one decode step compiled with
gaonc --max-seq-len (in-place caches at a run-time position) drives
gaon-generate over the prompt and N greedy tokens; the tokens must equal
the numpy reference's greedy generation (which attends over the whole
prompt at once). With --prefill-chunk=C a prefill step takes the prompt C
tokens at a time first.
"""

import argparse
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "models"))
from make_tiny_decoder import Decoder, build_onnx  # noqa: E402


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit("failed (%d): %s\n%s%s" % (r.returncode, " ".join(cmd), r.stdout, r.stderr))
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--spelling", default="plain", choices=["plain", "contrib"])
    ap.add_argument("--nbits", type=int, default=0)
    ap.add_argument("--window", type=int, default=0)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--prompt", type=int, default=5)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--target", default="cpu")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--cosine", type=float, default=0.99999)
    ap.add_argument("--generate", type=int, default=0)
    ap.add_argument("--max-seq-len", type=int, default=96)
    ap.add_argument("--npu-config", default="",
                    help="gaonc --npu-config for --target=npu")
    ap.add_argument("--prefill-chunk", type=int, default=0)
    ap.add_argument("--variant", default="hf")
    a = ap.parse_args()
    import onnx

    os.makedirs(a.work, exist_ok=True)
    dec = Decoder(layers=a.layers, window=a.window)
    model = os.path.join(a.work, "decoder.onnx")
    onnx.save(build_onnx(dec, a.spelling, a.nbits, variant=a.variant), model)
    quantized = dec.quantize(a.nbits)[1] if a.nbits else None

    rng = np.random.default_rng(7)
    tokens = list(rng.integers(0, dec.vocab, a.prompt))
    if a.generate:
        sys.exit(generate(a, dec, model, tokens, quantized))
    ref_past = dec.empty_past()
    gaon_past = dec.empty_past()
    failures = 0
    for step in range(a.steps + 1):
        ids = np.array([tokens if step == 0 else tokens[-1:]], np.int64)
        B, S = ids.shape
        P = ref_past[0][0].shape[2]
        ref_logits, ref_past = dec.forward(ids, ref_past, quantized)

        d = os.path.join(a.work, "step%d" % step)
        os.makedirs(d, exist_ok=True)
        feeds = {"input_ids": ids, "attention_mask": np.ones((B, P + S), np.int64)}
        if a.spelling == "plain":
            feeds["position_ids"] = np.arange(P, P + S, dtype=np.int64)[None]
        for i, (k, v) in enumerate(gaon_past):
            feeds["past_key_values.%d.key" % i] = k
            feeds["past_key_values.%d.value" % i] = v
        shapes, inputs = [], []
        for name, value in feeds.items():
            path = os.path.join(d, name + ".npy")
            np.save(path, value)
            shapes.append("--input-shape=%s:%s" % (name, "x".join(map(str, value.shape))))
            inputs.append("--input=%s=%s" % (name, path))
        gnb = os.path.join(d, "step.gnb")
        run([os.path.join(a.bin, "gaonc"), model, "-o", gnb, "--target=" + a.target] + shapes)
        run([os.path.join(a.bin, "gaon-run"), gnb, "--device=" + a.device,
             "--output-dir=" + d] + inputs)
        logits = np.load(os.path.join(d, "output_0.npy"))
        gaon_past = [(np.load(os.path.join(d, "output_%d.npy" % (1 + 2 * i))),
                      np.load(os.path.join(d, "output_%d.npy" % (2 + 2 * i))))
                     for i in range(dec.layers)]
        g, r = logits[0, -1].astype(np.float64), ref_logits[0, -1].astype(np.float64)
        cos = float(g @ r / (np.linalg.norm(g) * np.linalg.norm(r)))
        diff = float(np.abs(logits - ref_logits).max())
        cache = max(float(np.abs(gk - rk).max()) for (gk, _), (rk, _) in zip(gaon_past, ref_past))
        tg, tr = int(g.argmax()), int(r.argmax())
        ok = cos >= a.cosine and tg == tr
        failures += not ok
        print("step %d past %d: max |logit diff| %.2e, cosine %.7f, cache diff %.2e, token gaon %d ref %d%s"
              % (step, P, diff, cos, cache, tg, tr, "" if ok else "  MISMATCH"))
        tokens.append(tr)
    print("%s: %d of %d steps match" % ("PASS" if not failures else "FAIL",
                                         a.steps + 1 - failures, a.steps + 1))
    sys.exit(1 if failures else 0)


def generate(a, dec, model, prompt, quantized):
    import json
    # One binary: the decode entry, and a prefill entry with --prefill-chunk;
    # the caches are the session's state.
    gnb = os.path.join(a.work, "decoder.gnb")
    run([os.path.join(a.bin, "gaonc"), model, "-o", gnb, "--target=" + a.target,
         "--max-seq-len=%d" % a.max_seq_len]
        + (["--prefill-chunk=%d" % a.prefill_chunk] if a.prefill_chunk else [])
        + (["--npu-config=" + a.npu_config] if a.npu_config else []))
    ids_file = os.path.join(a.work, "ids.json")
    run([os.path.join(a.bin, "gaon-generate"), gnb, "--device=" + a.device,
         "--prompt-ids=" + ",".join(map(str, prompt)),
         "--max-new-tokens=%d" % a.generate, "--output-ids=" + ids_file])
    got = json.load(open(ids_file))["generated_ids"]
    # The reference: the prompt at once, then one token at a time.
    logits, past = dec.forward(np.array([prompt], np.int64), dec.empty_past(), quantized)
    want = []
    for _ in range(a.generate):
        want.append(int(logits[0, -1].argmax()))
        logits, past = dec.forward(np.array([[want[-1]]], np.int64), past, quantized)
    same = 0
    while same < len(want) and same < len(got) and want[same] == got[same]:
        same += 1
    print("generated %d tokens; %d agree with the reference before the first "
          "difference" % (len(got), same))
    if same < a.generate:
        print("gaon      %s\nreference %s" % (got, want))
    return 0 if same == a.generate else 1


if __name__ == "__main__":
    main()
