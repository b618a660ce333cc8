// `lab train` from the command line: every model name trains on a tiny CSV with finite losses and
// writes metrics.json; --save/--load round-trip; bad flags give one clear line. Spawns the built
// CLI (npm test builds first; a missing or stale build fails with what to do).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertFreshBuild } from './helpers/build';
import { MODEL_INFO, MODEL_NAMES } from '../../shared/models';
import { binaryClusters, tempDir, writeCsv } from './helpers/train';
import { builtLab, unexpectedStderr } from './helpers/cli';

const work = tempDir('cli-train');

const lab = builtLab({ LAB_RUNS_DIR: join(work, 'runs') });

let csv = '';
beforeAll(() => {
  assertFreshBuild(['out/main/cli.js']);
  const b = binaryClusters(300, 12);
  csv = writeCsv(work, 'tiny.csv', b.x, 12, b.labels);
});

const metricsOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));

describe('lab train --model', () => {
  it('trains every model with finite losses and reports testLoss, testNegElbo and the backend', async () => {
    const results = await Promise.all(MODEL_NAMES.map((model) =>
      lab('train', '--data', csv, '--model', model, '--epochs', '2', '--latent', '2', '--hidden', '32,16', '--k', '3', '--out', join(work, model), '--json')));
    MODEL_NAMES.forEach((model, i) => {
      // two epochs of two batches leave the KL models' codes ignored: the one thing said is that warning
      expect(unexpectedStderr(results[i].stderr)).toEqual([]);
      if (model === 'vae') expect(results[i].stderr).toMatch(/^lab: warning: Posterior collapse: the test KL is .* Try more gradient steps/);
      expect(results[i].status).toBe(0);
      const m = metricsOf(join(work, model));
      expect(m).toMatchObject({ model, backend: expect.any(String), architecture: 'mlp', likelihood: 'bernoulli', status: 'finished' });
      expect(m.config.hidden).toEqual([32, 16]);
      expect(Number.isFinite(m.testLoss)).toBe(true);
      expect(m.epochs).toHaveLength(2);
      if (MODEL_INFO[model].probabilistic) expect(Number.isFinite(m.testNegElbo)).toBe(true);
      else expect(m.testNegElbo).toBeNull();
    });
  });

  it('keeps its defaults: 1 epoch, MLP, all training rows, VAE', async () => {
    const r = await lab('train', '--data', csv, '--out', join(work, 'defaults'), '--json');
    expect(r.status).toBe(0);
    const m = metricsOf(join(work, 'defaults'));
    expect(m).toMatchObject({ model: 'vae', architecture: 'mlp', validationRows: 0, trainRows: 240 });
    expect(m.config).toMatchObject({ epochs: 1, latent: 2, hidden: [400], batchSize: 128, learningRate: 0.001 });
  });

  it('saves a model and scores data with it after --load', async () => {
    const saved = join(work, 'saved model');
    const a = await lab('train', '--data', csv, '--model', 'iwae', '--epochs', '2', '--save', saved, '--out', join(work, 'a'), '--json');
    expect(a.status).toBe(0);
    expect(existsSync(join(saved, 'model.json')) && existsSync(join(saved, 'weights.bin'))).toBe(true);
    const b = await lab('train', '--load', saved, '--data', csv, '--out', join(work, 'b'), '--json');
    expect(b.status).toBe(0);
    const [ma, mb] = [metricsOf(join(work, 'a')), metricsOf(join(work, 'b'))];
    expect(mb).toMatchObject({ model: 'iwae', loadedFrom: saved });
    expect(mb.testLoss).toBe(ma.testLoss);
    expect(readFileSync(join(work, 'b', 'embedding.csv'), 'utf8')).toBe(readFileSync(join(work, 'a', 'embedding.csv'), 'utf8'));
  });

  it.each([
    // a flag the command line itself refuses: usage error, exit 2
    [['--model', 'gan'], /^lab: --model must be one of ae, vae, beta-vae, cvae, wae-mmd, info-vae, iwae \(got "gan"\)\./, 2],
    [['--hidden', '400,x'], /^lab: --hidden must be layer widths like 400 or 512,256/, 2],
    [['--schedule', 'linear'], /^lab: --schedule must be one of constant, step, cosine/, 2],
    // flags that parse but do not fit the data: the work fails, exit 1
    [['--likelihood', 'bernoulli', '--label', 'none', '--model', 'cvae'], /^lab: A conditional VAE learns from the label column/, 1],
  ])('refuses %j with one clear line', async (flags, says, code) => {
    const r = await lab('train', '--data', csv, '--out', join(work, 'bad'), ...flags);
    expect(r.status).toBe(code);
    expect(r.stderr).toMatch(says);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
