"""Edits a .gnb's JSON form (from flatc): sets tensor NAME's field to VALUE.

Usage: edit_gnb_json.py IN.json OUT.json NAME FIELD VALUE
"""
import json
import sys

src, dst, name, field, value = sys.argv[1:]
model = json.load(open(src))
hits = [t for t in model["tensors"] if t.get("name") == name]
if not hits:
    sys.exit("no tensor named %r" % name)
for t in hits:
    t[field] = value
json.dump(model, open(dst, "w"), indent=1)
