//===- HtmlReport.cpp - one self-contained HTML report --------------------===//
//
// The page carries the JSON reports verbatim and draws them in the browser:
// placement grouped by reason, per-layer time with bars, engine
// utilization, a roofline against the NPU's ceilings, and DRAM traffic over
// the run. Every layer is one table row (class "layer"); the body's
// data-status becomes "ok" once drawn, or "error: ..." on a script error,
// which is what the browser test reads.
//
//===----------------------------------------------------------------------===//

#include "HtmlReport.h"

namespace gaon::tools {
namespace {

const char *kHead = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gaon report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1f24;max-width:1200px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}td,th{padding:3px 8px;text-align:left;
border-bottom:1px solid #eee;vertical-align:top}th{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.bar{height:10px;background:#3b82f6;display:inline-block}.cpu .bar{background:#f59e0b}
.cpu td:first-child{border-left:3px solid #f59e0b}.npu td:first-child{border-left:3px solid #3b82f6}
.totals td{font-size:15px}.muted{color:#667}svg text{font:11px system-ui,sans-serif}
</style></head>
<body data-status="loading">
<h1 id="title"></h1>
<p class="muted">Gaon report: everything is in this file; it fetches nothing.</p>
<div id="totals"></div><div id="placement"></div><div id="layers"></div>
<div id="engines"></div><div id="roofline"></div><div id="traffic"></div>
<script type="application/json" id="gaon-data">)HTML";

const char *kTail = R"HTML(</script>
<script>
"use strict";
window.onerror = function (message) {
  document.body.dataset.status = "error: " + message;
};
(function () {
  var data = JSON.parse(document.getElementById("gaon-data").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  function el(tag, attrs, parent, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function svg(tag, attrs, parent, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(x, digits) {
    if (x === null || x === undefined || isNaN(x)) return "";
    var a = Math.abs(x);
    if (a >= 1e12) return (x / 1e12).toFixed(2) + " T";
    if (a >= 1e9) return (x / 1e9).toFixed(2) + " G";
    if (a >= 1e6) return (x / 1e6).toFixed(2) + " M";
    if (a >= 1e3) return (x / 1e3).toFixed(2) + " k";
    return x.toFixed(digits === undefined ? 0 : digits);
  }
  function time(seconds) {
    if (seconds >= 1) return seconds.toFixed(3) + " s";
    if (seconds >= 1e-3) return (seconds * 1e3).toFixed(3) + " ms";
    return (seconds * 1e6).toFixed(2) + " us";
  }
  function table(parent, headers) {
    var t = el("table", {}, parent), h = el("tr", {}, el("thead", {}, t));
    headers.forEach(function (x) { el("th", {}, h, x); });
    return el("tbody", {}, t);
  }
  function row(body, cells, cls) {
    var r = el("tr", cls ? { "class": cls } : {}, body);
    cells.forEach(function (c) {
      var td = el("td", typeof c === "number" ? { "class": "num" } : {}, r);
      if (c instanceof Node) td.appendChild(c);
      else if (typeof c === "number") td.textContent = fmt(c, 2);
      else td.textContent = c === undefined ? "" : c;
    });
    return r;
  }
  function bar(fraction) {
    var b = el("span", { "class": "bar" });
    b.style.width = Math.max(1, Math.round(240 * Math.min(1, fraction))) + "px";
    return b;
  }
  document.getElementById("title").textContent = data.title;
  var placement = data.placement, profile = data.profile;

  // Totals.
  var totals = document.getElementById("totals");
  el("h2", {}, totals, "Totals");
  var tb = table(totals, ["", ""]);
  tb.parentNode.className = "totals";
  if (placement) {
    var nodes = placement.nodes, onNpu = nodes.filter(function (n) {
      return n.placement === "npu"; }).length;
    row(tb, ["Target", placement.npu ? "NPU (" + placement.npu + ")" : "CPU"]);
    row(tb, ["Nodes on the NPU", onNpu + " of " + nodes.length]);
  }
  if (profile) {
    var cpuOps = profile.layers.filter(function (l) {
      return l.placement === "cpu"; }).length;
    if (profile.npu) {
      row(tb, ["NPU", profile.npu]);
      row(tb, ["Simulated NPU time", time(profile.simulated_seconds) + " (" +
               fmt(profile.total_cycles) + " cycles)"]);
      row(tb, ["Host transfers", time(profile.host_transfer_seconds)]);
      row(tb, ["MAC utilization", (100 * profile.mac_utilization).toFixed(1) + "% of the " +
               fmt(profile.peak_macs_per_second) + "MAC/s int8 peak"]);
      row(tb, ["DRAM traffic", fmt(profile.dram_read_bytes) + "B read, " +
               fmt(profile.dram_write_bytes) + "B written"]);
    } else {
      row(tb, ["Device", profile.device || "cpu"]);
    }
    row(tb, ["CPU ops", cpuOps + ", " + time(profile.host_op_seconds) + " of host time"]);
  }

  // Placement, grouped by reason, then every node.
  if (placement) {
    var p = document.getElementById("placement");
    el("h2", {}, p, "Placement");
    var reasons = {};
    placement.nodes.forEach(function (n) {
      var why = n.placement === "npu" ? "on the NPU" : (n.reason || "CPU target");
      reasons[why] = (reasons[why] || 0) + 1;
    });
    var rb = table(p, ["Where and why", "Nodes"]);
    Object.keys(reasons).sort(function (a, b) { return reasons[b] - reasons[a]; })
      .forEach(function (r) { row(rb, [r, reasons[r]]); });
    el("p", {}, p, "");
    var most = Math.max.apply(null, placement.nodes.map(function (n) {
      return n.estimated_cycles || 0; }).concat([1]));
    var nb = table(p, ["Node", "Op", "Placement", "Reason", "Estimated cycles", ""]);
    placement.nodes.forEach(function (n) {
      var r = row(nb, [n.name, n.op, n.placement, n.reason || "",
                       n.estimated_cycles === undefined ? "" : n.estimated_cycles,
                       n.estimated_cycles ? bar(n.estimated_cycles / most) : ""],
                  "layer " + n.placement);
      r.dataset.name = n.name;
    });
  }

  if (!profile) { document.body.dataset.status = "ok"; return; }
  var clock = profile.clock_hz || 1;
  var layers = profile.layers.map(function (l) {
    var seconds = l.placement === "npu" ? l.cycles / clock : l.host_seconds;
    var bytes = (l.dram_read_bytes || 0) + (l.dram_write_bytes || 0);
    return { name: l.name, placement: l.placement, op: l.op || "", seconds: seconds,
             macs: l.macs || 0, bytes: bytes, read: l.dram_read_bytes || 0,
             write: l.dram_write_bytes || 0, busy: l.busy_cycles || 0, cycles: l.cycles || 0,
             engines: l.engine_busy_cycles || null, sram: l.sram_bytes || 0 };
  });

  // Per-layer time.
  var L = document.getElementById("layers");
  el("h2", {}, L, "Layers (" + layers.length + ")");
  var longest = Math.max.apply(null, layers.map(function (l) { return l.seconds; }).concat([1e-12]));
  var lb = table(L, ["Layer", "Where", "Time (us)", "", "MACs", "MAC/s", "DRAM bytes",
                     "MACs per byte", "SRAM touched", "Engines busy (of the layer's time, all cores)"]);
  var colors = { "dma-load": "#10b981", matrix: "#3b82f6", vector: "#8b5cf6",
                 "dma-store": "#f43f5e" };
  function engineBars(l) {
    if (!l.engines || !l.cycles) return "";
    var box = el("span");
    Object.keys(l.engines).forEach(function (name) {
      var share = l.engines[name] / l.cycles;
      var b = el("span", { "class": "bar", title: name + " " + (100 * share).toFixed(0) + "%" }, box);
      b.style.width = Math.max(1, Math.round(30 * Math.min(share, 4))) + "px";
      b.style.background = colors[name] || "#999";
      b.style.marginRight = "2px";
    });
    return box;
  }
  layers.forEach(function (l) {
    var r = row(lb, [l.name, l.placement + (l.op ? " " + l.op : ""), l.seconds * 1e6,
                     bar(l.seconds / longest), l.macs || "",
                     l.macs && l.seconds ? fmt(l.macs / l.seconds) : "",
                     l.bytes || "", l.bytes && l.macs ? l.macs / l.bytes : "",
                     l.sram ? fmt(l.sram) + "B" : "", engineBars(l)],
                "layer " + l.placement);
    r.dataset.name = l.name;
  });
  if (layers.some(function (l) { return l.engines; }))
    el("p", { "class": "muted" }, L, "Engine bars: DMA load (green), matrix (blue), " +
       "vector (purple), DMA store (red); 30 px is one engine busy for the whole layer.");

  // Engine utilization.
  if (profile.engines && profile.engines.length) {
    var E = document.getElementById("engines");
    el("h2", {}, E, "Engine utilization (busy cycles over the run)");
    var eb = table(E, ["Core", "Engine", "Busy", ""]);
    profile.engines.forEach(function (e) {
      row(eb, [String(e.core), e.engine, (100 * e.utilization).toFixed(1) + "%",
               bar(e.utilization)]);
    });
  }

  var npuLayers = layers.filter(function (l) {
    return l.placement === "npu" && l.macs > 0 && l.bytes > 0 && l.seconds > 0; });
  // Roofline: achieved MAC/s against MACs per DRAM byte, under the NPU's
  // compute peak and its DRAM bandwidth.
  if (profile.npu && npuLayers.length) {
    var R = document.getElementById("roofline");
    el("h2", {}, R, "Roofline (" + profile.npu + ")");
    var W = 640, H = 360, m = 50;
    var s = svg("svg", { width: W, height: H, role: "img" }, R);
    var peak = profile.peak_macs_per_second, bw = profile.dram_bandwidth || 1;
    var xs = npuLayers.map(function (l) { return l.macs / l.bytes; });
    var ys = npuLayers.map(function (l) { return l.macs / l.seconds; });
    var x0 = Math.log10(Math.min.apply(null, xs.concat([peak / bw])) / 4);
    var x1 = Math.log10(Math.max.apply(null, xs.concat([peak / bw])) * 4);
    var y1 = Math.log10(peak * 2), y0 = Math.log10(Math.min.apply(null, ys.concat([peak])) / 4);
    function X(v) { return m + (Math.log10(v) - x0) / (x1 - x0) * (W - 2 * m); }
    function Y(v) { return H - m - (Math.log10(v) - y0) / (y1 - y0) * (H - 2 * m); }
    svg("rect", { x: m, y: m, width: W - 2 * m, height: H - 2 * m, fill: "none", stroke: "#ccc" }, s);
    var knee = peak / bw, left = Math.pow(10, x0), right = Math.pow(10, x1);
    svg("polyline", { points: X(left) + "," + Y(Math.max(left * bw, Math.pow(10, y0))) + " " +
                      X(knee) + "," + Y(peak) + " " + X(right) + "," + Y(peak),
                      fill: "none", stroke: "#111", "stroke-width": 2 }, s);
    svg("text", { x: X(right) - 4, y: Y(peak) - 6, "text-anchor": "end" }, s,
        "peak " + fmt(peak) + "MAC/s");
    svg("text", { x: X(knee), y: Y(peak) + 14 }, s, "DRAM " + fmt(bw) + "B/s");
    npuLayers.forEach(function (l, i) {
      var c = svg("circle", { cx: X(xs[i]), cy: Y(ys[i]), r: 4, fill: "#3b82f6",
                              "fill-opacity": 0.7, "class": "point" }, s);
      svg("title", {}, c, l.name + ": " + fmt(ys[i]) + "MAC/s at " + xs[i].toFixed(1) +
          " MACs/byte");
    });
    svg("text", { x: W / 2, y: H - 12, "text-anchor": "middle" }, s, "MACs per DRAM byte (log)");
    svg("text", { x: 12, y: H / 2, transform: "rotate(-90 12 " + H / 2 + ")",
                  "text-anchor": "middle" }, s, "achieved MAC/s (log)");
  }

  // DRAM traffic over the run: each NPU layer's bytes where it runs.
  var timed = layers.filter(function (l) { return l.placement === "npu" && l.bytes > 0; });
  if (timed.length) {
    var T = document.getElementById("traffic");
    el("h2", {}, T, "DRAM traffic over the run (read up, written down)");
    var W2 = 900, H2 = 200, total = timed.reduce(function (a, l) { return a + l.seconds; }, 0) || 1;
    var most2 = Math.max.apply(null, timed.map(function (l) { return Math.max(l.read, l.write); }));
    var s2 = svg("svg", { width: W2, height: H2, role: "img" }, T);
    var at = 0, mid = H2 / 2;
    timed.forEach(function (l) {
      var x = 10 + at / total * (W2 - 20), w = Math.max(1, l.seconds / total * (W2 - 20));
      var hr = l.read / most2 * (mid - 10), hw = l.write / most2 * (mid - 10);
      var g = svg("g", {}, s2);
      svg("rect", { x: x, y: mid - hr, width: w, height: hr, fill: "#3b82f6" }, g);
      svg("rect", { x: x, y: mid, width: w, height: hw, fill: "#10b981" }, g);
      svg("title", {}, g, l.name + ": " + fmt(l.read) + "B read, " + fmt(l.write) + "B written");
      at += l.seconds;
    });
    svg("line", { x1: 10, x2: W2 - 10, y1: mid, y2: mid, stroke: "#999" }, s2);
  }

  // SRAM residency over the run: the SRAM each NPU layer touched (per core,
  // the bounding range of its reads and writes), where it runs.
  var resident = layers.filter(function (l) { return l.placement === "npu" && l.sram > 0; });
  if (resident.length) {
    var S = document.getElementById("traffic");
    el("h2", {}, S, "SRAM residency over the run (bytes each layer touched)");
    var W3 = 900, H3 = 140, total3 = resident.reduce(function (a, l) { return a + l.seconds; }, 0) || 1;
    var most3 = Math.max.apply(null, resident.map(function (l) { return l.sram; }));
    var s3 = svg("svg", { width: W3, height: H3, role: "img" }, S);
    var at3 = 0;
    resident.forEach(function (l) {
      var x = 10 + at3 / total3 * (W3 - 20), w = Math.max(1, l.seconds / total3 * (W3 - 20));
      var h = l.sram / most3 * (H3 - 20);
      var g = svg("g", {}, s3);
      svg("rect", { x: x, y: H3 - 10 - h, width: w, height: h, fill: "#8b5cf6" }, g);
      svg("title", {}, g, l.name + ": " + fmt(l.sram) + "B of SRAM");
      at3 += l.seconds;
    });
    svg("text", { x: 12, y: 12 }, s3, "peak " + fmt(most3) + "B");
  }
  document.body.dataset.status = "ok";
})();
</script></body></html>
)HTML";

/// JSON text, safe inside a <script> element.
std::string scriptSafe(const std::string &json) {
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    if (json[i] == '<' && i + 1 < json.size() && json[i + 1] == '/')
      out += "<\\";
    else
      out += json[i];
  }
  return out;
}

std::string quote(const std::string &text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(c) < 0x20)
      continue;
    out += c;
  }
  return out + "\"";
}

} // namespace

bool wantsHtml(const std::string &path) {
  auto endsWith = [&](const char *suffix) {
    std::string s = suffix;
    return path.size() >= s.size() &&
           path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  return endsWith(".html") || endsWith(".htm");
}

std::string renderHtmlReport(const std::string &title,
                             const std::string &placementJson,
                             const std::string &profileJson) {
  std::string page = kHead;
  page += "{\"title\":" + quote(title) + ",\"placement\":" +
          (placementJson.empty() ? "null" : scriptSafe(placementJson)) +
          ",\"profile\":" +
          (profileJson.empty() ? "null" : scriptSafe(profileJson)) + "}";
  page += kTail;
  return page;
}

} // namespace gaon::tools
