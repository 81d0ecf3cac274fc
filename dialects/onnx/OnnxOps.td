//===- OnnxOps.td - the generic ONNX import dialect --------*- tablegen -*-===//
//
// The `onnx` dialect is a faithful, generic form of an ONNX graph: one op per
// ONNX node carrying the node's op type, domain, resolved since-version and
// attributes. Nothing is interpreted here; the onnx-to-graph conversion gives
// each node its meaning. See docs/dialects/onnx.md.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_DIALECTS_ONNX_ONNXOPS_TD
#define GAON_DIALECTS_ONNX_ONNXOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Onnx_Dialect : Dialect {
  let name = "onnx";
  let cppNamespace = "::gaon::onnx";
  let summary = "Generic import form of ONNX graphs";
}

class Onnx_Op<string mnemonic, list<Trait> traits = []>
    : Op<Onnx_Dialect, mnemonic, traits>;

def Onnx_TensorOrNone : AnyTypeOf<[AnyTensor, NoneType]>;

def Onnx_NodeOp : Onnx_Op<"node"> {
  let summary = "One ONNX node, uninterpreted";
  let description = [{
    `op_type`, `domain` (absent for the default `ai.onnx` domain) and
    `since_version` identify the ONNX operator schema exactly: the
    since-version is the version of the schema in force for the model's opset
    import, not the opset itself. `node_attrs` holds the node's ONNX
    attributes (ints as i64, floats as f32, int and float lists as dense
    arrays, strings, string lists and tensors as elements attributes). A
    missing optional input is an `onnx.none` value. The location names the
    ONNX node.

    ```mlir
    %y = onnx.node "Conv"(%x, %w, %b) version 11
           attributes {strides = array<i64: 1, 1>}
           : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>)
           -> tensor<1x4x6x6xf32>
    ```
  }];
  let arguments = (ins StrAttr:$op_type, OptionalAttr<StrAttr>:$domain,
                       I64Attr:$since_version,
                       OptionalAttr<DictionaryAttr>:$node_attrs,
                       Variadic<Onnx_TensorOrNone>:$inputs);
  let results = (outs Variadic<AnyTensor>:$outputs);
  let assemblyFormat = [{
    $op_type `(` $inputs `)` (`domain` $domain^)? `version` $since_version
    (`attributes` $node_attrs^)? attr-dict `:` functional-type($inputs, $outputs)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The operator's domain, with "" for the default ONNX domain.
    llvm::StringRef getDomainOrDefault() {
      return getDomain() ? *getDomain() : llvm::StringRef();
    }
    /// An ONNX attribute of the node, or null.
    mlir::Attribute getNodeAttr(llvm::StringRef name) {
      return getNodeAttrs() ? getNodeAttrs()->get(name) : mlir::Attribute();
    }
  }];
}

def Onnx_ConstantOp : Onnx_Op<"constant",
    [ConstantLike, Pure, InferTypeOpAdaptor]> {
  let summary = "An initializer or Constant node's value";
  let description = [{
    A tensor known at compile time: a graph initializer (its ONNX name in
    `name`) or the value of a `Constant` node.

    ```mlir
    %w = onnx.constant "conv.weight" dense<0.5> : tensor<4x3x3x3xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value, OptionalAttr<StrAttr>:$name);
  let results = (outs AnyStaticShapeTensor:$output);
  let assemblyFormat = "($name^)? $value attr-dict";
  let hasFolder = 1;
}

def Onnx_NoneOp : Onnx_Op<"none", [Pure]> {
  let summary = "A missing optional input";
  let results = (outs NoneType:$output);
  let assemblyFormat = "attr-dict";
}

#endif // GAON_DIALECTS_ONNX_ONNXOPS_TD
