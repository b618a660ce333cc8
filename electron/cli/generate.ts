// `lab generate`: new rows from a saved model (drawn from its prior, or for a conditional VAE of a
// chosen class), written as CSV with the latent point z1…zk first. Against the engine's API only.
import { resolve } from 'node:path';
import { LabFailure } from '../../shared/api';
import type { CommandOutput } from './export';
import { choiceOption, intOption } from './options';
import { runJob, type CliEngine } from './progress';
import { files } from './files';

type Flags = Record<string, unknown>;

export const GENERATE_USAGE = `  lab generate --load DIR --count N --out FILE.csv [--label CLASS] [--seed 1]
            [--source prior|fitted] [--json] [--force]
                                                decode N points (at most 2,000) drawn from a saved
                                                model's prior (or, --source fitted, a Gaussian fitted
                                                to its training codes: needs that data, so only in the
                                                app); a conditional VAE generates --label CLASS;
                                                writes z1…zk and the features in the data's units`;

export async function generateCommand(engine: CliEngine, values: Flags): Promise<CommandOutput> {
  const s = (name: string) => values[name] as string | undefined;
  if (!s('load')) throw new LabFailure('bad-option', 'lab generate needs --load DIR (a saved model: lab train --save DIR).');
  if (!s('out')) throw new LabFailure('bad-option', 'lab generate needs --out FILE.csv for the samples.');
  if (s('count') === undefined) throw new LabFailure('bad-option', 'lab generate needs --count N (1 to 2,000).');
  const count = intOption('count', s('count'), 0, 1);
  if (count > 2000) throw new LabFailure('bad-option', `--count must be at most 2,000 (got "${count}").`);
  const seed = intOption('seed', s('seed'), 1, 0);
  const source = choiceOption('source', s('source'), ['prior', 'fitted'] as const, 'prior');
  const out = resolve(s('out')!);
  await engine.backend();
  const run = await engine.loadModel({ path: await files().input(s('load')!) });
  let label: number | undefined;
  if (s('label') !== undefined) {
    const names = run.labelNames ?? [];
    label = names.indexOf(s('label')!);
    if (label < 0) {
      throw new LabFailure('bad-option', names.length
        ? `--label: the model knows the classes ${names.slice(0, 20).join(', ')}, not "${s('label')}".`
        : '--label needs a conditional VAE; this model generates without a class.');
    }
  }
  const result = await runJob(engine, 'export', engine.exportSamples({
    runId: run.id, count, seed, path: await files().output(out, { force: values.force === true }), overwrite: values.force === true,
    source: source === 'prior' ? 'standard-normal' : 'fitted-gaussian',
    ...(label !== undefined ? { label } : {}),
  }));
  const json = { model: run.title, latent: run.config.latent, count: result.rows, seed, label: s('label') ?? null, path: result.path, columns: result.columns };
  return { json, text: `Wrote ${result.rows} samples from ${run.title}${s('label') ? ` (class ${s('label')})` : ''} to ${result.path}` };
}
