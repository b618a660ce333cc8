// `lab clusters` from the command line: the JSON it prints ({"clusters":[{"id","size","label",
// "purity"}],"noise"}) on the three-blob CSV, and exit code 2 with one line for a bad flag.
// Spawns the built CLI (npm test builds first; a missing or stale build fails with what to do).
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/train';
import { assertFreshBuild } from './helpers/build';
import { builtLab } from './helpers/cli';

const work = tempDir('cli-clusters');
const blobs = join(__dirname, '../fixtures/blobs.csv');

const lab = builtLab({ LAB_RUNS_DIR: join(work, 'runs') });

beforeAll(() => {
  assertFreshBuild(['out/main/cli.js']);
});

describe('lab clusters', () => {
  it('prints the clusters of PCA-2 of the three blobs as JSON: one per species, pure, no noise', async () => {
    const r = await lab('clusters', '--data', blobs, '--method', 'pca', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.clusters).toHaveLength(3);
    for (const c of json.clusters) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'size', 'label', 'purity']));
      expect(c.purity).toBe(1);
      expect(c.label).toMatch(/^(alpha|beta|gamma) · 100%$/);
    }
    expect(json.clusters.map((c: { id: number }) => c.id)).toEqual([0, 1, 2]);
    expect(json.clusters.reduce((s: number, c: { size: number }) => s + c.size, 0) + json.noise).toBe(30);
    expect(json).toMatchObject({ noise: 0, purity: 1, rows: 30, view: { method: 'pca', dims: 2 } });
  });

  it('takes the density parameters and says the rows in no cluster in text', async () => {
    const r = await lab('clusters', '--data', blobs, '--method', 'pca', '--bandwidth', '20', '--min-size', '2');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^PCA \(2 components\) on blobs\.csv: [12] clusters? in 30 test rows, \d+ in none; purity \d+\.\d%/);
  });

  it.each([
    [['--noise', '3'], /--noise is a share of the highest density: a number from 0 to 1 \(got "3"\)/],
    [['--bandwidth', '0'], /--bandwidth must be a number > 0 \(got "0"\)/],
    [['--bandwidth', '50'], /--bandwidth multiplies the kernel width of Scott's rule: a number from 0\.05 to 20/],
    [['--min-size', '0'], /--min-size must be a whole number ≥ 1 \(got "0"\)/],
  ])('refuses %j with exit code 2 and one line', async (flags, says) => {
    const r = await lab('clusters', '--data', blobs, '--method', 'pca', ...flags);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(says);
  });

  it('refuses an unknown view method with exit code 2', async () => {
    const r = await lab('clusters', '--data', blobs, '--method', 'kmeans');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--method takes one of pca, umap, tsne/);
  });
});
