// The Export panel as a user meets it (browser window mode): the file name follows the chosen view
// and format (a name typed for one view never carries over to another), saving over an existing
// file asks first (Cancel keeps it, Replace replaces it), every split, the lasso selection and
// Parquet land on disk with the right rows, and the run report opens in Chromium with no request
// but the file itself.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Page } from '@playwright/test';
import { expect, snap, test } from './fixtures';

const blobs = resolve('tests/fixtures/good/blobs.csv');
const lines = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n');

async function openAndTrain(page: Page): Promise<void> {
  await page.getByTestId('file-input').setInputFiles(blobs);
  await expect(page.getByTestId('shape')).toHaveText('240 × 4');
  await page.getByTestId('nav-train').click();
  for (const [key, value] of Object.entries({ epochs: '10', batchSize: '32', hidden: '32' })) await page.getByTestId(`cfg-${key}`).fill(value);
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 170_000 });
  // the Compare panel adds PCA beside the model
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('scatter-pca')).toHaveAttribute('data-points', '48');
  await expect(page.getByTestId('scatter-vae')).toHaveAttribute('data-points', '48');
  await page.getByTestId('compute-metrics').click();
  await expect(page.getByTestId('metrics-table')).toBeVisible();
}

async function saveExpectingConfirm(page: Page, answer: 'cancel' | 'replace', name: string): Promise<void> {
  await page.getByTestId('save').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading')).toHaveText(`${name} exists. Replace it?`);
  await page.getByTestId(`confirm-${answer}`).click();
  await expect(dialog).toBeHidden();
}

test('Export panel: names follow the view, overwrite asks, splits, selection, Parquet and the report', async ({ lab: page, app }) => {
  await openAndTrain(page);
  await page.getByTestId('nav-export').click();
  const path = page.getByTestId('export-path');

  // the suggestion follows the view and the format; a typed path stays with its view
  await expect(page.getByTestId('export-vae')).toBeChecked();
  await expect(path).toHaveValue(/\/blobs-vae2\.csv$/);
  const mine = join(app.scratch, 'mine.csv');
  await path.fill(mine);
  await page.getByTestId('export-pca').check();
  await expect(path).toHaveValue(/\/blobs-pca2\.csv$/);
  await page.getByTestId('export-format').selectOption('parquet');
  await expect(path).toHaveValue(/\/blobs-pca2\.parquet$/);
  await page.getByTestId('export-format').selectOption('csv');
  await page.getByTestId('export-vae').check();
  await expect(path).toHaveValue(mine);

  // test rows as CSV
  await page.getByTestId('save').click();
  await expect(page.getByTestId('export-result')).toContainText(`Saved 48 rows to ${mine}`);
  expect(lines(mine)[0]).toBe('id,label,z1,z2');
  expect(lines(mine)).toHaveLength(49);
  await snap(page, 'export-panel');

  // every row, into the same file: asks first; Cancel keeps the file as it was
  await page.getByTestId('export-rows-all').check();
  await expect(page.getByTestId('export-columns')).toContainText('id, split, label, z1 … z2');
  const before = statSync(mine).mtimeMs;
  await page.getByTestId('save').click();
  await expect(page.getByTestId('confirm-dialog')).toBeVisible();
  await snap(page, 'export-confirm');
  await page.getByTestId('confirm-cancel').click();
  await expect(page.getByTestId('confirm-dialog')).toBeHidden();
  expect(lines(mine)).toHaveLength(49);
  expect(statSync(mine).mtimeMs).toBe(before);
  // … and Replace replaces it (the model encodes its training rows on the way)
  await saveExpectingConfirm(page, 'replace', 'mine.csv');
  await expect(page.getByTestId('export-result')).toContainText(`Saved 240 rows to ${mine}`);
  const all = lines(mine);
  expect(all[0]).toBe('id,split,label,z1,z2');
  expect(all).toHaveLength(241);
  expect(all.slice(1).filter((l) => l.split(',')[1] === 'train')).toHaveLength(192);

  // Parquet with the original columns, read back with DuckDB
  await page.getByTestId('export-pca').check();
  await page.getByTestId('export-rows-train').check();
  await page.getByTestId('export-format').selectOption('parquet');
  await page.getByTestId('export-col-original').check();
  const parquet = join(app.scratch, 'pca-train.parquet');
  await path.fill(parquet);
  await page.getByTestId('save').click();
  await expect(page.getByTestId('export-result')).toContainText(`Saved 192 rows to ${parquet}`);
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const rows = (await duck.runAndReadAll(`SELECT * FROM read_parquet('${parquet}')`)).getRowObjectsJS();
  expect(rows).toHaveLength(192);
  expect(Object.keys(rows[0])).toEqual(['id', 'label', 'z1', 'z2', 'id_2', 'f1', 'f2', 'f3', 'f4', 'group']);
  expect(rows.every((r) => r.label === r.group)).toBe(true);
  duck.closeSync();

  // the lasso selection in a view
  await page.getByTestId('nav-compare').click();
  const canvas = page.getByTestId('scatter-pca').locator('canvas');
  const box = (await canvas.boundingBox())!;
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + box.width * 0.05, box.y + box.height * 0.05);
  await page.mouse.down();
  for (const [fx, fy] of [[0.55, 0.05], [0.55, 0.95], [0.05, 0.95], [0.05, 0.06]]) await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy, { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  const selected = Number(await page.getByTestId('scatter-pca').getAttribute('data-selected'));
  expect(selected).toBeGreaterThan(0);
  expect(selected).toBeLessThan(48);
  await page.getByTestId('nav-export').click();
  await page.getByTestId('export-rows-selection').check();
  await page.getByTestId('export-format').selectOption('json');
  const json = join(app.scratch, 'selection.json');
  await path.fill(json);
  await page.getByTestId('save').click();
  await expect(page.getByTestId('export-result')).toContainText(`Saved ${selected} rows to ${json}`);
  const records = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>[];
  expect(records).toHaveLength(selected);
  expect(Object.keys(records[0]).slice(0, 4)).toEqual(['id', 'label', 'z1', 'z2']);

  // the run report: saved, then opened in Chromium with no request but the file itself
  const report = join(app.scratch, 'report.html');
  await page.getByTestId('report-path').fill(report);
  await page.getByTestId('save-report').click();
  await expect(page.getByTestId('report-result')).toContainText(report);
  await snap(page, 'export-report-saved');
  const viewer = await page.context().newPage();
  const requests: string[] = [];
  viewer.on('request', (r) => requests.push(r.url()));
  await viewer.goto(pathToFileURL(report).href);
  await expect(viewer.locator('h2')).toHaveText([/^Data: blobs\.csv$/, /^Run: /, 'Views', 'Comparison', 'Reconstructions']);
  await expect(viewer.locator('figure.scatter img')).toHaveCount(2);
  expect(await viewer.locator('figure.scatter img').first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(480);
  expect(await viewer.locator('[data-chart="loss"] polyline').count()).toBeGreaterThanOrEqual(3);
  await viewer.screenshot({ path: 'test-results/screens/report.png', fullPage: true });
  expect(requests).toEqual([pathToFileURL(report).href]);
  await viewer.close();
});

/** Clicks a save menu item and returns the downloaded file's name and bytes. */
async function downloadOf(page: Page, trigger: string, item: string): Promise<{ name: string; bytes: Buffer }> {
  await page.getByTestId(trigger).click();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(item).click()]);
  const bytes = readFileSync((await dl.path())!);
  // kept beside the screenshots, to look at
  writeFileSync(`test-results/screens/saved-${item}.${item.endsWith('png') ? 'png' : 'svg'}`, bytes);
  return { name: dl.suggestedFilename(), bytes };
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): [number, number] {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

/** Parses an SVG in the page and counts elements by selector (throws on a parse error). */
async function svgCount(page: Page, svg: string, selectors: string[]): Promise<number[]> {
  return page.evaluate(([text, sels]) => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    if (doc.querySelector('parsererror') || doc.documentElement.nodeName !== 'svg') throw new Error('not a valid SVG document');
    return sels.map((s) => doc.querySelectorAll(s).length);
  }, [svg, selectors] as const);
}

test('charts and scatters save as PNG at 2× and as SVG, tables as CSV', async ({ lab: page }) => {
  await openAndTrain(page);

  // a scatter: PNG twice the on-screen size, SVG with one circle per point
  const scatter = page.getByTestId('scatter-pca');
  await page.getByTestId('scatter-pca-save').click();
  await expect(page.getByTestId('scatter-pca-save-svg')).toBeVisible();
  await snap(page, 'save-image-menu');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('scatter-pca-save-svg')).toBeHidden();
  const box = (await scatter.locator('canvas').boundingBox())!;
  const png = await downloadOf(page, 'scatter-pca-save', 'scatter-pca-save-png');
  expect(png.name).toMatch(/^blobs-csv-pca-2-components\.png$/);
  expect(pngSize(png.bytes)).toEqual([Math.round(box.width * 2), Math.round(box.height * 2)]);
  const svg = await downloadOf(page, 'scatter-pca-save', 'scatter-pca-save-svg');
  expect(svg.name).toMatch(/\.svg$/);
  expect(await svgCount(page, svg.bytes.toString('utf8'), ['g.points circle'])).toEqual([48]);

  // the scree plot: one bar per component and the cumulative line
  const screeSvg = await downloadOf(page, 'scree-save', 'scree-save-svg');
  expect(await svgCount(page, screeSvg.bytes.toString('utf8'), ['g.bars rect', 'g.data polyline'])).toEqual([4, 1]);
  const screeCanvas = (await page.getByTestId('scree').locator('canvas').boundingBox())!;
  expect(pngSize((await downloadOf(page, 'scree-save', 'scree-save-png')).bytes)).toEqual([Math.round(screeCanvas.width * 2), Math.round(screeCanvas.height * 2)]);

  // the loss chart: one polyline per series on screen
  await page.getByTestId('nav-train').click();
  const chart = page.getByTestId('loss-chart');
  const series = Number(await chart.getAttribute('data-series'));
  expect(series).toBeGreaterThanOrEqual(3);
  const chartBox = (await chart.locator('canvas').boundingBox())!;
  const lossPng = await downloadOf(page, 'loss-chart-save', 'loss-chart-save-png');
  expect(pngSize(lossPng.bytes)).toEqual([Math.round(chartBox.width * 2), Math.round(chartBox.height * 2)]);
  const lossSvg = await downloadOf(page, 'loss-chart-save', 'loss-chart-save-svg');
  expect(await svgCount(page, lossSvg.bytes.toString('utf8'), ['g.data polyline', 'g.legend text'])).toEqual([series, series]);
  // the chart on screen is back at its own resolution
  expect(await chart.locator('canvas').evaluate((c: HTMLCanvasElement) => c.width)).toBe(Math.round(chartBox.width * (await page.evaluate(() => devicePixelRatio))));

  // a table: the Data panel's column table as shown, the chosen role included
  await page.getByTestId('nav-data').click();
  await snap(page, 'save-table-csv');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('columns-csv').click()]);
  const csv = readFileSync((await dl.path())!, 'utf8').trimEnd().split('\n');
  expect(dl.suggestedFilename()).toBe('blobs.csv-columns.csv');
  expect(csv[0]).toBe('Column,Type,Role,Missing,Min,Mean,Max,Distribution');
  expect(csv).toHaveLength(7);
  expect(csv.find((l) => l.startsWith('id,'))).toMatch(/^id,[^,]+,ignore,0,/);
  expect(csv.find((l) => l.startsWith('group,'))).toMatch(/^group,[^,]+,label,0,/);
});
