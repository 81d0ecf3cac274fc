#!/usr/bin/python3
"""Tiny seeded Hugging Face checkpoints (config.json + safetensors) of the
decoder architectures gaonc reads, and numpy reference forward passes
written from each architecture's published modeling code.

    make_tiny_checkpoint.py OUT_DIR --arch=llama|exaone|exaone4
        [--layers=2] [--hidden=64] [--heads=4] [--kv-heads=2] [--ffn=128]
        [--vocab=97] [--head-dim=0] [--tied] [--window=0] [--dtype=f32|bf16]
        [--rope-scaling=none|llama3] [--shards=1] [--seed=2026]
    make_tiny_checkpoint.py OUT_DIR --like-tiny-decoder [--layers=2]

- llama: LlamaForCausalLM (model.layers.N.self_attn.q_proj, ...).
- exaone: ExaoneForCausalLM, EXAONE 3.5 (transformer.h.N.attn.attention.
  q_proj, ln_1, mlp.c_fc_0 as the gate, c_fc_1 as up, c_proj; config keys
  num_layers and layer_norm_epsilon).
- exaone4: Exaone4ForCausalLM, EXAONE 4.0: q_norm and k_norm (RMS over
  head_dim, before RoPE), no input norm, post_attention_layernorm and
  post_feedforward_layernorm on each branch's output before its residual
  add; with --window=W every fourth layer is full_attention and NoPE, the
  others sliding_attention of W keys with RoPE (layer_types).

Weights are PyTorch's Linear layout (out, in). --dtype=bf16 stores them
rounded to bfloat16 (the reference uses the rounded values). --shards=N
writes model-0000i-of-0000N.safetensors with model.safetensors.index.json.

The safetensors writer (`write_safetensors`) and the reference
(`Checkpoint.forward`, `Checkpoint.greedy`) are imported by the tests.
"""

import argparse
import json
import math
import os
import struct

import numpy as np


def to_bf16_bits(x):
    """float32 -> bfloat16 bits, rounding to nearest even."""
    bits = np.ascontiguousarray(x, np.float32).view(np.uint32)
    rounding = ((bits >> 16) & 1) + np.uint32(0x7FFF)
    return ((bits + rounding) >> 16).astype(np.uint16)


def from_bf16_bits(b):
    return (b.astype(np.uint32) << 16).view(np.float32)


DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16",
          np.dtype(np.int8): "I8", np.dtype(np.uint8): "U8",
          np.dtype(np.int32): "I32", np.dtype(np.int64): "I64"}


def write_safetensors(path, tensors, bf16=(), metadata=None, align=8):
    """tensors: name -> numpy array; names in `bf16` are stored as BF16 (the
    array holds float32 values). Data ranges are padded to `align`."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        if name in bf16:
            raw, dtype = to_bf16_bits(a).tobytes(), "BF16"
        else:
            raw, dtype = a.tobytes(), DTYPES[a.dtype]
        header[name] = {"dtype": dtype, "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        pad = (-len(raw)) % align
        blobs.append(raw + b"\0" * pad)
        offset += len(raw) + pad
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((-len(text)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


NAMES = {
    "llama": dict(embed="model.embed_tokens.weight", norm="model.norm.weight",
                  head="lm_head.weight", prefix="model.layers.%d.",
                  ln1="input_layernorm.weight", q="self_attn.q_proj",
                  k="self_attn.k_proj", v="self_attn.v_proj",
                  o="self_attn.o_proj", ln2="post_attention_layernorm.weight",
                  gate="mlp.gate_proj", up="mlp.up_proj", down="mlp.down_proj"),
    "exaone": dict(embed="transformer.wte.weight", norm="transformer.ln_f.weight",
                   head="lm_head.weight", prefix="transformer.h.%d.",
                   ln1="ln_1.weight", q="attn.attention.q_proj",
                   k="attn.attention.k_proj", v="attn.attention.v_proj",
                   o="attn.attention.out_proj", ln2="ln_2.weight",
                   gate="mlp.c_fc_0", up="mlp.c_fc_1", down="mlp.c_proj"),
    "exaone4": dict(embed="model.embed_tokens.weight", norm="model.norm.weight",
                    head="lm_head.weight", prefix="model.layers.%d.",
                    q="self_attn.q_proj", k="self_attn.k_proj",
                    v="self_attn.v_proj", o="self_attn.o_proj",
                    q_norm="self_attn.q_norm.weight",
                    k_norm="self_attn.k_norm.weight",
                    post_attn="post_attention_layernorm.weight",
                    post_ff="post_feedforward_layernorm.weight",
                    gate="mlp.gate_proj", up="mlp.up_proj", down="mlp.down_proj"),
}
ARCHITECTURES = {"llama": "LlamaForCausalLM", "exaone": "ExaoneForCausalLM",
                 "exaone4": "Exaone4ForCausalLM"}


class Checkpoint:
    """Weights (PyTorch layout), config and the reference forward pass."""

    def __init__(self, arch="llama", layers=2, hidden=64, heads=4, kv_heads=2,
                 ffn=128, vocab=97, head_dim=0, tied=False, window=0,
                 dtype="f32", rope_scaling="none", seed=2026, eps=1e-5,
                 theta=10000.0):
        self.arch, self.layers, self.hidden = arch, layers, hidden
        self.heads, self.kv_heads, self.ffn, self.vocab = heads, kv_heads, ffn, vocab
        self.head_dim = head_dim or hidden // heads
        self.tied, self.window, self.dtype, self.eps = tied, window, dtype, eps
        self.theta, self.rope_scaling = theta, rope_scaling
        rng = np.random.default_rng(seed)
        n = NAMES[arch]
        D = self.head_dim
        t = {}

        def w(name, *shape, s=0.08, one=False):
            v = (rng.standard_normal(shape) * s).astype(np.float32)
            t[name] = (1 + v) if one else v

        w(n["embed"], vocab, hidden, s=0.5)
        for i in range(layers):
            p = n["prefix"] % i
            if arch == "exaone4":
                w(p + n["q_norm"], D, s=0.1, one=True)
                w(p + n["k_norm"], D, s=0.1, one=True)
                w(p + n["post_attn"], hidden, s=0.1, one=True)
                w(p + n["post_ff"], hidden, s=0.1, one=True)
            else:
                w(p + n["ln1"], hidden, s=0.1, one=True)
                w(p + n["ln2"], hidden, s=0.1, one=True)
            w(p + n["q"] + ".weight", heads * D, hidden)
            w(p + n["k"] + ".weight", kv_heads * D, hidden)
            w(p + n["v"] + ".weight", kv_heads * D, hidden)
            w(p + n["o"] + ".weight", hidden, heads * D)
            w(p + n["gate"] + ".weight", ffn, hidden)
            w(p + n["up"] + ".weight", ffn, hidden)
            w(p + n["down"] + ".weight", hidden, ffn)
        w(n["norm"], hidden, s=0.1, one=True)
        if not tied:
            w(n["head"], vocab, hidden, s=0.2)
        if dtype == "bf16":
            t = {k: from_bf16_bits(to_bf16_bits(v)) for k, v in t.items()}
        self.tensors = t
        self.inv_freq = self._inv_freq()

    # -- config.json ------------------------------------------------------
    def layer_types(self):
        return ["full_attention" if not self.window or i % 4 == 3
                else "sliding_attention" for i in range(self.layers)]

    def config(self):
        c = {"architectures": [ARCHITECTURES[self.arch]],
             "model_type": self.arch, "hidden_size": self.hidden,
             "intermediate_size": self.ffn, "num_attention_heads": self.heads,
             "num_key_value_heads": self.kv_heads, "vocab_size": self.vocab,
             "rope_theta": self.theta, "tie_word_embeddings": self.tied,
             "max_position_embeddings": 2048, "torch_dtype":
                 "bfloat16" if self.dtype == "bf16" else "float32"}
        if self.arch == "exaone":
            c.update(num_layers=self.layers, layer_norm_epsilon=self.eps,
                     activation_function="silu")
        else:
            c.update(num_hidden_layers=self.layers, rms_norm_eps=self.eps,
                     hidden_act="silu", head_dim=self.head_dim)
        if self.arch == "exaone4":
            c["layer_types"] = self.layer_types()
            c["sliding_window"] = self.window or None
            c["sliding_window_pattern"] = "LLLG" if self.window else None
        if self.rope_scaling == "llama3":
            c["rope_scaling"] = {"rope_type": "llama3", "factor": 8.0,
                                 "low_freq_factor": 1.0,
                                 "high_freq_factor": 4.0,
                                 "original_max_position_embeddings": 16}
        return c

    def save(self, out, shards=1):
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "config.json"), "w") as f:
            json.dump(self.config(), f, indent=1)
        bf16 = set(self.tensors) if self.dtype == "bf16" else ()
        names = sorted(self.tensors)
        if shards == 1:
            write_safetensors(os.path.join(out, "model.safetensors"),
                              self.tensors, bf16, {"format": "pt"})
            return
        weight_map = {}
        for s in range(shards):
            part = names[s::shards]
            fname = "model-%05d-of-%05d.safetensors" % (s + 1, shards)
            write_safetensors(os.path.join(out, fname),
                              {k: self.tensors[k] for k in part}, bf16)
            weight_map.update({k: fname for k in part})
        with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f)

    # -- the reference ----------------------------------------------------
    def _inv_freq(self):
        """Hugging Face's default and llama3 inverse frequencies, in f32."""
        D = self.head_dim
        inv = (np.float32(1.0) / np.power(np.float32(self.theta),
               np.arange(0, D, 2, dtype=np.float32) / np.float32(D))).astype(np.float32)
        if self.rope_scaling != "llama3":
            return inv
        f32 = np.float32
        factor, low, high, old = f32(8.0), f32(1.0), f32(4.0), f32(16.0)
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = f32(2.0) * f32(math.pi) / inv
        scaled = np.where(wavelen > low_wavelen, inv / factor, inv).astype(f32)
        smooth = ((old / wavelen - low) / (high - low)).astype(f32)
        smoothed = ((f32(1) - smooth) * scaled / factor + smooth * scaled).astype(f32)
        medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
        return np.where(medium, smoothed, scaled).astype(f32)

    def rms(self, x, g):
        var = np.mean(x.astype(np.float64) ** 2, axis=-1, keepdims=True)
        return (x / np.sqrt(var + self.eps) * g).astype(np.float32)

    def rope(self, x, positions):
        freqs = (positions[:, :, None].astype(np.float32) * self.inv_freq).astype(np.float32)
        emb = np.concatenate([freqs, freqs], axis=-1).astype(np.float64)
        cos = np.cos(emb).astype(np.float32)[:, None]
        sin = np.sin(emb).astype(np.float32)[:, None]
        half = self.head_dim // 2
        rot = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
        return (x * cos + rot * sin).astype(np.float32)

    def layer_window(self, i):
        return self.window if self.layer_types()[i] == "sliding_attention" else 0

    def forward(self, ids, past):
        """ids (B, S), past per layer (key, value) of (B, Hkv, P, D); returns
        logits (B, S, V) and the caches with the S new entries."""
        t, n = self.tensors, NAMES[self.arch]
        B, S = ids.shape
        P = past[0][0].shape[2]
        D, H, Hkv = self.head_dim, self.heads, self.kv_heads
        positions = np.tile(np.arange(P, P + S), (B, 1))
        lin = lambda x, name: x @ t[name + ".weight"].T
        h = t[n["embed"]][ids]
        presents = []
        hybrid = self.arch == "exaone4" and "sliding_attention" in self.layer_types()
        for i in range(self.layers):
            p = n["prefix"] % i
            x = h if self.arch == "exaone4" else self.rms(h, t[p + n["ln1"]])
            q = lin(x, p + n["q"]).reshape(B, S, H, D)
            k = lin(x, p + n["k"]).reshape(B, S, Hkv, D)
            v = lin(x, p + n["v"]).reshape(B, S, Hkv, D).transpose(0, 2, 1, 3)
            if self.arch == "exaone4":
                q, k = self.rms(q, t[p + n["q_norm"]]), self.rms(k, t[p + n["k_norm"]])
            q, k = q.transpose(0, 2, 1, 3), k.transpose(0, 2, 1, 3)
            # EXAONE 4.0's hybrid models use NoPE on their global layers.
            if not hybrid or self.layer_types()[i] == "sliding_attention":
                q, k = self.rope(q, positions), self.rope(k, positions)
            k = np.concatenate([past[i][0], k], axis=2)
            v = np.concatenate([past[i][1], v], axis=2)
            presents.append((k, v))
            T = k.shape[2]
            g = H // Hkv
            kr, vr = np.repeat(k, g, axis=1), np.repeat(v, g, axis=1)
            scores = q @ kr.transpose(0, 1, 3, 2) / math.sqrt(D)
            qpos, kpos = np.arange(P, P + S)[:, None], np.arange(T)[None, :]
            allowed = kpos <= qpos
            if self.layer_window(i):
                allowed &= kpos > qpos - self.layer_window(i)
            scores = np.where(allowed, scores, -np.inf)
            e = np.exp(scores - scores.max(-1, keepdims=True))
            a = ((e / e.sum(-1, keepdims=True)) @ vr).transpose(0, 2, 1, 3).reshape(B, S, -1)
            o = lin(a, p + n["o"])
            if self.arch == "exaone4":
                o = self.rms(o, t[p + n["post_attn"]])
            h = h + o
            x = h if self.arch == "exaone4" else self.rms(h, t[p + n["ln2"]])
            gate = lin(x, p + n["gate"])
            m = lin((gate / (1 + np.exp(-gate))) * lin(x, p + n["up"]), p + n["down"])
            if self.arch == "exaone4":
                m = self.rms(m, t[p + n["post_ff"]])
            h = h + m
        head = t[n["embed"]] if self.tied else t[n["head"]]
        logits = self.rms(h, t[n["norm"]]) @ head.T
        return logits.astype(np.float32), presents

    def empty_past(self, batch=1):
        z = np.zeros((batch, self.kv_heads, 0, self.head_dim), np.float32)
        return [(z.copy(), z.copy()) for _ in range(self.layers)]

    def greedy(self, prompt, steps):
        """The prompt at once, then `steps` greedy tokens; returns the tokens
        and the logits each was picked from."""
        logits, past = self.forward(np.array([prompt], np.int64), self.empty_past())
        tokens, rows = [], []
        for _ in range(steps):
            rows.append(logits[0, -1])
            tokens.append(int(logits[0, -1].argmax()))
            logits, past = self.forward(np.array([[tokens[-1]]], np.int64), past)
        return tokens, np.array(rows)


def from_tiny_decoder(layers=2, window=0):
    """A Llama checkpoint holding make_tiny_decoder.py's Decoder weights (its
    default seed and sizes), to compare with that script's ONNX export."""
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from make_tiny_decoder import Decoder
    dec = Decoder(layers=layers, window=window)
    ckpt = Checkpoint("llama", layers=layers, hidden=dec.hidden, heads=dec.heads,
                      kv_heads=dec.kv_heads, ffn=dec.ffn, vocab=dec.vocab,
                      eps=dec.eps, theta=dec.theta)
    n, t = NAMES["llama"], {}
    t[n["embed"]] = dec.embed
    for i, blk in enumerate(dec.blocks):
        p = n["prefix"] % i
        t[p + n["ln1"]], t[p + n["ln2"]] = blk["norm1"], blk["norm2"]
        for key in ("q", "k", "v", "o", "gate", "up", "down"):
            t[p + n[key] + ".weight"] = np.ascontiguousarray(blk[key].T)
    t[n["norm"]] = dec.final_norm
    t[n["head"]] = np.ascontiguousarray(dec.lm_head.T)
    ckpt.tensors = t
    return ckpt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("--arch", choices=sorted(NAMES), default="llama")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=128)
    ap.add_argument("--vocab", type=int, default=97)
    ap.add_argument("--head-dim", type=int, default=0)
    ap.add_argument("--tied", action="store_true")
    ap.add_argument("--window", type=int, default=0)
    ap.add_argument("--dtype", choices=["f32", "bf16"], default="f32")
    ap.add_argument("--rope-scaling", choices=["none", "llama3"], default="none")
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--like-tiny-decoder", action="store_true",
                    help="make_tiny_decoder.py's weights as a Llama checkpoint")
    a = ap.parse_args()
    if a.like_tiny_decoder:
        from_tiny_decoder(a.layers, a.window).save(a.output, a.shards)
        return
    Checkpoint(a.arch, a.layers, a.hidden, a.heads, a.kv_heads, a.ffn, a.vocab,
               a.head_dim, a.tied, a.window, a.dtype, a.rope_scaling,
               a.seed).save(a.output, a.shards)


if __name__ == "__main__":
    main()
