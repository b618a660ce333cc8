// Child process of the export case: writes embeddings as CSV with the engine's exporter (atomic
// temp file + rename) — MNIST test size (10k × 20, labelled) and 1M × 2 — and times each.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeEmbeddingCsv } from '../../electron/engine/export/csv';
import type { EmbeddingData, EmbeddingId, DatasetId, LatentMatrix } from '../../shared/types';

const dir = await mkdtemp(join(tmpdir(), 'lab-bench-export-'));
const results: Record<string, unknown> = {};
try {
  for (const [rows, dims] of [[10_000, 20], [1_000_000, 2]]) {
    const coords = Float32Array.from({ length: rows * dims }, (_, i) => Math.sin(i) * 3) as LatentMatrix;
    const e: EmbeddingData = {
      id: 'emb-bench' as EmbeddingId, datasetId: 'ds-bench' as DatasetId, method: 'pca', title: 'bench', rows, dims,
      explainedVariance: null, seconds: 0, coords, labels: Int32Array.from({ length: rows }, (_, i) => i % 10),
      labelNames: Array.from({ length: 10 }, (_, i) => `digit ${i}`), rowIds: Int32Array.from({ length: rows }, (_, i) => i),
      split: 'test', runId: null, fitRows: rows, params: {}, diagnostics: { notes: [], explainedVarianceRatio: null, trace: [], stages: [] },
    };
    const path = join(dir, `e-${rows}.csv`);
    const seconds: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      await writeEmbeddingCsv(path, e);
      seconds.push((performance.now() - t0) / 1000);
    }
    results[`${rows}x${dims}`] = { seconds, bytes: (await stat(path)).size };
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(results));
