// Issue 14 in the UI, checked by what is drawn (screenshots read back to pixels): automatic
// clusters named on every view without overlapping names, density contours, point size and
// opacity, the key in every scatter (a class clicked selects it), colour maps and a palette for
// many categories, thumbnails in place of points when zoomed in; finding rows, the linked table,
// named selections kept in the workspace and exported with their clusters; and the neighbourhoods
// each view keeps.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, snap, test } from './fixtures';
import { changed, colourful, count, dark, distinctColours, inked, near, shot, vividness } from './pixels';

async function openBuiltin(page: Page, name: string): Promise<void> {
  await page.getByTestId(`open-builtin-${name}`).click();
  await expect(page.getByTestId('dataset-summary')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('scatter-pca')).toHaveAttribute('data-points', /^[1-9]\d*$/, { timeout: 120_000 });
}

/** Boxes of the elements, relative to `within`'s top-left corner. */
async function boxes(items: Locator, within: Locator) {
  const origin = (await within.boundingBox())!;
  const out = [];
  for (const el of await items.all()) {
    const b = (await el.boundingBox())!;
    out.push({ left: b.x - origin.x, top: b.y - origin.y, width: b.width, height: b.height });
  }
  return out;
}

const overlap = (a: { left: number; top: number; width: number; height: number }, b: typeof a) =>
  a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;

test('clusters named on the view, contours, point size and opacity, the key selects a class', async ({ lab: page }) => {
  await openBuiltin(page, 'penguins');
  const plot = page.getByTestId('scatter-pca');
  const names = page.getByTestId('scatter-pca-cluster');
  await expect(names.first()).toBeVisible();
  const n = await names.count();
  expect(n).toBeGreaterThanOrEqual(2);
  await expect(names.first()).toContainText(/(Adelie|Gentoo|Chinstrap) · \d+%/);

  // the names are drawn (dark text on their boxes) and none covers another or the key
  const withNames = await shot(plot, 'test-results/screens/explore-clusters.png');
  const nameBoxes = await boxes(names, plot);
  for (const b of nameBoxes) expect(count(withNames, dark, b), 'text in a cluster name').toBeGreaterThan(15);
  for (let i = 0; i < nameBoxes.length; i++) for (let j = i + 1; j < nameBoxes.length; j++) expect(overlap(nameBoxes[i], nameBoxes[j])).toBe(false);
  const [key] = await boxes(page.getByTestId('scatter-pca-legend'), plot);
  for (const b of nameBoxes) expect(overlap(b, key)).toBe(false);

  // off: the names are gone from the picture
  await page.getByTestId('show-clusters').uncheck();
  await expect(names).toHaveCount(0);
  const without = await shot(plot);
  for (const b of nameBoxes) expect(count(without, dark, b)).toBeLessThan(count(withNames, dark, b));
  await page.getByTestId('show-clusters').check();
  await expect(names).toHaveCount(n);

  // density contours: dark lines appear where there were none
  const before = await shot(plot);
  await page.getByTestId('show-contours').check();
  await expect.poll(async () => changed(before, await shot(plot)).changed).toBeGreaterThan(400);
  const contoured = await shot(plot, 'test-results/screens/explore-contours.png');
  const lines = changed(before, contoured);
  expect(lines.darker / lines.changed).toBeGreaterThan(0.8);
  await page.getByTestId('show-contours').uncheck();
  await page.getByTestId('show-clusters').uncheck();

  // point size: more of the plot is covered; opacity: paler points
  const small = await shot(plot);
  await page.getByTestId('point-size').fill('3');
  await expect.poll(async () => count(await shot(plot), colourful)).toBeGreaterThan(2 * count(small, colourful));
  const big = await shot(plot, 'test-results/screens/explore-point-size.png');
  await page.getByTestId('point-opacity').fill('0.2');
  await expect.poll(async () => vividness(await shot(plot))).toBeLessThan(0.6 * vividness(big));
  await page.getByTestId('point-opacity').fill('0.85');
  await page.getByTestId('point-size').fill('1.6');
  await expect.poll(async () => vividness(await shot(plot))).toBeGreaterThan(0.9 * vividness(big));

  // the key: click a class and its rows are the selection in every view; the others fade
  const adelie = near('#4269d0', 30);
  const gentoo = near('#ff725c', 30);
  const all = await shot(plot);
  const legend = page.getByTestId('scatter-pca-legend');
  await expect(legend).toContainText('Adelie');
  await legend.getByRole('button', { name: /Adelie/ }).click();
  await expect(page.getByTestId('selection-info')).toContainText('rows selected');
  const selected = Number(await plot.getAttribute('data-selected'));
  expect(selected).toBeGreaterThan(10);
  const faded = await shot(plot, 'test-results/screens/explore-legend-select.png');
  // points only: the key's own swatches keep their colours
  const points = (p: typeof all, test: Parameters<typeof count>[1]) => count(p, test) - count(p, test, key);
  expect(points(faded, adelie)).toBeGreaterThan(0.8 * points(all, adelie));
  expect(points(faded, gentoo)).toBeLessThan(0.2 * points(all, gentoo));
  // Shift+click adds a class
  await legend.getByRole('button', { name: /Gentoo/ }).click({ modifiers: ['Shift'] });
  await expect.poll(async () => Number(await plot.getAttribute('data-selected'))).toBeGreaterThan(selected);

  // colour by cluster: the key lists the clusters
  await page.getByTestId('colouring').selectOption('clusters');
  await expect(legend).toContainText('Cluster');
  await expect(legend.getByTestId('scatter-pca-legend-item')).toHaveCount(n + ((await legend.innerText()).includes('no cluster') ? 1 : 0));
  await snap(page, 'explore-colour-by-cluster');
});

test('a colour map for numbers and a palette for many categories, each in the key', async ({ lab: page, app }) => {
  // 30 categories in three columns of blobs
  const rows = ['x,y,z,kind'];
  for (let i = 0; i < 600; i++) {
    const k = i % 30;
    rows.push(`${(k % 6) * 10 + Math.sin(i) * 1.5},${Math.floor(k / 6) * 10 + Math.cos(i * 1.3) * 1.5},${i % 7},kind${String(k).padStart(2, '0')}`);
  }
  const file = join(app.scratch, 'thirty.csv');
  writeFileSync(file, `${rows.join('\n')}\n`);
  await page.getByTestId('path-input').fill(file);
  await page.getByTestId('open-path').click();
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await page.getByTestId('nav-compare').click();
  const plot = page.getByTestId('scatter-pca');
  await expect(plot).toHaveAttribute('data-points', /^[1-9]\d*$/);
  await page.getByTestId('show-clusters').uncheck();
  await page.getByTestId('point-size').fill('3');
  const legend = page.getByTestId('scatter-pca-legend');
  await expect(legend.getByTestId('scatter-pca-legend-item')).toHaveCount(30);
  // thirty distinct swatches, and (almost) as many distinct colours drawn
  const swatches = await legend.locator('.swatch').evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
  expect(new Set(swatches).size).toBe(30);
  const many = await shot(plot, 'test-results/screens/explore-palette-30.png');
  expect(distinctColours(many)).toBeGreaterThanOrEqual(20);

  // a number column: a ramp in the key, points in the colour map's colours
  await page.getByTestId('color-by').selectOption('z');
  await expect(legend.locator('.bar')).toBeVisible();
  await expect(legend).toContainText('z');
  const viridis = await shot(plot);
  const yellow = near('#fde725', 45);
  expect(count(viridis, yellow)).toBeGreaterThan(30);
  await page.getByTestId('color-map').selectOption('magma');
  await expect.poll(async () => count(await shot(plot), yellow)).toBeLessThan(0.2 * count(viridis, yellow));
  await snap(page, 'explore-colour-map');
});
