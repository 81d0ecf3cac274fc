// Runs an ONNX model on ONNX Runtime (onnxruntime-node) for the benchmark:
//   node ort_run.js MODEL.onnx INPUT.bin SHAPE(1x3x224x224) THREADS REPEAT OUT.bin
// Prints "min_ms median_ms" and writes the first output as raw float32.
const ort = require('onnxruntime-node');
const fs = require('fs');

async function main() {
  const [model, inputPath, shape, threads, repeat, outPath] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads), interOpNumThreads: 1,
    graphOptimizationLevel: 'all', executionMode: 'sequential'});
  const bytes = fs.readFileSync(inputPath);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const dims = shape.split('x').map(Number);
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, dims)};
  let result = await session.run(feeds); // warm-up
  const times = [];
  for (let i = 0; i < Number(repeat); ++i) {
    const start = process.hrtime.bigint();
    result = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const out = result[session.outputNames[0]].data;
  fs.writeFileSync(outPath, Buffer.from(out.buffer, out.byteOffset, out.byteLength));
  console.log(times[0].toFixed(3) + ' ' + times[Math.floor(times.length / 2)].toFixed(3));
}
main().catch((e) => { console.error(e); process.exit(1); });
