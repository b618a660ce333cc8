// Every export format read back by another reader and compared value by value with what the engine
// holds: CSV, TSV, JSON and Parquet through DuckDB, .npy through the app's NumPy reader; the test
// split, the training split, all rows and selections; id, label, split, original columns, anomaly
// scores and cluster ids; and the guard that never replaces a file without being asked.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExportFormat, ExportViewRequest } from '../../shared/export';
import type { DatasetSummary, EmbeddingData, EmbeddingId } from '../../shared/types';
import { duckConnect, sqlString } from '../../electron/engine/data/duck';
import { parseNpy } from '../../electron/engine/data/npy';
import { Engine } from '../../electron/engine/engine';
import { columnExponent, dataNumberString, f32String } from '../../electron/engine/export/numbers';
import { npyHeader } from '../../electron/engine/export/writers';
import { openWith, file } from './helpers/open';
import { runJob, tempDir } from './helpers/train';
import { badExports, exportScratch, type ExportContext } from '../fixtures/bad/export-requests';

const dir = tempDir('export-formats');
const engine = new Engine();
let ds: DatasetSummary;
let pca: EmbeddingId;

/** The source rows as written: name, x1…x4 (text as in the file; null = empty) and species. */
const source: (string | null)[][] = [];

/** 60 rows: a text column with commas, quotes and a tab, four numbers (one cell missing) and a label. */
function messyCsv(): string {
  const lines = ['name,x1,x2,x3,x4,species'];
  for (let i = 0; i < 60; i++) {
    const name = i % 7 === 0 ? `Smith, "${i}"` : i % 11 === 0 ? `tab\there ${i}` : i % 13 === 0 ? '' : `row ${i}`;
    const x = [Math.sin(i) * 3 + (i % 3) * 4, Math.cos(i * 0.7) * 2, i * 0.125 - 3, ((i * 37) % 17) / 3 + 0.0104];
    const cells = x.map((v) => v.toFixed(4));
    if (i === 5) cells[2] = '';
    const species = ['alpha', 'beta', 'gamma'][i % 3];
    source.push([name || null, ...cells.map((c) => c || null), species]);
    lines.push([/[",\t]/.test(name) ? `"${name.replaceAll('"', '""')}"` : name, ...cells, species].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Largest magnitude of a numeric source column (1…4 = x1…x4): undoing the scaling leaves ~1e-7 of it. */
const maxAbs = (k: number) => Math.max(...source.map((r) => Math.abs(Number(r[k] ?? 0))));

beforeAll(async () => {
  const path = join(dir, 'messy.csv');
  await writeFile(path, messyCsv());
  ds = await openWith(engine, file(path, { labelColumn: 'species', missing: 'mean', roles: { name: 'ignore' } }));
  pca = (await runJob(engine, 'pca', engine.computePca({ datasetId: ds.id, components: 3 }))).id;
});

type Row = Record<string, unknown>;

/** Reads an export back with DuckDB (not with our own code). */
async function readBack(path: string, format: ExportFormat): Promise<Row[]> {
  const conn = await duckConnect();
  try {
    const src = format === 'parquet' ? `read_parquet(${sqlString(path)})`
      : format === 'json' ? `read_json(${sqlString(path)}, format = 'array')`
        : `read_csv(${sqlString(path)}, header = true, delim = ${format === 'tsv' ? "'\\t'" : "','"}, quote = '"', escape = '"')`;
    return (await conn.runAndReadAll(`SELECT * FROM ${src}`)).getRowObjectsJS() as Row[];
  } finally {
    conn.closeSync();
  }
}

async function exportTo(name: string, req: Omit<ExportViewRequest, 'path'>) {
  const path = join(dir, name);
  const result = await runJob(engine, 'export', engine.exportView({ ...req, path }));
  return { path, result };
}

/** The engine's coordinates of a split, and its raw rows (for the original columns). */
async function truth(split: 'train' | 'test'): Promise<{ e: EmbeddingData; cells: Map<number, (string | number | null)[]>; columns: string[] }> {
  const e = await engine.getEmbedding(pca, split);
  const rows = await engine.getRows({ datasetId: ds.id, split, rowIds: Array.from(e.rowIds) });
  return { e, cells: new Map(Array.from(rows.rowIds, (id, i) => [id, rows.cells[i]])), columns: rows.columns };
}

function expectRowsMatch(got: Row[], e: EmbeddingData, positions: number[], t: Awaited<ReturnType<typeof truth>>, withOriginal: boolean) {
  expect(got).toHaveLength(positions.length);
  positions.forEach((p, i) => {
    const row = got[i];
    expect(Number(row.id)).toBe(e.rowIds[p]);
    expect(row.label).toBe(ds.labelNames![e.labels![p]]);
    for (let j = 0; j < e.dims; j++) expect(Math.fround(row[`z${j + 1}`] as number)).toBe(e.coords[p * e.dims + j]);
    if (withOriginal) {
      // the values as the file has them (numbers to the 7th digit of their column; the imputed cell empty)
      const want = source[e.rowIds[p]];
      expect(t.columns).toEqual(['name', 'x1', 'x2', 'x3', 'x4', 'species']);
      t.columns.forEach((c, k) => {
        const v = row[c] ?? null;
        if (want[k] === null) expect(v, `${c} of row ${e.rowIds[p]}`).toBeNull();
        else if (k >= 1 && k <= 4) expect(Math.abs(Number(v) - Number(want[k])), `${c} of row ${e.rowIds[p]}: ${String(v)}`).toBeLessThanOrEqual(1e-6 * maxAbs(k) + 1e-12);
        else expect(v).toBe(want[k]);
      });
    }
  });
}

describe('exportView: every format reads back the same values', () => {
  for (const format of ['csv', 'tsv', 'json', 'parquet'] as const) {
    it(`${format}: the test split with the original columns`, async () => {
      const t = await truth('test');
      const { path, result } = await exportTo(`test.${format}`, { embeddingId: pca, format, columns: { original: true } });
      expect(result.rows).toBe(ds.testRows);
      expect(result.columns).toEqual(['id', 'label', 'z1', 'z2', 'z3', 'name', 'x1', 'x2', 'x3', 'x4', 'species']);
      const got = await readBack(path, format);
      expect(Object.keys(got[0])).toEqual(result.columns);
      expectRowsMatch(got, t.e, Array.from({ length: t.e.rows }, (_, i) => i), t, true);
      expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
    });

    it(`${format}: all rows, training rows first, with a split column`, async () => {
      const [train, test] = [await truth('train'), await truth('test')];
      const { path, result } = await exportTo(`all.${format}`, { embeddingId: pca, format, split: 'all' });
      expect(result.rows).toBe(ds.trainRows + ds.testRows);
      expect(result.columns).toEqual(['id', 'split', 'label', 'z1', 'z2', 'z3']);
      const got = await readBack(path, format);
      expect(got.map((r) => r.split)).toEqual([...Array(ds.trainRows).fill('train'), ...Array(ds.testRows).fill('test')]);
      expectRowsMatch(got.slice(0, ds.trainRows), train.e, Array.from({ length: ds.trainRows }, (_, i) => i), train, false);
      expectRowsMatch(got.slice(ds.trainRows), test.e, Array.from({ length: ds.testRows }, (_, i) => i), test, false);
    });
  }

  it('npy: the float32 coordinates with a v1.0 header that NumPy accepts, value for value', async () => {
    const t = await truth('train');
    const { path, result } = await exportTo('train.npy', { embeddingId: pca, format: 'npy', split: 'train' });
    expect(result.columns).toEqual(['z1', 'z2', 'z3']);
    const bytes = await readFile(path);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0]));
    const headerLen = bytes.readUInt16LE(8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(bytes.toString('latin1', 10, 10 + headerLen)).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(\d+, 3\), \} *\n$/);
    const a = parseNpy(bytes, path);
    expect(a.shape).toEqual([ds.trainRows, 3]);
    expect(Array.from(a.data)).toEqual(Array.from(t.e.coords));
  });

  it('npy header of a 1-D shape keeps the trailing comma', () => {
    expect(Buffer.from(npyHeader([5])).toString('latin1')).toContain("'shape': (5,)");
  });

  it('npy refuses columns it cannot hold, with what to do instead', async () => {
    await expect(engine.exportView({ embeddingId: pca, format: 'npy', path: join(dir, 'bad.npy'), columns: { label: true } }).then((id) => runJob(engine, 'export', Promise.resolve(id))))
      .rejects.toMatchObject({ message: expect.stringMatching(/\.npy file holds one float32 array .* cannot hold label/), detail: expect.stringContaining('CSV') });
  });
});

describe('exportView: selections and extra columns', () => {
  it('exports only the selected rows, by position or by source row id, in split order', async () => {
    const t = await truth('test');
    const picks = [7, 2, 2, 0];
    const byPos = await exportTo('sel-pos.csv', { embeddingId: pca, format: 'csv', rows: picks });
    expect(byPos.result.rows).toBe(3);
    expectRowsMatch(await readBack(byPos.path, 'csv'), t.e, [0, 2, 7], t, false);
    const byId = await exportTo('sel-id.csv', { embeddingId: pca, format: 'csv', rowIds: [t.e.rowIds[7], t.e.rowIds[0]] });
    expectRowsMatch(await readBack(byId.path, 'csv'), t.e, [0, 7], t, false);
  });

  it('adds cluster ids given by the caller (−1 = empty) and anomaly scores of the same dataset', async () => {
    const t = await truth('test');
    const clusters = Int32Array.from({ length: ds.trainRows + ds.testRows }, (_, i) => (i % 5 === 4 ? -1 : i % 3));
    const anomaly = await runJob(engine, 'anomalies', engine.detectAnomalies({ datasetId: ds.id, normalClasses: [0], methods: ['pca-error'], pcaComponents: 2 }));
    const { path, result } = await exportTo('extra.parquet', { embeddingId: pca, format: 'parquet', split: 'all', columns: { clusters, anomalyId: anomaly.id, id: false } });
    const key = anomaly.methods[0].key;
    expect(result.columns).toEqual(['split', 'label', 'z1', 'z2', 'z3', key, 'cluster']);
    expect(result.notes?.[0]).toMatch(/training rows have no anomaly score/);
    const got = await readBack(path, 'parquet');
    got.forEach((r, i) => expect(r.cluster ?? -1).toBe(clusters[i]));
    // training rows: no score; test rows: the score of that test row
    expect(got.slice(0, ds.trainRows).every((r) => r[key] === null)).toBe(true);
    got.slice(ds.trainRows).forEach((r, i) => {
      expect(t.e.rowIds[i]).toBe(anomaly.rowIds[i]);
      expect(r[key]).toBe(anomaly.methods[0].scores[i]);
    });
  });

  it('trained model: the training rows are encoded on demand', async () => {
    const run = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config: { epochs: 1, hidden: [8], latent: 2 } }));
    const { path, result } = await exportTo('vae-train.tsv', { embeddingId: run.embeddingId!, format: 'tsv', split: 'train' });
    expect(result.rows).toBe(ds.trainRows);
    const e = await engine.getEmbedding(run.embeddingId!, 'train');
    const got = await readBack(path, 'tsv');
    got.forEach((r, i) => expect([Math.fround(r.z1 as number), Math.fround(r.z2 as number)]).toEqual([e.coords[2 * i], e.coords[2 * i + 1]]));
  });
});

describe('exportView never replaces a file without being asked', () => {
  it('refuses an existing file with code "exists", leaves it untouched, and replaces it with overwrite', async () => {
    const path = join(dir, 'keep.csv');
    await writeFile(path, 'precious\n');
    await expect(engine.exportView({ embeddingId: pca, format: 'csv', path })).rejects.toMatchObject({
      code: 'exists', message: `keep.csv already exists in ${dir}.`, detail: expect.stringContaining('--force'),
    });
    expect(await readFile(path, 'utf8')).toBe('precious\n');
    await runJob(engine, 'export', engine.exportView({ embeddingId: pca, format: 'csv', path, overwrite: true }));
    expect((await readFile(path, 'utf8')).split('\n')[0]).toBe('id,label,z1,z2,z3');
  });

  it('the same guard on every other export (metrics, embedding CSV)', async () => {
    const path = join(dir, 'keep2.csv');
    await writeFile(path, 'precious\n');
    await expect(engine.exportEmbedding({ embeddingId: pca, path })).rejects.toMatchObject({ code: 'exists' });
    await expect(engine.exportMetrics({ datasetId: ds.id, embeddingIds: [pca], path })).rejects.toMatchObject({ code: 'exists' });
    expect(await readFile(path, 'utf8')).toBe('precious\n');
  });
});

describe('bad export requests (tests/fixtures/bad/export-requests.ts)', () => {
  let ctx: ExportContext;
  beforeAll(async () => {
    const anomaly = await runJob(engine, 'anomalies', engine.detectAnomalies({ datasetId: ds.id, methods: ['pca-error'], pcaComponents: 1 }));
    ctx = { dir: exportScratch(dir), embeddingId: pca, anomalyId: anomaly.id, testRows: ds.testRows, trainRowId: (await engine.getEmbedding(pca, 'train')).rowIds[0] };
  });

  it.each(badExports.map((b) => [b.name, b] as const))('%s: a clear message, nothing written', async (_name, b) => {
    const req = b.request(ctx) as Parameters<Engine['exportView']>[0];
    await expect(runJob(engine, 'export', engine.exportView(req))).rejects.toMatchObject({ code: b.code, message: expect.stringMatching(b.says) });
    expect((await readdir(ctx.dir)).filter((f) => !['taken.csv', 'not-a-folder'].includes(f))).toEqual([]);
    if (b.code === 'exists') expect(await readFile(join(ctx.dir, 'taken.csv'), 'utf8')).toBe('keep me\n');
  });
});

describe('original numbers after undoing the scaling', () => {
  it('come back as the file wrote them, not with the float32 error of the scaling round trip', async () => {
    const { path } = await exportTo('orig-all.csv', { embeddingId: pca, format: 'csv', split: 'all', columns: { id: true, label: false, original: ['x1', 'x2', 'x3', 'x4'] } });
    const got = await readBack(path, 'csv');
    let exact = 0;
    let cells = 0;
    for (const r of got) {
      const want = source[Number(r.id)];
      for (let k = 1; k <= 4; k++) {
        if (want[k] === null) continue;
        cells++;
        if (Number(r[`x${k}`]) === Number(want[k])) exact++;
      }
    }
    expect(cells).toBe(239);
    expect(exact / cells).toBeGreaterThan(0.97);
  });

  it('round to the column’s 7th digit (0.01040009 in a column up to 9.7 is 0.0104)', () => {
    expect(dataNumberString(0.01040009)).toBe('0.01040009');
    expect(dataNumberString(0.01040009, columnExponent([9.74, -3, 0.5]))).toBe('0.0104');
    expect(dataNumberString(-1234.5671, columnExponent([9999]))).toBe('-1234.567');
    expect(dataNumberString(120, columnExponent([240]))).toBe('120');
    expect(dataNumberString(3e-30)).toBe('3e-30');
  });
});

describe('f32String', () => {
  it('prints the shortest decimal that reads back as the same float32', () => {
    expect([0.1, 0.5, -0.3, 1e-5, 123456.7, 1000, 3].map((v) => f32String(Math.fround(v)))).toEqual(['0.1', '0.5', '-0.3', '0.00001', '123456.7', '1000', '3']);
    fc.assert(fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (v) => {
      const s = f32String(v);
      expect(Math.fround(Number(s))).toBe(v === 0 ? 0 : v);
      // never longer than the shortest toPrecision that round-trips
      for (let p = 1; p <= 9; p++) {
        const t = v.toPrecision(p);
        if (Math.fround(Number(t)) === v) {
          if (!/e/.test(t) && !/e/.test(s)) expect(s.length).toBeLessThanOrEqual(String(Number(t)).length);
          break;
        }
      }
    }), { numRuns: 20000 });
  });
});
