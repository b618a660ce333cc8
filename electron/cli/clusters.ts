// `lab clusters`: fit a view of a dataset (PCA, UMAP, t-SNE, a model trained on the fly or a saved
// one) and print its automatic clusters — each with its size, its name read from the data and the
// share of its rows that carry its majority label — the rows in no cluster, and the purity of all.
// Against the engine's API only, like every command.
import { LabFailure } from '../../shared/api';
import type { ClusterParams } from '../../shared/explore';
import { fitView, openData, type CommandOutput } from './export';
import { intOption, numberOption } from './options';
import type { CliEngine } from './progress';

type Flags = Record<string, unknown>;
const str = (v: Flags, name: string) => v[name] as string | undefined;

export const CLUSTERS_USAGE = `  lab clusters --data <file-or-builtin> --method pca|umap|tsne|<model> [--json] [--components 2]
            [--bandwidth 0.5] [--prominence 0.12] [--noise 0.04] [--min-size N] [--load DIR]
            [UMAP/t-SNE/model flags]       fit the view and find its clusters in the density of
                                                its first two coordinates; prints each cluster's
                                                size, name (majority label and purity, or the column
                                                that sets it apart) and the rows in no cluster
                                                (--json: {"clusters":[{"id","size","label","purity"}],
                                                "noise", "purity"})`;

/** --bandwidth, --prominence, --noise, --min-size (each checked, one line when wrong). */
function paramsOf(values: Flags): ClusterParams {
  const share = (name: string) => {
    const v = numberOption(name, str(values, name), NaN, 0, false);
    if (v > 1) throw new LabFailure('bad-option', `--${name} is a share of the highest density: a number from 0 to 1 (got "${str(values, name)}").`);
    return Number.isNaN(v) ? undefined : v;
  };
  const bandwidth = str(values, 'bandwidth') === undefined ? undefined : numberOption('bandwidth', str(values, 'bandwidth'), 0.5, 0);
  if (bandwidth !== undefined && (bandwidth < 0.05 || bandwidth > 20)) {
    throw new LabFailure('bad-option', `--bandwidth multiplies the kernel width of Scott's rule: a number from 0.05 to 20 (got "${str(values, 'bandwidth')}").`);
  }
  const minSize = str(values, 'min-size') === undefined ? undefined : intOption('min-size', str(values, 'min-size'), 0, 1);
  const out: ClusterParams = {};
  if (bandwidth !== undefined) out.bandwidth = bandwidth;
  const prominence = share('prominence');
  if (prominence !== undefined) out.prominence = prominence;
  const noise = share('noise');
  if (noise !== undefined) out.noise = noise;
  if (minSize !== undefined) out.minSize = minSize;
  return out;
}

export async function clustersCommand(engine: CliEngine, values: Flags): Promise<CommandOutput> {
  const params = paramsOf(values);
  const ds = await openData(engine, values, 'clusters');
  const view = await fitView(engine, ds, values, true);
  const r = await engine.clusters({ embeddingId: view.id, ...params });
  const json = {
    dataset: ds.name,
    view: { title: view.title, method: view.method, dims: view.dims },
    rows: r.rows,
    clusters: r.clusters.map((c) => ({
      id: c.id,
      size: c.size,
      label: c.label,
      purity: c.majority ? c.majority.purity : null,
      ...(c.majority ? { majority: c.majority.name } : {}),
      columns: c.columns.map((col) => (col.kind === 'number' ? { name: col.name, smd: col.smd } : { name: col.name, value: col.value, share: col.inside })),
      representativeId: c.representativeId,
    })),
    noise: r.noise,
    purity: r.purity,
    params: r.params,
  };
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const text = [
    `${view.title} on ${ds.name}: ${r.clusters.length} cluster${r.clusters.length === 1 ? '' : 's'} in ${r.rows.toLocaleString('en-US')} test rows, ${r.noise.toLocaleString('en-US')} in none${r.purity === null ? '' : `; purity ${pct(r.purity)}`}`,
    ...r.clusters.map((c) => `  ${String(c.id).padStart(3)}  ${String(c.size).padStart(7)} rows  ${c.label}${c.columns.length ? `  (${c.columns.map((col) => (col.kind === 'number' ? `${col.name} ${col.smd > 0 ? '+' : ''}${col.smd.toFixed(1)} SD` : `${col.name} ${col.value} ${pct(col.inside)}`)).join(', ')})` : ''}`),
  ].join('\n');
  return { json, text };
}
