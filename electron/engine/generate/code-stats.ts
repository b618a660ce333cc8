// New rows from a trained model: latent points (from the prior, along one axis, on a grid, or on a
// line between two rows' codes) pushed through the decoder, and returned in the model's units, in
// the user's units and, for images, as [0, 1] pixels for the image grid.
import * as tf from '@tensorflow/tfjs-core';
import { LabFailure } from '../../../shared/api';
import type { DecodedRows, LatentSource } from '../../../shared/generation';
import type { DataMatrix, LatentMatrix } from '../../../shared/types';
import type { FeatureMap } from '../data/dataset';
import { mapRows } from '../models/evaluate';
import type { DataSchema } from '../models/model-input';
import { decode, type Model } from '../models/model';
import { mulberry32 } from '../core/random';
import { oneHot, type RowSource } from '../models/rows';
import { decodeTable, type TableLayout } from './table-layout';

/** Mean, spread and range of a model's codes on its training rows: the AE's stand-in prior. */
export interface CodeStats {
  rows: number;
  mean: Float64Array;
  /** Per-dimension standard deviation. */
  std: Float64Array;
  /** Lower Cholesky factor of the covariance, k×k row-major. */
  chol: Float64Array;
  /** 1st and 99th percentile per dimension (the 'data' extent of the manifold grid). */
  lo: Float64Array;
  hi: Float64Array;
}

/** What decoding needs to know besides the model: how to undo the scaling and draw pixels. */
export interface Decoding {
  model: Model;
  schema: DataSchema;
  /** The pixel block of the dataset the model was trained on, when it is open. */
  pixels: FeatureMap['pixels'] | null;
  /** Tables: where the file's columns sit among the features (categories, decimals); null for images. */
  layout?: TableLayout | null;
}

/** n × k standard-normal draws (Box–Muller on a seeded mulberry32): the same on every backend. */
export function standardNormal(n: number, k: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n * k);
  for (let i = 0; i < out.length; i += 2) {
    const u = 1 - rand(); // (0, 1]: log stays finite
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Latent points from the chosen source: ε itself, or mean + L·ε for a fitted Gaussian. */
export function priorPoints(n: number, k: number, seed: number, source: LatentSource, stats: CodeStats | null): LatentMatrix {
  const eps = standardNormal(n, k, seed);
  if (source === 'standard-normal') return eps as LatentMatrix;
  const s = stats!;
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < k; a++) {
      let v = s.mean[a];
      for (let b = 0; b <= a; b++) v += s.chol[a * k + b] * eps[i * k + b];
      out[i * k + a] = v;
    }
  }
  return out as LatentMatrix;
}

/** Φ⁻¹(p), the standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** `steps` evenly spaced values from a to b, ends included. */
export function linspace(a: number, b: number, steps: number): number[] {
  if (steps === 1) return [(a + b) / 2];
  return Array.from({ length: steps }, (_, i) => a + ((b - a) * i) / (steps - 1));
}

/** One-hot rows for a conditional model asked for one class; null for unconditional models. */
export function classRows(model: Model, label: number | null, n: number): Float32Array | null {
  const k = model.spec.classes;
  if (!k) return null;
  return oneHot(new Int32Array(n).fill(label ?? -1), k);
}

/** Checks the class asked for against the model: a CVAE needs one, other models take none. */
export function checkLabel(model: Model, labelNames: string[] | null, label: number | undefined): number | null {
  const k = model.spec.classes;
  if (!k) {
    if (label !== undefined) {
      throw new LabFailure('not-conditional', 'Only a conditional VAE can generate a chosen class.', 'Train a CVAE (model "cvae") to pick the class, or leave the class out.');
    }
    return null;
  }
  if (label === undefined) {
    throw new LabFailure('needs-class', 'A conditional VAE generates one class at a time: pick the class.', `Choose one of ${(labelNames ?? []).slice(0, 10).join(', ') || `0 to ${k - 1}`}.`);
  }
  if (label < 0 || label >= k) {
    throw new LabFailure('no-such-class', `The model knows ${k} classes; class ${label} is not one of them.`, `Pick a class from 0 to ${k - 1}.`);
  }
  return label;
}

/** Decoder output for n latent points (+ one-hot rows for a CVAE), in batches. */
export function decodePoints(model: Model, z: Float32Array, n: number, y: Float32Array | null): Promise<Float32Array> {
  const { latent: k, classes } = model.spec;
  const points: RowSource = {
    n,
    batch: (start, end) => ({
      x: tf.tensor2d(z.subarray(start * k, end * k), [end - start, k]),
      y: y ? tf.tensor2d(y.subarray(start * classes, end * classes), [end - start, classes]) : null,
    }),
  };
  return mapRows(model, points, model.spec.inputDim, (b) => decode(model, b.x, b.y));
}

/** Rows in scaled units → the user's units: raw = value·spread + center. */
export function unscale(values: Float32Array, n: number, scaling: DataSchema['scaling']): Float32Array {
  if (!scaling) return Float32Array.from(values);
  const d = scaling.center.length;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = values[i * d + j] * scaling.spread[j] + scaling.center[j];
  }
  return out;
}

/**
 * The image part of rows in the user's units as [0, 1] pixels: values divided by the file's
 * maximum are already there; others are mapped from the training pixels' range. Without the
 * dataset (a model loaded from disk) values are clamped to [0, 1].
 */
export function toPixels(original: Float32Array, n: number, d: number, shape: [number, number, number], pixels: FeatureMap['pixels'] | null): Float32Array {
  const size = shape[0] * shape[1] * shape[2];
  const start = pixels?.start ?? d - size;
  const lo = pixels && !pixels.maxValue ? pixels.lo : 0;
  const range = pixels && !pixels.maxValue ? pixels.hi - pixels.lo || 1 : 1;
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < size; j++) {
      const v = (original[i * d + start + j] - lo) / range;
      out[i * size + j] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return out;
}

/** Rows in scaled units (decoded, or the dataset's own) in all three forms, and for tables as the file's columns. */
export function asDecodedRows(values: Float32Array, n: number, scaling: DataSchema['scaling'], imageShape: [number, number, number] | null, pixels: FeatureMap['pixels'] | null, layout: TableLayout | null = null): DecodedRows {
  const original = unscale(values, n, scaling);
  const d = n ? values.length / n : 0;
  return {
    rows: n,
    values: values as DataMatrix,
    original: original as DataMatrix,
    pixels: imageShape ? toPixels(original, n, d, imageShape, pixels) : null,
    table: !imageShape && layout && layout.features === d ? decodeTable(original, n, layout) : null,
  };
}

/** Decodes latent points and packs the rows for the UI. */
export async function decodeRows(g: Decoding, z: Float32Array, n: number, y: Float32Array | null): Promise<DecodedRows> {
  const values = await decodePoints(g.model, z, n, y);
  return asDecodedRows(values, n, g.schema.scaling, g.model.spec.imageShape, g.pixels, g.layout ?? null);
}

/** Mean, per-dimension spread and percentiles, and a Cholesky factor of the covariance of codes (n × k). */
export function codeStats(codes: Float32Array, n: number, k: number): CodeStats {
  if (n < 2) throw new LabFailure('too-few-rows', 'Fitting a Gaussian to the codes needs at least 2 training rows.');
  const mean = new Float64Array(k);
  for (let i = 0; i < n; i++) for (let a = 0; a < k; a++) mean[a] += codes[i * k + a];
  for (let a = 0; a < k; a++) mean[a] /= n;
  const cov = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < k; a++) {
      const da = codes[i * k + a] - mean[a];
      for (let b = 0; b <= a; b++) cov[a * k + b] += da * (codes[i * k + b] - mean[b]);
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b <= a; b++) cov[b * k + a] = cov[a * k + b] /= n - 1;
  const std = Float64Array.from({ length: k }, (_, a) => Math.sqrt(cov[a * k + a]));
  const lo = new Float64Array(k);
  const hi = new Float64Array(k);
  const column = new Float64Array(n);
  for (let a = 0; a < k; a++) {
    for (let i = 0; i < n; i++) column[i] = codes[i * k + a];
    column.sort();
    lo[a] = column[Math.floor(0.01 * (n - 1))];
    hi[a] = column[Math.ceil(0.99 * (n - 1))];
  }
  return { rows: n, mean, std, chol: cholesky(cov, k), lo, hi };
}

/** Lower Cholesky factor of a symmetric positive semi-definite k×k matrix (a little jitter keeps it defined). */
export function cholesky(m: Float64Array, k: number): Float64Array {
  let trace = 0;
  for (let a = 0; a < k; a++) trace += m[a * k + a];
  const jitter = 1e-9 * (trace / k || 1);
  const l = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = m[a * k + b] + (a === b ? jitter : 0);
      for (let c = 0; c < b; c++) s -= l[a * k + c] * l[b * k + c];
      l[a * k + b] = a === b ? Math.sqrt(Math.max(s, 0)) : l[b * k + b] > 0 ? s / l[b * k + b] : 0;
    }
  }
  return l;
}
