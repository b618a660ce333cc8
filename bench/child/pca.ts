// Child process of the PCA case: fits PCA on MNIST's 60k training rows for each --k, times it
// (--repeats), and reports the test reconstruction MSE for k = 2, 10, 20, 50 (up to k).
import { parseArgs } from 'node:util';
import { initBackend } from '../../electron/engine/core/backend';
import { quietContext } from '../../electron/engine/data/files';
import { openDataset } from '../../electron/engine/data/open';
import { pcaFit, pcaReconstruct } from '../../electron/engine/reduce/pca';
import type { DatasetId } from '../../shared/types';

const { values } = parseArgs({ options: { k: { type: 'string', multiple: true }, repeats: { type: 'string' } } });
await initBackend(); // as the engine does before any job
const ds = await openDataset('ds-bench' as DatasetId, { source: { kind: 'builtin', name: 'mnist' } }, quietContext);
const repeats = Number(values.repeats ?? 3);
const fits: Record<string, unknown> = {};
for (const k of (values.k ?? ['20', '50']).map(Number)) {
  const seconds: number[] = [];
  let model!: ReturnType<typeof pcaFit>;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    model = pcaFit(ds.train.x, ds.train.n, 784, { components: k });
    seconds.push((performance.now() - t0) / 1000);
  }
  const testMse: Record<string, number> = {};
  for (const q of [2, 10, 20, 50].filter((q) => q <= k)) {
    const r = pcaReconstruct(model, ds.test.x, ds.test.n, q);
    let s = 0;
    for (let i = 0; i < r.length; i++) s += (r[i] - ds.test.x[i]) ** 2;
    testMse[q] = s / r.length;
  }
  fits[k] = { seconds, method: model.method, solver: model.solver, engine: model.engine, testMse };
}
console.log(JSON.stringify({ fits }));
