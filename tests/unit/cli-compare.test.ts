// `lab compare` end to end on the small blobs CSV, run from source (no build needed).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(__dirname, '../..');
const blobs = join(root, 'tests/fixtures/blobs.csv');
const lab = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'electron/cli/index.ts', ...args], { cwd: root, env: { ...process.env, LAB_BACKEND: 'wasm' } });

describe('lab compare', () => {
  it('prints the comparison table as JSON', async () => {
    const { stdout } = await lab('compare', '--data', blobs, '--methods', 'pca,umap,tsne,vae', '--latent', '2',
      '--epochs', '3', '--umap-epochs', '100', '--tsne-perplexity', '10', '--tsne-iterations', '200', '--json');
    const out = JSON.parse(stdout) as { methods: Record<string, unknown>[]; testRows: number };
    expect(out.testRows).toBe(30);
    expect(out.methods.map((m) => m.name)).toEqual(['PCA-2', 'UMAP', 't-SNE', 'VAE-2']);
    for (const m of out.methods) {
      for (const key of ['name', 'mse', 'knnAccuracy', 'trustworthiness', 'continuity', 'silhouette', 'seconds']) expect(m).toHaveProperty(key);
      expect(m.knnAccuracy).toBeGreaterThan(0.9);
      expect(m.trustworthiness).toBeGreaterThan(0.5);
    }
    expect(out.methods[0].mse).toBeGreaterThan(0);
    expect(out.methods[1].mse).toBeNull();
    expect(out.methods[3].negElbo).toEqual(expect.any(Number));
  });

  it('exits 2 (usage error) with one line on a bad option', async () => {
    const err = await lab('compare', '--data', blobs, '--methods', 'pca,isomap').catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    const stderr = (err as { stderr: string }).stderr;
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/--methods takes a comma-separated list of pca, umap, tsne, ae, vae, beta-vae, cvae, wae-mmd, info-vae, iwae \(got "isomap"\)/);
    const missing = await lab('compare', '--methods', 'pca').catch((e: { code: number; stderr: string }) => e);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringMatching(/lab compare needs --data/) });
  });
});
