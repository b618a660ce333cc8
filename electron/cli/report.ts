// `lab report`: open the data, train the model the flags describe, fit PCA, score both views and
// write the self-contained HTML report. Against the engine's API only, like every command.
import { resolve } from 'node:path';
import { LabFailure } from '../../shared/api';
import { openData, type CommandOutput } from './export';
import { files } from './files';
import { trainConfigFrom } from './options';
import { runJob, type CliEngine } from './progress';

type Flags = Record<string, unknown>;

export const REPORT_USAGE = `  lab report --data <file-or-builtin> --out report.html [--json] [--force] [model flags]
                                                train the model (lab train's flags and defaults), fit
                                                PCA-2, score both views on the test split and write one
                                                self-contained HTML file: the data and decisions, the
                                                config and loss curves, scatter images, the comparison
                                                table and reconstructions (opens offline)`;

export async function reportCommand(engine: CliEngine, values: Flags): Promise<CommandOutput> {
  const outFlag = values.out as string | undefined;
  if (!outFlag) throw new LabFailure('bad-option', 'lab report needs --out FILE.html for the report.');
  if (values.load !== undefined) throw new LabFailure('bad-option', 'lab report trains its own model; --load is not supported here (use lab train --load to score a saved model).');
  const out = resolve(outFlag);
  const config = trainConfigFrom(values);
  const ds = await openData(engine, values, 'report');
  const run = await runJob(engine, 'train', engine.train({ datasetId: ds.id, config }));
  const pca = await runJob(engine, 'pca', engine.computePca({ datasetId: ds.id, components: Math.min(2, ds.features) }));
  const views = [pca.id, ...(run.embeddingId ? [run.embeddingId] : [])];
  const table = await runJob(engine, 'metrics', engine.computeMetrics({ datasetId: ds.id, embeddingIds: views }));
  const result = await runJob(engine, 'export', engine.writeReport({ datasetId: ds.id, path: await files().output(out, { force: values.force === true }), runId: run.id, embeddingIds: views, overwrite: values.force === true }));
  const json = {
    dataset: ds.name,
    run: { id: run.id, title: run.title, status: run.status, testLoss: run.test?.loss ?? null },
    views: table.rows.map((r) => ({ name: r.name, mse: r.mse, knnAccuracy: r.knnAccuracy, trustworthiness: r.trustworthiness })),
    path: result.path,
    sections: result.sections ?? [],
  };
  return { json, text: `Wrote the report on ${ds.name} (${run.title}, ${(result.sections ?? []).join(', ')}) to ${result.path}` };
}
