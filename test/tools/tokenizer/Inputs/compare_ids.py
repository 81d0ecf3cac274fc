"""compare_ids.py EXPECTED.json ACTUAL.txt: the reference token ids (from
Hugging Face tokenizers, utils/tokenizer/make_testdata.js) against
gaon-tokenize --lines output, one JSON array per sample. Prints each
mismatch and a summary; fails on any mismatch."""
import json
import sys

expected = json.load(open(sys.argv[1], encoding="utf-8"))
actual = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8") if line.strip()]
bad = 0
if len(actual) != len(expected):
    print("expected %d samples, got %d" % (len(expected), len(actual)))
    sys.exit(1)
for case, ids in zip(expected, actual):
    if case["ids"] != ids:
        bad += 1
        print("MISMATCH %r\n  expected %s\n  actual   %s" % (case.get("text", case.get("file")), case["ids"], ids))
print("%d of %d samples match" % (len(expected) - bad, len(expected)))
sys.exit(1 if bad else 0)
