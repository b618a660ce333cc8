// A file over the memory budget opens streamed, with the same decisions as when it is loaded whole
// (roles, one-hot, missing values, scaling, label classes) and a sample in memory; its PCA, fitted
// in passes over the chunks, agrees with the in-memory PCA of the same rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import { BUDGET_ENV, resetMemoryBudget } from '../../electron/engine/data/budget';
import { pcaFit } from '../../electron/engine/reduce/pca';
import { readBlocks } from '../../electron/engine/stream/chunks';
import { streamConnect } from '../../electron/engine/stream/duck';
import { rowHash, sqlRowHash } from '../../electron/engine/stream/hash';
import { streamedPca } from '../../electron/engine/stream/pca';
import type { StreamedData } from '../../electron/engine/stream/types';
import type { DatasetSummary } from '../../shared/types';
import { file, openWith } from './helpers/open';
import { writeStreamFile } from './helpers/stream-files';

const dir = mkdtempSync(join(tmpdir(), 'lab-stream-'));
const outside = process.env[BUDGET_ENV];
afterEach(() => {
  delete process.env[BUDGET_ENV];
  resetMemoryBudget();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (outside !== undefined) process.env[BUDGET_ENV] = outside;
});

/** Every training row of the stream gathered in memory (fine for a test file). */
async function gatherTrain(s: StreamedData): Promise<{ x: Float32Array; n: number; rowIds: Int32Array }> {
  const conn = await streamConnect();
  const parts: { x: Float32Array; rowIds: Int32Array }[] = [];
  try {
    for await (const b of readBlocks(conn, s.source.relation, s.plan, { split: 'train' })) parts.push({ x: b.x.slice(), rowIds: b.rowIds.slice() });
  } finally {
    conn.closeSync();
  }
  const n = parts.reduce((a, p) => a + p.rowIds.length, 0);
  const x = new Float32Array(n * s.plan.d);
  const rowIds = new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    x.set(p.x, at * s.plan.d);
    rowIds.set(p.rowIds, at);
    at += p.rowIds.length;
  }
  return { x, n, rowIds };
}

/** Components agree up to sign: |cosine| of each pair of axes. */
function axisAgreement(a: Float32Array, b: Float32Array, k: number, d: number): number[] {
  return Array.from({ length: k }, (_, r) => {
    let dot = 0, na = 0, nb = 0;
    for (let j = 0; j < d; j++) {
      dot += a[r * d + j] * b[r * d + j];
      na += a[r * d + j] ** 2;
      nb += b[r * d + j] ** 2;
    }
    return Math.abs(dot) / Math.sqrt(na * nb);
  });
}

describe('the row hash', () => {
  it('gives the same numbers in JavaScript and in DuckDB', async () => {
    const conn = await streamConnect();
    try {
      const rows = (await conn.runAndReadAll(`SELECT i, ${sqlRowHash('i', 3, 0x5b1d)} AS h FROM range(0, 2000000000, 7919777) t(i)`)).getRowObjects();
      expect(rows.length).toBeGreaterThan(200);
      for (const r of rows) expect(Number(r.h)).toBe(rowHash(Number(r.i), 3, 0x5b1d));
    } finally {
      conn.closeSync();
    }
  });
});

describe('a file over the memory budget', () => {
  // two engines: the same file with the same settings is the same dataset (one id) in each
  const engine = new Engine();
  const memoryEngine = new Engine();
  let path: string;
  let streamed: DatasetSummary;
  let whole: DatasetSummary;
  beforeAll(async () => {
    path = await writeStreamFile(join(dir, 'rows.parquet'), { rows: 200_000, features: 10, extras: true, fileSplit: true });
    whole = await openWith(memoryEngine, file(path));
    process.env[BUDGET_ENV] = '12';
    streamed = await openWith(engine, file(path));
    delete process.env[BUDGET_ENV];
  });

  it('opens streamed, says so, and holds only a sample', () => {
    expect(whole.streamed ?? null).toBeNull();
    expect(streamed.id).toBe(whole.id);
    expect(streamed.streamed).toBeTruthy();
    expect(streamed.notes[0]).toMatch(/^Over the memory budget \(loading it whole would need about [\d.]+ MB; the budget is 12 MB, set by LAB_MEMORY_BUDGET_MB=12\): opened streamed/);
    const info = streamed.streamed!;
    expect(info.sampleTrainRows).toBe(streamed.trainRows);
    expect(info.sampleTestRows).toBe(streamed.testRows);
    expect(streamed.trainRows + streamed.testRows).toBeLessThan(whole.trainRows / 3);
    const ds = engine.dataset(streamed.id);
    expect(ds.train.x.length).toBe(ds.train.n * streamed.features);
  });

  it('makes the same decisions as for the table loaded whole', () => {
    expect(streamed.featureNames).toEqual(whole.featureNames);
    expect(streamed.columns.map((c) => [c.name, c.role, c.width])).toEqual(whole.columns.map((c) => [c.name, c.role, c.width]));
    expect(streamed.labelNames).toEqual(whole.labelNames);
    expect(streamed.labelCounts).toEqual(whole.labelCounts);
    expect(streamed.missing).toBe(whole.missing);
    expect(streamed.scaling).toBe(whole.scaling);
    expect(streamed.likelihood).toBe(whole.likelihood);
    expect(streamed.droppedRows).toBe(whole.droppedRows);
    // the file's own split: the same rows in each split
    expect(streamed.streamed!.trainRows).toBe(whole.trainRows);
    expect(streamed.streamed!.testRows).toBe(whole.testRows);
    for (const [i, c] of whole.columns.entries()) {
      const s = streamed.columns[i].stats;
      expect([s.count, s.missing, s.distinct, s.distinctCapped]).toEqual([c.stats.count, c.stats.missing, c.stats.distinct, c.stats.distinctCapped]);
      if (c.stats.mean !== null) {
        expect(s.mean!).toBeCloseTo(c.stats.mean, 6);
        expect(s.std!).toBeCloseTo(c.stats.std!, 6);
        expect([s.min, s.max]).toEqual([c.stats.min, c.stats.max]);
        expect(s.histogram!.counts).toEqual(c.stats.histogram!.counts);
      }
      expect(s.top).toEqual(c.stats.top);
    }
    const a = engine.dataset(streamed.id).featureMap;
    const b = memoryEngine.dataset(whole.id).featureMap;
    for (let j = 0; j < streamed.features; j++) {
      expect(a.center[j]).toBeCloseTo(b.center[j], 9);
      expect(a.spread[j]).toBeCloseTo(b.spread[j], 9);
    }
  });

  it('prepares each sampled row as the table loaded whole does, and reads its raw cells back', async () => {
    const s = engine.dataset(streamed.id);
    const w = memoryEngine.dataset(whole.id);
    const d = streamed.features;
    const at = new Map(Array.from(w.train.rowIds, (r, i) => [r, i]));
    let compared = 0;
    for (let i = 0; i < s.train.n; i += 97) {
      const j = at.get(s.train.rowIds[i])!;
      for (let k = 0; k < d; k++) expect(s.train.x[i * d + k]).toBeCloseTo(w.train.x[j * d + k], 5);
      expect(s.train.labels![i]).toBe(w.train.labels![j]);
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
    const ids = Array.from(s.test.rowIds.subarray(0, 5));
    const a = await engine.getRows({ datasetId: streamed.id, split: 'test', rowIds: ids });
    const b = await memoryEngine.getRows({ datasetId: whole.id, split: 'test', rowIds: ids });
    expect(a.cells.map((r) => r.map((v) => (typeof v === 'number' ? Number(v.toPrecision(5)) : v))))
      .toEqual(b.cells.map((r) => r.map((v) => (typeof v === 'number' ? Number(v.toPrecision(5)) : v))));
    const colour = await engine.getColumn({ datasetId: streamed.id, split: 'test', column: 'cat' });
    expect(colour.kind).toBe('category');
    expect((colour as { codes: Int32Array }).codes.length).toBe(streamed.testRows);
  });

  it('takes a sample stratified by label', () => {
    const s = engine.dataset(streamed.id);
    const counts = [0, 0, 0, 0];
    for (const l of s.train.labels!) counts[l]++;
    for (const l of s.test.labels!) counts[l]++;
    const total = counts.reduce((x, y) => x + y, 0);
    whole.labelCounts!.forEach((c, k) => expect(counts[k] / total).toBeCloseTo(c / whole.rows, 1));
  });

  it('fits PCA in passes over every training row, agreeing with the in-memory PCA (same rows)', async () => {
    const s = engine.dataset(streamed.id).stream!;
    const fitted = await engine.session.entry(streamed.id).pca();
    expect(fitted.model.method).toBe('covariance');
    // the in-memory dataset of the same file (the file's own split): the same training rows
    const memory = pcaFit(memoryEngine.dataset(whole.id).train.x, whole.trainRows, whole.features);
    const d = whole.features;
    const k = d;
    expect(axisAgreement(fitted.model.components, memory.components, k, d).every((c) => c > 1 - 1e-4)).toBe(true);
    for (let j = 0; j < k; j++) expect(Math.abs(fitted.model.explainedVarianceRatio[j] - memory.explainedVarianceRatio[j])).toBeLessThan(1e-3);
    expect(fitted.model.explainedVarianceRatio[0]).toBeGreaterThan(fitted.model.explainedVarianceRatio[2] + 0.02);
    // and exactly the PCA of the stream's own rows gathered in memory
    const rows = await gatherTrain(s);
    expect(rows.n).toBe(whole.trainRows);
    const same = pcaFit(rows.x, rows.n, d);
    expect(axisAgreement(fitted.model.components, same.components, k, d).every((c) => c > 1 - 1e-6)).toBe(true);
    for (let j = 0; j < k; j++) expect(Math.abs(fitted.model.explainedVarianceRatio[j] - same.explainedVarianceRatio[j])).toBeLessThan(1e-6);
  });
});

describe('randomized streamed PCA (wide data)', () => {
  const engine = new Engine();
  it('finds the top components with passes over the chunks', async () => {
    // unscaled features with a steep spectrum: the top axes are well apart (standardized, they would nearly tie)
    const path = await writeStreamFile(join(dir, 'wide.parquet'), { rows: 60_000, features: 24, decay: 0.8 });
    process.env[BUDGET_ENV] = '12';
    const s = await openWith(engine, file(path, { splitSeed: 3, scaling: 'none' }));
    delete process.env[BUDGET_ENV];
    expect(s.streamed).toBeTruthy();
    const stream = engine.dataset(s.id).stream!;
    const k = 3;
    const randomized = await streamedPca(stream, { method: 'randomized', components: k, passes: 10 });
    expect(randomized.method).toBe('randomized');
    const rows = await gatherTrain(stream);
    const exact = pcaFit(rows.x, rows.n, s.features, { method: 'covariance' });
    expect(axisAgreement(randomized.components, exact.components, k, s.features).every((c) => c > 1 - 1e-3)).toBe(true);
    for (let j = 0; j < k; j++) expect(Math.abs(randomized.explainedVarianceRatio[j] - exact.explainedVarianceRatio[j])).toBeLessThan(1e-3);
  });
});
