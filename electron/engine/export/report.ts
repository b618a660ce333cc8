// The run report: one self-contained HTML file a colleague can open offline — the data and the
// decisions made while reading it, the run's config and loss curves, every view as a scatter image,
// the comparison table, reconstructions and the anomaly ROC curves. Inline CSS, images as data: URIs,
// charts as inline SVG, and a Content-Security-Policy that forbids any request.
import { LabFailure } from '../../../shared/api';
import type { AnomalyResult } from '../../../shared/anomalies';
import { MODEL_INFO } from '../../../shared/models';
import { colorFor, METHOD_COLORS } from '../../../shared/palette';
import type { DatasetSummary, EmbeddingData, MetricsRow, RunSummary } from '../../../shared/types';
import type { Dataset } from '../data/dataset';
import { gatherRows } from '../data/dataset';
import { thumbnails } from '../data/rows';
import type { Reconstructor } from '../compare/reconstruct';
import { reconstructRows } from '../compare/reconstruct';
import type { ReconstructionErrors } from '../compare/metrics';
import type { ReconMethod } from '../../../shared/types';
import { escapeXml as esc, imageGridPng, lineChartSvg, scatterPng, type LineSeries } from './draw';

/** What the report is made of, gathered by the export service. */
export interface ReportInput {
  ds: Dataset;
  run: RunSummary | null;
  /** Runs on this dataset besides `run`, for the run list. */
  otherRuns: RunSummary[];
  views: EmbeddingData[];
  /** Comparison rows already computed for these views (the table is left out when none are). */
  scores: MetricsRow[];
  anomaly: AnomalyResult | null;
  /** Rebuilds rows (PCA-k, the run's model) and gives whole-test-split errors. */
  source: Reconstructor;
  testErrors: (m: ReconMethod) => Promise<ReconstructionErrors>;
  /** The run's model can rebuild this dataset's rows. */
  runReconstructs: boolean;
  version: string;
  backend: string | null;
  step?: (fraction: number, message: string) => void;
}

export interface Report {
  html: string;
  sections: string[];
}

const fmtInt = (n: number) => n.toLocaleString('en-US');
const num = (v: number | null | undefined, digits = 4) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : Number(v.toPrecision(digits)).toString());
const dataUri = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;

function table(head: string[], rows: (string | number)[][], cls = ''): string {
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th>${esc(String(c))}</th>` : `<td>${esc(String(c))}</td>`)).join('')}</tr>`).join('')}</tbody></table>`;
}

function dataSection(s: DatasetSummary): string {
  const facts: [string, string][] = [
    ['Source', s.source],
    ['Format', s.format],
    ['Rows', `${fmtInt(s.rows)} (${fmtInt(s.trainRows)} training, ${fmtInt(s.testRows)} test${s.droppedRows ? `; ${fmtInt(s.droppedRows)} dropped` : ''})`],
    ['Features', `${fmtInt(s.features)}${s.imageShape ? ` (images ${s.imageShape[1]}×${s.imageShape[0]}, ${s.imageShape[2]} channel${s.imageShape[2] === 1 ? '' : 's'})` : ''}`],
    ['Label', s.labelColumn ? `${s.labelColumn}: ${(s.labelNames ?? []).map((n, i) => `${n} (${fmtInt(s.labelCounts?.[i] ?? 0)})`).join(', ')}` : 'none'],
    ['Split', s.split.kind === 'file' ? 'the file’s own' : `random, ${Math.round(s.split.testFraction * 100)}% test, seed ${s.split.seed}`],
    ['Scaling', s.scaling],
    ['Missing values', s.missing],
    ['Likelihood proposed', s.likelihood],
  ];
  const cols = s.columns.slice(0, 60).map((c) => [c.name, c.type, c.role, fmtInt(c.missing), num(c.stats.min), num(c.stats.mean), num(c.stats.max)]);
  return `<section id="data"><h2>Data: ${esc(s.name)}</h2>
<dl>${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>
<h3>Decisions</h3>
${s.notes.length ? `<ul class="notes">${s.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '<p class="muted">Nothing was decided on the user’s behalf.</p>'}
<h3>Columns</h3>
${table(['Column', 'Type', 'Role', 'Missing', 'Min', 'Mean', 'Max'], cols, 'numbers')}
${s.columns.length > 60 ? `<p class="muted">The first 60 of ${fmtInt(s.columns.length)} columns.</p>` : ''}
</section>`;
}

function lossSeries(run: RunSummary): LineSeries[] {
  const terms = ['loss', ...MODEL_INFO[run.config.model].terms] as const;
  const colors: Record<string, string> = { loss: '#4269d0', recon: '#3ca951', kl: '#ff725c', mmd: '#a463f2' };
  const names: Record<string, string> = { loss: 'loss', recon: 'reconstruction', kl: 'KL', mmd: 'MMD' };
  const out: LineSeries[] = terms.map((t) => ({
    label: names[t],
    color: colors[t],
    points: run.epochs.flatMap((e) => (e[t] === null ? [] : [{ x: e.epoch, y: e[t] as number }])),
  })).filter((s) => s.points.length);
  if (run.epochs.some((e) => e.val)) {
    out.push({ label: 'validation loss', color: colors.loss, dashed: true, points: run.epochs.flatMap((e) => (e.val ? [{ x: e.epoch, y: e.val.loss }] : [])) });
  }
  return out;
}

function runSection(run: RunSummary, others: RunSummary[], backend: string | null): string {
  const c = run.config;
  const config: [string, string][] = [
    ['Model', `${MODEL_INFO[c.model].title} (${c.model})`],
    ['Latent size', String(c.latent)],
    ['Hidden layers', c.hidden.length ? c.hidden.join(', ') : 'none'],
    ['Architecture', run.architecture],
    ['Likelihood', run.likelihood],
    ...(c.model === 'beta-vae' ? [['β', String(c.beta)] as [string, string]] : []),
    ...(c.model === 'info-vae' ? [['α, λ', `${c.alpha}, ${c.lambda}`] as [string, string]] : []),
    ...(c.model === 'wae-mmd' ? [['λ', String(c.lambda)] as [string, string]] : []),
    ...(c.model === 'iwae' ? [['K', String(c.iwaeK)] as [string, string]] : []),
    ['Epochs', `${run.epochs.length} of ${c.epochs}${run.bestEpoch ? ` (weights of epoch ${run.bestEpoch})` : ''}`],
    ['Batch size', String(c.batchSize)],
    ['Learning rate', `${c.learningRate} (${c.schedule}${c.schedule === 'step' ? `, ×${c.stepFactor} every ${c.stepEpochs}` : ''})`],
    ['Gradient clipping', c.clipNorm ? String(c.clipNorm) : 'off'],
    ['KL warm-up', c.klWarmupEpochs ? `${c.klWarmupEpochs} epochs` : 'off'],
    ['Validation', c.validationFraction ? `${Math.round(c.validationFraction * 100)}%${c.patience ? `, early stopping after ${c.patience}` : ''}` : 'none'],
    ['Seed', String(c.seed)],
    ['Rows', `${fmtInt(run.trainRows)} training${run.validationRows ? `, ${fmtInt(run.validationRows)} validation` : ''}${c.limit ? ` (limited to ${fmtInt(c.limit)})` : ''}`],
    ['Backend', run.backend ?? backend ?? '—'],
    ['Speed', run.samplesPerSec ? `${fmtInt(Math.round(run.samplesPerSec))} samples/s` : '—'],
  ];
  const t = run.test;
  const test = t ? [['loss (its objective)', num(t.loss)], ['reconstruction', num(t.recon)], ...(t.kl !== null ? [['KL', num(t.kl)]] : []), ...(t.mmd !== null ? [['MMD', num(t.mmd)]] : []), ...(t.negElbo !== null ? [['−ELBO', num(t.negElbo)]] : [])] : [];
  const series = lossSeries(run);
  return `<section id="run"><h2>Run: ${esc(run.title)}</h2>
<p class="status">Status: <strong>${esc(run.status)}</strong>${run.message ? ` — ${esc(run.message)}` : ''}</p>
<div class="two"><div><h3>Config</h3><dl>${config.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl></div>
<div><h3>Test split</h3>${test.length ? `<dl>${test.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>` : '<p class="muted">Not scored.</p>'}</div></div>
<h3>Loss curves</h3>
${series.length ? `<figure class="chart" data-chart="loss">${lineChartSvg(series, { xLabel: 'epoch', yLabel: 'nats per sample', xWhole: true })}</figure>` : '<p class="muted">No epoch finished.</p>'}
${others.length ? `<h3>Other runs on this dataset</h3>${table(['Run', 'Status', 'Epochs', 'Test loss'], others.map((r) => [r.title, r.status, r.epochs.length, num(r.test?.loss)]))}` : ''}
</section>`;
}

async function viewsSection(views: EmbeddingData[], labelNames: string[] | null): Promise<string> {
  const figures: string[] = [];
  for (const v of views) {
    const png = await scatterPng(v.coords, v.dims, v.labels);
    const what = v.dims > 2 ? `first 2 of ${v.dims} coordinates` : v.dims === 1 ? '1 coordinate' : '2 coordinates';
    figures.push(`<figure class="scatter"><img src="${dataUri(png)}" width="480" height="480" alt="${esc(`Scatter of ${v.title}`)}"><figcaption><strong>${esc(v.title)}</strong><br>${fmtInt(v.rows)} test rows · ${what} · fit ${v.seconds.toFixed(1)} s</figcaption></figure>`);
  }
  const legend = labelNames ? `<p class="legend">${labelNames.slice(0, 40).map((n, i) => `<span><i style="background:${colorFor(i)}"></i>${esc(n)}</span>`).join('')}</p>` : '';
  return `<section id="views"><h2>Views</h2>${legend}<div class="grid">${figures.join('')}</div></section>`;
}

function compareSection(rows: MetricsRow[]): string {
  const body = rows.map((r) => [r.name, r.dims, num(r.mse), num(r.knnAccuracy, 3), num(r.trustworthiness, 3), num(r.continuity, 3), num(r.silhouette, 3),
    r.explainedVariance === null ? '—' : `${(r.explainedVariance * 100).toFixed(1)}%`, num(r.negElbo), r.seconds.toFixed(1)]);
  return `<section id="comparison"><h2>Comparison</h2>
<p class="muted">Every view scored on the same test rows: reconstruction MSE per feature, a 5-nearest-neighbour classifier fitted on the training rows’ coordinates, trustworthiness and continuity of 10-neighbourhoods, silhouette by label.</p>
${table(['View', 'Dims', 'MSE', '5-NN accuracy', 'Trustworthiness', 'Continuity', 'Silhouette', 'Explained var.', '−ELBO', 'Fit s'], body, 'numbers')}</section>`;
}

async function reconstructionSection(input: ReportInput, methods: { method: ReconMethod; title: string }[]): Promise<string> {
  const { ds } = input;
  const d = ds.summary.features;
  const px = ds.featureMap.pixels;
  if (px?.isImage) {
    const n = Math.min(12, ds.test.n);
    const rows = Array.from({ length: n }, (_, i) => i);
    const original = gatherRows(ds.test, d, rows);
    const labels = ds.test.labels ? ds.test.labels.subarray(0, n) : null;
    const grids = [thumbnails(ds, original, n, 64)!];
    for (const m of methods) grids.push(thumbnails(ds, await reconstructRows(m.method, original, n, input.source, labels), n, 64)!);
    const { width, height, channels } = grids[0];
    const png = await imageGridPng(grids.map((g) => g.data), n, height, width, channels);
    const scale = Math.max(2, Math.floor(64 / Math.max(width, height)));
    return `<section id="reconstructions"><h2>Reconstructions</h2>
<p class="muted">The first ${n} test rows (top) rebuilt by ${methods.map((m) => esc(m.title)).join(' and ')} (one row each, in that order).</p>
<figure><img class="pixels" src="${dataUri(png)}" width="${(n * (width + 2) - 2) * scale}" alt="Original test rows and their reconstructions"></figure></section>`;
  }
  const errors = await Promise.all(methods.map((m) => input.testErrors(m.method)));
  const names = ds.summary.featureNames.slice(0, 100);
  const rows = names.map((f, j) => [f, ...errors.map((e) => num(e.columnMse[j]))]);
  rows.unshift(['all features', ...errors.map((e) => num(e.mse))]);
  return `<section id="reconstructions"><h2>Reconstructions</h2>
<p class="muted">Mean squared error per feature over the ${fmtInt(ds.test.n)} test rows (scaled units).</p>
${table(['Feature', ...methods.map((m) => m.title)], rows, 'numbers')}</section>`;
}

function anomalySection(r: AnomalyResult): string {
  const curves: LineSeries[] = r.methods.filter((m) => m.roc).map((m) => ({
    label: `${m.title} — AUC ${m.auc!.toFixed(3)}`,
    color: METHOD_COLORS[m.method],
    points: Array.from(m.roc!.fpr, (x, i) => ({ x, y: m.roc!.tpr[i] })),
  }));
  const aucs = table(['Score', 'Key', 'AUC'], r.methods.map((m) => [m.title, m.key, m.auc === null ? '—' : m.auc.toFixed(4)]), 'numbers');
  return `<section id="anomalies"><h2>Anomalies</h2>
<p>${r.normalNames ? `Normal: ${esc(r.normalNames.join(', '))}; fitted on ${fmtInt(r.fitRows)} training rows; ${fmtInt(r.rows)} test rows scored, ${fmtInt(r.anomalies)} anomalous.` : `Every row taken as normal; ${fmtInt(r.rows)} test rows scored.`}</p>
${aucs}
${curves.length ? `<figure class="chart" data-chart="roc">${lineChartSvg(curves, { xLabel: 'false positive rate (normal rows flagged)', yLabel: 'true positive rate (anomalies found)', x: [0, 1], y: [0, 1], diagonal: true, height: 320, width: 560 })}</figure>` : ''}
${r.notes.length ? `<ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}</section>`;
}

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f29; background: #f4f5f8; margin: 0; }
main { max-width: 1080px; margin: 0 auto; padding: 24px; }
header { margin-bottom: 8px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 12px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
section { background: #fff; border: 1px solid #e4e7ec; border-radius: 8px; padding: 18px 20px; margin: 16px 0; }
.muted { color: #667085; }
nav a { margin-right: 12px; color: #4269d0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dt { color: #667085; } dd { margin: 0; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th, td { border-bottom: 1px solid #e4e7ec; padding: 4px 10px; text-align: left; }
thead th { color: #667085; font-weight: 600; }
table.numbers td { text-align: right; font-variant-numeric: tabular-nums; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 16px; }
figure { margin: 0; }
.scatter img { width: 100%; height: auto; border: 1px solid #e4e7ec; border-radius: 6px; }
figcaption { font-size: 12px; color: #667085; margin-top: 4px; }
.chart svg { max-width: 100%; height: auto; }
img.pixels { image-rendering: pixelated; height: auto; max-width: 100%; }
.legend span { display: inline-flex; align-items: center; gap: 4px; margin-right: 12px; font-size: 12px; }
.legend i { width: 10px; height: 10px; border-radius: 50%; display: inline-block; }
.notes li { margin: 2px 0; }
footer { color: #667085; font-size: 12px; margin: 24px 0; }
`;

/** Builds the report. Sections without material (no run, no table, no anomaly result) are left out. */
export async function buildReport(input: ReportInput): Promise<Report> {
  const { ds, run } = input;
  const s = ds.summary;
  const step = input.step ?? (() => {});
  const sections: { id: string; title: string; html: string }[] = [];
  sections.push({ id: 'data', title: 'Data', html: dataSection(s) });
  if (run) sections.push({ id: 'run', title: 'Run', html: runSection(run, input.otherRuns, input.backend) });
  if (input.views.length) {
    step(0.2, 'Drawing the views');
    sections.push({ id: 'views', title: 'Views', html: await viewsSection(input.views, s.labelNames) });
  }
  if (input.scores.length) sections.push({ id: 'comparison', title: 'Comparison', html: compareSection(input.scores) });
  const k = Math.max(1, Math.min(run?.config.latent ?? 10, (await input.source.pca()).model.variances.length));
  const methods: { method: ReconMethod; title: string }[] = [{ method: { kind: 'pca', components: k }, title: `PCA-${k}` }];
  if (run && input.runReconstructs) methods.push({ method: { kind: 'model', runId: run.id }, title: `${MODEL_INFO[run.config.model].short}-${run.config.latent}` });
  step(0.6, 'Reconstructions');
  try {
    sections.push({ id: 'reconstructions', title: 'Reconstructions', html: await reconstructionSection(input, methods) });
  } catch (err) {
    if (!(err instanceof LabFailure)) throw err;
    sections.push({ id: 'reconstructions', title: 'Reconstructions', html: `<section id="reconstructions"><h2>Reconstructions</h2><p class="muted">${esc(err.message)}</p></section>` });
  }
  if (input.anomaly) sections.push({ id: 'anomalies', title: 'Anomalies', html: anomalySection(input.anomaly) });
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Latent Lab ${esc(input.version)}">
<title>${esc(`${s.name} — Latent Lab report`)}</title>
<style>${STYLE}</style>
</head>
<body><main>
<header><h1>${esc(s.name)}${run ? ` · ${esc(run.title)}` : ''}</h1><p class="muted">Latent Lab report, ${date} UTC</p>
<nav>${sections.map((x) => `<a href="#${x.id}">${x.title}</a>`).join('')}</nav></header>
${sections.map((x) => x.html).join('\n')}
<footer>Made by Latent Lab ${esc(input.version)}${input.backend ? ` (${esc(input.backend)})` : ''}. This file needs nothing else: its styles, charts and images are inside it.</footer>
</main></body></html>
`;
  return { html, sections: sections.map((x) => x.id) };
}
