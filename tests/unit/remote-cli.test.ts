// `lab --engine wss://… --token-file FILE` on the commands: the work runs on a `lab serve` engine
// in another process (over TLS), --data names a file there, a saved model given with --load is
// uploaded, and what the command writes (--out, --save, --csv, --workspace) comes back here — into
// folders the served engine itself may not touch, so nothing arrives except by download.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badTokenFiles } from '../fixtures/bad/remote';
import { labSource, makeCert, makeToken, privateDir, startServe, type Serving, type TestCert } from './helpers/remote';
import { unexpectedStderr } from './helpers/cli';

const good = fileURLToPath(new URL('../fixtures/good', import.meta.url));
const blobs = join(good, 'blobs.csv');
let dir: string;
let here: string;
let cert: TestCert;
let token: { path: string; token: string };
let serving: Serving;
let engineFlags: string[];

beforeAll(async () => {
  dir = privateDir('lab-rcli-');
  here = privateDir('lab-rcli-here-');
  cert = makeCert(dir);
  token = makeToken(dir);
  serving = await startServe(['--listen', '127.0.0.1:0', '--tls-cert', cert.cert, '--tls-key', cert.key, '--token-file', token.path, '--allow', good],
    { LAB_DATA_DIR: privateDir('lab-rcli-data-') });
  engineFlags = ['--engine', `wss://127.0.0.1:${serving.port}`, '--token-file', token.path, '--ca', cert.cert];
});

afterAll(async () => {
  await serving?.stop();
});

const lab = (...args: string[]) => labSource(args, { LAB_DATA_DIR: privateDir('lab-rcli-client-') });

describe('lab --engine', () => {
  it('trains on the remote engine and brings embedding.csv, pca.csv and the saved model here', async () => {
    const out = join(here, 'run');
    const model = join(here, 'model');
    const r = await lab('train', ...engineFlags, '--data', blobs, '--epochs', '2', '--hidden', '16', '--out', out, '--save', model, '--json');
    expect(unexpectedStderr(r.stderr)).toEqual([]);
    expect(r.status).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({ status: 'finished', files: { embedding: join(out, 'embedding.csv'), model } });
    expect(JSON.parse(r.stdout).files.model).toBe(model);
    expect(readFileSync(join(out, 'embedding.csv'), 'utf8')).toMatch(/^id,label,z1,z2\n\d+,/);
    expect(readFileSync(join(out, 'pca.csv'), 'utf8')).toMatch(/^id,label,z1,z2\n/);
    expect(readdirSync(model).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('uploads a saved model given with --load, exports a Projector folder here, and refuses to replace a file without --force', async () => {
    const model = join(here, 'model');
    const projector = join(here, 'projector');
    const r = await lab('export', ...engineFlags, '--data', blobs, '--load', model, '--format', 'projector', '--out', projector, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).path).toBe(projector);
    expect(readdirSync(projector).sort()).toEqual(['metadata.tsv', 'projector_config.json', 'vectors.tsv']);
    const csv = join(here, 'pca.csv');
    writeFileSync(csv, 'keep me\n');
    const again = await lab('reduce', ...engineFlags, '--data', blobs, '--method', 'pca', '--out', csv);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^lab: pca\.csv already exists in .*lab-rcli-here-.*\. Nothing was written/);
    expect(readFileSync(csv, 'utf8')).toBe('keep me\n');
    const forced = await lab('reduce', ...engineFlags, '--data', blobs, '--method', 'pca', '--out', csv, '--force');
    expect(forced.status).toBe(0);
    expect(readFileSync(csv, 'utf8')).toMatch(/^id,split,label,z1,z2\n/);
  });

  it('adds the work to a workspace here (uploaded, updated there, brought back)', async () => {
    const ws = join(here, 'study.latentlab');
    const a = await lab('compare', ...engineFlags, '--data', blobs, '--methods', 'pca', '--workspace', ws, '--json');
    expect(a.status).toBe(0);
    expect(existsSync(ws)).toBe(true);
    const shown = await lab('workspace', 'show', ws, ...engineFlags, '--json');
    expect(shown.status).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ path: ws, datasets: [{ name: 'blobs.csv' }] });
  });

  it.each([
    [['--data', 'blobs.csv', '--out', 'x'], /With --engine, "blobs\.csv" must be a full path on the engine's machine/, 2],
    [['--data', '/etc/passwd', '--out', 'x'], /passwd is outside the folders this engine serves/, 1],
  ])('refuses %j', async (args, says, status) => {
    const r = await lab('train', ...engineFlags, ...args);
    expect(r.stderr).toMatch(says);
    expect(r.status).toBe(status);
  });

  it('needs --token-file with --engine, and refuses the flags without it', async () => {
    const a = await lab('datasets', '--engine', `wss://127.0.0.1:${serving.port}`);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/--engine needs --token-file FILE/);
    const b = await lab('datasets', '--token-file', token.path);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--token-file, --ca and --fingerprint go with --engine/);
  });

  it('refuses a token file other users can read (every other bad token file: remote-token.test.ts)', async () => {
    const b = badTokenFiles[0];
    const r = await lab('datasets', '--engine', `wss://127.0.0.1:${serving.port}`, '--token-file', b.make(privateDir('lab-rcli-tok-')), '--ca', cert.cert);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(b.says);
  });
});
