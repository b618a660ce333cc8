// Data larger than memory in the window: the memory budget setting in the Data panel (refusing a
// bad value with its message, keeping a good one), a Parquet file over the budget opening streamed
// with why (its size against the budget), and the PCA view saying it shows a sample of the rows.
import { join } from 'node:path';
import { badBudgets } from '../fixtures/bad/memory-budgets';
import { writeStreamFile } from '../unit/helpers/stream-files';
import { expect, snap, test } from './fixtures';

test('a file over the memory budget opens streamed, says why, and the views say they show a sample', async ({ lab: page, app }) => {
  test.setTimeout(300_000);
  const path = await writeStreamFile(join(app.scratch, 'big.parquet'), { rows: 300_000, features: 8, extras: true });

  // the budget setting: bad values are refused with their own message
  await page.getByTestId('memory-budget').locator('summary').click();
  await expect(page.getByTestId('budget-now')).toHaveText(/^[\d,]+ MB$/);
  for (const bad of [badBudgets[0], badBudgets.find((b) => b.value === '8')!]) {
    await page.getByTestId('budget-input').fill(bad.value);
    await page.getByTestId('budget-set').click();
    await expect(page.getByTestId('budget-error')).toHaveText(bad.says);
  }
  await expect(page.getByTestId('budget-now')).not.toHaveText('8 MB');
  await page.getByTestId('budget-input').fill('16');
  await page.getByTestId('budget-set').click();
  await expect(page.getByTestId('budget-now')).toHaveText('16 MB');
  await expect(page.getByTestId('budget-saved')).toContainText('kept for the next start');
  await expect(page.getByTestId('budget-error')).toHaveCount(0);

  // the file opens streamed, and the Data panel says why
  if (await page.getByTestId('show-sources').isVisible()) await page.getByTestId('show-sources').click();
  await page.getByTestId('path-input').fill(path);
  await page.getByTestId('open-path').click();
  await expect(page.getByTestId('streamed-badge')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('streamed-why')).toHaveText(/^Loading it whole would need about [\d.]+ MB, more than the memory budget of 16 MB\.$/);
  await expect(page.getByTestId('notes')).toContainText('opened streamed');
  await snap(page, 'data-streamed');

  // the PCA view (fitted on every training row in passes) shows the sample, and says so
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('scatter-pca')).toHaveAttribute('data-points', /^[1-9]\d*$/, { timeout: 120_000 });
  const sample = Number((await page.getByTestId('scatter-pca').getAttribute('data-points'))!);
  const caption = page.getByTestId('pca-sampled');
  await expect(caption).toContainText(`showing ${sample.toLocaleString('en-US')} of `);
  const total = Number(/of ([\d,]+) test rows/.exec(await caption.innerText())![1].replaceAll(',', ''));
  expect(total).toBeGreaterThan(sample * 2);
  // …and was fitted on every training row, not on the sample
  const fitted = Number(/fitted on ([\d,]+) rows/.exec(await page.getByTestId('view-pca').innerText())![1].replaceAll(',', ''));
  expect(fitted).toBeGreaterThan(total * 2);
  await snap(page, 'compare-streamed');

  // the setting is back after a reload (kept by the engine)
  await page.reload();
  await page.getByTestId('nav-data').click();
  await expect(page.getByTestId('budget-now')).toHaveText('16 MB');
});
