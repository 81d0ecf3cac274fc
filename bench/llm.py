#!/usr/bin/python3
"""A decoder LLM at real size on the simulated NPU: decode and prefill steps
against the roofline, timing only.

The shape is EXAONE-3.5-7.8B's (32 layers, hidden 4096, 32 query and 8
key/value heads of 128, FFN 14336, vocab 102400), with seeded weights. Its
ONNX export would be 31 GB of f32, more than this machine holds, and its
layers are identical in shape, so the bench measures parts and adds them
up (utils/models/make_tiny_decoder.py writes the parts):

  - decoders of one and of two layers with a 64-token vocabulary, each
    compiled with gaonc --max-seq-len for --npu-config (default server) and
    run on the sim-timing device at --context positions: one layer's time is
    the difference, the rest (embedding, final norm, a negligible head)
    comes from the one-layer model;
  - the LM head (4096 x 102400) alone, as a matmul model over one row
    (decode and prefill: a prefill entry's head reads the last position);
  - per token: one-layer model + (layers - 1) x layer + head.

For bf16 and w4a16 weights it prints ms/token, tokens/s and the fraction of
the DRAM roofline: the bytes a token must read (every streamed weight once
at its stored width, w4a16's scales included, plus the K/V cache at
--context positions in bf16) over the preset's bandwidth. The NPU time is
simulated (attention included: the caches stay in device memory); the few
CPU ops left (the embedding gather, the position arithmetic and the step's
rotary rows) are measured on this machine and reported beside it.

Prefill: one --chunk-token chunk through the same parts (prefill entry),
with the matrix engine's share of its bf16 peak over the NPU time.

Usage: bench/llm.py [--npu-config server] [--context 2048] [--chunk 512]
                    [--quantize bf16,w4a16] [--layers 32]
                    [--steps decode,prefill] [--build build] [--work DIR]
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SHAPE = dict(hidden=4096, heads=32, kv_heads=8, ffn=14336, vocab=102400,
             layers=32)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
    return r


def layer_weights(s):
    """Parameters a layer streams: q, k, v, o, gate, up, down."""
    h, d = s["hidden"], s["hidden"] // s["heads"]
    kv = s["kv_heads"] * d
    return h * h + 2 * h * kv + h * h + 3 * h * s["ffn"]


def stored_bytes(params, quant, group):
    if quant == "w4a16":
        return params / 2 + params / group * 4  # int4 plus f32 scales
    return 2 * params


def make_head(path, hidden, vocab):
    """x[1, 1, hidden] @ W[hidden, vocab]: the LM head alone, on the one
    position decode and prefill entries compute it for."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    w = np.random.default_rng(5).standard_normal((hidden, vocab), np.float32)
    w *= np.float32(1 / np.sqrt(hidden))
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["logits"], name="lm_head")],
        "head", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                               [1, 1, hidden])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                       [1, 1, vocab])],
        [numpy_helper.from_array(w, "w")])
    onnx.save(helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17)]), path)


def measure(gnb, gaon_run, args):
    """(NPU seconds incl. host link, host-op seconds, profile) of one step."""
    prof = gnb + ".profile.json"
    cmd = [gaon_run, gnb, "--device=sim-timing", "--profile=" + prof]
    if args:
        cmd += args
    # The first run pays oneDNN's kernel generation on the CPU ops; the
    # profile is the last of three.
    run(cmd + ["--repeat=3"])
    p = json.load(open(prof))
    return (p["simulated_seconds"] + p["host_transfer_seconds"],
            p["host_op_seconds"], p)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--npu-config", default="server")
    ap.add_argument("--context", type=int, default=2048)
    ap.add_argument("--chunk", type=int, default=512)
    ap.add_argument("--quantize", default="bf16,w4a16")
    ap.add_argument("--group-size", type=int, default=128)
    ap.add_argument("--layers", type=int, default=SHAPE["layers"])
    ap.add_argument("--steps", default="decode,prefill",
                    help="which to measure: decode, prefill or both")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench",
                                                   "llm"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    gaonc = os.path.join(a.build, "bin", "gaonc")
    gaon_run = os.path.join(a.build, "bin", "gaon-run")
    maker = os.path.join(ROOT, "utils", "models", "make_tiny_decoder.py")
    cfg = json.loads(run([gaonc, "--print-npu-config",
                          "--npu-config=" + a.npu_config]).stdout
                     .split("\n")[0])
    bandwidth = cfg["dram"]["bandwidth"]
    bf16_peak = (cfg["cores"] * cfg["matrix"]["rows"] * cfg["matrix"]["cols"]
                 * cfg["matrix"]["bf16_rate"] * cfg["clock_hz"])
    s = dict(SHAPE, layers=a.layers)
    head_dim = s["hidden"] // s["heads"]
    max_len = max(a.context + 1, a.chunk + 1)
    max_len = 1 << (max_len - 1).bit_length()

    models = {}
    for n in (1, 2):
        path = os.path.join(a.work, "layers%d.onnx" % n)
        if not os.path.exists(path):
            run(["/usr/bin/python3", maker, path, "--layers=%d" % n,
                 "--hidden=%d" % s["hidden"], "--heads=%d" % s["heads"],
                 "--kv-heads=%d" % s["kv_heads"], "--ffn=%d" % s["ffn"],
                 "--vocab=64"])
        models[n] = path
    head = os.path.join(a.work, "head.onnx")
    if not os.path.exists(head):
        make_head(head, s["hidden"], s["vocab"])
    head_times = {}

    def measure_head(quant, qflags):
        """The head's step at `quant`, compiled and measured once a run."""
        if quant not in head_times:
            gnb = os.path.join(a.work, "head-%s.gnb" % quant)
            run([gaonc, head, "--npu-config=" + a.npu_config, "-o", gnb] +
                qflags)
            head_times[quant] = measure(gnb, gaon_run, [])
        return head_times[quant]

    kv_bytes = 2 * s["layers"] * s["kv_heads"] * head_dim * a.context * 2
    print("%s shape (%d layers, hidden %d, %d/%d heads, FFN %d, vocab %d) on "
          "%s: %d cores, %.0f GB/s DRAM, %.0f bf16 TMAC/s" %
          ("EXAONE-3.5-7.8B", s["layers"], s["hidden"], s["heads"],
           s["kv_heads"], s["ffn"], s["vocab"], cfg["name"], cfg["cores"],
           bandwidth / 1e9, bf16_peak / 1e12))
    print("\ndecode, batch 1, at context %d (K/V read per token: %.0f MB in "
          "bf16)" % (a.context, kv_bytes / 1e6))
    steps = a.steps.split(",")
    for quant in a.quantize.split(",") if "decode" in steps else []:
        qflags = [] if quant == "bf16" else [
            "--quantize=" + quant, "--group-size=%d" % a.group_size]
        t = {}
        for n, path in models.items():
            gnb = os.path.join(a.work, "decode%d-%s.gnb" % (n, quant))
            run([gaonc, path, "--max-seq-len=%d" % max_len,
                 "--npu-config=" + a.npu_config, "-o", gnb] + qflags)
            t[n] = measure(gnb, gaon_run, ["--context=%d" % a.context])
        th = measure_head(quant, qflags)
        layer_npu = t[2][0] - t[1][0]
        npu = t[1][0] + (s["layers"] - 1) * layer_npu + th[0]
        weights = stored_bytes(layer_weights(s) * s["layers"] +
                               s["hidden"] * s["vocab"], quant, a.group_size)
        roof_weights = weights / bandwidth
        roof = (weights + kv_bytes) / bandwidth
        # Attention's share: the NPU layer rows named after it.
        attn = sum(r.get("cycles", 0) for r in t[1][2]["layers"]
                   if r.get("placement") == "npu" and
                   r.get("name", "").endswith("(attention)")) / cfg["clock_hz"]
        print("  %-6s weights %5.2f GB + K/V %.0f MB: NPU %.2f ms/token "
              "simulated (%.0f tokens/s), %.1f%% of the roofline (%.2f ms; "
              "weights alone %.2f ms); goal 80%%: %s" %
              (quant, weights / 1e9, kv_bytes / 1e6, npu * 1e3, 1 / npu,
               100 * roof / npu, roof * 1e3, roof_weights * 1e3,
               "met" if roof / npu >= 0.8 else "NOT MET"))
        print("         attention %.3f ms per layer on the NPU; the CPU's "
              "part (embedding, positions, rotary rows) %.2f ms measured "
              "here" % (attn * 1e3, max(t[1][1], 0) * 1e3))
    if "prefill" not in steps:
        return
    print("\nprefill, one chunk of %d tokens at position 0 (bf16)" % a.chunk)
    t = {}
    for n, path in models.items():
        gnb = os.path.join(a.work, "prefill%d.gnb" % n)
        run([gaonc, path, "--max-seq-len=%d" % max_len, "--llm-entry=prefill",
             "--prefill-chunk=%d" % a.chunk, "--npu-config=" + a.npu_config,
             "-o", gnb])
        t[n] = measure(gnb, gaon_run, ["--context=0"])
    macs = (a.chunk * layer_weights(s) * s["layers"] +
            s["hidden"] * s["vocab"])
    layer_npu = t[2][0] - t[1][0]
    # The prefill entry's head reads the last position only (docs/llm.md).
    th = measure_head("bf16", [])
    npu = t[1][0] + (s["layers"] - 1) * layer_npu + th[0]
    print("  NPU %.1f ms simulated (%.0f tokens/s): the matrix engine at "
          "%.1f%% of its bf16 peak; goal 60%%: %s" %
          (npu * 1e3, a.chunk / npu, 100 * macs / bf16_peak / npu,
           "met" if macs / bf16_peak / npu >= 0.6 else "NOT MET"))
    print("  CPU part (embedding, positions, rotary rows): %.1f ms measured "
          "here" % (max(t[1][1], 0) * 1e3))


if __name__ == "__main__":
    main()
