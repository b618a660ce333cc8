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
import { changed, colourful, count, dark, distinctColours, near, shot, vividness } from './pixels';

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

/** A screenshot once the plot has stopped changing (a redraw waits for the next animation frame). */
async function settled(target: Locator, path?: string) {
  let last = await shot(target);
  for (let i = 0; i < 20; i++) {
    await target.page().waitForTimeout(150);
    const next = await shot(target);
    if (changed(last, next, 0).changed === 0) break;
    last = next;
  }
  return path ? shot(target, path) : last;
}

// the classes' colours as drawn (blended onto white), told apart by hue; faded points fail them
const blue = (r: number, g: number, b: number) => b - r > 60 && b - g > 55;
const red = (r: number, g: number, b: number) => r > 200 && r - b > 80 && r - g > 60;
const green = (r: number, g: number, b: number) => g - r > 20 && g - b > 20;

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
  const withNames = await settled(plot, 'test-results/screens/explore-clusters.png');
  const nameBoxes = await boxes(names, plot);
  for (const b of nameBoxes) expect(count(withNames, dark, b), 'text in a cluster name').toBeGreaterThan(15);
  for (let i = 0; i < nameBoxes.length; i++) for (let j = i + 1; j < nameBoxes.length; j++) expect(overlap(nameBoxes[i], nameBoxes[j])).toBe(false);
  const [key] = await boxes(page.getByTestId('scatter-pca-legend'), plot);
  for (const b of nameBoxes) expect(overlap(b, key)).toBe(false);

  // off: the names are gone from the picture
  await page.getByTestId('show-clusters').uncheck();
  await expect(names).toHaveCount(0);
  const without = await settled(plot);
  for (const b of nameBoxes) expect(count(without, dark, b)).toBeLessThan(count(withNames, dark, b));
  await page.getByTestId('show-clusters').check();
  await expect(names).toHaveCount(n);

  // density contours: dark lines appear where there were none
  const before = await settled(plot);
  await page.getByTestId('show-contours').check();
  await expect.poll(async () => changed(before, await shot(plot)).changed).toBeGreaterThan(400);
  const contoured = await shot(plot, 'test-results/screens/explore-contours.png');
  const lines = changed(before, contoured);
  expect(lines.darker / lines.changed).toBeGreaterThan(0.8);
  await page.getByTestId('show-contours').uncheck();
  await page.getByTestId('show-clusters').uncheck();

  // point size: more of the plot is covered; opacity: paler points
  const small = await settled(plot);
  await page.getByTestId('point-size').fill('3');
  await expect.poll(async () => count(await shot(plot), colourful)).toBeGreaterThan(2 * count(small, colourful));
  const big = await settled(plot, 'test-results/screens/explore-point-size.png');
  await page.getByTestId('point-opacity').fill('0.2');
  await expect.poll(async () => vividness(await shot(plot))).toBeLessThan(0.6 * vividness(big));
  await page.getByTestId('point-opacity').fill('0.85');
  await expect.poll(async () => vividness(await shot(plot))).toBeGreaterThan(0.95 * vividness(big));

  // the key: click a class and its rows are the selection in every view; the others fade
  const adelie = blue;
  const gentoo = red;
  const all = await settled(plot);
  const legend = page.getByTestId('scatter-pca-legend');
  await expect(legend).toContainText('Adelie');
  await legend.getByRole('button', { name: /Adelie/ }).click();
  await expect(page.getByTestId('selection-info')).toContainText('rows selected');
  const selected = Number(await plot.getAttribute('data-selected'));
  expect(selected).toBeGreaterThan(10);
  const faded = await settled(plot, 'test-results/screens/explore-legend-select.png');
  // points only: the key's own swatches keep their colours
  const points = (p: typeof all, test: Parameters<typeof count>[1]) => count(p, test) - count(p, test, key);
  expect(points(faded, adelie)).toBeGreaterThan(0.8 * points(all, adelie));
  expect(points(faded, gentoo)).toBeLessThan(0.2 * points(all, gentoo));
  // Shift+click adds a class
  await legend.getByRole('button', { name: /Gentoo/ }).click({ modifiers: ['Shift'] });
  await expect.poll(async () => Number(await plot.getAttribute('data-selected'))).toBeGreaterThan(selected);

  // colour by cluster: the key lists the clusters
  await page.getByTestId('color-by').selectOption('each-view:clusters');
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
  const many = await settled(plot, 'test-results/screens/explore-palette-30.png');
  expect(distinctColours(many)).toBeGreaterThanOrEqual(20);

  // a number column: a ramp in the key, points in the colour map's colours
  await page.getByTestId('color-by').selectOption('z');
  await expect(legend.locator('.bar')).toBeVisible();
  await expect(legend).toContainText('z');
  const viridis = await settled(plot);
  const yellow = near('#fde725', 45);
  expect(count(viridis, yellow)).toBeGreaterThan(30);
  await page.getByTestId('color-map').selectOption('magma');
  await expect.poll(async () => count(await shot(plot), yellow)).toBeLessThan(0.2 * count(viridis, yellow));
  await snap(page, 'explore-colour-map');
});

test('MNIST: cluster names carry the picture of their representative row; zoomed in, points become images', async ({ lab: page }) => {
  await openBuiltin(page, 'mnist');
  const plot = page.getByTestId('scatter-pca');
  await expect(plot).toHaveAttribute('data-points', '10000');
  const names = page.getByTestId('scatter-pca-cluster');
  await expect(names.first()).toBeVisible();
  await expect(names.first().locator('img')).toBeVisible();
  await expect(names.first()).toContainText(/\d · \d+%/);
  const pictured = await settled(plot, 'test-results/screens/explore-mnist-clusters.png');
  // a digit's picture: mostly black pixels inside the name's box
  const [first] = await boxes(names.first().locator('img'), plot);
  expect(count(pictured, dark, first)).toBeGreaterThan(0.4 * first.width * first.height);

  // zoom in on the middle until few points are in view: they are drawn as their images
  await page.getByTestId('show-clusters').uncheck();
  const far = await settled(plot);
  const box = (await plot.locator('canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const layer = page.getByTestId('scatter-pca-layer');
  // one wheel step at a time until few enough points are in view (-1: too many); their images come
  // from the engine a moment later, so zooming stops on the count in view, not on the images
  const inView = async () => Number(await layer.getAttribute('data-in-view'));
  for (let i = 0; i < 40 && (await inView()) < 0; i++) {
    await page.mouse.wheel(0, -400);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  expect(await inView()).toBeGreaterThan(10);
  await expect.poll(async () => Number(await layer.getAttribute('data-thumbs'))).toBeGreaterThan(10);
  await expect.poll(async () => count(await shot(plot), dark)).toBeGreaterThan(count(far, dark) + 3000);
  await shot(plot, 'test-results/screens/explore-mnist-thumbnails.png');
  // back out: dots again
  await page.locator('[data-testid="scatter-pca"] canvas').dblclick();
  await expect(layer).toHaveAttribute('data-thumbs', '0');
});

test('find rows, the linked table, named selections kept in the workspace and exported with their clusters', async ({ lab: page, app }) => {
  await openBuiltin(page, 'penguins');
  const plot = page.getByTestId('scatter-pca');
  await page.getByTestId('show-clusters').uncheck();
  await page.getByTestId('point-size').fill('2');
  const all = await settled(plot);

  // find: the label, then a range on a column; the matches are the selection in every view
  await page.getByTestId('find-column').selectOption('label');
  await page.getByTestId('find-text').fill('gentoo');
  await page.getByTestId('find').click();
  await expect(page.getByTestId('find-result')).toContainText(/\d+ test rows match label contains “gentoo”/);
  const gentoo = Number((await page.getByTestId('find-result').innerText()).match(/(\d+) test rows/)![1]);
  await expect(plot).toHaveAttribute('data-selected', String(gentoo));
  const adelie = blue;
  const [key] = await boxes(page.getByTestId('scatter-pca-legend'), plot);
  const found = await settled(plot, 'test-results/screens/explore-find.png');
  expect(count(found, adelie) - count(found, adelie, key)).toBeLessThan(0.2 * (count(all, adelie) - count(all, adelie, key)));

  await page.getByTestId('find-add').click();
  await page.getByTestId('find-column').nth(1).selectOption('body_mass_g');
  await page.getByTestId('find-min').fill('5000');
  await page.getByTestId('find').click();
  await expect(page.getByTestId('find-result')).toContainText('body_mass_g ≥ 5000');
  const heavy = Number((await page.getByTestId('find-result').innerText()).match(/(\d+) test rows/)![1]);
  expect(heavy).toBeLessThan(gentoo);
  await expect(plot).toHaveAttribute('data-selected', String(heavy));

  // the table of the selection, sorted by a column; the selection against the rest
  const table = page.getByTestId('selection-table');
  await expect(table.getByTestId('selection-row')).toHaveCount(Math.min(heavy, 25));
  await table.getByTestId('sort-column').filter({ hasText: 'body_mass_g' }).click();
  await table.getByTestId('sort-column').filter({ hasText: 'body_mass_g' }).click();
  await expect(table.getByTestId('sort-column').filter({ hasText: 'body_mass_g' })).toContainText('↓');
  const header = await table.locator('thead th').allInnerTexts();
  const at = header.findIndex((h) => h.startsWith('body_mass_g'));
  const massesShown = () => table.getByTestId('selection-row').evaluateAll((rows, i) => rows.map((r) => Number(r.children[i].textContent)), at);
  // the sorted page arrives from the engine a moment after the click
  await expect.poll(async () => { const m = await massesShown(); return m.every((v, k) => k === 0 || v <= m[k - 1]); }).toBe(true);
  const masses = await massesShown();
  expect(Math.min(...masses)).toBeGreaterThanOrEqual(5000);
  await expect(page.getByTestId('selection-stats')).toContainText('Gentoo 100%');
  await expect(page.getByTestId('selection-stats')).toContainText('body_mass_g');
  await snap(page, 'explore-selection-table');

  // named selections: save, another, switch back, delete one
  await page.getByTestId('selection-name').fill('heavy gentoo');
  await page.getByTestId('save-selection').click();
  await page.getByTestId('find-column').nth(1).selectOption('island');
  await page.getByTestId('find-text').nth(1).fill('Biscoe');
  await page.getByTestId('find').click();
  await page.getByTestId('selection-name').fill('biscoe gentoo');
  await page.getByTestId('save-selection').click();
  await expect(page.getByTestId('show-selection')).toHaveText(['heavy gentoo', 'biscoe gentoo']);
  await page.getByTestId('show-selection').filter({ hasText: 'heavy gentoo' }).click();
  await expect(plot).toHaveAttribute('data-selected', String(heavy));
  await expect(page.getByTestId('selection-info')).toContainText(`${heavy} rows selected (heavy gentoo)`);
  // the last change (a deletion) is autosaved too: the time of the autosave moves on
  await expect(page.getByTestId('status-saved')).toContainText('autosaved', { timeout: 15_000 });
  const saved = await page.getByTestId('status-saved').innerText();
  await page.getByTestId('delete-selection').nth(1).click();
  await expect(page.getByTestId('show-selection')).toHaveText(['heavy gentoo']);
  await expect(page.getByTestId('status-saved')).not.toHaveText(saved, { timeout: 15_000 });

  // a reload restores the named selection from the autosaved workspace
  await page.reload();
  await expect(page.getByTestId('status-dataset')).toContainText('Palmer penguins', { timeout: 60_000 });
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('show-selection')).toHaveText(['heavy gentoo']);
  await page.getByTestId('selection-info').getByRole('button', { name: 'Clear' }).click();

  // export the named selection with each row's cluster
  await page.getByTestId('nav-export').click();
  await page.getByTestId('export-pca').check();
  await page.getByTestId('export-rows-selection').check();
  await expect(page.getByTestId('export-selection')).toHaveValue('heavy gentoo');
  await page.getByTestId('export-col-cluster').check();
  await expect(page.getByTestId('export-columns')).toContainText('cluster');
  const out = join(app.scratch, 'heavy.csv');
  await page.getByTestId('export-path').fill(out);
  await page.getByTestId('save').click();
  await expect(page.getByTestId('export-result')).toContainText(`Saved ${heavy} rows`);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(heavy + 1);
  const cols = lines[0].split(',');
  expect(cols).toEqual(['id', 'label', 'z1', 'z2', 'cluster']);
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    expect(cells[1]).toBe('Gentoo');
    expect(Number(cells[4])).toBeGreaterThanOrEqual(-1);
  }
});

test('neighbourhood change: points coloured by the neighbours each view keeps, groups that differ most', async ({ lab: page }) => {
  await openBuiltin(page, 'penguins');
  await page.getByTestId('add-umap').click();
  await page.getByTestId('run-umap').click();
  await expect(page.getByTestId('scatter-umap')).toHaveAttribute('data-points', /^[1-9]\d*$/, { timeout: 120_000 });
  await page.getByTestId('show-clusters').uncheck();
  await page.getByTestId('point-size').fill('2.5');
  const plot = page.getByTestId('scatter-umap');
  const byLabel = await settled(plot);
  await expect(page.getByTestId('nb-b').locator('option:checked')).toContainText('UMAP');
  await page.getByTestId('nb-run').click();
  await expect(page.getByTestId('nb-means').locator('li')).toHaveCount(2, { timeout: 120_000 });
  await expect(page.getByTestId('nb-means')).toContainText(/UMAP \(15 neighbours, min dist 0\.1\) keeps \d+% of each row's 10 data-space neighbours/);
  await expect(page.getByTestId('nb-groups-table').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByTestId('color-by')).toHaveValue('each-view:kept');
  await expect(page.getByTestId('scatter-umap-legend')).toContainText('Neighbours kept of 10');
  // the points now take the ramp's colours, not the classes'
  const kept = await settled(plot, 'test-results/screens/explore-neighbours-kept.png');
  const [key] = await boxes(page.getByTestId('scatter-umap-legend'), plot);
  const points = (p: typeof kept, test: Parameters<typeof count>[1]) => count(p, test) - count(p, test, key);
  expect(points(byLabel, blue)).toBeGreaterThan(50);
  expect(points(kept, blue)).toBeLessThan(10);
  // most rows keep most neighbours: the ramp's greens and yellows
  expect(points(byLabel, green)).toBeLessThan(10);
  expect(points(kept, green)).toBeGreaterThan(200);
  await snap(page, 'explore-neighbourhoods');
});

test('the latent plane of the Generate panel has a key too', async ({ lab: page }) => {
  await page.getByTestId('open-builtin-penguins').click();
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await page.getByTestId('nav-train').click();
  await page.getByTestId('cfg-latent').fill('2');
  await page.getByTestId('cfg-epochs').fill('10');
  await page.getByTestId('cfg-batchSize').fill('32');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('nav-generate').click();
  await page.getByTestId('mode-manifold').click();
  // the notice of the finished training would cover the plot's corner
  await expect(page.getByTestId('notice-info')).toHaveCount(0, { timeout: 15_000 });
  const plot = page.getByTestId('manifold-scatter');
  await expect(plot).toHaveAttribute('data-points', /^[1-9]\d*$/, { timeout: 60_000 });
  const legend = page.getByTestId('manifold-scatter-legend');
  await expect(legend).toContainText('Adelie');
  await expect(legend).toContainText('Gentoo');
  const pixels = await settled(plot, 'test-results/screens/explore-generate-key.png');
  const [key] = await boxes(legend, plot);
  for (const colour of ['#4269d0', '#efb118', '#ff725c']) expect(count(pixels, near(colour, 20), key)).toBeGreaterThan(20);
});
