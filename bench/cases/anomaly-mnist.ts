// Benchmark (issue 7): anomaly detection on MNIST with one digit as the normal class, for each of the
// ten digits — train on that digit's training images, score all 10,000 test images, every other digit
// anomalous — and the ROC AUC of each score, beside the reference script (../shared/peers/anomaly.py:
// PyTorch VAE 784-400-20 with a Bernoulli decoder, scikit-learn PCA, roc_auc_score).
//   npx tsx bench/cases/anomaly-mnist.ts
// Two of our configurations, each trained afresh per digit:
//   'reference setting' — the reference's model: MLP VAE 784-400-20, Bernoulli, 5 epochs, L = 10;
//   'default'           — ANOMALY_MODEL_DEFAULTS: the same network with a learned-variance Gaussian
//                         likelihood, 30 epochs, L = 10.
// PCA-20 (fitted on the normal digit's training rows) is the same in both. The reference script runs
// afterwards with --vae-epochs 5 (LAB_ANOMALY_REFERENCE=<file> reads a saved output of it instead).
// LAB_ANOMALY_DIGITS=2,8 limits the digits. JSON goes to stdout, a Markdown table to stderr.
//
// One run on 2 shared cores (wasm, 1 thread; load average 5–12), ROC AUC, ours to 4 decimals, the
// reference script's as it prints them (3 decimals):
// | digit | PCA-20 | ours, reference setting: VAE recon. prob. | ours, default: VAE recon. prob. | default: VAE error | default: −ELBO | reference: PCA-20 | reference: VAE recon. prob. |
// |---|---|---|---|---|---|---|---|
// | 0 | 0.9930 | 0.9870 | 0.9970 | 0.9971 | 0.9965 | 0.993 | 0.988 |
// | 1 | 0.9986 | 0.9985 | 0.9995 | 0.9995 | 0.9994 | 0.999 | 0.998 |
// | 2 | 0.9225 | 0.8427 | 0.9290 | 0.9350 | 0.9251 | 0.923 | 0.838 |
// | 3 | 0.9522 | 0.8853 | 0.9641 | 0.9648 | 0.9580 | 0.952 | 0.884 |
// | 4 | 0.9510 | 0.9369 | 0.9666 | 0.9671 | 0.9635 | 0.951 | 0.935 |
// | 5 | 0.9665 | 0.9249 | 0.9764 | 0.9740 | 0.9655 | 0.966 | 0.919 |
// | 6 | 0.9831 | 0.9678 | 0.9938 | 0.9941 | 0.9923 | 0.983 | 0.974 |
// | 7 | 0.9667 | 0.9544 | 0.9805 | 0.9808 | 0.9778 | 0.967 | 0.952 |
// | 8 | 0.8504 | 0.8056 | 0.8938 | 0.9012 | 0.8939 | 0.850 | 0.797 |
// | 9 | 0.9634 | 0.9453 | 0.9804 | 0.9806 | 0.9763 | 0.963 | 0.942 |
// | mean | 0.9547 | 0.9248 | 0.9681 | 0.9694 | 0.9648 | 0.9547 | 0.9227 |
// Training + scoring per digit: 50–160 s (default), 15–63 s (reference setting), wall time on a busy machine.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ANOMALY_MODEL_DEFAULTS, type AnomalyMethod, type AnomalyResult } from '../../shared/anomalies';
import type { JobKind, JobResults } from '../../shared/api';
import type { JobId, TrainConfig } from '../../shared/types';
import { Engine } from '../../electron/engine/engine';

/** The reference scripts beside the repository (../shared/peers from /work/main, ../../shared/peers from a worktree). */
function peersDir(): string {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const found = [process.env.LAB_PEERS, join(root, '../shared/peers'), join(root, '../../shared/peers')].find((p) => p && existsSync(join(p, 'anomaly.py')));
  if (!found) throw new Error('Cannot find the reference scripts (shared/peers/anomaly.py): set LAB_PEERS.');
  return found;
}

function job<K extends JobKind>(engine: Engine, start: Promise<JobId>): Promise<JobResults[K]> {
  return new Promise((resolve, reject) => {
    let id: JobId | null = null;
    const early: Parameters<Parameters<Engine['onEvent']>[0]>[0][] = [];
    const handle = (e: (typeof early)[number]) => {
      if (e.jobId !== id) return;
      if (e.type === 'done') { off(); resolve(e.result as JobResults[K]); }
      else if (e.type === 'error') { off(); reject(new Error(e.error.message)); }
      else if (e.type === 'cancelled') { off(); reject(new Error('cancelled')); }
    };
    const off = engine.onEvent((e) => (id === null ? early.push(e) : handle(e)));
    start.then((jobId) => { id = jobId; early.splice(0).forEach(handle); }, reject);
  });
}

const CONFIGS: { name: string; model: Partial<TrainConfig>; methods: AnomalyMethod[] }[] = [
  { name: 'reference setting', model: { ...ANOMALY_MODEL_DEFAULTS, likelihood: 'bernoulli', epochs: 5 }, methods: ['pca-error', 'recon-prob'] },
  { name: 'default', model: { ...ANOMALY_MODEL_DEFAULTS }, methods: ['recon-prob', 'vae-error', 'neg-elbo'] },
];

/** "class 3 (n_train=6131): 0.952  0.884  20.105" → digit 3: PCA-20 0.952, VAE-RP 0.884. */
function parseReference(text: string): Map<number, { pca: number; vae: number }> {
  const out = new Map<number, { pca: number; vae: number }>();
  for (const m of text.matchAll(/^class (\d) \(n_train=\d+\): ([\d.]+)\s+([\d.]+)/gm)) out.set(Number(m[1]), { pca: Number(m[2]), vae: Number(m[3]) });
  return out;
}

async function reference(): Promise<{ text: string; source: string }> {
  const saved = process.env.LAB_ANOMALY_REFERENCE;
  if (saved) return { text: await readFile(saved, 'utf8'), source: saved };
  const args = [join(peersDir(), 'anomaly.py'), '--data', 'mnist', '--vae-epochs', '5', '--ks', '20'];
  const { stdout } = await promisify(execFile)('/usr/bin/python3', args, { maxBuffer: 1 << 20 });
  return { text: stdout, source: `/usr/bin/python3 ${args.join(' ')}` };
}

export async function run(): Promise<Record<string, unknown>> {
  const digits = (process.env.LAB_ANOMALY_DIGITS ?? '0,1,2,3,4,5,6,7,8,9').split(',').map(Number);
  const engine = new Engine();
  const backend = await engine.backend();
  const ds = await job<'open'>(engine, engine.openDataset({ source: { kind: 'builtin', name: 'mnist' } }));
  const rows: Record<string, number | string>[] = [];
  const load: number[] = [];
  for (const digit of digits) {
    const row: Record<string, number | string> = { digit };
    for (const c of CONFIGS) {
      const t0 = performance.now();
      const r: AnomalyResult = await job<'anomalies'>(engine, engine.detectAnomalies({
        datasetId: ds.id, normalClasses: [ds.labelNames!.indexOf(String(digit))], methods: c.methods, model: c.model, pcaComponents: 20, samples: 10,
      }));
      for (const m of r.methods) row[m.method === 'pca-error' ? m.key : `${c.name}: ${m.key}`] = m.auc!;
      row[`${c.name}: seconds`] = (performance.now() - t0) / 1000;
    }
    load.push(loadavg()[0]);
    rows.push(row);
    process.stderr.write(`digit ${digit}: ${Object.entries(row).filter(([k]) => !k.includes('seconds') && k !== 'digit').map(([k, v]) => `${k} ${(v as number).toFixed(4)}`).join(', ')}\n`);
  }
  const ref = await reference();
  const refs = parseReference(ref.text);
  for (const row of rows) {
    const r = refs.get(row.digit as number);
    if (r) Object.assign(row, { 'reference: PCA-20': r.pca, 'reference: VAE recon. prob.': r.vae });
  }
  const keys = Object.keys(rows[0]).filter((k) => k !== 'digit' && !k.endsWith('seconds'));
  const mean: Record<string, number> = {};
  for (const k of keys) mean[k] = rows.reduce((s, r) => s + (r[k] as number), 0) / rows.length;
  const table = [
    `| digit | ${keys.join(' | ')} |`,
    `|---|${keys.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.digit} | ${keys.map((k) => (typeof r[k] === 'number' ? (r[k] as number).toFixed(4) : '—')).join(' | ')} |`),
    `| **mean** | ${keys.map((k) => `**${mean[k].toFixed(4)}**`).join(' | ')} |`,
  ].join('\n');
  process.stderr.write(`\n${table}\n`);
  return { backend: backend.detail, loadAverage1m: load, configs: CONFIGS, reference: ref.source, rows, mean, table };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(), null, 2));
