// The Export panel as a user meets it (browser window mode): the file name follows the chosen view
// and format (a name typed for one view never carries over to another), saving over an existing
// file asks first (Cancel keeps it, Replace replaces it), every split, the lasso selection and
// Parquet land on disk with the right rows, and the run report opens in Chromium with no request
// but the file itself.
import { readFileSync, statSync } from 'node:fs';
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
