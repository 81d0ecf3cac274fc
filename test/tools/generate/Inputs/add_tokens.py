"""Copies a tokenizer.json with special tokens added (ids after the last),
as a model's chat tokens are: add_tokens.py IN OUT TOKEN..."""
import json
import sys

src, dst, tokens = sys.argv[1], sys.argv[2], sys.argv[3:]
t = json.load(open(src, encoding="utf-8"))
next_id = max([a["id"] for a in t["added_tokens"]] +
              list(t["model"]["vocab"].values())) + 1
for tok in tokens:
    t["added_tokens"].append({"id": next_id, "content": tok, "single_word": False,
                              "lstrip": False, "rstrip": False,
                              "normalized": False, "special": True})
    next_id += 1
json.dump(t, open(dst, "w", encoding="utf-8"), ensure_ascii=False)
