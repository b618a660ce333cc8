#!/usr/bin/env node
// Micro-benchmark of the addon's GEMM on the reference VAE's first layer (256×784 · 784×400, the
// forward product and both gradient products), for comparing kernel builds (LAB_NATIVE_ISA) or two
// addon files on one machine. Prints one JSON line: GFLOP/s per product, median of --reps timings.
//   node bench/native-gemm.mjs [--addon path/to/lab_native.node] [--reps 15]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { addon: { type: 'string' }, reps: { type: 'string' } } });
const path = values.addon ?? new URL('../native/build/Release/lab_native.node', import.meta.url).pathname;
const addon = createRequire(import.meta.url)(path);
const [M, K, N] = [256, 784, 400];
const fill = (n) => Float32Array.from({ length: n }, (_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
const x = fill(M * K), w = fill(K * N), y = new Float32Array(M * N), dw = new Float32Array(K * N), dx = new Float32Array(M * K);
const products = {
  forward: () => addon.gemm(M, N, K, x, K, false, w, N, false, y, N, false), // y = x·w
  gradW: () => addon.gemm(K, N, M, x, K, true, y, N, false, dw, N, false), // dw = xᵀ·dy
  gradX: () => addon.gemm(M, K, N, y, N, false, w, N, true, dx, K, false), // dx = dy·wᵀ
};
const reps = Number(values.reps ?? 15);
const inner = 20; // products per timing
const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
const out = { isa: addon.info().isa, gflops: {} };
for (const [name, run] of Object.entries(products)) {
  for (let i = 0; i < 30; i++) run(); // warm-up (and the serial/parallel choice settles)
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < inner; i++) run();
    times.push(Number(process.hrtime.bigint() - t) / 1e9 / inner);
  }
  out.gflops[name] = Math.round((2 * M * N * K) / median(times) / 1e7) / 100;
}
console.log(JSON.stringify(out));
