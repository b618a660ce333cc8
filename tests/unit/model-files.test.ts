// Saved model folders stay whole: saves into one folder at once (in one process and across
// processes) leave one complete model, left-overs of killed writes are cleaned up, and a model.json
// is checked against its weights and the memory budget before the model is built.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUDGET_ENV } from '../../electron/engine/data/budget';
import { createModel, disposeModel, type ModelSpec } from '../../electron/engine/models/model';
import {
  checkModelMemory, loadModelDir, modelMemoryBytes, removeOrphans, saveModelDir, specWeights,
} from '../../electron/engine/models/serialize';
import { LabFailure } from '../../shared/api';
import { tinyContents, tinySpec } from './helpers/models';
import { tempDir } from './helpers/train';

const root = join(__dirname, '..', '..');
const savedBudget = process.env[BUDGET_ENV];
afterEach(() => {
  if (savedBudget === undefined) delete process.env[BUDGET_ENV];
  else process.env[BUDGET_ENV] = savedBudget;
});

/** Loads the folder and checks it is one of the saved models, whole (spec, names and weights agree). */
async function expectWhole(dir: string, inputDims: number[]): Promise<number> {
  const { model, file } = await loadModelDir(dir);
  try {
    expect(inputDims).toContain(model.spec.inputDim);
    expect(file.data.featureNames).toHaveLength(model.spec.inputDim);
    expect(file.data.datasetName).toBe(`d${model.spec.inputDim}.csv`);
    return model.spec.inputDim;
  } finally {
    disposeModel(model);
  }
}

describe('saves into one folder at once', () => {
  it.each([
    ['one weights file name', (_i: number) => 'weights.bin'],
    ['checkpoint names (weights-epochN.bin)', (i: number) => `weights-epoch${i}.bin`],
  ])('10 concurrent saves leave one complete model, every time (%s)', async (_name, weightsName) => {
    for (let round = 0; round < 5; round++) {
      const dir = join(tempDir('concurrent'), 'model');
      const dims = Array.from({ length: 10 }, (_, i) => 3 + i);
      const saves = dims.map((d, i) => saveModelDir(dir, tinyContents(d, round * 10 + i), weightsName(i)));
      const results = await Promise.allSettled(saves);
      // every save reports success, and what is on disk is one of them, whole
      expect(results.map((r) => r.status)).toEqual(dims.map(() => 'fulfilled'));
      await expectWhole(dir, dims);
      expect(readdirSync(dir).filter((n) => n.endsWith('.bin'))).toHaveLength(1);
      expect(readdirSync(dir).filter((n) => n.endsWith('.tmp') || n.startsWith('.'))).toEqual([]);
    }
  });

  it('saves from three processes at once leave one complete model, round after round', async () => {
    const dir = join(tempDir('processes'), 'model');
    mkdirSync(dir);
    const rounds = 8;
    const children = [0, 1, 2].map((seed) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'helpers', 'save-models.mts'), dir, String(rounds), String(seed)], { cwd: root });
      let out = '';
      const ready = new Promise<void>((resolve) => child.stdout.on('data', (b) => {
        out += b;
        if (out.includes('ready')) resolve();
      }));
      child.stderr.on('data', (b) => (out += b));
      const done = new Promise<string>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child ${seed} exited ${code}: ${out}`))));
      });
      return { ready, done };
    });
    await Promise.all(children.map((c) => c.ready));
    const dims = [0, 1, 2, 3, 4, 5].map((i) => 2000 + i);
    for (let r = 0; r < rounds; r++) {
      // the three processes save at the same moment; when all three are done, one whole model is there
      writeFileSync(`${dir}.go.${r}`, '');
      for (const seed of [0, 1, 2]) while (!existsSync(`${dir}.done.${r}.${seed}`)) await new Promise((res) => setTimeout(res, 2));
      await expectWhole(dir, dims);
      expect(readdirSync(dir).filter((n) => n.endsWith('.bin'))).toHaveLength(1);
    }
    const outs = await Promise.all(children.map((c) => c.done));
    expect(outs.every((o) => o.includes('saved'))).toBe(true);
  });

  it('takes over a lock left by a dead process', async () => {
    const dir = join(tempDir('stale-lock'), 'model');
    mkdirSync(dir);
    const dead = await deadPid();
    writeFileSync(join(dir, '.saving.lock'), `${dead}\n${(await import('node:os')).hostname()}\n`);
    await saveModelDir(dir, tinyContents(5, 1));
    await expectWhole(dir, [5]);
    expect(existsSync(join(dir, '.saving.lock'))).toBe(false);
  });
});

/** The pid of a process that has exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', '0']);
    child.on('exit', () => resolve(child.pid!));
  });
}

describe('removeOrphans', () => {
  it('removes old temp files, dead locks and unreferenced weights; keeps everything else', async () => {
    const runs = tempDir('orphans');
    const ckpt = join(runs, 'run-1', 'checkpoint');
    await saveModelDir(ckpt, tinyContents(4, 1), 'weights-epoch2.bin');
    const old = new Date(Date.now() - 3600_000);
    const put = (path: string, text: string, aged = true) => {
      writeFileSync(path, text);
      if (aged) utimesSync(path, old, old);
      return path;
    };
    // a checkpoint killed after its weights, before switching model.json; killed atomic writes
    const orphanWeights = put(join(ckpt, 'weights-epoch3.bin'), 'half');
    const orphanTmp = put(join(ckpt, 'model.json.0a1b2c3d.tmp'), '{');
    const orphanRunTmp = put(join(runs, 'run-1', 'run.json.deadbeef.tmp'), '{');
    const deadLock = put(join(ckpt, '.saving.lock'), `${await deadPid()}\n${(await import('node:os')).hostname()}\n`, false);
    // kept: a temp file being written right now, a live lock elsewhere, files that are not ours to judge
    const freshTmp = put(join(runs, 'run-1', 'run.json.12345678.tmp'), '{', false);
    const liveDir = join(runs, 'run-2', 'checkpoint');
    mkdirSync(liveDir, { recursive: true });
    const liveLock = put(join(liveDir, '.saving.lock'), `${process.pid}\n${(await import('node:os')).hostname()}\n`, false);
    const userTmp = put(join(runs, 'notes.tmp'), 'mine');
    const runJson = put(join(runs, 'run-1', 'run.json'), '{}');

    const removed = await removeOrphans(runs);
    expect(removed.sort()).toEqual([orphanWeights, orphanTmp, orphanRunTmp, deadLock].sort());
    for (const p of [freshTmp, liveLock, userTmp, runJson, join(ckpt, 'model.json'), join(ckpt, 'weights-epoch2.bin')]) expect(existsSync(p)).toBe(true);
    await expectWhole(ckpt, [4]);
    // with no minimum age, the fresh temp file goes too
    expect(await removeOrphans(runs, { minAgeMs: 0 })).toEqual([freshTmp]);
  });

  it('leaves a model folder whose model.json is broken as it is', async () => {
    const dir = tempDir('broken');
    writeFileSync(join(dir, 'model.json'), '{"weightsManifest": [{"paths": ["weights-epoch9.bin"]}]}');
    writeFileSync(join(dir, 'weights-epoch1.bin'), 'x');
    expect(await removeOrphans(dir, { minAgeMs: 0 })).toEqual([]);
    expect(existsSync(join(dir, 'weights-epoch1.bin'))).toBe(true);
  });
});

describe('a model is checked before it is built', () => {
  const specs: [string, ModelSpec][] = [
    ['mlp vae', tinySpec(7, [5, 3])],
    ['mlp ae, no hidden layer', tinySpec(4, [], { name: 'ae', stochastic: false })],
    ['cvae, learned variance', tinySpec(6, [4], { name: 'cvae', classes: 3, likelihood: 'gaussian-learned' })],
    ['conv', tinySpec(7 * 5 * 2, [8], { architecture: 'conv', imageShape: [7, 5, 2], convChannels: [3, 4] })],
  ];
  it.each(specs)('specWeights matches createModel (%s)', (_name, spec) => {
    const model = createModel(spec, 1);
    try {
      expect(specWeights(spec)).toEqual([...model.params].map(([name, v]) => ({ name, shape: v.shape })));
    } finally {
      disposeModel(model);
    }
  });

  it('estimates memory from the spec and refuses over the budget, naming the folder', () => {
    const spec = tinySpec(200_000, [512, 256]);
    const params = specWeights(spec).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    expect(modelMemoryBytes(spec, 128)).toBeGreaterThan(params * 16);
    process.env[BUDGET_ENV] = '1024';
    let err: unknown = null;
    try {
      checkModelMemory('/somewhere/big model', spec, 128);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LabFailure);
    expect((err as LabFailure).code).toBe('too-big');
    expect((err as LabFailure).message).toMatch(/^big model: would need about [\d.]+ GB of memory \(a vae with 205,[\d,]+ parameters for 200,000 inputs.*budget of 1.0 GB \(set by LAB_MEMORY_BUDGET_MB=1024\)/);
    expect((err as LabFailure).detail).toMatch(/smaller model.*LAB_MEMORY_BUDGET_MB/);
  });

  it('refuses to load a saved model over the memory budget before reading its weights', async () => {
    const dir = join(tempDir('budget-model'), 'wide');
    await saveModelDir(dir, tinyContents(3000, 1, [256]));
    process.env[BUDGET_ENV] = '1';
    await expect(loadModelDir(dir)).rejects.toMatchObject({ code: 'too-big', message: expect.stringMatching(/^wide: would need about .* MB of memory \(a vae with 1,5\d\d,\d+ parameters/) });
    delete process.env[BUDGET_ENV];
    await expectWhole(dir, [3000]);
  });

  it('refuses a model.json whose spec does not match its weights, without building the spec', async () => {
    const dir = join(__dirname, '..', 'fixtures', 'bad', 'models', 'huge-spec');
    const spec = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).spec as ModelSpec;
    expect(spec.inputDim).toBe(200_000);
    await expect(loadModelDir(dir)).rejects.toMatchObject({ code: 'bad-model', message: expect.stringMatching(/weight "enc\/dense0\/w" \[3, 4\] does not fit its spec/) });
  });
});
