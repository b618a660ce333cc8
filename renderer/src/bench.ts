// Benchmark page (npm run bench): time from data in hand to the first complete frame of the
// WebGL scatter for ?n= points. Not part of the app's UI.
import { CATEGORY_COLORS } from './lib/palette';
import { ScatterGL } from './lib/scatter-gl';

declare global {
  interface Window {
    benchResult?: { points: number; firstFrameMs: number; redrawMs: number };
  }
}

const n = Number(new URLSearchParams(location.search).get('n') ?? '100000');
const canvas = document.getElementById('plot') as HTMLCanvasElement;

// ten Gaussian blobs, deterministic
let seed = 1;
const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const positions = new Float32Array(n * 2);
const colors = new Uint8Array(n * 3);
const rgb = CATEGORY_COLORS.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
for (let i = 0; i < n; i++) {
  const c = i % 10;
  const r = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * 0.08;
  const a = 2 * Math.PI * rand();
  positions[2 * i] = Math.cos((c / 10) * 2 * Math.PI) * 0.6 + r * Math.cos(a);
  positions[2 * i + 1] = Math.sin((c / 10) * 2 * Math.PI) * 0.6 + r * Math.sin(a);
  colors.set(rgb[c], 3 * i);
}

requestAnimationFrame(() => {
  const t0 = performance.now();
  const gl = new ScatterGL(canvas);
  gl.resize(1000, 800);
  gl.pointSize = n > 200_000 ? 1.5 : 2.5;
  gl.setPoints(positions, colors);
  gl.draw();
  const ctx = canvas.getContext('webgl')!;
  ctx.finish();
  const pixel = new Uint8Array(4);
  ctx.readPixels(500, 400, 1, 1, ctx.RGBA, ctx.UNSIGNED_BYTE, pixel); // forces the frame to complete
  const firstFrameMs = performance.now() - t0;
  const t1 = performance.now();
  gl.zoomAt([500, 400] as never, 1.5);
  gl.draw();
  ctx.readPixels(500, 400, 1, 1, ctx.RGBA, ctx.UNSIGNED_BYTE, pixel);
  window.benchResult = { points: n, firstFrameMs, redrawMs: performance.now() - t1 };
});
