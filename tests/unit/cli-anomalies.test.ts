// `lab anomalies` end to end on the small blobs CSV, run from source (no build needed): AUC per
// method as JSON, the scores CSV, and one clear line for each kind of bad input.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/train';

const run = promisify(execFile);
const root = join(__dirname, '../..');
const blobs = join(root, 'tests/fixtures/blobs.csv');
const noLabel = join(root, 'tests/fixtures/bad/no-label.csv');
const lab = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'electron/cli/index.ts', ...args], { cwd: root, env: { ...process.env, LAB_BACKEND: 'wasm' } });
const failure = (...args: string[]) => lab(...args).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);

describe('lab anomalies', () => {
  it('trains on the normal class, scores the test split and prints {methods: [{name, auc}]}', async () => {
    const csv = join(tempDir('cli-anomalies'), 'scores.csv');
    const { stdout } = await lab('anomalies', '--data', blobs, '--normal', 'alpha', '--methods', 'pca,vae,elbo,ae', '--k', '2',
      '--epochs', '20', '--latent', '2', '--hidden', '16', '--batch', '16', '--samples', '4', '--csv', csv, '--json');
    const out = JSON.parse(stdout) as { methods: { name: string; key: string; auc: number }[]; normal: string[]; testRows: number; anomalies: number; fitRows: number; model: { latent: number; epochs: number } };
    expect(out.methods.map((m) => m.name)).toEqual(['pca', 'vae', 'elbo', 'ae']);
    expect(out.methods.map((m) => m.key)).toEqual(['pca2_error', 'vae2_recon_prob', 'vae2_neg_elbo', 'ae2_error']);
    for (const m of out.methods) expect(m.auc).toBeGreaterThan(0.95);
    expect(out.normal).toEqual(['alpha']);
    expect(out.testRows).toBe(30);
    expect(out.anomalies).toBeGreaterThan(10);
    expect(out.fitRows).toBeGreaterThan(30);
    expect(out.model).toMatchObject({ latent: 2, epochs: 20 });
    const lines = (await readFile(csv, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe('id,label,is_anomaly,pca2_error,vae2_recon_prob,vae2_neg_elbo,ae2_error');
    expect(lines).toHaveLength(31);
  });

  it('takes several normal classes and defaults to PCA and the reconstruction probability', async () => {
    const { stdout } = await lab('anomalies', '--data', blobs, '--normal', 'alpha,beta', '--k', '1', '--epochs', '2', '--hidden', '8', '--json');
    const out = JSON.parse(stdout) as { methods: { name: string; auc: number }[]; normal: string[] };
    expect(out.normal).toEqual(['alpha', 'beta']);
    expect(out.methods.map((m) => m.name)).toEqual(['pca', 'vae']);
    expect(out.methods[0].auc).toBeGreaterThan(0.5);
  });

  it('lists the most anomalous rows when no class is marked normal', async () => {
    const { stdout } = await lab('anomalies', '--data', noLabel, '--methods', 'pca', '--k', '1', '--top', '3', '--json');
    const out = JSON.parse(stdout) as { methods: { auc: number | null }[]; top: { rowIds: number[] }[] };
    expect(out.methods[0].auc).toBeNull();
    expect(out.top[0].rowIds).toHaveLength(3);
  });

  it.each([
    // usage errors (exit 2) and work that cannot be done on this data (exit 1)
    [['--data', blobs, '--normal', 'delta'], /^lab: --normal: blobs.csv has no class "delta" \(its classes: alpha, beta, gamma\)\.$/, 2],
    [['--data', noLabel, '--normal', '0'], /^lab: --normal needs a label column, and no-label.csv has none\./, 1],
    [['--data', blobs, '--normal', 'alpha', '--methods', 'pca,svm'], /^lab: --methods takes a comma-separated list of pca, vae, vae-error, elbo, ae \(got "svm"\)\.$/, 2],
    [['--data', blobs, '--normal', 'alpha,beta,gamma'], /^lab: Every class of blobs.csv is marked normal/, 1],
    [['--data', blobs, '--normal', 'alpha', '--k', '0'], /^lab: --k must be a whole number ≥ 1 \(got "0"\)\.$/, 2],
    [['--data', blobs, '--normal', 'alpha', '--model', 'cvae'], /^lab: A conditional VAE is told each row's class/, 1],
    [['--normal', 'alpha'], /^lab: lab anomalies needs --data/, 2],
  ])('exits with one line: %j', async (args, message, code) => {
    const err = await failure('anomalies', ...args);
    expect(err.code).toBe(code);
    expect(err.stderr.trim().split('\n')).toHaveLength(1);
    expect(err.stderr.trim()).toMatch(message);
  });
});
