#!/usr/bin/python3
"""Writes a tiny Llama checkpoint folder with one thing wrong, for
test/importer/checkpoint-errors.test:  make_bad_checkpoint.py KIND OUT_DIR"""

import json
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "utils", "models"))
from make_tiny_checkpoint import Checkpoint, write_safetensors  # noqa: E402


def rewrite_header(path, edit):
    """Applies `edit` to the parsed header of a safetensors file in place,
    keeping the data bytes after it."""
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    edit(header)
    text = json.dumps(header).encode()
    text += b" " * ((-len(text)) % 8)
    open(path, "wb").write(struct.pack("<Q", len(text)) + text + raw[8 + n:])


def main():
    kind, out = sys.argv[1], sys.argv[2]
    ckpt = Checkpoint("llama", layers=1, hidden=32, heads=2, kv_heads=1,
                      ffn=64, vocab=50)
    ckpt.save(out)
    st = os.path.join(out, "model.safetensors")
    q = "model.layers.0.self_attn.q_proj.weight"
    k = "model.layers.0.self_attn.k_proj.weight"
    if kind == "past_end":
        def edit(h):
            h[q]["data_offsets"] = [h[q]["data_offsets"][0] + 10**9,
                                    h[q]["data_offsets"][1] + 10**9]
        rewrite_header(st, edit)
    elif kind == "overlap":
        def edit(h):
            h[k]["data_offsets"] = [h[q]["data_offsets"][0] + 4,
                                    h[q]["data_offsets"][0] + 4 +
                                    h[k]["data_offsets"][1] - h[k]["data_offsets"][0]]
        rewrite_header(st, edit)
    elif kind == "length":
        def edit(h):
            h[q]["shape"] = [32, 31]
        rewrite_header(st, edit)
    elif kind == "huge_header":
        raw = open(st, "rb").read()
        open(st, "wb").write(struct.pack("<Q", 1 << 63) + raw[8:])
    elif kind == "dtype":
        rewrite_header(st, lambda h: h[q].update(dtype="F8_E4M3"))
    elif kind == "not_json":
        raw = open(st, "rb").read()
        n = struct.unpack("<Q", raw[:8])[0]
        open(st, "wb").write(raw[:8] + b"{" * n + raw[8 + n:])
    elif kind == "missing":
        del ckpt.tensors[k]
        write_safetensors(st, ckpt.tensors)
    elif kind == "shape":
        ckpt.tensors[k] = ckpt.tensors[k][:8]
        write_safetensors(st, ckpt.tensors)
    elif kind == "arch":
        c = ckpt.config()
        c["architectures"] = ["MambaForCausalLM"]
        c["model_type"] = "mamba"
        json.dump(c, open(os.path.join(out, "config.json"), "w"))
    elif kind in ("shard_dotdot", "shard_symlink", "shard_hardlink"):
        os.rename(st, os.path.join(out, "..", "outside.safetensors"))
        name = "../outside.safetensors"
        if kind == "shard_symlink":
            name = "model-00001-of-00001.safetensors"
            os.symlink(os.path.join("..", "outside.safetensors"),
                       os.path.join(out, name))
        elif kind == "shard_hardlink":
            name = "model-00001-of-00001.safetensors"
            os.link(os.path.join(out, "..", "outside.safetensors"),
                    os.path.join(out, name))
        json.dump({"weight_map": {t: name for t in ckpt.tensors}},
                  open(os.path.join(out, "model.safetensors.index.json"), "w"))
    else:
        sys.exit("unknown kind " + kind)


if __name__ == "__main__":
    main()
