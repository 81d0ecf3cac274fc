//===- Passes.td - the NPU back end, graph to instructions -*- tablegen -*-===//
//
// The passes that take a `graph` module to NPU programs, in pipeline order
// (compiler/pipelines/Pipelines.cpp). Each has a lit folder under
// test/compiler/npu/. docs/npu-compiler.md explains the choices.
//
//===----------------------------------------------------------------------===//

#ifndef GAON_COMPILER_NPU_PASSES_TD
#define GAON_COMPILER_NPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def NpuPlacement : Pass<"gaon-npu-placement", "mlir::ModuleOp"> {
  let summary = "Place each graph op on the NPU or the CPU, with the reason";
  let description = [{
    Writes `npu.device` ("npu" or "cpu") on every graph op but constants,
    `npu.reason` on the CPU's (what the NPU lowering would need), and fuses
    epilogues into the op whose output stage runs them: `npu.group` numbers
    the NPU anchors, `npu.fused_into` names a fused op's anchor. The rules
    for one op are in Placement/Legality.cpp; the rest is about neighbours:
    vector-engine ops whose inputs all come from the CPU, and dequantizes
    whose result only leaves for the CPU, stay on the CPU (unless `greedy`).
  }];
  let options = [
    Option<"npuConfig", "npu-config", "std::string", "\"edge\"",
           "NPU configuration: edge, server or a JSON file">,
    Option<"greedy", "greedy", "bool", "false",
           "Keep every op the NPU can run there, whatever its neighbours">,
  ];
}

def NpuOutline : Pass<"gaon-npu-outline", "mlir::ModuleOp"> {
  let summary = "Wrap each run of NPU-placed ops in a tile.region";
  let description = [{
    Consecutive NPU ops (constants between them do not count) become one
    NPU segment: a `tile.region` whose results are the run's values used
    after it. The region sits where the run ends, before the next CPU op.
  }];
  let dependentDialects = ["::gaon::tile::TileDialect"];
}

def GraphToTile : Pass<"gaon-graph-to-tile", "mlir::ModuleOp"> {
  let summary = "Plan each tile.region as a tile.segment: layout, residency, tiles";
  let description = [{
    Replaces every `tile.region` with the `tile.segment` plan of its ops:
    each tensor's device layout (channels-last with zero halos) and memory
    (SRAM-resident or DRAM), packed constants, and per op its tiles and
    working buffers. With `cores` 0 and a multi-core NPU it plans two
    schedules, one core with resident activations and every core splitting
    the convolutions; the second follows the first as a candidate (its
    `candidate` attribute 1) for gaon-npu-select-schedule to choose from.
  }];
  let options = [
    Option<"npuConfig", "npu-config", "std::string", "\"edge\"",
           "NPU configuration: edge, server or a JSON file">,
    Option<"cores", "cores", "int", "0",
           "Plan for this many cores only (0: both schedules)">,
  ];
  let dependentDialects = ["::gaon::tile::TileDialect"];
}

def TileToNpu : Pass<"gaon-tile-to-npu", "mlir::ModuleOp"> {
  let summary = "Lower each tile.segment's work to an npu.program";
  let description = [{
    Expands every tiled op of a `tile.segment` into instructions in
    per-engine queues (one conversion pattern per tile op) and derives the
    semaphores between engines: every engine signals its own semaphore
    after each step, and a step that touches bytes another engine touched
    first waits for that step. The tensors and constants stay in the
    segment beside the program, for the binary writer's bindings.
  }];
  let options = [
    Option<"npuConfig", "npu-config", "std::string", "\"edge\"",
           "NPU configuration: edge, server or a JSON file">,
  ];
  let dependentDialects = ["::gaon::npuir::NpuDialect"];
}

def NpuSelectSchedule : Pass<"gaon-npu-select-schedule", "mlir::ModuleOp"> {
  let summary = "Keep the fastest candidate schedule of each NPU segment";
  let description = [{
    Runs every lowered `tile.segment` on the simulator in timing-only mode.
    Of a segment and its candidates, the fewest cycles wins (the first on a
    tie); the others are erased. The winner keeps its estimate:
    `estimated_cycles` in total and `tag_cycles` per source node, which the
    placement report shows.
  }];
  let options = [
    Option<"npuConfig", "npu-config", "std::string", "\"edge\"",
           "NPU configuration: edge, server or a JSON file">,
  ];
}

#endif // GAON_COMPILER_NPU_PASSES_TD
