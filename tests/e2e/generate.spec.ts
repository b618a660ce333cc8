// Issue 7, the Generate panel: samples from the prior (image grid, CSV), latent traversal, the
// decoded latent plane linked to the scatter, interpolation between two rows picked in the scatter
// (latent vs pixel vs PCA), and a conditional VAE generating the class asked for (tabular data).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, snap, test } from './fixtures';
import { expectScatterDrawn } from './scatter-pixels';

const blobs = resolve('tests/fixtures/good/blobs.csv');

async function train(page: Page, settings: Record<string, string>): Promise<void> {
  await page.getByTestId('nav-train').click();
  for (const [key, value] of Object.entries(settings)) {
    const field = page.getByTestId(`cfg-${key}`);
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 170_000 });
}

/** Moves over a scatter until `probe` reports a point under the mouse; returns where. */
async function findPoint(page: Page, testid: string, probe: () => Promise<boolean>, from = 0.3): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId(testid).locator('canvas').boundingBox())!;
  for (let fy = from; fy <= 0.8; fy += 0.03) {
    for (let fx = 0.2; fx <= 0.8; fx += 0.02) {
      const at = { x: box.x + box.width * fx, y: box.y + box.height * fy };
      await page.mouse.move(at.x, at.y);
      if (await probe()) return at;
    }
  }
  throw new Error(`no point under the mouse in ${testid}`);
}

test('MNIST, a 2-D VAE: samples, traversal, the latent plane beside the scatter, interpolation', async ({ lab: page, app }) => {
  await page.getByTestId('open-builtin-mnist').click();
  await expect(page.getByTestId('shape')).toHaveText('70,000 × 784');
  await page.getByTestId('nav-generate').click();
  await expect(page.getByTestId('generate-empty')).toContainText('No trained model');
  await train(page, { model: 'vae', architecture: 'mlp', latent: '2', hidden: '256', epochs: '6', limit: '6000' });

  // samples from the prior
  await page.getByTestId('nav-generate').click();
  await expect(page.getByTestId('samples-grid')).toHaveAttribute('data-images', '64');
  await expect(page.getByTestId('samples-note')).toContainText('prior N(0, I)');
  await snap(page, 'generate-samples');
  await page.getByTestId('sample-count').fill('12');
  await page.getByTestId('sample').click();
  await expect(page.getByTestId('samples-grid')).toHaveAttribute('data-images', '12');
  await expect(page.getByTestId('samples-note')).toContainText('seed 1');
  await page.getByTestId('sample-again').click();
  await expect(page.getByTestId('samples-note')).toContainText('seed 2');
  const csv = join(app.scratch, 'mnist-samples.csv');
  await page.getByTestId('save-samples-path').fill(csv);
  await page.getByTestId('save-samples').click();
  await expect(page.getByTestId('notice-info').last()).toContainText('Saved 12 samples');
  const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
  expect(lines).toHaveLength(13);
  expect(lines[0].split(',').slice(0, 3)).toEqual(['z1', 'z2', 'px0']);
  expect(lines[0].split(',')).toHaveLength(2 + 784);

  // one latent axis at a time
  await page.getByTestId('mode-traversal').click();
  await expect(page.getByTestId('traversal-grid-images')).toHaveAttribute('data-images', '18');
  await page.getByTestId('traversal-steps').fill('7');
  await page.getByTestId('traversal-base').selectOption('row');
  await page.getByTestId('traversal-row').fill('3');
  await page.getByTestId('traverse').click();
  await expect(page.getByTestId('traversal-grid-images')).toHaveAttribute('data-images', '14');
  await snap(page, 'generate-traversal');

  // the latent plane and the scatter, linked both ways
  await page.getByTestId('mode-manifold').click();
  await expect(page.getByTestId('manifold-grid-images')).toHaveAttribute('data-images', '225');
  await expect(page.getByTestId('manifold-scatter')).toHaveAttribute('data-points', '10000');
  await expectScatterDrawn(page, 'manifold-scatter', { classes: 10 });
  const grid = (await page.getByTestId('manifold-grid-images').boundingBox())!;
  await page.mouse.move(grid.x + grid.width * 0.5, grid.y + grid.height * 0.5);
  await expect(page.getByTestId('manifold-link')).toContainText(/cell z = \(-?0(\.0\d*)?, -?0(\.0\d*)?\) · test row \d+/);
  await snap(page, 'generate-manifold');
  // a point inside the grid's extent outlines its cell
  await findPoint(page, 'manifold-scatter', async () => /cell z = .* test row \d+/.test(await page.getByTestId('manifold-link').innerText()));
  await expect(page.getByTestId('manifold-link')).toContainText(/cell z = .* · test row \d+ \(\d\)/);
  await page.getByTestId('manifold-size').fill('8');
  await page.getByTestId('manifold-extent').selectOption('data');
  await page.getByTestId('manifold-draw').click();
  await expect(page.getByTestId('manifold-grid-images')).toHaveAttribute('data-images', '64');

  // interpolation: click two points, then compare the three paths
  await page.getByTestId('mode-interpolation').click();
  await expect(page.getByTestId('interpolation-scatter')).toHaveAttribute('data-points', '10000');
  await expectScatterDrawn(page, 'interpolation-scatter', { classes: 10 });
  const picked = async (n: number) => (await page.getByTestId('interpolation-scatter').getAttribute('data-selected')) === String(n);
  const a = await findPoint(page, 'interpolation-scatter', async () => page.locator('.tip').isVisible(), 0.3);
  await page.mouse.click(a.x, a.y);
  await expect.poll(() => picked(1)).toBe(true);
  const b = await findPoint(page, 'interpolation-scatter', async () => page.locator('.tip').isVisible(), 0.6);
  await page.mouse.click(b.x, b.y);
  await expect(page.getByTestId('interpolation-grid-images')).toHaveAttribute('data-images', '30');
  await expect(page.getByTestId('interpolation-result')).toContainText('PCA-2');
  await page.getByTestId('interp-a').fill('0');
  await page.getByTestId('interp-a').dispatchEvent('change');
  await page.getByTestId('interp-b').fill('1');
  await page.getByTestId('interp-b').dispatchEvent('change');
  await page.getByTestId('interp-steps').fill('6');
  await page.getByTestId('interp-k').fill('20');
  await page.getByTestId('interpolate').click();
  await expect(page.getByTestId('interpolation-grid-images')).toHaveAttribute('data-images', '18');
  await expect(page.getByTestId('interpolation-result')).toContainText('PCA-20');
  await page.getByTestId('interpolation-grid').scrollIntoViewIfNeeded();
  await snap(page, 'generate-interpolation');
});

test('tabular data: a conditional VAE generates the class asked for; tables in the user units', async ({ lab: page }) => {
  await page.getByTestId('file-input').setInputFiles(blobs);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await train(page, { model: 'cvae', latent: '2', hidden: '32', epochs: '30', batchSize: '16' });
  await page.getByTestId('nav-generate').click();
  await expect(page.getByTestId('generate-class')).toBeVisible();
  await expect(page.getByTestId('samples-table')).toHaveAttribute('data-rows', '20');
  await expect(page.getByTestId('samples-note')).toContainText('of class alpha');
  await page.getByTestId('generate-class').selectOption({ label: 'gamma' });
  await expect(page.getByTestId('samples-note')).toContainText('of class gamma');
  await expect(page.getByTestId('samples-table').locator('thead th')).toHaveText(['', 'f1', 'f2', 'f3', 'f4']);
  await snap(page, 'generate-cvae-samples');

  await page.getByTestId('mode-traversal').click();
  await expect(page.getByTestId('traversal-table')).toHaveAttribute('data-cells', '18');
  await page.getByTestId('traversal-feature').selectOption({ label: 'f3' });
  await page.getByTestId('mode-manifold').click();
  await expect(page.getByTestId('manifold-table')).toHaveAttribute('data-cells', '225');
  await page.getByTestId('manifold-table').locator('td').nth(112).hover();
  await expect(page.getByTestId('manifold-link')).toContainText('cell z = (0, 0)');
  await snap(page, 'generate-cvae-plane');

  await page.getByTestId('mode-interpolation').click();
  await page.getByTestId('interp-a').fill('2');
  await page.getByTestId('interp-a').dispatchEvent('change');
  await page.getByTestId('interp-b').fill('9');
  await page.getByTestId('interp-b').dispatchEvent('change');
  await page.getByTestId('interpolate').click();
  for (const p of [0, 1, 2]) await expect(page.getByTestId(`interpolation-table-${p}`)).toHaveAttribute('data-rows', '10');
});

test('a plain autoencoder samples a Gaussian fitted to its codes and says so; N(0, I) is flagged', async ({ lab: page }) => {
  await page.getByTestId('file-input').setInputFiles(blobs);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await train(page, { model: 'ae', latent: '3', hidden: '32', epochs: '10', batchSize: '16' });
  await page.getByTestId('nav-generate').click();
  await expect(page.getByTestId('generate-model')).toContainText('A plain autoencoder has no prior');
  await expect(page.getByTestId('samples-note')).toContainText('Gaussian (full covariance) fitted to its codes');
  await page.getByTestId('generate-source').selectOption('standard-normal');
  await expect(page.getByTestId('samples-note')).toContainText('need not decode to anything like the data');
  await page.getByTestId('mode-manifold').click();
  await expect(page.getByTestId('manifold-needs-2d')).toContainText('has 3 latent dimensions');
});
