// The native backend against references: its kernels against tfjs's cpu backend (and a float64
// GEMM), the fused layer/loss/optimizer against plain tfjs autograd, training, workers, fallback,
// shape checks, and each instruction-set build of the kernels. The backend-generic checks also run
// on wasm (and the model code and training on cpu): the same expectations on every backend.
// CI=true: a missing addon fails these tests instead of skipping them (helpers/native.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { activeBackend, useBackend } from '../../electron/engine/core/backend';
import type { Split } from '../../electron/engine/data/dataset';
import { dense, denseParams } from '../../electron/engine/models/dense';
import { bernoulliNll, gaussianKl } from '../../electron/engine/models/losses';
import { disposeModel } from '../../electron/engine/models/model';
import { loadAddonAt, nativeAddon, NATIVE_VERSION } from '../../electron/engine/native/addon';
import { NativeAdam } from '../../electron/engine/native/adam';
import type { NativeBackend } from '../../electron/engine/native/backend';
import { broadcastPattern } from '../../electron/engine/native/elementwise';
import { mulberry32 } from '../../electron/engine/core/random';
import { trainOnSplit } from '../../electron/engine/training/train-split';
import type { BackendName, DataMatrix, TrainConfig } from '../../shared/types';
import { badNativeCalls } from '../fixtures/bad/native-shapes';
import { assertNative, skipNative, testBackends } from './helpers/native';

const { addon } = nativeAddon();
const addonPath = process.env.LAB_NATIVE_PATH ?? fileURLToPath(new URL('../../native/build/Release/lab_native.node', import.meta.url));

const rand = mulberry32(11);
const randn = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);

/** Starts a backend for a suite; native first checks that the addon loaded (CI requires it). */
async function start(backend: BackendName): Promise<void> {
  if (backend === 'native') assertNative();
  await useBackend(backend);
}

/** Runs fn on the given backend and returns its results as plain arrays. */
async function on(backend: BackendName, fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const values = list.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(list);
    return values;
  } finally {
    await tf.setBackend(previous);
  }
}

/** fn on `backend` against fn on the cpu backend (the reference), relative error below tol. */
async function agreeOn(backend: BackendName, fn: () => tf.Tensor | tf.Tensor[], tol = 1e-4, label = ''): Promise<void> {
  const [mine, ref] = [await on(backend, fn), await on('cpu', fn)];
  expect(mine.length).toBe(ref.length);
  mine.forEach((m, i) => {
    expect(m.length).toBe(ref[i].length);
    let worst = 0;
    for (let j = 0; j < m.length; j++) {
      if (m[j] === ref[i][j]) continue; // equal infinities included
      if (Number.isNaN(ref[i][j]) || !Number.isFinite(ref[i][j])) {
        expect(m[j], `${backend} ${label} output ${i}[${j}]`).toBe(ref[i][j]);
        continue;
      }
      worst = Math.max(worst, Math.abs(m[j] - ref[i][j]) / Math.max(1, Math.abs(ref[i][j])));
    }
    expect(worst, `${backend} ${label} output ${i}`).toBeLessThan(tol);
  });
}

const isaProbe = fileURLToPath(new URL('../fixtures/native-isa-probe.cjs', import.meta.url));

function hasObjdump(): boolean {
  return spawnSync('objdump', ['--version']).status === 0;
}

describe.skipIf(skipNative)('native addon', () => {
  beforeAll(async () => {
    await start('native');
    expect(activeBackend()?.name).toBe('native');
    expect(activeBackend()?.detail).toMatch(/^native \((AVX-512|AVX2|SSE2|NEON|generic)( by LAB_NATIVE_ISA)?, \d+ threads?\)$/);
  });

  it('GEMM matches a float64 reference on odd shapes, every transposition, with accumulate', () => {
    for (const [M, N, K] of [[1, 1, 1], [3, 5, 7], [13, 33, 17], [37, 65, 300], [129, 41, 785], [2, 200, 3], [50, 16, 40], [25, 8, 9], [36, 48, 20]]) {
      for (const ta of [false, true]) for (const tb of [false, true]) for (const acc of [false, true]) {
        const A = randn(M * K);
        const B = randn(K * N);
        const C = randn(M * N);
        const C0 = C.slice();
        addon!.gemm(M, N, K, A, ta ? M : K, ta, B, tb ? K : N, tb, C, N, acc);
        let worst = 0;
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
          let s = acc ? C0[i * N + j] : 0;
          for (let k = 0; k < K; k++) s += (ta ? A[k * M + i] : A[i * K + k]) * (tb ? B[j * K + k] : B[k * N + j]);
          worst = Math.max(worst, Math.abs(s - C[i * N + j]));
        }
        expect(worst, `${M}x${N}x${K} ta=${ta} tb=${tb} acc=${acc}`).toBeLessThan(1e-4 * Math.sqrt(K) + 1e-5);
      }
    }
  });

  it('rejects arrays too short for the shapes it is given', () => {
    expect(() => addon!.gemm(4, 4, 4, new Float32Array(15), 4, false, new Float32Array(16), 4, false, new Float32Array(16), 4, false))
      .toThrow(/A is too short/);
    expect(() => addon!.gatherRows(new Float32Array(6), 3, 2, Int32Array.from([0, 3]), new Float32Array(4))).toThrow(/out of range/);
  });

  it.each(badNativeCalls)('throws a clean error for $what', ({ call, error }) => {
    expect(() => call(addon!)).toThrow(error);
  });

  it('reports the kernels it chose: the widest this CPU runs, or the build LAB_NATIVE_ISA forces', () => {
    const info = addon!.info();
    expect(info.version).toBe(NATIVE_VERSION);
    expect(info.available[0]).toBe('baseline');
    const forced = process.env.LAB_NATIVE_ISA && process.env.LAB_NATIVE_ISA !== 'best' ? process.env.LAB_NATIVE_ISA : null;
    expect(info.forced).toBe(forced !== null);
    expect(info.isaId).toBe(forced ?? info.available[info.available.length - 1]);
    const width: Record<string, number> = { 'AVX-512': 16, AVX2: 8, SSE2: 4, NEON: 4, generic: 4 };
    expect(info.vectorWidth).toBe(width[info.isa]);
    if (process.arch === 'x64') expect(['SSE2', 'AVX2', 'AVX-512']).toContain(info.isa);
    if (process.arch === 'arm64') expect(info.isa).toBe('NEON');
  });

  it('every kernel build this CPU runs computes the same results (one process per LAB_NATIVE_ISA)', () => {
    const results = addon!.info().available.map((isa) => {
      const r = spawnSync(process.execPath, [isaProbe], { env: { ...process.env, LAB_NATIVE_ISA: isa, LAB_NATIVE_PATH: addonPath }, encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { isaId: string; outputs: Record<string, number[]> };
      expect(out.isaId).toBe(isa);
      return out;
    });
    const [ref, ...others] = results;
    for (const other of others) {
      for (const [name, values] of Object.entries(ref.outputs)) {
        const mine = other.outputs[name];
        expect(mine.length, name).toBe(values.length);
        let worst = 0;
        values.forEach((v, i) => (worst = Math.max(worst, Math.abs(mine[i] - v) / Math.max(1, Math.abs(v)))));
        expect(worst, `${other.isaId} vs ${ref.isaId}: ${name}`).toBeLessThan(1e-4);
      }
    }
  });

  it('fails to load, with the reason, when LAB_NATIVE_ISA names a build it does not have', () => {
    const code = `try { require(${JSON.stringify(addonPath)}); console.log('loaded') } catch (e) { console.log(e.code + ': ' + e.message) }`;
    const r = spawnSync(process.execPath, ['-e', code], { env: { ...process.env, LAB_NATIVE_ISA: 'avx9' }, encoding: 'utf8' });
    expect(r.stdout.trim()).toMatch(/^LAB_NATIVE_ISA: LAB_NATIVE_ISA=avx9 is not a kernel build of this addon \(use one of: best, baseline/);
  });

  it.skipIf(process.platform !== 'linux' || process.arch !== 'x64' || !hasObjdump())('uses AVX instructions only inside the AVX2 and AVX-512 kernels (the rest runs on any x86-64)', () => {
    const listing = execFileSync('objdump', ['-d', '--no-show-raw-insn', '-C', addonPath], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
    const offenders = new Map<string, string>();
    let wide = 0;
    let fn = '';
    for (const line of listing.split('\n')) {
      const head = /^[0-9a-f]+ <(.*)>:$/.exec(line);
      if (head) {
        fn = head[1];
        continue;
      }
      const [, insn = ''] = line.split('\t');
      // VEX/EVEX instructions all start with v; AVX-512 adds the k mask registers
      if (!/^v|^k[a-z]+[bwdq]\b/.test(insn) && !/%[yz]mm|%k[0-7]/.test(insn)) continue;
      if (/lab::avx(2|512)::/.test(fn)) wide++;
      else if (!offenders.has(fn)) offenders.set(fn, insn);
    }
    expect([...offenders].slice(0, 5)).toEqual([]);
    expect(wide).toBeGreaterThan(50); // the check sees the AVX kernels, so it would see a stray one
  });

  it('NativeAdam follows tf.train.adam step for step', async () => {
    const start = randn(300);
    const target = randn(300);
    const run = async (backend: 'native' | 'cpu') => {
      await tf.setBackend(backend);
      const init = tf.tensor1d(start);
      const v = tf.variable(init, true, `adam-${backend}`);
      init.dispose(); // the variable's data is its own (not shared): updates can swap arrays
      const opt = backend === 'native' ? new NativeAdam(addon!, 0.05, 0.9, 0.999, 1e-8) : tf.train.adam(0.05, 0.9, 0.999, 1e-8);
      const dataId = v.dataId;
      const read = v.dataSync();
      const snapshot = read.slice();
      for (let i = 0; i < 25; i++) opt.minimize(() => tf.sum(tf.square(tf.sub(v, tf.tensor1d(target)))) as tf.Scalar);
      expect(Array.from(read)).toEqual(Array.from(snapshot)); // what a reader got stays as it was
      if (backend === 'native') expect(v.dataId).toBe(dataId); // updated in place of the old array, no new tensor
      const out = v.dataSync().slice();
      v.dispose();
      opt.dispose();
      await tf.setBackend('native');
      return out;
    };
    const mine = await run('native');
    const ref = await run('cpu');
    for (let i = 0; i < mine.length; i++) expect(mine[i]).toBeCloseTo(ref[i], 4);
  });

  it('NativeAdam state survives getWeights/setWeights (checkpoints)', async () => {
    const target = tf.tensor1d(randn(50));
    const makeVar = (name: string) => {
      const init = tf.zeros([50]);
      const v = tf.variable(init, true, name);
      init.dispose();
      return v;
    };
    const loss = (v: tf.Variable) => () => tf.sum(tf.square(tf.sub(v, target))) as tf.Scalar;
    const a = makeVar('ckpt-a');
    const optA = new NativeAdam(addon!, 0.1, 0.9, 0.999, 1e-8);
    for (let i = 0; i < 5; i++) optA.minimize(loss(a));
    // a second optimizer restored from the first's state continues identically
    const b = makeVar('ckpt-a-copy');
    b.assign(a);
    const weights = await optA.getWeights();
    const optB = new NativeAdam(addon!, 0.1, 0.9, 0.999, 1e-8);
    await optB.setWeights(weights.map((w) => ({ name: w.name.replace('ckpt-a', 'ckpt-a-copy'), tensor: w.tensor })));
    for (let i = 0; i < 5; i++) {
      optA.minimize(loss(a));
      optB.minimize(loss(b));
    }
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b, target, ...weights.map((w) => w.tensor)]);
  });

  it('casts bool to float32 as real floats, so native kernels can read them (the max gradient does this)', () => {
    const backend = tf.backend() as NativeBackend;
    const mask = tf.cast(tf.tensor1d([true, false, true], 'bool'), 'float32');
    expect(backend.data.get(mask.dataId).values).toBeInstanceOf(Float32Array);
    const prod = tf.mul(tf.tensor1d([2, 3, 4]), mask);
    expect(Array.from(prod.dataSync())).toEqual([2, 0, 4]);
    const x = tf.variable(tf.tensor2d([[1, 5], [7, 2]]));
    const { grads } = tf.variableGrads(() => tf.sum(tf.max(x, 0)) as tf.Scalar, [x]);
    expect(Array.from(grads[x.name].dataSync())).toEqual([0, 1, 1, 0]);
    tf.dispose([mask, prod, x, ...Object.values(grads)]);
  });

  it('recycles output buffers, but never one a reader or a view can still see', () => {
    const backend = tf.backend() as NativeBackend;
    const valuesOf = (t: tf.Tensor) => backend.data.get(t.dataId).values as Float32Array;
    const a = tf.tensor1d([1, 2, 3, 4]);
    // a disposed output's buffer serves the next output of the same size
    const first = tf.exp(a);
    const firstBuffer = valuesOf(first);
    first.dispose();
    const second = tf.neg(a);
    expect(valuesOf(second)).toBe(firstBuffer);
    // a read hands out the array itself: it must keep its values after the tensor is gone
    const read = second.dataSync();
    second.dispose();
    const third = tf.square(a);
    expect(valuesOf(third)).not.toBe(firstBuffer);
    expect(Array.from(read)).toEqual([-1, -2, -3, -4]);
    // a slice is a view into the source's memory (cpu backend): the source's buffer is not reused
    const source = tf.mul(a, 10);
    const view = tf.slice(source, [1], [2]);
    source.dispose();
    for (let i = 0; i < 5; i++) tf.dispose([tf.add(a, i), tf.sub(a, i)]);
    expect(Array.from(view.dataSync())).toEqual([20, 30]);
    tf.dispose([a, third, view]);
  });

  it('loads in a worker thread, and in a second one after the first ended', async () => {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const a = require(workerData);
      const A = Float32Array.from({ length: 6 }, (_, i) => i), B = Float32Array.from([1, 0, 0, 1, 1, 1]), C = new Float32Array(4);
      a.gemm(2, 2, 3, A, 3, false, B, 2, false, C, 2, false);
      parentPort.postMessage(Array.from(C));`;
    for (let round = 0; round < 2; round++) {
      const w = new Worker(code, { eval: true, workerData: addonPath });
      const result = await new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
      expect(result).toEqual([2, 3, 8, 9]);
      await w.terminate();
    }
  });
});

// cpu is the reference for the op-level checks, so they run on the other backends.
describe.each(testBackends().filter((b) => b !== 'cpu'))('%s kernels against the cpu backend', (backend) => {
  beforeAll(() => start(backend));

  it('matMul and fused matMul agree with the cpu backend (transposes, batches, broadcast, bias, relu)', async () => {
    const a = randn(2 * 7 * 5);
    const b = randn(2 * 5 * 3);
    await agreeOn(backend, () => tf.matMul(tf.tensor2d(a.subarray(0, 35), [7, 5]), tf.tensor2d(b.subarray(0, 15), [5, 3])));
    await agreeOn(backend, () => tf.matMul(tf.tensor2d(a.subarray(0, 35), [5, 7]), tf.tensor2d(b.subarray(0, 15), [5, 3]), true, false));
    await agreeOn(backend, () => tf.matMul(tf.tensor2d(a.subarray(0, 35), [7, 5]), tf.tensor2d(b.subarray(0, 15), [3, 5]), false, true));
    await agreeOn(backend, () => tf.matMul(tf.tensor3d(a, [2, 7, 5]), tf.tensor3d(b, [2, 5, 3])));
    await agreeOn(backend, () => tf.matMul(tf.tensor3d(a, [2, 7, 5]), tf.tensor2d(b.subarray(0, 15), [5, 3])));
    await agreeOn(backend, () => tf.fused.matMul({
      a: tf.tensor2d(a.subarray(0, 35), [7, 5]), b: tf.tensor2d(b.subarray(0, 15), [5, 3]), bias: tf.tensor1d([0.5, -1, 2]), activation: 'relu',
    }));
    await agreeOn(backend, () => tf.fused.matMul({
      a: tf.tensor2d(a.subarray(0, 35), [5, 7]), b: tf.tensor2d(b.subarray(0, 15), [3, 5]), transposeA: true, transposeB: true,
      bias: tf.tensor1d([0.5]), activation: 'sigmoid',
    }));
  });

  it('element-wise ops agree with the cpu backend, broadcasts and the generic fallback included', async () => {
    const x = tf.tensor2d(randn(6 * 5, 3), [6, 5]);
    const shapes: number[][] = [[6, 5], [5], [1, 5], [6, 1], [], [1, 1]];
    for (const op of [tf.add, tf.sub, tf.mul, tf.div, tf.maximum, tf.minimum, tf.squaredDifference]) {
      for (const shape of shapes) {
        const y = randn(shape.reduce((p, q) => p * q, 1), 2);
        await agreeOn(backend, () => op(tf.tensor(x.dataSync(), [6, 5]), tf.tensor(y, shape)), 1e-5, `${op.name} [6,5]·[${shape}]`);
        await agreeOn(backend, () => op(tf.tensor(y, shape), tf.tensor(x.dataSync(), [6, 5])), 1e-5, `${op.name} [${shape}]·[6,5]`);
      }
    }
    // [2,1,3] ⊕ [2,4,1] broadcasts both ways: the cpu kernel's general path
    const [p, q] = [randn(6), randn(8)];
    await agreeOn(backend, () => tf.add(tf.tensor3d(p, [2, 1, 3]), tf.tensor3d(q, [2, 4, 1])));
    const v = Float32Array.from([...randn(50, 30), 0, -0, 1e-7, -1e-7, 88, 89, -88, -100, Infinity, -Infinity, NaN]);
    const positive = v.map(Math.abs);
    for (const op of [tf.neg, tf.abs, tf.square, tf.exp, tf.relu, tf.sigmoid, tf.softplus, tf.tanh]) await agreeOn(backend, () => op(tf.tensor1d(v)), 1e-5, op.name);
    for (const op of [tf.sqrt, tf.rsqrt, tf.log, tf.reciprocal]) await agreeOn(backend, () => op(tf.tensor1d(positive)), 1e-5, op.name);
    await agreeOn(backend, () => tf.log1p(tf.tensor1d(positive.map((p) => p - 0.5))), 1e-5);
    await agreeOn(backend, () => tf.step(tf.tensor1d(v), 0.3), 1e-7, 'step');
    await agreeOn(backend, () => tf.leakyRelu(tf.tensor1d(v), 0.2), 1e-6, 'leakyRelu');
    // Relu's gradient goes through Step
    await agreeOn(backend, () => tf.grad((t: tf.Tensor) => tf.sum(tf.relu(t)))(tf.tensor1d(v.filter(Number.isFinite))), 1e-7, 'relu grad');
    x.dispose();
  });

  it('sums and means agree with the cpu backend over inner, outer and other axes', async () => {
    const x = randn(4 * 5 * 6, 3);
    for (const axis of [undefined, 2, [1, 2], 0, [0, 1], 1, [0, 2], -1]) {
      for (const keepDims of [false, true]) {
        await agreeOn(backend, () => [tf.sum(tf.tensor3d(x, [4, 5, 6]), axis, keepDims), tf.mean(tf.tensor3d(x, [4, 5, 6]), axis, keepDims)], 1e-5, `axis ${axis}`);
      }
    }
  });

  it('convolutions and their gradients agree with the cpu backend (strides, padding, 1×1, transpose, fused)', async () => {
    const x = randn(9 * 9 * 7 * 3); // 9 images: several per GEMM group and per thread chunk
    for (const [k, stride, pad] of [[3, 1, 'same'], [3, 2, 'same'], [5, 2, 'valid'], [1, 1, 'valid'], [4, 2, 1], [3, 1, [[0, 0], [1, 2], [0, 1], [0, 0]]]] as const) {
      const w = randn(k * k * 3 * 4);
      await agreeOn(backend, () => {
        const xt = tf.tensor4d(x, [9, 9, 7, 3]);
        const wt = tf.tensor4d(w, [k, k, 3, 4]);
        const f = (xi: tf.Tensor, wi: tf.Tensor) => tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, stride, pad as 'same');
        const y = f(xt, wt);
        if (backend === 'wasm') return y; // no Conv2DBackpropFilter there: models/conv.ts writes its gradients as forward convolutions
        const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) => tf.sum(tf.mul(f(xi, wi), tf.cumsum(tf.onesLike(y), 3))))([xt, wt]);
        return [y, dx, dw];
      }, 1e-4, `conv ${k}x${k} stride ${stride} pad ${JSON.stringify(pad)}`);
    }
    const wT = randn(4 * 4 * 5 * 3);
    await agreeOn(backend, () => tf.conv2dTranspose(tf.tensor4d(x, [9, 9, 7, 3]), tf.tensor4d(wT, [4, 4, 5, 3]), [9, 18, 14, 5], 2, 'same'), 1e-4, 'transpose');
    const wF = randn(3 * 3 * 3 * 6);
    const bias = randn(6);
    await agreeOn(backend, () => tf.fused.conv2d({ x: tf.tensor4d(x, [9, 9, 7, 3]), filter: tf.tensor4d(wF, [3, 3, 3, 6]), strides: 1, pad: 'same', bias: tf.tensor1d(bias), activation: 'relu' }), 1e-4, 'fused');
    // dilation: the cpu kernel's path
    await agreeOn(backend, () => tf.conv2d(tf.tensor4d(x, [9, 9, 7, 3]), tf.tensor4d(wF, [3, 3, 3, 6]), 1, 'same', 'NHWC', 2), 1e-4, 'dilated');
  });

  it('thin convolutions (the image model\'s 1→16 and 16→1; 8, 32 channels) and their gradients agree with the cpu backend', async () => {
    // direct kernels: fixed-width where the wider channel count is 1, 2 or 4 vectors of the build
    // (AVX-512 16/32, AVX2 8/16/32, SSE2 4/8/16), generic otherwise
    for (const [inC, outC, stride, pad] of [[1, 16, 1, 'same'], [16, 1, 1, 'same'], [8, 2, 1, 'same'], [2, 8, 2, 'same'], [32, 3, 1, 'valid'], [4, 32, 2, 'valid'], [1, 5, 1, 'same']] as const) {
      const x = randn(5 * 8 * 7 * inC);
      const w = randn(9 * inC * outC);
      await agreeOn(backend, () => {
        const xt = tf.tensor4d(x, [5, 8, 7, inC]);
        const wt = tf.tensor4d(w, [3, 3, inC, outC]);
        const f = (xi: tf.Tensor, wi: tf.Tensor) => tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, stride, pad);
        const y = f(xt, wt);
        if (backend === 'wasm') return y;
        const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) => tf.sum(tf.mul(f(xi, wi), tf.cumsum(tf.onesLike(y), 3))))([xt, wt]);
        return [y, dx, dw];
      }, 1e-4, `thin conv ${inC}→${outC} stride ${stride} ${pad}`);
    }
  });

  it('2×2 average pooling, its gradient and ×2 upsampling agree with the cpu backend (odd sides too)', async () => {
    for (const [h, w, pad] of [[8, 6, 'same'], [7, 5, 'same'], [7, 5, 'valid'], [1, 3, 'same']] as const) {
      const x = randn(3 * h * w * 4);
      const pool = (xi: tf.Tensor) => tf.avgPool(xi as tf.Tensor4D, 2, 2, pad);
      await agreeOn(backend, () => pool(tf.tensor4d(x, [3, h, w, 4])), 1e-5, `avgPool ${h}x${w} ${pad}`);
      // the gradient of a window's mean is 1/(cells it covers) for each of them; tfjs's cpu and wasm
      // kernels divide by 4 even where 'same' padding leaves fewer cells; ours follows the definition
      if (backend === 'native') {
        const [dx] = await on(backend, () => tf.grads((xi: tf.Tensor) => tf.sum(pool(xi)))([tf.tensor4d(x, [3, h, w, 4])])[0]);
        const outH = pad === 'same' ? Math.ceil(h / 2) : Math.floor(h / 2);
        const outW = pad === 'same' ? Math.ceil(w / 2) : Math.floor(w / 2);
        // cells in the window that holds row/column i (none: a 'valid' pool's dropped last row/column)
        const cover = (i: number, n: number, out: number) => (Math.floor(i / 2) < out ? Math.min(2, n - 2 * Math.floor(i / 2)) : Infinity);
        for (let r = 0; r < h; r++) for (let q = 0; q < w; q++) {
          expect(dx[(r * w + q) * 4]).toBeCloseTo(1 / (cover(r, h, outH) * cover(q, w, outW)), 6);
        }
      }
      if (pad === 'valid' || (h % 2 === 0 && w % 2 === 0)) {
        await agreeOn(backend, () => tf.grads((xi: tf.Tensor) => tf.sum(pool(xi)))([tf.tensor4d(x, [3, h, w, 4])])[0], 1e-5, `avgPool grad ${h}x${w} ${pad}`);
      }
      await agreeOn(backend, () => tf.image.resizeNearestNeighbor(tf.tensor4d(x, [3, h, w, 4]), [2 * h, 2 * w]), 1e-7, `upsample ${h}x${w}`);
    }
    // other shapes take the cpu kernels' path
    const big = randn(2 * 9 * 9 * 2);
    await agreeOn(backend, () => tf.avgPool(tf.tensor4d(big, [2, 9, 9, 2]), 3, 2, 'same'), 1e-5, 'avgPool 3x3');
    // other windows run in the addon too; without padding the definition's gradient is tfjs's
    await agreeOn(backend, () => tf.grads((xi: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(xi as tf.Tensor4D, 3, 2, 'valid'), 3)))([tf.tensor4d(big, [2, 9, 9, 2])])[0], 1e-5, 'avgPool 3x3 grad');
    // resizing by other factors and rules: the source rows/columns follow tfjs's rule
    for (const [size, alignCorners, halfPixel] of [[[5, 11], false, false], [[4, 3], true, false], [[13, 6], false, true]] as const) {
      await agreeOn(backend, () => tf.image.resizeNearestNeighbor(tf.tensor4d(big, [2, 9, 9, 2]), [...size], alignCorners, halfPixel), 1e-7, `resize ${size} ${alignCorners} ${halfPixel}`);
    }
  });

  it('gather agrees with the cpu backend', async () => {
    const x = randn(10 * 4);
    await agreeOn(backend, () => tf.gather(tf.tensor2d(x, [10, 4]), tf.tensor1d([9, 0, 3, 3], 'int32')));
    await agreeOn(backend, () => tf.gather(tf.tensor2d(x, [10, 4]), tf.tensor1d([1, 2], 'int32'), 1));
  });

  it('the fused Bernoulli loss matches the tfjs formula (value and both gradients)', async () => {
    const logits = randn(4 * 6, 20);
    const target = Float32Array.from({ length: 24 }, () => rand());
    const lossAndGrads = () => {
      const f = (x: tf.Tensor, l: tf.Tensor) => tf.sum(tf.mul(bernoulliNll(x as tf.Tensor2D, l as tf.Tensor2D), tf.tensor1d([1, -2, 3, 0.5])));
      const x = tf.tensor2d(target, [4, 6]);
      const l = tf.tensor2d(logits, [4, 6]);
      return [bernoulliNll(x, l), ...tf.grads(f)([x, l])];
    };
    await agreeOn(backend, lossAndGrads, 1e-5);
  });

  it('the fused Gaussian KL matches the tfjs formula (value and both gradients)', async () => {
    const mu = randn(5 * 3, 2);
    const logvar = randn(5 * 3, 3);
    await agreeOn(backend, () => {
      const f = (m: tf.Tensor, lv: tf.Tensor) => tf.sum(tf.mul(gaussianKl(m as tf.Tensor2D, lv as tf.Tensor2D), tf.tensor1d([1, -1, 2, 0.5, 3])));
      const m = tf.tensor2d(mu, [5, 3]);
      const lv = tf.tensor2d(logvar, [5, 3]);
      return [gaussianKl(m, lv), ...tf.grads(f)([m, lv])];
    }, 1e-5);
  });
});

describe.each(testBackends())('%s: the model code against plain tfjs autograd, and training', (backend) => {
  beforeAll(() => start(backend));

  it('the fused dense layer matches plain tfjs autograd (value and every gradient)', async () => {
    for (const activation of ['linear', 'relu'] as const) {
      for (const inputGrad of [true, false]) {
        const xs = randn(9 * 13);
        const params = denseParams(13, 7, 5, `t-${activation}-${inputGrad}`);
        const w = params.w.dataSync().slice();
        const b = params.b.dataSync().slice();
        const fused = await on(backend, () => {
          const x = tf.tensor2d(xs, [9, 13]);
          const p = { w: tf.variable(tf.tensor2d(w, [13, 7])), b: tf.variable(tf.tensor1d(b)) };
          const f = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
            tf.sum(tf.mul(dense(xi as tf.Tensor2D, { w: wi as tf.Variable, b: bi as tf.Variable }, { activation, inputGrad }), tf.linspace(-1, 1, 7)));
          // without inputGrad, x is a constant of the layer: differentiate w.r.t. w and b only
          const g = inputGrad ? tf.grads(f)([x, p.w, p.b]) : tf.grads((wi: tf.Tensor, bi: tf.Tensor) => f(x, wi, bi))([p.w, p.b]);
          const y = dense(x, p, { activation });
          tf.dispose([p.w, p.b]);
          return [y, ...g];
        });
        const plain = await on('cpu', () => {
          const x = tf.tensor2d(xs, [9, 13]);
          const wt = tf.tensor2d(w, [13, 7]);
          const bt = tf.tensor1d(b);
          const layer = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => {
            const y = tf.add(tf.matMul(xi as tf.Tensor2D, wi as tf.Tensor2D), bi);
            return activation === 'relu' ? tf.relu(y) : y;
          };
          const g = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(layer(xi, wi, bi), tf.linspace(-1, 1, 7))))([x, wt, bt]);
          return [layer(x, wt, bt), ...(inputGrad ? g : g.slice(1))];
        });
        expect(fused.length).toBe(plain.length);
        fused.forEach((f, i) => f.forEach((v, j) => expect(v).toBeCloseTo(plain[i][j], 4)));
        tf.dispose([params.w, params.b]);
      }
    }
  });

  it('training lowers the loss and leaves no tensors behind', async () => {
    const n = 512;
    const d = 32;
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = (i % 4 === j % 4 ? 0.9 : 0.1) * (0.8 + 0.2 * rand());
    const split: Split = { x: x as DataMatrix, n, labels: null, rowIds: Int32Array.from({ length: n }, (_, i) => i) };
    const config: Partial<TrainConfig> = { model: 'vae', architecture: 'mlp', latent: 2, hidden: [16], epochs: 4, batchSize: 64, learningRate: 0.01, seed: 3 };
    const before = tf.memory().numTensors;
    const { model, outcome } = await trainOnSplit(split, { name: 'tiny', features: d, imageShape: null, likelihood: 'bernoulli', labelNames: null }, config);
    expect(outcome.epochs[3].loss).toBeLessThan(outcome.epochs[0].loss - 1);
    disposeModel(model);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('broadcast patterns', () => {
  it('patterns: each operand spreads over the output as one contiguous block of dimensions', () => {
    expect(broadcastPattern([6, 5], [6, 5])).toEqual({ inner: 1, len: 30 });
    expect(broadcastPattern([5], [6, 5])).toEqual({ inner: 1, len: 5 });
    expect(broadcastPattern([6, 1], [6, 5])).toEqual({ inner: 5, len: 6 });
    expect(broadcastPattern([], [6, 5])).toEqual({ inner: 1, len: 1 });
    expect(broadcastPattern([2, 1, 3], [2, 4, 3])).toBeNull();
  });
});

describe('backend fallback', () => {
  it('refuses an addon built from older sources (no interface version) and says to rebuild it', () => {
    const old = fileURLToPath(new URL('../fixtures/bad/native-old-addon.cjs', import.meta.url));
    expect(loadAddonAt(old)).toEqual({ addon: null, reason: `addon is out of date (interface 1, this engine needs ${NATIVE_VERSION}); run npm run build:native` });
  });

  it('skips native with its reason when the addon is disabled, and trains on wasm', () => {
    const script = fileURLToPath(new URL('../fixtures/backend-info.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, LAB_NATIVE: '0', LAB_BACKEND: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(info.name).toBe('wasm');
    expect(info.skipped).toContainEqual({ name: 'native', reason: 'disabled by LAB_NATIVE=0' });
    expect(info.lossDropped).toBe(true);
  });
});
