// Issue 6 in the UI: train a model, add PCA, UMAP and t-SNE views, lasso in one view and see the
// same rows lit in the others, inspect a row and its neighbours, reconstructions, scree plot, and
// the numbers table exported as CSV.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, snap, test } from './fixtures';
import { expectScatterDrawn } from './scatter-pixels';

const penguins = 'penguins';

async function lasso(page: Page, testid: string): Promise<void> {
  // the whole plot on screen: the drag starts and ends where a user can reach
  await page.getByTestId(testid).scrollIntoViewIfNeeded();
  const box = (await page.getByTestId(testid).locator('canvas').boundingBox())!;
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + box.width * 0.05, box.y + box.height * 0.05);
  await page.mouse.down();
  for (const [fx, fy] of [[0.55, 0.05], [0.55, 0.95], [0.05, 0.95], [0.05, 0.06]]) {
    await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy, { steps: 5 });
  }
  await page.mouse.up();
  await page.keyboard.up('Shift');
}

/** Moves the mouse over the plot until the inspector shows a row (a point is under the mouse). */
async function hoverAPoint(page: Page, testid: string): Promise<void> {
  // the plot may have scrolled out of view (a click further down the panel scrolls the page)
  await page.getByTestId(testid).scrollIntoViewIfNeeded();
  const box = (await page.getByTestId(testid).locator('canvas').boundingBox())!;
  for (let fy = 0.3; fy <= 0.7; fy += 0.04) {
    for (let fx = 0.2; fx <= 0.8; fx += 0.02) {
      await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
      if (await page.getByTestId('inspected-row').isVisible()) return;
    }
  }
  throw new Error(`no point found under the mouse in ${testid}`);
}

test('views side by side, linked lasso, neighbours, reconstructions and the numbers table', async ({ lab: page, app }) => {
  await page.getByTestId(`open-builtin-${penguins}`).click();
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await page.getByTestId('nav-train').click();
  await page.getByTestId('cfg-epochs').fill('20');
  await page.getByTestId('cfg-batchSize').fill('32');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible();

  await page.getByTestId('nav-compare').click();
  const testRows = await page.getByTestId('status-dataset').innerText();
  expect(testRows).toContain('Palmer penguins');
  await expect(page.getByTestId('scatter-pca')).toHaveAttribute('data-points', /^[1-9]\d*$/);
  await expect(page.getByTestId('scatter-vae')).toHaveAttribute('data-points', /^[1-9]\d*$/);
  const n = await page.getByTestId('scatter-pca').getAttribute('data-points');

  // UMAP and t-SNE views, each with its own parameters
  await page.getByTestId('add-umap').click();
  await page.getByTestId('umap-neighbors').fill('10');
  await page.getByTestId('run-umap').click();
  await expect(page.getByTestId('scatter-umap')).toHaveAttribute('data-points', n!, { timeout: 120_000 });
  await page.getByTestId('add-tsne').click();
  await page.getByTestId('tsne-perplexity').fill('15');
  await page.getByTestId('tsne-iterations').fill('300');
  await page.getByTestId('run-tsne').click();
  await expect(page.getByTestId('scatter-tsne')).toHaveAttribute('data-points', n!, { timeout: 120_000 });
  // a new view's points are drawn once: the effects that follow its first upload (size, opacity,
  // no selection, the first resize report) ask for no second full draw of the same picture
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(r)))));
  await expect(page.getByTestId('scatter-tsne')).toHaveAttribute('data-draws', '1');
  // every view really drew its points (pixels read back), in the three species' colours
  for (const v of ['scatter-pca', 'scatter-vae', 'scatter-umap', 'scatter-tsne']) await expectScatterDrawn(page, v, { classes: 3 });

  // lasso in the UMAP view: the same rows light up in every other view
  await lasso(page, 'scatter-umap');
  const selected = await page.getByTestId('scatter-umap').getAttribute('data-selected');
  expect(Number(selected)).toBeGreaterThan(0);
  for (const v of ['scatter-pca', 'scatter-vae', 'scatter-tsne']) await expect(page.getByTestId(v)).toHaveAttribute('data-selected', selected!);
  await expect(page.getByTestId('selection-info')).toContainText(`${selected} rows selected`);
  await snap(page, 'compare-lasso');

  // colour by a numeric column: a colour ramp replaces the label legend
  await page.getByTestId('color-by').selectOption('body_mass_g');
  await expect(page.getByTestId('color-ramp')).toBeVisible();
  await page.getByTestId('color-by').selectOption('label');

  // click a point: its row and its neighbours in the data and in each view
  await page.getByRole('button', { name: 'Clear' }).click();
  await expectScatterDrawn(page, 'scatter-pca', { classes: 3 }); // back in the label colours
  await hoverAPoint(page, 'scatter-pca');
  await page.mouse.down();
  await page.mouse.up();
  await expect(page.getByTestId('neighbours')).toBeVisible();
  await expect(page.getByTestId('kept')).toHaveCount(4);
  await expect(page.getByTestId('row-inspector')).toContainText('body_mass_g');

  // the scree plot picks k; reconstructions of tabular data are a per-column error table
  await page.getByTestId('pca-k-input').fill('3');
  await expect(page.getByTestId('pca-k')).toContainText('k = 3');
  await page.getByTestId('reconstruct').click();
  await expect(page.getByTestId('recon-table')).toContainText('PCA-3');

  // the numbers, one row per view, and the CSV export
  await page.getByTestId('compute-metrics').click();
  await expect(page.getByTestId('metrics-table').locator('tbody tr')).toHaveCount(4, { timeout: 120_000 });
  await expect(page.getByTestId('metrics-table')).toContainText('UMAP');
  const csv = join(app.scratch, 'comparison.csv');
  await page.getByTestId('metrics-path').fill(csv);
  await page.getByTestId('export-metrics').click();
  await expect(page.getByTestId('notice-info').last()).toContainText('Saved the comparison table');
  const lines = readFileSync(csv, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(5);
  expect(lines[0]).toMatch(/knn/i);
  await snap(page, 'compare-numbers');
});

test('image data: reconstruction grid of originals, PCA-k and the model; thumbnails in the inspector', async ({ lab: page }) => {
  await page.getByTestId('open-builtin-mnist').click();
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await page.getByTestId('nav-train').click();
  await page.getByTestId('cfg-architecture').selectOption('mlp');
  await page.getByTestId('cfg-limit').fill('2000');
  await page.getByTestId('cfg-epochs').fill('2');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('scatter-vae')).toHaveAttribute('data-points', '10000', { timeout: 120_000 });
  await expectScatterDrawn(page, 'scatter-vae', { classes: 10 });
  await page.getByTestId('reconstruct').click();
  // one image row for the originals, one for PCA-k, one for the model; ten test rows each
  await expect(page.getByTestId('recon-grid')).toHaveAttribute('data-images', '30', { timeout: 120_000 });
  await hoverAPoint(page, 'scatter-vae');
  await expect(page.getByTestId('row-thumb').first()).toBeVisible();
  await snap(page, 'compare-mnist');
});
