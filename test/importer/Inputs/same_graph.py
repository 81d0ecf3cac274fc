#!/usr/bin/python3
"""Compares two `gaonc --emit=graph` outputs as graphs: the same ops in the
same order with the same types and attributes, reading the same constants
(compared by value, wherever they are defined). Module and function
attributes (producer, graph name) are ignored.  same_graph.py A.mlir B.mlir"""

import re
import sys


def normalize(path):
    constants, ops = {}, []
    for line in open(path):
        line = line.strip()
        m = re.match(r"(%[\w#]+) = graph\.constant (.*)$", line)
        if m:
            constants[m.group(1)] = "const<%s>" % m.group(2)
        elif line and not line.startswith(("module", "func.func", "}")):
            ops.append(line)
    # Ops name constants by value; the others by their order of definition.
    names = {}
    out = []
    for line in ops:
        m = re.match(r"(%[\w#]+)(:\d+)? = ", line)
        if m:
            names[m.group(1)] = "%%v%d" % len(names)
        out.append(re.sub(r"%[\w#]+", lambda v: constants.get(
            v.group(0), names.get(v.group(0), v.group(0))), line))
    return out, sorted(constants.values())


def main():
    (ops_a, consts_a), (ops_b, consts_b) = normalize(sys.argv[1]), normalize(sys.argv[2])
    for i, (a, b) in enumerate(zip(ops_a, ops_b)):
        if a != b:
            sys.exit("op %d differs:\n  %s\n  %s" % (i, a[:400], b[:400]))
    if len(ops_a) != len(ops_b):
        sys.exit("%d ops against %d" % (len(ops_a), len(ops_b)))
    if consts_a != consts_b:
        diff = sorted(set(consts_a) ^ set(consts_b))
        sys.exit("constants differ (%d of %d unmatched): %s" % (
            len(diff), len(consts_a), " | ".join(c[:160] for c in diff[:4])))
    print("same graph: %d ops, %d constants" % (len(ops_a), len(consts_a)))


if __name__ == "__main__":
    main()
