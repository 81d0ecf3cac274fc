"""make_constant_of_shape.py OUT.onnx D0 D1 ... [--add]: a model whose
output is ConstantOfShape(dims) of ones (plus an input x of one element
with --add)."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

args = [a for a in sys.argv[2:] if a != "--add"]
add = "--add" in sys.argv
dims = np.array([int(a) for a in args], np.int64)
nodes = [helper.make_node("ConstantOfShape", ["shape"], ["c"],
                          value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0]))]
inputs = []
out = "c"
if add:
    nodes.append(helper.make_node("Add", ["c", "x"], ["y"]))
    inputs.append(helper.make_tensor_value_info("x", TensorProto.FLOAT, [1]))
    out = "y"
graph = helper.make_graph(nodes, "constant_of_shape", inputs,
                          [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
                          [numpy_helper.from_array(dims, "shape")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])
