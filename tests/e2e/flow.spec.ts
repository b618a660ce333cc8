// The first-run user path in browser window mode: open data → train → compare → export.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, snap, test } from './fixtures';

const blobs = resolve('tests/fixtures/good/blobs.csv');

async function train(page: Page, settings: Record<string, string>): Promise<void> {
  await page.getByTestId('nav-train').click();
  if (settings.validationFraction !== undefined) await page.getByText('Schedule, clipping, warm-up, early stopping').click();
  for (const [key, value] of Object.entries(settings)) await page.getByTestId(`cfg-${key}`).fill(value);
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 170_000 });
}

async function exportTo(page: Page, which: 'vae' | 'pca', path: string): Promise<string[]> {
  await page.getByTestId('nav-export').click();
  await page.getByTestId(`export-${which}`).check();
  await page.getByTestId('export-path').fill(path);
  await page.getByTestId('save').click();
  await expect(page.getByTestId('export-result')).toContainText(path);
  return readFileSync(path, 'utf8').trimEnd().split('\n');
}

test('a small CSV: open with the file picker, pick the label, train, compare, export', async ({ lab: page, app }) => {
  await expect(page.getByTestId('mode')).toHaveText('Browser window mode');
  await page.getByTestId('file-input').setInputFiles(blobs);
  const summary = page.getByTestId('dataset-summary');
  await expect(summary).toBeVisible();
  await expect(page.getByTestId('shape')).toHaveText('240 × 4');
  await expect(page.getByTestId('role-group')).toHaveValue('label');
  await expect(page.getByTestId('role-id')).toHaveValue('ignore');
  await expect(page.getByTestId('label-counts')).toContainText('alpha');
  await expect(page.getByTestId('preview').locator('tbody tr')).toHaveCount(10);
  // no label, then the label again: the file is re-read with that choice
  await page.getByTestId('role-group').selectOption('ignore');
  await page.getByTestId('apply-options').click();
  await expect(page.getByTestId('label-counts')).toHaveCount(0);
  await expect(page.getByTestId('label-name')).toHaveText('none');
  await page.getByTestId('role-group').selectOption('label');
  await page.getByTestId('apply-options').click();
  await expect(page.getByTestId('label-counts')).toContainText('gamma');
  await snap(page, 'csv-data');

  await train(page, { epochs: '15', batchSize: '32', hidden: '32', validationFraction: '0' });
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-epochs', '15');
  await snap(page, 'csv-train');

  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('scatter-pca')).toHaveAttribute('data-points', '48');
  await expect(page.getByTestId('scatter-vae')).toHaveAttribute('data-points', '48');
  await expect(page.getByTestId('pca-variance')).toContainText('explained variance');
  await snap(page, 'csv-compare');

  const lines = await exportTo(page, 'vae', join(app.scratch, 'blobs-vae.csv'));
  expect(lines[0]).toBe('id,label,z1,z2');
  expect(lines).toHaveLength(49);
  expect(lines[1]).toMatch(/^\d+,(alpha|beta|gamma),-?[\d.e-]+,-?[\d.e-]+$/);
  await snap(page, 'csv-export');
});

test('MNIST limited to 2,000 rows: train, compare 10,000 test points, export PCA', async ({ lab: page, app }) => {
  await page.getByTestId('open-builtin-mnist').click();
  await expect(page.getByTestId('shape')).toHaveText('70,000 × 784');
  await train(page, { limit: '2000', epochs: '1' });
  await expect(page.getByTestId('resolved')).toContainText('convolutional');
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('scatter-pca')).toHaveAttribute('data-points', '10000', { timeout: 120_000 });
  await expect(page.getByTestId('scatter-vae')).toHaveAttribute('data-points', '10000');
  await snap(page, 'mnist-compare');

  // lasso in the PCA view highlights the same rows in the VAE view
  const canvas = page.getByTestId('scatter-pca').locator('canvas');
  const box = (await canvas.boundingBox())!;
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
  await page.mouse.down();
  for (const [fx, fy] of [[0.7, 0.3], [0.7, 0.7], [0.3, 0.7], [0.3, 0.31]]) {
    await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy, { steps: 4 });
  }
  await page.mouse.up();
  await page.keyboard.up('Shift');
  const selected = Number(await page.getByTestId('scatter-pca').getAttribute('data-selected'));
  expect(selected).toBeGreaterThan(100);
  await expect(page.getByTestId('scatter-vae')).toHaveAttribute('data-selected', String(selected));
  await expect(page.getByTestId('selection-info')).toContainText('rows selected');
  await snap(page, 'mnist-lasso');

  const lines = await exportTo(page, 'pca', join(app.scratch, 'mnist-pca.csv'));
  expect(lines[0]).toBe('id,label,z1,z2');
  expect(lines).toHaveLength(10001);
});

test('drag and drop a file onto the Data panel', async ({ lab: page }) => {
  const content = readFileSync(blobs, 'utf8');
  const drop = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'dropped-blobs.csv', { type: 'text/csv' }));
    return dt;
  }, content);
  await page.getByRole('region', { name: 'Open a file' }).dispatchEvent('drop', { dataTransfer: drop });
  await expect(page.getByTestId('dataset-summary')).toContainText('dropped-blobs.csv');
  await expect(page.getByTestId('shape')).toHaveText('240 × 4');
});

test('a bad path gives a clear message and the app stays usable', async ({ lab: page }) => {
  await page.getByTestId('path-input').fill('/no/such/folder/measurements.csv');
  await page.getByTestId('open-path').click();
  await expect(page.getByTestId('notice-error')).toContainText('measurements.csv: not found');
  await snap(page, 'bad-path');
  await page.getByTestId('file-input').setInputFiles(blobs);
  await expect(page.getByTestId('shape')).toHaveText('240 × 4');
});

test('Cancel stops training and keeps the model so far', async ({ lab: page }) => {
  await page.getByTestId('file-input').setInputFiles(blobs);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await page.getByTestId('nav-train').click();
  await page.getByTestId('cfg-epochs').fill('100000');
  await expect(page.getByTestId('config-error')).toHaveText('Epochs must be at most 10,000.');
  await expect(page.getByTestId('train')).toBeDisabled();
  await page.getByTestId('cfg-epochs').fill('5000');
  await page.getByTestId('cfg-batchSize').fill('8');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('speed')).toContainText('samples/s');
  await expect(page.getByTestId('loss-chart')).not.toHaveAttribute('data-epochs', '0');
  await page.getByTestId('cancel-train').click();
  await expect(page.getByTestId('run-result')).toContainText('(stopped)');
  await expect(page.getByTestId('notice-info').last()).toContainText('Cancelled during epoch');
});
