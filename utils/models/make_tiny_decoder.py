#!/usr/bin/python3
"""Tiny seeded Llama/EXAONE-style decoders in the two ONNX spellings real
exports use, and a numpy reference forward pass to check them against.

    make_tiny_decoder.py OUT.onnx [--spelling=plain|contrib] [--layers=2]
        [--hidden=64] [--heads=4] [--kv-heads=2] [--ffn=128] [--vocab=97]
        [--window=0] [--nbits=0] [--seed=2026]

Both take input_ids (batch, sequence), attention_mask (batch, past +
sequence) and past_key_values.N.key/value (batch, kv_heads, past,
head_size), and output logits and present.N.key/value, with the dims named
batch / sequence / past_sequence / total_sequence.

- plain: what torch.onnx exports from a Hugging Face LlamaForCausalLM
  (eager attention, opset 17): RMSNorm as Pow/ReduceMean/Add/Sqrt/Div/Mul,
  rotate-half RoPE from position_ids (also an input) through
  MatMul/Concat/Cos/Sin and Slice/Neg/Concat, GQA by Unsqueeze/Expand/
  Reshape, the causal mask through Range/LessOrEqual/And/Where, SiLU as
  Sigmoid*x.
- contrib: what onnxruntime-genai's builder writes: SimplifiedLayer-
  Normalization, SkipSimplifiedLayerNormalization, GroupQueryAttention with
  do_rotary and cos/sin caches (positions from the attention mask), and
  with --nbits=4|8 MatMulNBits projections.

--window=W makes every layer but each fourth one a sliding-window layer of W
keys (EXAONE 4.0's 3:1 hybrid); the fourth layers are global.

--variant=alt writes the plain spelling the other ways exporters do: the
mask from Trilu over ConstantOfShape plus (1 - attention_mask) * min, cos
and sin gathered from constant caches, RMSNorm with Casts, x * x and
Reciprocal, SDPA's sqrt(scale) on q and on k^T, sigmoid(x) * x.

The reference (`Decoder.forward`) is imported by the tests:
    from make_tiny_decoder import Decoder
"""

import argparse
import math
import sys

import numpy as np

MIN = float(np.finfo(np.float32).min)


class Decoder:
    """Weights and the numpy forward pass of one tiny decoder."""

    def __init__(self, layers=2, hidden=64, heads=4, kv_heads=2, ffn=128,
                 vocab=97, window=0, seed=2026, max_positions=256,
                 eps=1e-5, theta=10000.0):
        rng = np.random.default_rng(seed)
        self.layers, self.hidden, self.heads = layers, hidden, heads
        self.kv_heads, self.ffn, self.vocab = kv_heads, ffn, vocab
        self.head_size = hidden // heads
        self.window, self.eps, self.max_positions = window, eps, max_positions
        self.theta = theta
        w = lambda *shape, s=0.08: (rng.standard_normal(shape) * s).astype(np.float32)
        self.embed = w(vocab, hidden, s=0.5)
        self.blocks = []
        for _ in range(layers):
            self.blocks.append(dict(
                norm1=(1 + w(hidden, s=0.1)), norm2=(1 + w(hidden, s=0.1)),
                q=w(hidden, heads * self.head_size),
                k=w(hidden, kv_heads * self.head_size),
                v=w(hidden, kv_heads * self.head_size),
                o=w(heads * self.head_size, hidden),
                gate=w(hidden, ffn), up=w(hidden, ffn), down=w(ffn, hidden)))
        self.final_norm = 1 + w(hidden, s=0.1)
        self.lm_head = w(hidden, vocab, s=0.2)
        half = self.head_size // 2
        self.inv_freq = (1.0 / theta ** (np.arange(half, dtype=np.float32) * 2
                                         / self.head_size)).astype(np.float32)

    def layer_window(self, i):
        """Keys a layer's query may see (0: all); every fourth is global."""
        return 0 if not self.window or i % 4 == 3 else self.window

    def rms(self, x, g):
        var = np.mean(x.astype(np.float64) ** 2, axis=-1, keepdims=True)
        return (x / np.sqrt(var + self.eps) * g).astype(np.float32)

    def rope(self, x, positions):
        """x (B, H, S, D), positions (B, S)."""
        freqs = positions[:, :, None].astype(np.float32) * self.inv_freq
        emb = np.concatenate([freqs, freqs], axis=-1)
        cos, sin = np.cos(emb)[:, None], np.sin(emb)[:, None]
        half = self.head_size // 2
        rot = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
        return (x * cos + rot * sin).astype(np.float32)

    def forward(self, ids, past, quantized=None):
        """ids (B, S) int, past: per layer (key, value) of (B, Hkv, P, D).
        Every row is full: positions P..P+S-1. Returns logits (B, S, V) and
        the present caches (past + S entries)."""
        B, S = ids.shape
        P = past[0][0].shape[2]
        positions = np.tile(np.arange(P, P + S), (B, 1))
        h = self.embed[ids]
        presents = []
        group = self.heads // self.kv_heads
        for i, blk in enumerate(self.blocks):
            W = (quantized[i] if quantized else blk)
            x = self.rms(h, blk["norm1"])
            q = (x @ W["q"]).reshape(B, S, self.heads, -1).transpose(0, 2, 1, 3)
            k = (x @ W["k"]).reshape(B, S, self.kv_heads, -1).transpose(0, 2, 1, 3)
            v = (x @ W["v"]).reshape(B, S, self.kv_heads, -1).transpose(0, 2, 1, 3)
            q, k = self.rope(q, positions), self.rope(k, positions)
            k = np.concatenate([past[i][0], k], axis=2)
            v = np.concatenate([past[i][1], v], axis=2)
            presents.append((k, v))
            T = k.shape[2]
            kr, vr = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
            scores = q @ kr.transpose(0, 1, 3, 2) / math.sqrt(self.head_size)
            qpos = np.arange(P, P + S)[:, None]
            kpos = np.arange(T)[None, :]
            allowed = kpos <= qpos
            win = self.layer_window(i)
            if win:
                allowed &= kpos > qpos - win
            scores = np.where(allowed, scores, -np.inf)
            scores = scores - scores.max(-1, keepdims=True)
            p = np.exp(scores)
            p /= p.sum(-1, keepdims=True)
            a = (p @ vr).transpose(0, 2, 1, 3).reshape(B, S, -1)
            h = h + a @ W["o"]
            x = self.rms(h, blk["norm2"])
            g = x @ W["gate"]
            h = h + ((g / (1 + np.exp(-g))) * (x @ W["up"])) @ W["down"]
        logits = self.rms(h, self.final_norm) @ self.lm_head
        return logits.astype(np.float32), presents

    def empty_past(self, batch=1, length=0):
        z = np.zeros((batch, self.kv_heads, length, self.head_size), np.float32)
        return [(z.copy(), z.copy()) for _ in range(self.layers)]

    # -- weight-only quantization, as MatMulNBits stores it ---------------
    def quantize(self, bits, block=32):
        """Per block of `block` input rows: unsigned values, zero point
        2^(bits-1), scale amax / (2^(bits-1) - 1). Returns the packed
        MatMulNBits tensors per projection and the dequantized weights."""
        mid, qmax = 1 << (bits - 1), (1 << (bits - 1)) - 1
        packed, deq = [], []
        for blk in self.blocks:
            p, d = {}, {}
            for name in ("q", "k", "v", "o", "gate", "up", "down"):
                w = blk[name]  # (K, N)
                K, N = w.shape
                blocks = (K + block - 1) // block
                wt = np.zeros((N, blocks * block), np.float32)
                wt[:, :K] = w.T
                wb = wt.reshape(N, blocks, block)
                scale = np.abs(wb).max(-1) / qmax
                scale[scale == 0] = 1
                q = np.clip(np.rint(wb / scale[..., None]), -qmax, qmax) + mid
                q = q.astype(np.uint8)
                d[name] = ((q.astype(np.float32) - mid) * scale[..., None]
                           ).reshape(N, -1)[:, :K].T.copy()
                if bits == 4:
                    q = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
                p[name] = (q, scale.astype(np.float32).reshape(-1), K, N)
            packed.append(p)
            deq.append(d)
        return packed, deq


def build_onnx(dec, spelling, nbits=0, block=32, variant="hf"):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    counter = [0]

    def name(base):
        counter[0] += 1
        return "%s_%d" % (base, counter[0])

    def const(value, base="c"):
        n = name(base)
        inits.append(numpy_helper.from_array(np.asarray(value), n))
        return n

    def node(op, inputs, outputs=None, domain=None, node_name=None, **attrs):
        outs = outputs or [name(op.lower())]
        nodes.append(helper.make_node(op, inputs, outs, name=node_name or outs[0],
                                      domain=domain, **attrs))
        return outs[0] if len(outs) == 1 else outs

    H, Hkv, D, hidden = dec.heads, dec.kv_heads, dec.head_size, dec.hidden
    packed = dec.quantize(nbits, block)[0] if nbits else None

    def proj(x, layer, key):
        if packed:
            q, scale, K, N = packed[layer][key]
            return node("MatMulNBits", [x, const(q, key + "_q"),
                                        const(scale, key + "_scales")],
                        domain="com.microsoft", K=K, N=N, bits=nbits,
                        block_size=block)
        return node("MatMul", [x, const(dec.blocks[layer][key], key + "_w")])

    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64,
                                            ["batch", "sequence"]),
              helper.make_tensor_value_info("attention_mask", TensorProto.INT64,
                                            ["batch", "total_sequence"])]
    if spelling == "plain":
        inputs.append(helper.make_tensor_value_info(
            "position_ids", TensorProto.INT64, ["batch", "sequence"]))
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                             ["batch", "sequence", dec.vocab])]
    for i in range(dec.layers):
        for kv in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(
                "past_key_values.%d.%s" % (i, kv), TensorProto.FLOAT,
                ["batch", Hkv, "past_sequence", D]))
            outputs.append(helper.make_tensor_value_info(
                "present.%d.%s" % (i, kv), TensorProto.FLOAT,
                ["batch", Hkv, "total_sequence", D]))

    h = node("Gather", [const(dec.embed, "embed"), "input_ids"], node_name="embed")
    if spelling == "plain":
        # Shapes read at run time, as torch.onnx writes them.
        ids_shape = node("Shape", ["input_ids"])
        B = node("Gather", [ids_shape, const(np.array(0, np.int64))])
        S = node("Gather", [ids_shape, const(np.array(1, np.int64))])
        past_len = node("Gather", [node("Shape", ["past_key_values.0.key"]),
                                   const(np.array(2, np.int64))])
        T = node("Add", [S, past_len])
        q_pos = node("Unsqueeze", [node("Add", [node("Range", [const(np.array(0, np.int64)), S, const(np.array(1, np.int64))]), past_len]), const(np.array([1]))])
        k_pos = node("Unsqueeze", [node("Range", [const(np.array(0, np.int64)), T, const(np.array(1, np.int64))]), const(np.array([0]))])
        masks = {}
        if variant == "hf":
            causal = node("LessOrEqual", [k_pos, q_pos])
            pad = node("Unsqueeze", [node("Cast", ["attention_mask"], to=TensorProto.BOOL), const(np.array([1, 2]))])
            for win in sorted({dec.layer_window(i) for i in range(dec.layers)}):
                allowed = causal
                if win:
                    allowed = node("And", [allowed, node("Greater", [k_pos, node("Sub", [q_pos, const(np.array(win, np.int64))])])])
                allowed = node("And", [pad, node("Unsqueeze", [allowed, const(np.array([0, 1]))])])
                masks[win] = node("Where", [allowed, const(np.array(0.0, np.float32)), const(np.array(MIN, np.float32))], node_name="mask_w%d" % win)
        else:
            # The other common form: a triangle of finfo.min from Trilu over
            # ConstantOfShape, plus (1 - attention_mask) * finfo.min.
            full = node("ConstantOfShape", [node("Concat", [node("Unsqueeze", [S, const(np.array([0]))]), node("Unsqueeze", [T, const(np.array([0]))])], axis=0)],
                        value=helper.make_tensor("v", TensorProto.FLOAT, [1], [MIN]))
            pad = node("Mul", [node("Sub", [const(np.array(1.0, np.float32)), node("Cast", [node("Unsqueeze", ["attention_mask", const(np.array([1, 2]))])], to=TensorProto.FLOAT)]), const(np.array(MIN, np.float32))])
            for win in sorted({dec.layer_window(i) for i in range(dec.layers)}):
                tri = node("Trilu", [full, node("Add", [past_len, const(np.array(1, np.int64))])], upper=1)
                if win:
                    tri = node("Add", [tri, node("Trilu", [full, node("Sub", [past_len, const(np.array(win, np.int64))])], upper=0)])
                total = node("Add", [node("Unsqueeze", [tri, const(np.array([0, 1]))]), pad])
                masks[win] = node("Max", [total, const(np.array(MIN, np.float32))], node_name="mask_w%d" % win)
        if variant == "hf":
            # cos/sin as HF's rotary embedding computes them.
            inv = const(dec.inv_freq.reshape(1, -1, 1), "inv_freq")
            pos_f = node("Unsqueeze", [node("Cast", ["position_ids"], to=TensorProto.FLOAT), const(np.array([1]))])
            freqs = node("Transpose", [node("MatMul", [inv, pos_f])], perm=[0, 2, 1])
            emb = node("Concat", [freqs, freqs], axis=-1)
            cos = node("Unsqueeze", [node("Cos", [emb]), const(np.array([1]))])
            sin = node("Unsqueeze", [node("Sin", [emb]), const(np.array([1]))])
        else:
            # Older exports: constant caches indexed by position_ids.
            table = np.arange(dec.max_positions, dtype=np.float32)[:, None] * dec.inv_freq[None, :]
            table = np.concatenate([table, table], axis=-1)
            cos = node("Unsqueeze", [node("Gather", [const(np.cos(table), "cos_cached"), "position_ids"]), const(np.array([1]))])
            sin = node("Unsqueeze", [node("Gather", [const(np.sin(table), "sin_cached"), "position_ids"]), const(np.array([1]))])

        def rms(x, g, tag):
            if variant == "hf":
                var = node("ReduceMean", [node("Pow", [x, const(np.array(2.0, np.float32))])], axes=[-1], keepdims=1)
                inv_std = node("Div", [const(np.array(1.0, np.float32)), node("Sqrt", [node("Add", [var, const(np.array(dec.eps, np.float32))])])])
                return node("Mul", [const(g, tag + "_weight"), node("Mul", [x, inv_std])], node_name=tag)
            # Casts to float32 around it, x * x, Reciprocal, weight last.
            xf = node("Cast", [x], to=TensorProto.FLOAT)
            var = node("ReduceMean", [node("Mul", [xf, xf])], axes=[-1], keepdims=1)
            inv_std = node("Reciprocal", [node("Sqrt", [node("Add", [const(np.array(dec.eps, np.float32)), var])])])
            normed = node("Cast", [node("Mul", [inv_std, xf])], to=TensorProto.FLOAT)
            return node("Mul", [normed, const(g, tag + "_weight")], node_name=tag)

        def heads(x, n):
            shape = node("Concat", [node("Unsqueeze", [B, const(np.array([0]))]), node("Unsqueeze", [S, const(np.array([0]))]), const(np.array([n, D], np.int64))], axis=0)
            return node("Transpose", [node("Reshape", [x, shape])], perm=[0, 2, 1, 3])

        def rope(x):
            half = D // 2
            x1 = node("Slice", [x, const(np.array([0])), const(np.array([half])), const(np.array([3]))])
            x2 = node("Slice", [x, const(np.array([half])), const(np.array([2**63 - 1])), const(np.array([3]))])
            rot = node("Concat", [node("Neg", [x2]), x1], axis=-1)
            return node("Add", [node("Mul", [x, cos]), node("Mul", [rot, sin])])

        def repeat(x):
            if H == Hkv:
                return x
            shape = node("Shape", [x])
            T_ = node("Gather", [shape, const(np.array(2, np.int64))])
            big = node("Concat", [node("Unsqueeze", [B, const(np.array([0]))]), const(np.array([Hkv, H // Hkv], np.int64)), node("Unsqueeze", [T_, const(np.array([0]))]), const(np.array([D], np.int64))], axis=0)
            e = node("Expand", [node("Unsqueeze", [x, const(np.array([2]))]), big])
            flat = node("Concat", [node("Unsqueeze", [B, const(np.array([0]))]), const(np.array([H], np.int64)), node("Unsqueeze", [T_, const(np.array([0]))]), const(np.array([D], np.int64))], axis=0)
            return node("Reshape", [e, flat])

        for i in range(dec.layers):
            blk = dec.blocks[i]
            x = rms(h, blk["norm1"], "layers.%d.input_layernorm" % i)
            q = rope(heads(proj(x, i, "q"), H))
            k = rope(heads(proj(x, i, "k"), Hkv))
            v = heads(proj(x, i, "v"), Hkv)
            k = node("Concat", ["past_key_values.%d.key" % i, k], ["present.%d.key" % i], axis=2)
            v = node("Concat", ["past_key_values.%d.value" % i, v], ["present.%d.value" % i], axis=2)
            if variant == "hf":
                scores = node("Div", [node("MatMul", [q, node("Transpose", [repeat(k)], perm=[0, 1, 3, 2])]), const(np.array(math.sqrt(D), np.float32))])
                probs = node("Softmax", [node("Add", [scores, masks[dec.layer_window(i)]])], axis=-1)
            else:
                # SDPA's export: sqrt(scale) on q and on k^T, mask first.
                root = const(np.array(D ** -0.25, np.float32))
                kt = node("Mul", [node("Transpose", [repeat(k)], perm=[0, 1, 3, 2]), root])
                scores = node("MatMul", [node("Mul", [q, root]), kt])
                probs = node("Softmax", [node("Add", [masks[dec.layer_window(i)], scores])], axis=-1)
            a = node("Transpose", [node("MatMul", [probs, repeat(v)])], perm=[0, 2, 1, 3])
            a = node("Reshape", [a, node("Concat", [node("Unsqueeze", [B, const(np.array([0]))]), node("Unsqueeze", [S, const(np.array([0]))]), const(np.array([H * D], np.int64))], axis=0)])
            h = node("Add", [h, proj(a, i, "o")])
            x = rms(h, blk["norm2"], "layers.%d.post_attention_layernorm" % i)
            g = proj(x, i, "gate")
            act = node("Mul", [g, node("Sigmoid", [g])]) if variant == "hf" else node("Mul", [node("Sigmoid", [g]), g])
            h = node("Add", [h, proj(node("Mul", [act, proj(x, i, "up")]), i, "down")])
        h = rms(h, dec.final_norm, "norm")
        node("MatMul", [h, const(dec.lm_head, "lm_head")], ["logits"])
        opsets = [helper.make_opsetid("", 17)]
    else:
        seqlens = node("Cast", [node("Sub", [node("ReduceSum", ["attention_mask", const(np.array([1]))], keepdims=0), const(np.array(1, np.int64))])], to=TensorProto.INT32)
        total_len = node("Cast", [node("Gather", [node("Shape", ["attention_mask"]), const(np.array(1, np.int64))])], to=TensorProto.INT32)
        positions = np.arange(dec.max_positions, dtype=np.float32)[:, None] * dec.inv_freq[None, :]
        # Rounded from float64, as gaonc computes a checkpoint's tables.
        p64 = positions.astype(np.float64)
        cos_cache = const(np.cos(p64).astype(np.float32), "cos_cache")
        sin_cache = const(np.sin(p64).astype(np.float32), "sin_cache")
        x = node("SimplifiedLayerNormalization", [h, const(dec.blocks[0]["norm1"], "norm1")], axis=-1, epsilon=dec.eps, node_name="layers.0.input_layernorm")
        residual = h
        for i in range(dec.layers):
            blk = dec.blocks[i]
            q, k, v = proj(x, i, "q"), proj(x, i, "k"), proj(x, i, "v")
            win = dec.layer_window(i)
            a = node("GroupQueryAttention", [q, k, v, "past_key_values.%d.key" % i, "past_key_values.%d.value" % i, seqlens, total_len, cos_cache, sin_cache],
                     ["attn_%d" % i, "present.%d.key" % i, "present.%d.value" % i], domain="com.microsoft",
                     num_heads=H, kv_num_heads=Hkv, do_rotary=1, local_window_size=(win - 1 if win else -1), node_name="layers.%d.attn" % i)[0]
            o = proj(a, i, "o")
            x, _, _, residual = node("SkipSimplifiedLayerNormalization", [o, residual, const(blk["norm2"], "norm2")],
                                     [name("norm"), "", "", name("residual")], domain="com.microsoft", epsilon=dec.eps,
                                     node_name="layers.%d.post_attention_layernorm" % i)
            g = proj(x, i, "gate")
            act = node("Mul", [g, node("Sigmoid", [g])])
            down = proj(node("Mul", [act, proj(x, i, "up")]), i, "down")
            g_next = dec.blocks[i + 1]["norm1"] if i + 1 < dec.layers else dec.final_norm
            x, _, _, residual = node("SkipSimplifiedLayerNormalization", [down, residual, const(g_next, "norm")],
                                     [name("norm"), "", "", name("residual")], domain="com.microsoft", epsilon=dec.eps,
                                     node_name=("layers.%d.input_layernorm" % (i + 1)) if i + 1 < dec.layers else "norm")
        node("MatMul", [x, const(dec.lm_head, "lm_head")], ["logits"])
        opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]

    graph = helper.make_graph(nodes, "tiny_decoder", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=opsets, producer_name="gaon-tiny-decoder")
    model.ir_version = 8
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("output")
    ap.add_argument("--spelling", choices=["plain", "contrib"], default="plain")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=128)
    ap.add_argument("--vocab", type=int, default=97)
    ap.add_argument("--window", type=int, default=0)
    ap.add_argument("--nbits", type=int, choices=[0, 4, 8], default=0)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--variant", choices=["hf", "alt"], default="hf")
    a = ap.parse_args()
    if a.nbits and a.spelling != "contrib":
        sys.exit("--nbits needs --spelling=contrib (MatMulNBits)")
    dec = Decoder(a.layers, a.hidden, a.heads, a.kv_heads, a.ffn, a.vocab,
                  a.window, a.seed)
    import onnx
    onnx.save(build_onnx(dec, a.spelling, a.nbits, variant=a.variant), a.output)


if __name__ == "__main__":
    main()
