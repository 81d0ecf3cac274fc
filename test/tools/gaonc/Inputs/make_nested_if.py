"""An ONNX model whose If nodes nest DEPTH deep (each then-branch holds the
next If): past protobuf's 100 nested messages at about 33.

Usage: make_nested_if.py OUT.onnx DEPTH
"""
import sys

import onnx
from onnx import TensorProto, helper

out, depth = sys.argv[1], int(sys.argv[2])


def value(name):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, [1])


def identity(name):
    return helper.make_graph([helper.make_node("Identity", ["x"], [name])],
                             "leaf", [], [value(name)])


graph = identity("y0")
for i in range(1, depth + 1):
    name = "y%d" % i
    node = helper.make_node("If", ["c"], [name], then_branch=graph,
                            else_branch=identity(name))
    graph = helper.make_graph([node], "level%d" % i, [], [value(name)])
top = helper.make_graph(
    graph.node, "nested",
    [helper.make_tensor_value_info("c", TensorProto.BOOL, []), value("x")],
    [value("y%d" % depth)])
onnx.save(helper.make_model(top, opset_imports=[helper.make_opsetid("", 17)]),
          out)
