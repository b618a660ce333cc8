// The first-run user path in browser window mode: open data → train → compare → export. The CSV
// path is shared with the Electron spec (csv-flow.ts); this file says how the browser window opens
// a file (the file input) and saves an export (a typed path).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { BLOBS_CSV as blobs, csvFlow, train } from './csv-flow';
import { expect, snap, test } from './fixtures';
import { expectScatterDrawn } from './scatter-pixels';

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
  await csvFlow(page, {
    open: () => page.getByTestId('file-input').setInputFiles(blobs),
    save: async (path) => {
      await page.getByTestId('export-path').fill(path);
      await page.getByTestId('save').click();
    },
    snap: (name) => snap(page, name),
  }, app.scratch);
});

test('MNIST limited to 2,000 rows: train, compare 10,000 test points, export PCA', async ({ lab: page, app }) => {
  await page.getByTestId('open-builtin-mnist').click();
  await expect(page.getByTestId('shape')).toHaveText('70,000 × 784');
  await train(page, { limit: '2000', epochs: '1' });
  await expect(page.getByTestId('resolved')).toContainText('convolutional');
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('scatter-pca')).toHaveAttribute('data-points', '10000', { timeout: 120_000 });
  await expect(page.getByTestId('scatter-vae')).toHaveAttribute('data-points', '10000');
  await expectScatterDrawn(page, 'scatter-pca', { classes: 10 });
  await expectScatterDrawn(page, 'scatter-vae', { classes: 10 });
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
