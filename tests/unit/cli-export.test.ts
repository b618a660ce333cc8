// `lab export`, `lab reduce`, `lab report` and `lab generate` from the command line: the files they
// write, --json, the refusal to replace a file without --force, and exit code 2 for usage errors
// (1 for failed work). Spawns the built CLI (npm test builds first; a missing or stale build fails with what to do).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertFreshBuild } from './helpers/build';
import { parseNpy } from '../../electron/engine/data/npy';
import { tempDir } from './helpers/train';
import { builtLab } from './helpers/cli';

const work = tempDir('cli-export');
const blobs = join(__dirname, '../fixtures/blobs.csv');

const lab = builtLab({ LAB_RUNS_DIR: join(work, 'runs') });

beforeAll(() => {
  assertFreshBuild(['out/main/cli.js']);
});

describe('lab export', () => {
  it('writes every row with the original columns and reports it as JSON', async () => {
    const out = join(work, 'blobs-pca.csv');
    const r = await lab('export', '--data', blobs, '--method', 'pca', '--components', '3', '--split', 'all', '--columns', 'id,label,original', '--out', out, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ format: 'csv', split: 'all', rows: 150, path: out, view: { method: 'pca', dims: 3 } });
    expect(json.columns).toEqual(['id', 'split', 'label', 'z1', 'z2', 'z3', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'species']);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(151);
    expect(lines[0]).toBe(json.columns.join(','));
  });

  it('refuses to replace a file without --force (exit 1, one line), and replaces it with --force', async () => {
    const out = join(work, 'taken.json');
    writeFileSync(out, '[]');
    const r = await lab('export', '--data', blobs, '--method', 'pca', '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^lab: taken\.json already exists in .*add --force/);
    expect(readFileSync(out, 'utf8')).toBe('[]');
    const forced = await lab('export', '--data', blobs, '--method', 'pca', '--out', out, '--force');
    expect(forced.status).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toHaveLength(30);
  });

  it('trains a model on the fly and writes the Projector folder', async () => {
    const out = join(work, 'projector');
    const r = await lab('export', '--data', blobs, '--method', 'vae', '--epochs', '2', '--hidden', '16', '--format', 'projector', '--out', out, '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).files.map((f: string) => f.slice(out.length + 1))).toEqual(['vectors.tsv', 'metadata.tsv', 'projector_config.json']);
    expect(readFileSync(join(out, 'vectors.tsv'), 'utf8').trimEnd().split('\n')).toHaveLength(30);
  });

  it.each([
    [['--method', 'svm', '--out', 'x.csv'], /^lab: --method takes one of pca, umap, tsne, ae, vae/],
    [['--method', 'pca', '--out', 'x.xlsx'], /^lab: Cannot tell the format from ".*x\.xlsx": give --format/],
    [['--method', 'pca', '--out', 'x.csv', '--split', 'half'], /^lab: --split must be one of test, train, all, every \(got "half"\)\./],
    [['--method', 'pca', '--out', 'x.npy', '--columns', 'id'], /^lab: --columns does not apply to --format npy/],
    [['--method', 'pca'], /^lab: lab export needs --out PATH/],
    [['--method', 'pca', '--out', 'x.csv', '--frobnicate'], /^lab: Unknown option '--frobnicate'\. Run "lab --help"/],
  ])('a usage error exits 2 with one line: %j', async (flags, says) => {
    const r = await lab('export', '--data', blobs, ...flags);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(says);
  });
});

describe('lab reduce, lab generate, lab report', () => {
  it('reduce writes every row by default (.npy: the float32 coordinates)', async () => {
    const out = join(work, 'blobs.npy');
    const r = await lab('reduce', '--data', blobs, '--method', 'pca', '--components', '2', '--out', out, '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'npy', split: 'all', rows: 150, view: { explainedVariance: [expect.any(Number), expect.any(Number)] } });
    expect(parseNpy(readFileSync(out), out).shape).toEqual([150, 2]);
    expect((await lab('reduce', '--data', blobs, '--method', 'vae', '--out', join(work, 'r.csv'))).status).toBe(2);
  });

  it('generate decodes N samples from a saved model, by class for a conditional VAE', async () => {
    const saved = join(work, 'cvae');
    const t = await lab('train', '--data', blobs, '--model', 'cvae', '--epochs', '2', '--hidden', '16', '--save', saved, '--out', join(work, 'train'));
    expect(t.status).toBe(0);
    const out = join(work, 'samples.csv');
    const r = await lab('generate', '--load', saved, '--count', '7', '--label', 'beta', '--out', out, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ count: 7, label: 'beta', latent: 2 });
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('z1,z2,f1,f2,f3,f4,f5,f6,f7,f8');
    expect(lines).toHaveLength(8);
    const bad = await lab('generate', '--load', saved, '--count', '7', '--label', 'delta', '--out', join(work, 's2.csv'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^lab: --label: the model knows the classes alpha, beta, gamma, not "delta"\./);
  });

  it('report trains, scores and writes the HTML report', async () => {
    const out = join(work, 'report.html');
    const r = await lab('report', '--data', blobs, '--epochs', '2', '--hidden', '16', '--out', out, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).sections).toEqual(['data', 'run', 'views', 'comparison', 'reconstructions']);
    expect(readFileSync(out, 'utf8')).toContain('<h2>Comparison</h2>');
  });
});
