// Benchmark page (npm run bench): time from data in hand to the first complete frame of the
// WebGL scatter for ?n= points (and its stages: context and program, upload, draw), a redraw after
// a zoom, and frames per second while panning. Not part of the app's UI.
import { CATEGORY_COLORS } from './lib/palette';
import { ScatterGL } from './lib/scatter-gl';

declare global {
  interface Window {
    panCheck?: { same: number; moved: number; ink: number };
    benchResult?: { points: number; firstFrameMs: number; redrawMs: number; panFps: number; panGrabMs: number; stages: Record<string, number> };
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

/**
 * Frames per second while panning: each frame moves the view and is read back before the next.
 * The first frame of a drag (the grab) is timed on its own; the rate counts the frames after it.
 */
function panFps(gl: ScatterGL, ctx: WebGLRenderingContext, ms: number): Promise<{ grabMs: number; fps: number }> {
  const pixel = new Uint8Array(4);
  return new Promise((done) => {
    let frames = 0;
    let start = performance.now();
    let grabMs = 0;
    const step = () => {
      ctx.readPixels(500, 400, 1, 1, ctx.RGBA, ctx.UNSIGNED_BYTE, pixel); // the last frame is complete
      const now = performance.now();
      if (frames === 1) {
        grabMs = now - start;
        start = now;
      }
      const elapsed = now - start;
      if (frames > 1 && elapsed >= ms) return done({ grabMs, fps: (1000 * (frames - 1)) / elapsed });
      frames++;
      gl.panBy(frames % 40 < 20 ? 6 : -6, 2);
      requestAnimationFrame(step);
    };
    step();
  });
}

/**
 * ?check=pan (a test, not a figure): the picture while panning (the cached one, shifted) against
 * the points drawn afresh at the same view, pixel for pixel.
 */
async function panCheck(): Promise<void> {
  const gl = new ScatterGL(canvas);
  gl.resize(1000, 800);
  gl.pointSize = 2.5;
  gl.setPoints(positions, colors);
  gl.draw();
  const ctx = canvas.getContext('webgl')!;
  const read = () => {
    const px = new Uint8Array(canvas.width * canvas.height * 4);
    ctx.readPixels(0, 0, canvas.width, canvas.height, ctx.RGBA, ctx.UNSIGNED_BYTE, px);
    return px;
  };
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const start = read();
  for (let i = 0; i < 12; i++) {
    gl.panBy(9, -4);
    await frame();
  }
  const panned = read();
  gl.draw();
  const exact = read();
  let same = 0;
  let moved = 0;
  let ink = 0;
  for (let p = 0; p < exact.length; p += 4) {
    const eq = (a: Uint8Array, b: Uint8Array) => a[p] === b[p] && a[p + 1] === b[p + 1] && a[p + 2] === b[p + 2] && a[p + 3] === b[p + 3];
    if (eq(panned, exact)) same++;
    if (!eq(start, exact)) moved++;
    if (exact[p] < 250 || exact[p + 1] < 250 || exact[p + 2] < 250) ink++;
  }
  const pixels = exact.length / 4;
  window.panCheck = { same: same / pixels, moved: moved / pixels, ink: ink / pixels };
}

if (new URLSearchParams(location.search).get('check') === 'pan') requestAnimationFrame(() => void panCheck());
else requestAnimationFrame(async () => {
  const t0 = performance.now();
  const gl = new ScatterGL(canvas);
  gl.resize(1000, 800);
  gl.pointSize = n > 200_000 ? 1.5 : 2.5;
  const tProgram = performance.now();
  gl.setPoints(positions, colors);
  const tUpload = performance.now();
  gl.draw();
  const ctx = canvas.getContext('webgl')!;
  ctx.finish();
  const pixel = new Uint8Array(4);
  ctx.readPixels(500, 400, 1, 1, ctx.RGBA, ctx.UNSIGNED_BYTE, pixel); // forces the frame to complete
  const firstFrameMs = performance.now() - t0;
  const stages = { programMs: tProgram - t0, uploadMs: tUpload - tProgram, drawMs: performance.now() - tUpload };
  const t1 = performance.now();
  gl.zoomAt([500, 400] as never, 1.5);
  gl.draw();
  ctx.readPixels(500, 400, 1, 1, ctx.RGBA, ctx.UNSIGNED_BYTE, pixel);
  const redrawMs = performance.now() - t1;
  const pan = await panFps(gl, ctx, 2000);
  window.benchResult = { points: n, firstFrameMs, redrawMs, panFps: pan.fps, panGrabMs: pan.grabMs, stages };
});
