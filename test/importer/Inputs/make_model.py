#!/usr/bin/python3
"""Builds the small .onnx files the importer tests read: make_model.py KIND DIR."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(model, path):
    model.ir_version = 8
    onnx.save(model, path)


def relu_model(inits=(), extra_nodes=(), opset=13, inputs=None, outputs=None):
    inputs = inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])]
    outputs = outputs or [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])]
    nodes = [helper.make_node("Relu", ["x"], ["y"])] + list(extra_nodes)
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def main(kind, out):
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "model.onnx")
    if kind == "storage":
        # Every way a TensorProto can hold its values.
        t = []
        t.append(numpy_helper.from_array(np.array([1.5, -2.0], np.float32), "raw_f32"))
        t.append(helper.make_tensor("float_data", TensorProto.FLOAT, [2], [0.25, 4.0]))
        t.append(helper.make_tensor("int8_in_int32", TensorProto.INT8, [3], [-128, 0, 127]))
        t.append(helper.make_tensor("uint16_in_int32", TensorProto.UINT16, [2], [65535, 7]))
        t.append(helper.make_tensor("bool_in_int32", TensorProto.BOOL, [2], [1, 0]))
        # helper.make_tensor stores float16 values as their bits in int32_data.
        t.append(helper.make_tensor("f16_bits_in_int32", TensorProto.FLOAT16, [1], [1.0]))
        t.append(helper.make_tensor("int64_data", TensorProto.INT64, [2], [-(2**40), 3]))
        t.append(helper.make_tensor("double_data", TensorProto.DOUBLE, [1], [0.125]))
        t.append(helper.make_tensor("uint32_in_uint64", TensorProto.UINT32, [1], [4000000000]))
        t.append(numpy_helper.from_array(np.array([[1, 2], [3, 4]], np.uint8), "raw_u8"))
        t.append(helper.make_tensor("scalar_i32", TensorProto.INT32, [], [9]))
        outs = [helper.make_tensor_value_info(x.name, x.data_type, list(x.dims)) for x in t]
        nodes = [helper.make_node("Identity", [x.name], [x.name + "_out"]) for x in t]
        outs = [helper.make_tensor_value_info(x.name + "_out", x.data_type, list(x.dims)) for x in t]
        graph = helper.make_graph(nodes, "storage", [], outs, t)
        save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    elif kind.startswith("external"):
        data = np.arange(4, dtype=np.float32)
        w = TensorProto()
        w.name, w.data_type = "w", TensorProto.FLOAT
        w.dims.extend([4])
        w.data_location = TensorProto.EXTERNAL
        location, offset, length = "weights.bin", 8, 16
        os.makedirs(os.path.join(out, "sub"), exist_ok=True)
        with open(os.path.join(out, "weights.bin"), "wb") as f:
            f.write(b"\0" * 8 + data.tobytes())
        if kind == "external_dotdot":
            location = "../weights.bin"
        elif kind == "external_absolute":
            location = os.path.abspath(os.path.join(out, "weights.bin"))
        elif kind == "external_symlink":
            link = os.path.join(out, "link.bin")
            if not os.path.lexists(link):
                os.symlink("weights.bin", link)
            location = "link.bin"
        elif kind == "external_range":
            offset = 12
        elif kind == "external_missing":
            location = "sub/missing.bin"
        for k, v in [("location", location), ("offset", str(offset)), ("length", str(length))]:
            e = w.external_data.add()
            e.key, e.value = k, v
        add = helper.make_node("Add", ["x", "w"], ["y"], name="add_w")
        graph = helper.make_graph([add], "ext",
                                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])], [w])
        save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    elif kind == "dynamic":
        graph = helper.make_graph(
            [helper.make_node("Add", ["a", "b"], ["y"])], "dyn",
            [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["batch", 3]),
             helper.make_tensor_value_info("b", TensorProto.FLOAT, [None, 3])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    elif kind == "unsupported":
        nodes = [helper.make_node("NonZero", ["x"], ["nz"], name="nz0"),
                 helper.make_node("Unique", ["x"], ["u"], name="unique0"),
                 helper.make_node("NonZero", ["x"], ["nz1"]),
                 helper.make_node("Frobnicate", ["x"], ["f"], name="custom0", domain="com.example"),
                 helper.make_node("Relu", ["x"], ["y"])]
        graph = helper.make_graph(nodes, "u",
                                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
        save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                     helper.make_opsetid("com.example", 1)]), path)
    elif kind == "constant_node":
        c = helper.make_node("Constant", [], ["c"], name="the_constant",
                             value=helper.make_tensor("v", TensorProto.FLOAT, [2], [3.0, -1.0]))
        add = helper.make_node("Add", ["x", "c"], ["s"])
        relu = helper.make_node("Relu", ["s"], ["y"])
        graph = helper.make_graph([c, add, relu], "c",
                                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
        save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    elif kind == "opset18":
        save(relu_model(opset=18), path)
    elif kind == "string_input":
        graph = helper.make_graph(
            [helper.make_node("Identity", ["x"], ["y"])], "s",
            [helper.make_tensor_value_info("x", TensorProto.STRING, [2])],
            [helper.make_tensor_value_info("y", TensorProto.STRING, [2])])
        save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    elif kind == "unsorted":
        nodes = [helper.make_node("Relu", ["t"], ["y"], name="second"),
                 helper.make_node("Relu", ["x"], ["t"], name="first")]
        graph = helper.make_graph(nodes, "u",
                                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
        save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    elif kind == "shape_input":
        graph = helper.make_graph(
            [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")], "r",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]),
             helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]), path)
        with open(os.path.join(out, "shape.pb"), "wb") as f:
            f.write(numpy_helper.from_array(np.array([3, 2], np.int64), "shape").SerializeToString())
        with open(os.path.join(out, "bad_shape.pb"), "wb") as f:
            f.write(numpy_helper.from_array(np.array([3.0, 2.0], np.float32), "shape").SerializeToString())
    elif kind == "bad_node":
        # A Conv whose kernel_shape contradicts its weight.
        graph = helper.make_graph(
            [helper.make_node("Conv", ["x", "w"], ["y"], name="conv_bad", kernel_shape=[5, 5])], "b",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4]),
             helper.make_tensor_value_info("w", TensorProto.FLOAT, [1, 1, 3, 3])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    elif kind == "missing_input":
        # A required input left empty.
        graph = helper.make_graph(
            [helper.make_node("Add", ["x", ""], ["y"], name="half_add")], "m",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
        save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    elif kind == "zero_stride":
        graph = helper.make_graph(
            [helper.make_node("MaxPool", ["x"], ["y"], name="pool0",
                              kernel_shape=[2, 2], strides=[0, 1])], "z",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    else:
        sys.exit("unknown kind " + kind)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
