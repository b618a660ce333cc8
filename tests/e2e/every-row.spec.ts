// Every row of a streamed dataset in the window: the PCA view of a file over the memory budget
// embeds every row on disk ("Embed every row", with its count), zooming in fetches the rows of the
// visible region and draws them with the sample, zooming back out drops them, and the Export panel
// offers every row.
import { join } from 'node:path';
import { writeStreamFile } from '../unit/helpers/stream-files';
import { expect, test } from './fixtures';

test('a streamed PCA view embeds every row and fetches the rows of the region zoomed into', async ({ lab: page, app }) => {
  test.setTimeout(300_000);
  const path = await writeStreamFile(join(app.scratch, 'big.parquet'), { rows: 300_000, features: 8, extras: true });

  await page.getByTestId('memory-budget').locator('summary').click();
  await page.getByTestId('budget-input').fill('16');
  await page.getByTestId('budget-set').click();
  await expect(page.getByTestId('budget-now')).toHaveText('16 MB');
  if (await page.getByTestId('show-sources').isVisible()) await page.getByTestId('show-sources').click();
  await page.getByTestId('path-input').fill(path);
  await page.getByTestId('open-path').click();
  await expect(page.getByTestId('streamed-badge')).toBeVisible({ timeout: 120_000 });

  await page.getByTestId('nav-compare').click();
  const plot = page.getByTestId('scatter-pca');
  await expect(plot).toHaveAttribute('data-points', /^[1-9]\d*$/, { timeout: 120_000 });
  const sample = Number((await plot.getAttribute('data-points'))!);
  await expect(page.getByTestId('pca-sampled')).toBeVisible();

  // every row, on disk: the count of the file's kept rows replaces "showing a sample"
  await page.getByTestId('pca-every-run').click();
  const every = page.getByTestId('pca-every');
  await expect(every).toBeVisible({ timeout: 180_000 });
  const rows = Number(await every.getAttribute('data-rows'));
  expect(rows).toBeGreaterThan(290_000);
  await expect(every).toContainText(`sample of ${sample.toLocaleString('en-US')} shown; ${rows.toLocaleString('en-US')} rows in this view`);
  await expect(plot).toHaveAttribute('data-extra', '0');

  // zoom into the middle: the region's rows come from the engine and are drawn with the sample
  const box = (await plot.locator('canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let i = 0; i < 6; i++) {
    await page.mouse.wheel(0, -300);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  const fetched = page.getByTestId('pca-fetched');
  await expect(fetched).toHaveAttribute('data-count', /^[1-9]\d*$/, { timeout: 60_000 });
  const count = Number(await fetched.getAttribute('data-count'));
  const total = Number(await fetched.getAttribute('data-total'));
  expect(total).toBeGreaterThanOrEqual(count);
  await expect(plot).toHaveAttribute('data-extra', String(count));
  // the sample's points stay the hoverable, selectable ones
  await expect(plot).toHaveAttribute('data-points', String(sample));
  await expect(fetched).toContainText(`+${count.toLocaleString('en-US')} rows of this region fetched (of ${total.toLocaleString('en-US')} in view`);
  await page.mouse.move(box.x + 10, box.y + 10);
  await plot.screenshot({ path: 'test-results/screens/every-row-zoomed.png' });
  await page.screenshot({ path: 'test-results/screens/every-row-view.png' });

  // back out: the fetched rows are dropped
  await page.locator('[data-testid="scatter-pca"] canvas').dblclick();
  await expect(plot).toHaveAttribute('data-extra', '0');
  await expect(fetched).toHaveCount(0);

  // Export offers every row of the file
  await page.getByTestId('nav-export').click();
  await page.getByTestId('export-pca').check();
  await expect(page.getByTestId('export-rows-every')).toBeEnabled();
  await page.getByTestId('export-rows-every').check();
  await expect(page.getByTestId('export-columns')).toContainText('id, split, label, z1 … z2, score');
  await page.getByTestId('export-path').fill(join(app.scratch, 'every.parquet'));
  await page.getByTestId('export-format').selectOption('parquet');
  await page.getByTestId('export-path').fill(join(app.scratch, 'every.parquet'));
  await page.getByTestId('save').click();
  await expect(page.getByTestId('export-result')).toContainText(`Saved ${rows.toLocaleString('en-US')} rows`, { timeout: 120_000 });
});
