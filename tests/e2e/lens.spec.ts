// Issue 14, the decoder as a lens and tabular data done right, checked on what is drawn: the KL
// per latent dimension and the collapse warning in the Train panel, the decoded image under the
// cursor in Compare (2-D latent and through the PCA inverse), an attribute vector walked with a
// slider, generated table rows as categories and rounded numbers — and the smaller things (favicon,
// toasts, scree k, colour-by list, thumbnail grid, a labels file added in the Data panel).
import { resolve } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import sharp from 'sharp';
import { expect, snap, test } from './fixtures';

/** The pixels of an element as drawn on screen: RGB bytes. */
async function pixels(el: Locator): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(await el.screenshot()).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Mean and standard deviation of the grey level (0–255). */
function grey(p: { data: Buffer }): { mean: number; std: number; values: Float64Array } {
  const n = p.data.length / 3;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = (p.data[3 * i] + p.data[3 * i + 1] + p.data[3 * i + 2]) / 3;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { mean, std, values };
}

/** Pixels within `tol` of an RGB colour. */
function countColour(p: { data: Buffer }, rgb: [number, number, number], tol = 40): number {
  let n = 0;
  for (let i = 0; i < p.data.length; i += 3) {
    if (Math.abs(p.data[i] - rgb[0]) + Math.abs(p.data[i + 1] - rgb[1]) + Math.abs(p.data[i + 2] - rgb[2]) <= tol) n++;
  }
  return n;
}

/** Mean absolute difference of two equally sized pictures' grey levels. */
function difference(a: { data: Buffer }, b: { data: Buffer }): number {
  const ga = grey(a).values;
  const gb = grey(b).values;
  expect(ga.length).toBe(gb.length);
  let s = 0;
  for (let i = 0; i < ga.length; i++) s += Math.abs(ga[i] - gb[i]);
  return s / ga.length;
}

/** The Data panel's sources (a dataset is open: they sit behind "Open another dataset…"). */
async function showSources(page: Page): Promise<void> {
  await page.getByTestId('nav-data').click();
  if (await page.getByTestId('show-sources').isVisible()) await page.getByTestId('show-sources').click();
}

async function train(page: Page, settings: Record<string, string> = {}): Promise<void> {
  await page.getByTestId('nav-train').click();
  for (const [key, value] of Object.entries(settings)) {
    const field = page.getByTestId(`cfg-${key}`);
    if (!(await field.isVisible())) await page.locator('summary', { hasText: 'Schedule, clipping' }).click();
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 170_000 });
}

const BLUE: [number, number, number] = [66, 105, 208];
const GREY: [number, number, number] = [176, 183, 195];

test('a table: defaults that suit it, KL per dimension, the collapse warning, generated rows as categories', async ({ lab: page }) => {
  await page.getByTestId('open-builtin-penguins').click();
  await expect(page.getByTestId('shape')).toContainText('× 9');
  await page.getByTestId('nav-train').click();
  // not the 400 units and 10 epochs of 128 rows meant for MNIST
  await expect(page.getByTestId('cfg-hidden')).toHaveValue('64');
  await expect(page.getByTestId('cfg-epochs')).toHaveValue('200');
  await expect(page.getByTestId('cfg-batchSize')).toHaveValue('32');
  await train(page);
  const kl = page.getByTestId('kl-per-dim');
  await expect(kl).toHaveAttribute('data-active', '2');
  await expect(page.getByTestId('kl-per-dim-active')).toHaveText('2 of 2 latent dimensions active');
  await expect(page.getByTestId('run-warnings')).toHaveCount(0);
  // two blue bars drawn, none grey
  const bars = await pixels(page.getByTestId('kl-per-dim-chart'));
  expect(countColour(bars, BLUE)).toBeGreaterThan(400);
  // no grey (inactive) bar: a few anti-aliased axis pixels at most
  expect(countColour(bars, GREY, 12)).toBeLessThan(40);
  await snap(page, 'lens-train-kl-per-dim');

  // generated rows: island and sex as categories with a probability, numbers at the file's decimals
  await page.getByTestId('nav-generate').click();
  const table = page.getByTestId('samples-table');
  await expect(table).toHaveAttribute('data-rows', '20');
  await expect(table.locator('thead th')).toHaveText(['', 'island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex']);
  const first = table.locator('tbody tr').first().locator('td');
  await expect(first.nth(0)).toHaveText(/^(Biscoe|Dream|Torgersen) \d+%$/);
  await expect(first.nth(0)).toHaveAttribute('title', /^(Biscoe|Dream|Torgersen) \d+% · (Biscoe|Dream|Torgersen) \d+% · (Biscoe|Dream|Torgersen) \d+%$/);
  await expect(first.nth(1)).toHaveText(/^\d+\.\d$/);
  await expect(first.nth(4)).toHaveText(/^\d+$/);
  await expect(first.nth(5)).toHaveText(/^(female|male) \d+%$/);
  await snap(page, 'lens-generate-table-categories');

  // the decoder under the cursor in Compare: a row in the file's columns, different at two places
  await page.getByTestId('nav-compare').click();
  const view = page.getByTestId('scatter-vae');
  await expect(view).toHaveAttribute('data-points', /\d+/);
  const box = (await view.locator('canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.5);
  const row = page.getByTestId('lens-vae-row');
  await expect(row).toBeVisible();
  await expect(row.locator('tr').first()).toContainText(/island(Biscoe|Dream|Torgersen) \d+%/);
  const left = await row.innerText();
  await snap(page, 'lens-compare-table-row');
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.5);
  await expect(row).not.toHaveText(left);
  // PCA rebuilds with the model's latent size (2), not all 9 components
  await expect(page.getByTestId('recon-pca-k')).toHaveText('2');

  // the settings the app had before: ten epochs of big batches; the codes are ignored and it says so
  await train(page, { hidden: '400', epochs: '10', batchSize: '128', learningRate: '0.001', klWarmupEpochs: '0' });
  const warning = page.getByTestId('run-warnings');
  await expect(warning).toContainText('Posterior collapse: the test KL is');
  await expect(warning).toContainText('more gradient steps (10 epochs of 239 rows in batches of 128 is only 20 steps; try batches of 16 and 134 epochs)');
  await expect(warning).toContainText('KL warm-up');
  await expect(warning).toContainText('smaller decoder');
  await expect(page.getByTestId('kl-per-dim')).toBeVisible();
  await snap(page, 'lens-train-collapse-warning');
});

test('images: the decoder under the cursor (2-D and through the PCA inverse) and an attribute vector', async ({ lab: page }) => {
  await page.getByTestId('open-builtin-mnist').click();
  await expect(page.getByTestId('shape')).toHaveText('70,000 × 784');
  await train(page, { model: 'vae', architecture: 'mlp', latent: '2', hidden: '256', epochs: '3', limit: '4000' });

  await page.getByTestId('nav-compare').click();
  const view = page.getByTestId('scatter-vae');
  await expect(view).toHaveAttribute('data-points', '10000');
  const box = (await view.locator('canvas').boundingBox())!;
  const lens = page.getByTestId('lens-vae-image').locator('canvas');
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
  await expect(lens).toBeVisible();
  await expect(page.getByTestId('lens-vae')).toContainText(/z = \(-?\d/);
  const a = await pixels(lens);
  // a digit: light strokes on dark, not a flat picture
  expect(grey(a).std).toBeGreaterThan(30);
  await snap(page, 'lens-compare-image-a');
  const before = await page.getByTestId('lens-vae').innerText();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.65);
  await expect(page.getByTestId('lens-vae')).not.toHaveText(before);
  const b = await pixels(lens);
  expect(difference(a, b)).toBeGreaterThan(8);
  await snap(page, 'lens-compare-image-b');

  // a 4-D latent is seen through its 2-D PCA: the lens maps the point back by the PCA inverse
  await train(page, { latent: '4' });
  await page.getByTestId('nav-compare').click();
  const projected = page.getByTestId('view-vae').filter({ hasText: 'PCA 2-D of the latent means' });
  await expect(projected.getByTestId('scatter-vae')).toHaveAttribute('data-points', '10000');
  await expect(projected).toContainText('decode at the cursor (through the PCA inverse)');
  await projected.scrollIntoViewIfNeeded();
  const pbox = (await projected.locator('canvas').first().boundingBox())!;
  await page.mouse.move(pbox.x + pbox.width * 0.5, pbox.y + pbox.height * 0.5);
  const plens = projected.getByTestId('lens-vae');
  await expect(plens).toContainText(/view \(-?[\d.]+, -?[\d.]+\) → z = \((-?[\d.]+, ){3}-?[\d.]+\)/);
  expect(grey(await pixels(plens.getByTestId('lens-vae-image').locator('canvas'))).std).toBeGreaterThan(30);
  await snap(page, 'lens-compare-projected');

  // attribute vector: from the ones to the zeros; a zero has more ink than a one
  await page.getByTestId('nav-generate').click();
  await page.getByTestId('generate-run').selectOption({ index: 0 });
  await page.getByTestId('mode-attribute').click();
  await page.getByTestId('attr-a-class').selectOption('1');
  await page.getByTestId('attr-b-class').selectOption('0');
  await page.getByTestId('attr-compute').click();
  await expect(page.getByTestId('attr-strip-images')).toHaveAttribute('data-images', '9');
  await expect(page.getByTestId('attr-note')).toContainText('from 1 (1,135 rows) to 0 (980 rows)');
  const slider = page.getByTestId('attr-t');
  const image = page.getByTestId('attr-image').locator('canvas');
  await slider.fill('0');
  await expect(page.getByTestId('attr-t-value')).toHaveText('0');
  await expect.poll(async () => grey(await pixels(image)).std).toBeGreaterThan(20);
  const one = await pixels(image);
  await snap(page, 'lens-attribute-t0');
  await slider.fill('1');
  await expect(page.getByTestId('attr-t-value')).toHaveText('+1');
  await expect.poll(async () => difference(one, await pixels(image))).toBeGreaterThan(8);
  const zero = await pixels(image);
  // strokes are drawn light on dark: the typical zero has more of them than the typical one
  expect(grey(zero).mean).toBeGreaterThan(grey(one).mean + 5);
  await snap(page, 'lens-attribute-t1');
});

test('smaller things: favicon, toasts beside the buttons, scree k, colour-by list, thumbnails, a labels file', async ({ lab: page, app }) => {
  // the page names its icon and the icon is served (a browser asked for a missing /favicon.ico before)
  const missing: string[] = [];
  page.on('response', (r) => {
    if (r.status() === 404) missing.push(r.url());
  });
  await page.reload();
  await expect(page.getByTestId('backend')).toContainText(/wasm|cpu|native|tensorflow/);
  expect(missing).toEqual([]);
  const href = await page.evaluate(() => (document.querySelector('link[rel="icon"]') as HTMLLinkElement | null)?.href ?? null);
  expect(href).toBe(`${app.url}favicon.svg`);
  const icon = await page.request.get(href!);
  expect(icon.status()).toBe(200);
  expect(icon.headers()['content-type']).toContain('image/svg+xml');
  expect(await icon.text()).toContain('<svg');

  // MNIST's first rows in a narrower window: the thumbnail grid shrinks to stay left of the label counts
  await page.setViewportSize({ width: 1150, height: 900 });
  await page.getByTestId('open-builtin-mnist').click();
  const thumbs = page.getByTestId('preview-images').locator('canvas');
  await expect(thumbs).toBeVisible();
  const t = (await thumbs.boundingBox())!;
  const counts = (await page.getByTestId('label-counts').boundingBox())!;
  expect(t.x + t.width).toBeLessThanOrEqual(counts.x);
  expect(grey(await pixels(thumbs)).std).toBeGreaterThan(30);
  await snap(page, 'lens-data-thumbnails');
  await page.setViewportSize({ width: 1400, height: 900 });

  // notices: in their own row below the panel, never over it; at most three at once (errors stay until dismissed)
  for (let i = 0; i < 4; i++) {
    await showSources(page);
    await page.getByTestId('path-input').fill(`/nowhere/missing-${i}.csv`);
    await page.getByTestId('open-path').click();
    await expect(page.getByTestId('notice-error').last()).toContainText(`missing-${i}.csv`);
  }
  await expect(page.getByTestId('notice-error')).toHaveCount(3);
  await expect(page.getByTestId('notices-more')).toContainText('+1 more');
  const notices = (await page.getByTestId('notices').boundingBox())!;
  const main = (await page.locator('main').boundingBox())!;
  expect(notices.y).toBeGreaterThanOrEqual(main.y + main.height - 1);
  await snap(page, 'lens-notices');
  await page.getByTestId('notices-more').getByRole('button').click();
  const dismiss = page.getByTestId('notices').getByRole('button', { name: 'Dismiss' });
  for (let left = 3; left > 0; left--) {
    await dismiss.first().click();
    await expect(page.getByTestId('notice-error')).toHaveCount(left - 1);
  }
  await showSources(page);
  await page.getByTestId('open-builtin-wine').click();
  await expect(page.getByTestId('status-dataset')).toContainText('Wine');

  // Compare on wine: the label is listed once in "Colour by"; Enter in the k box sets k
  await page.getByTestId('nav-compare').click();
  const options = await page.getByTestId('color-by').locator('option').allTextContents();
  expect(options.filter((o) => o.includes('cultivar'))).toEqual(['label (cultivar)']);
  await expect(page.getByTestId('scree')).toBeVisible();
  await page.getByTestId('pca-k-input').fill('3');
  await page.getByTestId('pca-k-input').press('Enter');
  await expect(page.getByTestId('pca-k')).toContainText('k = 3 ·');
  await page.getByTestId('target-variance').fill('90');
  await page.getByTestId('target-variance').press('Enter');
  await expect(page.getByTestId('pca-k')).not.toContainText('k = 3 ·');
  await expect(page.getByTestId('recon-pca-k')).not.toHaveText('3');
  await page.getByTestId('compute-metrics').click();
  await expect(page.getByTestId('metrics')).toContainText('The test split is small for 10-neighbour scores: 36 rows');
  await snap(page, 'lens-compare-wine');

  // a labels file added in the Data panel gives the label (it was ignored as "numbers written as text")
  await showSources(page);
  await page.getByTestId('path-input').fill(resolve('tests/fixtures/good/f32.npy'));
  await page.getByTestId('open-path').click();
  await expect(page.getByTestId('label-name')).toHaveText('none');
  await page.getByTestId('opt-labels-path').fill(resolve('tests/fixtures/good/f32-labels.npy'));
  await page.getByTestId('apply-options').click();
  await expect(page.getByTestId('label-name')).toHaveText('label (2 classes)');
  await snap(page, 'lens-data-labels-file');
});
