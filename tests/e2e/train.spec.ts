// Issue 5 in the UI: every model of the family trains from the Train panel; pause, resume, early
// stopping, the divergence guard, run overlay, save and load all work as a user reaches them.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { MODEL_INFO, MODEL_NAMES } from '../../shared/models';
import { expect, snap, test } from './fixtures';

const blobs = resolve('tests/fixtures/good/blobs.csv');

async function openBlobs(page: Page): Promise<void> {
  await page.getByTestId('file-input').setInputFiles(blobs);
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await page.getByTestId('nav-train').click();
}

async function set(page: Page, settings: Record<string, string>): Promise<void> {
  const advanced = ['schedule', 'clipNorm', 'klWarmupEpochs', 'validationFraction', 'patience'];
  if (Object.keys(settings).some((k) => advanced.includes(k))) {
    const details = page.locator('details');
    if (!(await details.getAttribute('open'))) await page.getByText('Schedule, clipping, warm-up, early stopping').click();
  }
  for (const [key, value] of Object.entries(settings)) {
    const field = page.getByTestId(`cfg-${key}`);
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
}

test('every model of the family trains from the Train panel with finite losses', async ({ lab: page }) => {
  await openBlobs(page);
  // runs of earlier tests stay in the engine's run list
  const before = await page.getByTestId('run-row').count();
  await set(page, { epochs: '3', batchSize: '32', hidden: '32', validationFraction: '0' });
  for (const name of MODEL_NAMES) {
    await set(page, { model: name });
    await expect(page.getByTestId('objective')).toHaveText(MODEL_INFO[name].objective);
    await page.getByTestId('train').click();
    await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('model-title')).toHaveText(MODEL_INFO[name].title);
    await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-epochs', '3');
    const loss = await page.getByTestId('run-result').locator('dd').first().innerText();
    expect(Number.isFinite(Number(loss.replace(/,/g, '')))).toBe(true);
  }
  await expect(page.getByTestId('run-row')).toHaveCount(before + MODEL_NAMES.length);
  await snap(page, 'train-family');
});

test('pause holds training, resume continues it, and the live view shows smoothed batches', async ({ lab: page }) => {
  await openBlobs(page);
  await set(page, { epochs: '5000', batchSize: '4', hidden: '64' });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('train-progress')).toBeVisible();
  await page.getByTestId('view-live').click();
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-series', /[1-9]/);
  await snap(page, 'train-live');
  await page.getByTestId('pause-train').click();
  await expect(page.getByTestId('speed')).toHaveText(/paused/);
  const held = await page.getByTestId('loss-chart').getAttribute('data-epochs');
  await page.waitForTimeout(1500);
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-epochs', held!);
  await page.getByTestId('resume-train').click();
  await expect(page.getByTestId('speed')).toHaveText(/samples\/s/);
  await expect(page.getByTestId('loss-chart')).not.toHaveAttribute('data-epochs', held!);
  await page.getByTestId('cancel-train').click();
  await expect(page.getByTestId('run-result')).toContainText('(stopped)');
});

test('early stopping on validation loss ends the run and says so', async ({ lab: page }) => {
  await openBlobs(page);
  await set(page, { epochs: '2000', batchSize: '16', hidden: '32', learningRate: '0.01', validationFraction: '0.3', patience: '3' });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-message')).toContainText('Stopped early', { timeout: 120_000 });
  await expect(page.getByTestId('run-result')).toContainText('(early stop)');
  // the chart shows the validation curve next to the training terms
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-series', '4');
});

test('a diverging run stops with advice to lower the learning rate', async ({ lab: page }) => {
  await openBlobs(page);
  await set(page, { epochs: '50', batchSize: '8', learningRate: '10', hidden: '256', validationFraction: '0' });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('notice-error').last()).toContainText(/diverged|NaN|infinite/i, { timeout: 60_000 });
  await expect(page.getByTestId('notice-error').last()).toContainText(/lower the learning rate/i);
  await expect(page.getByTestId('run-list')).toContainText('diverged');
});

test('two runs overlay on one chart; a saved model loads back and embeds the data', async ({ lab: page, app }) => {
  await openBlobs(page);
  const before = await page.getByTestId('run-row').count();
  await set(page, { epochs: '5', batchSize: '32', hidden: '32', validationFraction: '0' });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible();
  await set(page, { model: 'beta-vae', beta: '2' });
  await page.getByTestId('train').click();
  await expect(page.getByTestId('model-title')).toHaveText('β-VAE');
  await expect(page.getByTestId('run-result')).toBeVisible();
  const single = Number(await page.getByTestId('loss-chart').getAttribute('data-series'));
  await page.getByTestId('run-row').nth(before).getByRole('radio').check();
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-series', String(single * 2));
  await snap(page, 'train-overlay');

  const folder = join(app.scratch, 'beta-vae-model');
  await page.getByTestId('run-row').last().getByTestId('save-model').click();
  await page.getByTestId('save-path').fill(folder);
  await page.getByTestId('save-model-confirm').click();
  await expect(page.getByTestId('notice-info').last()).toContainText('Saved the model');
  expect(existsSync(join(folder, 'model.json'))).toBe(true);

  await page.getByTestId('load-path').fill(folder);
  await page.getByTestId('load-model').click();
  await expect(page.getByTestId('run-list')).toContainText('loaded');
  await page.getByTestId('run-row').last().getByTestId('use-model').click();
  await expect(page.getByTestId('notice-info').last()).toContainText('test loss');
});
