// Issue 7, the Anomalies panel: mark the normal class, fit on its rows, ROC curves and AUC per score,
// the ranked rows with thumbnails, a threshold whose flagged rows light up in the scatter views (and
// in Compare), CSV export; Cancel; and a dataset without labels (scores and ranking, no ROC).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, snap, test } from './fixtures';

const blobs = resolve('tests/fixtures/good/blobs.csv');

test('MNIST, digit 0 normal: ROC + AUC per score, ranked rows, threshold, highlight, export', async ({ lab: page, app }) => {
  await page.getByTestId('open-builtin-mnist').click();
  await expect(page.getByTestId('shape')).toHaveText('70,000 × 784');
  await page.getByTestId('nav-anomalies').click();
  await expect(page.getByTestId('normal-0')).toBeChecked();
  await expect(page.getByTestId('normal-1')).not.toBeChecked();
  await expect(page.getByTestId('anomaly-empty')).toContainText('784-400-20');
  // small and quick: 3 epochs, a narrow network, 3 samples of z per row
  await page.getByTestId('method-ae-error').check();
  await page.getByTestId('anomaly-hidden').fill('64');
  await page.getByTestId('anomaly-latent').fill('8');
  await page.getByTestId('anomaly-epochs').fill('3');
  await page.getByTestId('anomaly-samples').fill('3');
  await page.getByTestId('pca-k').fill('10');
  // every class normal leaves nothing to find
  for (let d = 1; d <= 9; d++) await page.getByTestId(`normal-${d}`).check();
  await expect(page.getByTestId('anomaly-problem')).toContainText('Leave at least one class unmarked');
  await expect(page.getByTestId('anomaly-run')).toBeDisabled();
  for (let d = 1; d <= 9; d++) await page.getByTestId(`normal-${d}`).uncheck();

  await page.getByTestId('anomaly-run').click();
  await expect(page.getByTestId('anomaly-progress')).toBeVisible();
  await expect(page.getByTestId('anomaly-result')).toBeVisible({ timeout: 170_000 });
  await expect(page.getByTestId('roc-chart')).toHaveAttribute('data-curves', '4');
  const table = page.getByTestId('auc-table');
  for (const key of ['vae8_recon_prob', 'vae8_error', 'ae8_error', 'pca10_error']) {
    const auc = Number(await table.getByTestId(`auc-${key}`).locator('td').nth(1).innerText());
    expect(auc).toBeGreaterThan(0.8);
    expect(auc).toBeLessThanOrEqual(1);
  }
  await expect(page.getByTestId('anomaly-result')).toContainText('Fitted on the 5,923 training rows of class 0; scored the 10,000 test rows');
  await expect(page.getByTestId('ranked-rows')).toHaveAttribute('data-rows', '24');
  await expect(page.getByTestId('ranked-rows').getByTestId('thumb')).toHaveCount(24);
  await snap(page, 'anomalies-roc');

  // threshold: at the share of anomalies (9,020 of 10,000) to start, then the top 5%
  await expect(page.getByTestId('threshold-count')).toContainText(/9,0\d\d of 10,000 rows flagged/);
  await page.getByTestId('threshold').fill('950');
  await expect(page.getByTestId('threshold-count')).toContainText(/\b50\d of 10,000 rows flagged/);
  const flagged = (await page.getByTestId('threshold-count').locator('strong').innerText()).replace(/,/g, '');
  await expect(page.getByTestId('threshold-quality')).toContainText('of them anomalous');
  await page.getByTestId('rank-by').selectOption({ label: 'PCA-10 reconstruction error' });
  await expect(page.getByTestId('threshold-value')).toContainText('score ≥');
  const flaggedPca = (await page.getByTestId('threshold-count').locator('strong').innerText()).replace(/,/g, '');
  await page.getByTestId('anomaly-scatter').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('anomaly-scatter-pca')).toHaveAttribute('data-selected', flaggedPca, { timeout: 120_000 });
  await expect(page.getByTestId('anomaly-scatter-latent')).toHaveAttribute('data-selected', flaggedPca);
  expect(Number(flagged)).toBeGreaterThan(400);
  await snap(page, 'anomalies-scatter');

  // the Compare panel highlights the same rows
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('scatter-pca')).toHaveAttribute('data-selected', flaggedPca, { timeout: 120_000 });
  await page.getByTestId('nav-anomalies').click();

  // scores as CSV
  const path = join(app.scratch, 'mnist-anomalies.csv');
  await page.getByTestId('save-scores-path').fill(path);
  await page.getByTestId('save-scores').click();
  await expect(page.getByTestId('notice-info').last()).toContainText('Saved the scores of 10,000 rows');
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  expect(lines[0]).toBe('id,label,is_anomaly,vae8_recon_prob,vae8_error,ae8_error,pca10_error');
  expect(lines).toHaveLength(10_001);
  expect(lines[1]).toMatch(/^60000,7,1,[\d.e+-]+,[\d.e+-]+,[\d.e+-]+,[\d.e+-]+$/);
});

test('Cancel stops an anomaly job; the panel stays usable', async ({ lab: page }) => {
  await page.getByTestId('file-input').setInputFiles(blobs);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await page.getByTestId('nav-anomalies').click();
  await page.getByTestId('anomaly-epochs').fill('5000');
  await page.getByTestId('anomaly-run').click();
  await expect(page.getByTestId('anomaly-progress')).toBeVisible();
  await page.getByTestId('anomaly-cancel').click();
  await expect(page.getByTestId('anomaly-run')).toBeVisible();
  await expect(page.getByTestId('anomaly-empty')).toBeVisible();
  await expect(page.getByTestId('notice-error')).toHaveCount(0);
});

test('without labels: every row is normal, scores and a ranked table, no ROC', async ({ lab: page }) => {
  await page.getByTestId('file-input').setInputFiles(blobs);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await page.getByTestId('role-group').selectOption('ignore');
  await page.getByTestId('apply-options').click();
  await expect(page.getByTestId('label-name')).toHaveText('none');
  await page.getByTestId('nav-anomalies').click();
  await expect(page.getByTestId('no-labels')).toContainText('every training row is taken as normal');
  await page.getByTestId('method-recon-prob').uncheck();
  await page.getByTestId('anomaly-epochs').fill('20');
  await page.getByTestId('anomaly-hidden').fill('16');
  await page.getByTestId('pca-k').fill('2');
  await page.getByTestId('anomaly-run').click();
  await expect(page.getByTestId('no-roc')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('roc-chart')).toHaveCount(0);
  await expect(page.getByTestId('ranked-rows')).toHaveAttribute('data-rows', '24');
  await expect(page.getByTestId('threshold-count')).toContainText('of 48 rows flagged');
  await snap(page, 'anomalies-unlabelled');
});
