//===- TileOps.td - the tile dialect: scheduled NPU work -----*- tablegen -*-===//
//
// One `tile.segment` per NPU segment: the plan the NPU compiler made for a
// run of graph ops, before any instruction exists. It names every tensor's
// memory (DRAM, or resident in SRAM) and layout, every packed constant's
// place, and for each op its tiling, its working buffers in SRAM (two of
// each streamed operand: double buffering) and its epilogue. Lowering to
// the `npu` dialect expands each op's tile loops into instructions and
// derives the semaphores between engines. docs/dialects/tile.md.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_DIALECTS_TILE_TILEOPS_TD
#define GAON_DIALECTS_TILE_TILEOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"

def Tile_Dialect : Dialect {
  let name = "tile";
  let cppNamespace = "::gaon::tile";
  let summary = "Tiled, scheduled NPU work on explicit memories";
  let usePropertiesForAttributes = 0;
  let useDefaultAttributePrinterParser = 1;
}

class Tile_Enum<string name, string summary, list<I32EnumAttrCase> cases>
    : I32EnumAttr<name, summary, cases> {
  let cppNamespace = "::gaon::tile";
  let genSpecializedAttr = 0;
}

def Tile_Memory : Tile_Enum<"Memory", "where a tensor lives", [
  I32EnumAttrCase<"dram", 0>, I32EnumAttrCase<"sram", 1>]>;
def Tile_MemoryAttr : EnumAttr<Tile_Dialect, Tile_Memory, "memory"> {
  let assemblyFormat = "$value";
}
def Tile_ElemType : Tile_Enum<"ElemType", "a device tensor's elements", [
  I32EnumAttrCase<"bf16", 0>, I32EnumAttrCase<"i8", 1>,
  I32EnumAttrCase<"u8", 2>, I32EnumAttrCase<"f32", 3>]>;
def Tile_ElemTypeAttr : EnumAttr<Tile_Dialect, Tile_ElemType, "elem"> {
  let assemblyFormat = "$value";
}

def Tile_ConvGeometryAttr : AttrDef<Tile_Dialect, "ConvGeometry"> {
  let mnemonic = "conv";
  let summary = "A convolution's shape as the matrix engine runs it";
  let description = [{
    `n` images of `h` x `w` pixels and `cin` channels in, `cout` channels of
    `oh` x `ow` out; a `kh` x `kw` kernel with strides `sh`, `sw`,
    dilations `dh`, `dw` and padding on each side.
  }];
  let parameters = (ins "int64_t":$n, "int64_t":$cin, "int64_t":$h,
                        "int64_t":$w, "int64_t":$cout, "int64_t":$oh,
                        "int64_t":$ow, "int64_t":$kh, "int64_t":$kw,
                        "int64_t":$sh, "int64_t":$sw, "int64_t":$dh,
                        "int64_t":$dw, "int64_t":$pad_top,
                        "int64_t":$pad_left, "int64_t":$pad_bottom,
                        "int64_t":$pad_right);
  let assemblyFormat = "`<` struct(params) `>`";
}

def Tile_PoolWindowAttr : AttrDef<Tile_Dialect, "PoolWindow"> {
  let mnemonic = "window";
  let summary = "A 2-D pooling window";
  let parameters = (ins "int64_t":$kh, "int64_t":$kw, "int64_t":$sh,
                        "int64_t":$sw, "int64_t":$dh, "int64_t":$dw,
                        "int64_t":$pad_top, "int64_t":$pad_left);
  let assemblyFormat = "`<` struct(params) `>`";
}

class Tile_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tile_Dialect, mnemonic, traits>;

def Tile_Int : TypedSignlessIntegerAttrBase<I64, "int64_t",
    "64-bit signed integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

def Tile_RegionOp : Tile_Op<"region", [SingleBlockImplicitTerminator<"YieldOp">]> {
  let summary = "Graph ops outlined for one NPU segment, not yet planned";
  let description = [{
    gaon-npu-outline wraps each run of NPU-placed graph ops in one; its
    results are the run's values that ops after it use. The body reads
    values from above (the segment's inputs, and constants, which the NPU
    packs into the segment). gaon-graph-to-tile replaces it with the
    `tile.segment` that plans it.
  }];
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "(`->` type($results)^)? attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

def Tile_YieldOp : Tile_Op<"yield", [Terminator, HasParent<"RegionOp">]> {
  let summary = "The values a tile.region gives to the ops after it";
  let arguments = (ins Variadic<AnyRankedTensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
  let builders = [OpBuilder<(ins), [{ }]>];
}

def Tile_SegmentOp : Tile_Op<"segment", [NoTerminator, SingleBlock,
                                         SymbolTable]> {
  let summary = "The plan of one NPU segment";
  let description = [{
    `resident_bytes` of SRAM (from address 0) hold resident tensors; the
    rest is the working ring. With `cores` above 1, ops name the core that
    runs them, and every op starts when all cores have finished the one
    before (a barrier the lowering inserts). `dram_bytes` of device memory
    hold constants and tensors in DRAM. `tags` name the ONNX nodes or fused
    groups that ops' `tag` index.

    The operands are the host tensors the segment reads, the results those
    it gives back; `input_tensors` and `output_tensors` name the device
    tensor each is bound to (its layout follows from the two shapes), and
    `output_names` the ONNX node each result comes from.
    gaon-tile-to-npu replaces the tiled ops with one `npu.program`; the
    tensors and constants stay. `candidate` marks an alternative schedule of
    the segment before it, `estimated_cycles` and `tag_cycles` the chosen
    schedule's cost (gaon-npu-select-schedule). `param_inputs` holds
    quadruples (operand, first, min, max): that operand, an i64 tensor on
    the host (a decoder's positions), fills the program's run-time
    parameters from `first`, one per element, before each run, and each
    value must lie in [min, max]. Parameter operands come last and have no
    device tensor.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs,
                       Tile_Int:$dram_bytes, Tile_Int:$resident_bytes,
                       StrArrayAttr:$tags,
                       DefaultValuedAttr<Tile_Int, "1">:$cores,
                       OptionalAttr<FlatSymbolRefArrayAttr>:$input_tensors,
                       OptionalAttr<FlatSymbolRefArrayAttr>:$output_tensors,
                       OptionalAttr<StrArrayAttr>:$output_names,
                       OptionalAttr<Tile_Int>:$candidate,
                       OptionalAttr<F64Attr>:$estimated_cycles,
                       OptionalAttr<DenseF64ArrayAttr>:$tag_cycles,
                       OptionalAttr<DenseI64ArrayAttr>:$param_inputs);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    (`(` $inputs^ `:` type($inputs) `)`)? (`->` type($results)^)?
    attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
}

def Tile_TensorOp : Tile_Op<"tensor", [Symbol, HasParent<"SegmentOp">]> {
  let summary = "A channels-last tensor in DRAM or resident in SRAM";
  let description = [{
    `n` images of `h` x `w` pixels of `c` channels with a zero halo of `pad`
    pixels; `base` is the byte address in its `memory` (dram or sram).
    Elements are `elem`: bf16, or i8 / u8 (quantized, zero point 0, so the
    halo is the value 0), or f32 (rotary tables). With `rows`, a rank-4
    host tensor is stored row-major, as rows of its last dimension (a
    key/value cache: a head's positions contiguous), not channels-last.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, Tile_MemoryAttr:$memory,
                       Tile_ElemTypeAttr:$elem,
                       Tile_Int:$base, Tile_Int:$n, Tile_Int:$h, Tile_Int:$w,
                       Tile_Int:$c, Tile_Int:$pad, UnitAttr:$rows);
  let assemblyFormat = "$sym_name $memory $elem attr-dict";
  let hasVerifier = 1;
}

def Tile_ConstantOp : Tile_Op<"constant", [HasParent<"SegmentOp">]> {
  let summary = "Packed constant bytes (weights, biases) placed in DRAM";
  let description = [{
    `value` holds the `bytes` bytes as i8 elements; the binary writer stores
    them in the binary's constant data. Printed IR elides large ones; a plan
    without values still lowers (the program does not depend on them).
  }];
  let arguments = (ins StrAttr:$name, Tile_Int:$dram, Tile_Int:$bytes,
                       OptionalAttr<ElementsAttr>:$value);
  let assemblyFormat = "$name attr-dict";
  let hasVerifier = 1;
}

def Tile_LoadOp : Tile_Op<"load", [HasParent<"SegmentOp">]> {
  let summary = "Copies constant bytes to SRAM once (zeros, scalars)";
  let arguments = (ins Tile_Int:$dram, Tile_Int:$sram, Tile_Int:$bytes,
                       Tile_Int:$tag, DefaultValuedAttr<Tile_Int, "0">:$core);
  let assemblyFormat = "attr-dict";
  let hasVerifier = 1;
}

def Tile_ZeroOp : Tile_Op<"zero", [HasParent<"SegmentOp">]> {
  let summary = "Zeroes a resident tensor (its halo) from a zero block";
  let arguments = (ins FlatSymbolRefAttr:$target, Tile_Int:$zeros,
                       Tile_Int:$zeros_bytes, Tile_Int:$tag);
  let assemblyFormat = "$target attr-dict";
  let hasVerifier = 1;
}

def Tile_ConvOp : Tile_Op<"conv", [HasParent<"SegmentOp">]> {
  let summary = "A convolution (or a matmul, as 1x1) tiled for the matrix engine";
  let description = [{
    `geometry` names the shapes, kernel, strides, dilations and padding.
    Output channels go in tiles of `nt`
    (weights and biases of tile t at `weights[t]` and `bias[t]` in DRAM);
    output rows in tiles of `rows`, columns of `cols` (`full_width`: input
    tiles span the padded width). `sram`: two weight buffers, two bias
    buffers, two input tiles, the accumulator, two output tiles (0 where an
    operand is resident and needs none). Split across cores, each core's
    op writes `cout` channels of the output from `out_channel_offset`.
    With `integer`, input and output are 8-bit, the weights int8 and each
    tile's `bias` constant holds the int32 biases followed by the
    requantization (multiplier, shift) pairs of its channels; the output
    stage adds `zero_point` and clamps to [`clamp_lo`, `clamp_hi`].
    `preloaded`: per tile, the SRAM addresses where earlier tile.loads put
    its weights and bias constant (prefetched during earlier layers), which
    the op then reads in place instead of loading.
    `weight_bits` 8 or 4 makes a float convolution weight-only (a 1x1 one,
    from a matmul): its weights are int8 or packed int4, and each tile's
    `bias` constant holds the f32 biases followed by the f32 scales, one
    per `group_size` rows of K (cin) and channel, row-major.
    `k_chunk` (1x1 convolutions only; 0: all of K) streams each weight tile
    through the two weight buffers `k_chunk` rows of K at a time, the
    products accumulating: how a matmul whose weight tile of K x 256
    columns does not fit SRAM (K = 14336, an LLM's down projection) stays
    on the matrix engine. Weight-only `group_size` must divide it. With
    `chunk_input` the op is one tile of every output pixel and its input
    (in DRAM) arrives in the same chunks of K beside the weights, so each
    weight is read once; the input buffers then hold `k_chunk` channels.
  }];
  let arguments = (ins FlatSymbolRefAttr:$input, FlatSymbolRefAttr:$output,
                       Tile_ConvGeometryAttr:$geometry, Tile_Int:$nt,
                       Tile_Int:$rows, Tile_Int:$cols, BoolAttr:$full_width,
                       DenseI64ArrayAttr:$weights, DenseI64ArrayAttr:$bias,
                       DenseI64ArrayAttr:$sram, UnitAttr:$relu,
                       F32Attr:$scale, Tile_Int:$tag,
                       DefaultValuedAttr<Tile_Int, "0">:$core,
                       DefaultValuedAttr<Tile_Int, "0">:$out_channel_offset,
                       UnitAttr:$integer,
                       OptionalAttr<DenseI64ArrayAttr>:$preloaded,
                       DefaultValuedAttr<Tile_Int, "0">:$zero_point,
                       DefaultValuedAttr<Tile_Int, "-128">:$clamp_lo,
                       DefaultValuedAttr<Tile_Int, "127">:$clamp_hi,
                       DefaultValuedAttr<Tile_Int, "0">:$weight_bits,
                       DefaultValuedAttr<Tile_Int, "0">:$group_size,
                       DefaultValuedAttr<Tile_Int, "0">:$k_chunk,
                       UnitAttr:$chunk_input, UnitAttr:$concurrent);
  let assemblyFormat = "$input `->` $output attr-dict";
  let hasVerifier = 1;
}

def Tile_EltwiseOp : Tile_Op<"eltwise", [HasParent<"SegmentOp">]> {
  let summary = "An elementwise op on the vector engine, by row tiles";
  let description = [{
    `op` is add, sub, mul, max, min, relu or clip (clip bounds: two bf16 at
    `bounds` in SRAM) on bf16 tensors, or qadd on 8-bit tensors with
    `params` zero_a, zero_b, mul_a, mul_b, multiplier, shift, zero_y,
    clamp_lo, clamp_hi (docs/npu.md, "Quantized add"), or quantize (bf16 to
    8 bits) and dequantize (8 bits to bf16) with `scale` and `params`
    zero_point, clamp_lo, clamp_hi, or sigmoid and silu (x * sigmoid(x)),
    computed in f32 with the constants -1 and 1 (two f32 at `bounds`).
    `sram`: two tiles each for a, b and y (0 where the operand is
    resident), then for sigmoid and silu two f32 work tiles. Split across
    cores (operands in DRAM), the op on `core` covers columns `span`
    [begin, end) of every row.
  }];
  let arguments = (ins StrAttr:$op, FlatSymbolRefAttr:$a,
                       OptionalAttr<FlatSymbolRefAttr>:$b,
                       FlatSymbolRefAttr:$y, Tile_Int:$rows, Tile_Int:$cols,
                       DenseI64ArrayAttr:$sram, Tile_Int:$bounds,
                       UnitAttr:$relu, Tile_Int:$tag,
                       OptionalAttr<DenseI64ArrayAttr>:$params,
                       OptionalAttr<F32Attr>:$scale,
                       DefaultValuedAttr<Tile_Int, "0">:$core,
                       OptionalAttr<DenseI64ArrayAttr>:$span);
  let assemblyFormat = "$op $a (`,` $b^)? `->` $y attr-dict";
  let hasVerifier = 1;
}

def Tile_RowsOp : Tile_Op<"rows", [HasParent<"SegmentOp">]> {
  let summary = "Softmax or layer normalization over each row, on the vector engine";
  let description = [{
    Rows are the tensor's pixels, normalized over their `c` channels, `rows`
    of them per tile, in f32. `sram`: two input tiles, two output tiles, an
    f32 work tile, an f32 square tile (layer_norm), two per-row statistics,
    and the constants (layer_norm: gamma and beta as f32 rows, then 1/c and
    epsilon), which a tile.load fills. Split across cores (tensors in
    DRAM), the op on `core` normalizes rows `span` [begin, end).
  }];
  let arguments = (ins StrAttr:$kind, FlatSymbolRefAttr:$input,
                       FlatSymbolRefAttr:$output, Tile_Int:$rows,
                       DenseI64ArrayAttr:$sram, Tile_Int:$tag,
                       DefaultValuedAttr<Tile_Int, "0">:$core,
                       OptionalAttr<DenseI64ArrayAttr>:$span);
  let assemblyFormat = "$kind $input `->` $output attr-dict";
  let hasVerifier = 1;
}

def Tile_AttentionOp : Tile_Op<"attention", [HasParent<"SegmentOp">]> {
  let summary = "A decoder's attention step over a resident key/value cache";
  let description = [{
    `q`, `k`, `v`: the projections, `batch * seq` rows of `heads * head_dim`
    (bf16, DRAM); `out` the same for the result. `k_cache`, `v_cache`: rows
    of `head_dim`, `batch * kv_heads * max_len` of them (bf16, DRAM), the
    session's caches. Run-time parameter `position_param + b` is row b's
    position p (keys already cached); the op, for each (row, kv head) item
    in `items` [begin, end) on `core`:
    rotates the new keys (with `cos` and `sin`, f32 rows `rotary` wide, one
    per token of the step, when given; or rows p .. p + seq - 1 of the
    `max_len`-row tables at DRAM `cos_table` and `sin_table`) and writes them and the new values to cache
    positions p .. p + seq - 1 (DMA at a run-time offset); then per tile of
    `query_tile` queries, rotates the grouped query heads, and over blocks
    of `key_block` keys (each guarded by p, so only blocks that hold visible
    keys load or multiply) computes `scale * q . k` on the matrix engine
    (keys as a transposed B), masks causally (and to `window` keys) at p,
    takes the softmax on the vector engine, multiplies by the values, and
    stores the normalized result. Key and value blocks stream through
    `key_buffers` buffers each. `sram`, `sram_bytes`: the working SRAM,
    laid out by compiler/npu/AttentionLayout.h.
  }];
  let arguments = (ins FlatSymbolRefAttr:$q, FlatSymbolRefAttr:$k,
                       FlatSymbolRefAttr:$v, FlatSymbolRefAttr:$out,
                       FlatSymbolRefAttr:$k_cache, FlatSymbolRefAttr:$v_cache,
                       OptionalAttr<FlatSymbolRefAttr>:$cos,
                       OptionalAttr<FlatSymbolRefAttr>:$sin,
                       OptionalAttr<Tile_Int>:$cos_table,
                       OptionalAttr<Tile_Int>:$sin_table,
                       Tile_Int:$batch, Tile_Int:$seq, Tile_Int:$heads,
                       Tile_Int:$kv_heads, Tile_Int:$head_dim,
                       Tile_Int:$max_len, Tile_Int:$rotary,
                       Tile_Int:$cos_rows, Tile_Int:$window, F32Attr:$scale,
                       Tile_Int:$position_param, Tile_Int:$query_tile,
                       Tile_Int:$key_block, Tile_Int:$key_buffers,
                       Tile_Int:$sram,
                       Tile_Int:$sram_bytes, DenseI64ArrayAttr:$items,
                       Tile_Int:$tag,
                       DefaultValuedAttr<Tile_Int, "0">:$core);
  let assemblyFormat = "$q `,` $k `,` $v `->` $out attr-dict";
  let hasVerifier = 1;
}

def Tile_MaxPoolOp : Tile_Op<"max_pool", [HasParent<"SegmentOp">]> {
  let summary = "2-D max pooling on the vector engine, by output row tiles";
  let description = [{
    `window`: the kernel, strides, dilations and leading padding. `sram`:
    two input tiles, two output tiles, and the identity of max (bf16 -inf,
    or the 8-bit type's least value).
  }];
  let arguments = (ins FlatSymbolRefAttr:$input, FlatSymbolRefAttr:$output,
                       Tile_PoolWindowAttr:$window, Tile_Int:$rows,
                       DenseI64ArrayAttr:$sram, Tile_Int:$tag);
  let assemblyFormat = "$input `->` $output attr-dict";
  let hasVerifier = 1;
}

def Tile_GlobalPoolOp : Tile_Op<"global_pool", [HasParent<"SegmentOp">]> {
  let summary = "Global sum or mean pooling on the matrix engine";
  let description = [{
    Sums ones[1 x w] times each image row in f32, scaled by `scale` on the
    way out. `sram`: two input tiles, the ones row, the accumulator, two
    output rows.
  }];
  let arguments = (ins FlatSymbolRefAttr:$input, FlatSymbolRefAttr:$output,
                       F32Attr:$scale, Tile_Int:$rows,
                       DenseI64ArrayAttr:$sram, Tile_Int:$tag);
  let assemblyFormat = "$input `->` $output attr-dict";
  let hasVerifier = 1;
}

#endif // GAON_DIALECTS_TILE_TILEOPS_TD
