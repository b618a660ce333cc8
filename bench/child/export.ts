// Child process of the export case: the engine's writers, timed. Embedding CSV at MNIST test size
// (10k × 20, labelled) and 1M × 2; and a 70,000 × 20 view (MNIST's every row, 20 coordinates, id
// and label) in each export format: CSV, TSV, JSON, NPY, Parquet (DuckDB) and the Projector pair.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeEmbeddingCsv } from '../../electron/engine/export/csv';
import { writeProjector } from '../../electron/engine/export/projector';
import type { ExportTable } from '../../electron/engine/export/table';
import { writeDelimited, writeJson, writeNpy, writeParquet } from '../../electron/engine/export/writers';
import type { Dataset } from '../../electron/engine/data/dataset';
import type { EmbeddingData, EmbeddingId, DatasetId, LatentMatrix } from '../../shared/types';

const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const dir = await mkdtemp(join(tmpdir(), 'lab-bench-export-'));
const results: Record<string, unknown> = {};

async function time(path: string, write: () => Promise<unknown>): Promise<{ seconds: number[]; bytes: number }> {
  const seconds: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await write();
    seconds.push((performance.now() - t0) / 1000);
  }
  const info = await stat(path);
  const bytes = info.isDirectory()
    ? (await Promise.all((await readdir(path)).map(async (f) => (await stat(join(path, f))).size))).reduce((a, b) => a + b, 0)
    : info.size;
  return { seconds, bytes };
}

const coordsOf = (rows: number, dims: number) => Float32Array.from({ length: rows * dims }, (_, i) => Math.sin(i) * 3) as LatentMatrix;

try {
  for (const [rows, dims] of [[10_000, 20], [1_000_000, 2]]) {
    const e: EmbeddingData = {
      id: 'emb-bench' as EmbeddingId, datasetId: 'ds-bench' as DatasetId, method: 'pca', title: 'bench', rows, dims,
      explainedVariance: null, seconds: 0, coords: coordsOf(rows, dims), labels: Int32Array.from({ length: rows }, (_, i) => i % 10),
      labelNames: Array.from({ length: 10 }, (_, i) => `digit ${i}`), rowIds: Int32Array.from({ length: rows }, (_, i) => i),
      split: 'test', runId: null, fitRows: rows, params: {}, diagnostics: { notes: [], explainedVarianceRatio: null, trace: [], stages: [] },
    };
    const path = join(dir, `e-${rows}.csv`);
    results[`${rows}x${dims}`] = await time(path, () => writeEmbeddingCsv(path, e));
  }

  // 70,000 × 20 with id and label, as exportView builds it
  const rows = 70_000;
  const dims = 20;
  const coords = coordsOf(rows, dims);
  const table: ExportTable = {
    rows, dims, coords,
    rowIds: Int32Array.from({ length: rows }, (_, i) => i),
    splitOf: new Uint8Array(rows).fill(1),
    notes: [],
    columns: [
      { name: 'id', type: 'int', data: Int32Array.from({ length: rows }, (_, i) => i), missing: null },
      { name: 'label', type: 'text', codes: Int32Array.from({ length: rows }, (_, i) => i % 10), dictionary: Array.from({ length: 10 }, (_, i) => String(i)) },
      ...Array.from({ length: dims }, (_, j) => ({ name: `z${j + 1}`, type: 'float' as const, data: coords, stride: dims, offset: j, rounding: 'f32' as const })),
    ],
  };
  const ds = { featureMap: { pixels: null } } as unknown as Dataset;
  const formats: Record<string, [string, (path: string) => Promise<unknown>]> = {
    csv: ['v.csv', (p) => writeDelimited(p, table, ',')],
    tsv: ['v.tsv', (p) => writeDelimited(p, table, '\t')],
    json: ['v.json', (p) => writeJson(p, table)],
    npy: ['v.npy', (p) => writeNpy(p, table)],
    parquet: ['v.parquet', (p) => writeParquet(p, table)],
    projector: ['projector', (p) => writeProjector(p, ds, table, 'bench')],
  };
  for (const [format, [name, write]] of Object.entries(formats)) {
    const path = join(dir, name);
    results[`70000x20 ${format}`] = await time(path, () => write(path));
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(results));
