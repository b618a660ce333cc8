// `--workspace FILE` on lab train, compare and anomalies adds their work to a workspace the app
// opens, and `lab workspace show FILE --json` describes one; a file that is not a workspace exits 1
// with one line. Spawns the built CLI (npm test builds first).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertFreshBuild } from './helpers/build';
import { tempDir } from './helpers/train';
import { builtLab, unexpectedStderr } from './helpers/cli';

const work = tempDir('cli-workspace');
const blobs = join(__dirname, '../fixtures/blobs.csv');

const lab = builtLab({ LAB_DATA_DIR: join(work, 'data'), LAB_RUNS_DIR: '' });

beforeAll(() => {
  assertFreshBuild(['out/main/cli.js']);
});

describe('lab --workspace and lab workspace show', () => {
  it('collects a train, a compare and an anomaly run on one dataset into one workspace', async () => {
    const ws = join(work, 'study.latentlab');
    const trained = await lab('train', '--data', blobs, '--out', join(work, 'out'), '--epochs', '2', '--hidden', '8', '--workspace', ws, '--json');
    expect(unexpectedStderr(trained.stderr)).toEqual([]);
    expect(trained.status).toBe(0);
    const compared = await lab('compare', '--data', blobs, '--methods', 'pca,tsne', '--tsne-iterations', '250', '--workspace', ws, '--json');
    expect(compared.status).toBe(0);
    const anomalies = await lab('anomalies', '--data', blobs, '--normal', 'alpha', '--methods', 'pca', '--k', '2', '--workspace', ws, '--json');
    expect(anomalies.status).toBe(0);
    const shown = await lab('workspace', 'show', ws, '--json');
    expect(shown.status).toBe(0);
    const json = JSON.parse(shown.stdout);
    expect(json.datasets).toHaveLength(1);
    expect(json.datasets[0]).toMatchObject({ name: 'blobs.csv', rows: 150, anomalies: 1 });
    expect(json.runs).toEqual([expect.objectContaining({ id: expect.any(String), name: expect.stringContaining('VAE'), model: 'vae', status: 'finished', testLoss: expect.any(Number) })]);
    expect(json.embeddings.map((e: { method: string }) => e.method).sort()).toEqual(['pca', 'pca', 'tsne', 'vae']);
    const text = await lab('workspace', 'show', ws);
    expect(text.stdout).toMatch(/Datasets: 1\n {2}blobs\.csv {2}150 rows/);
  });

  it('exits 1 with one line for a file that is not a workspace, 2 for a missing argument', async () => {
    const bogus = join(work, 'notes.latentlab');
    writeFileSync(bogus, 'just text');
    const r = await lab('workspace', 'show', bogus);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/notes\.latentlab: is not a Latent Lab workspace/);
    const usage = await lab('workspace', 'show');
    expect(usage.status).toBe(2);
  });
});
