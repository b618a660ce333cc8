// The first-run user path on a small CSV — open it, see what was read, drop and restore the label,
// train, compare, export — written once and run in both windows: browser window mode
// (tests/e2e/flow.spec.ts) and the Electron window (tests/electron/app.spec.ts), so that what the
// two expect cannot drift apart. Each window says only how a file is opened and where an export is
// saved (a file input and a typed path in the browser; native dialogs in Electron).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { expectPointsAt, expectScatterDrawn, type ExpectedPoint } from './scatter-pixels';

/** 240 rows: an id column, four features, three blobs labelled by `group`; 48 test rows. */
export const BLOBS_CSV = resolve('tests/fixtures/good/blobs.csv');

export interface WindowIo {
  /** Opens BLOBS_CSV the way this window does. */
  open(): Promise<void>;
  /** Saves the chosen export to `path` the way this window does (the Export panel is showing). */
  save(path: string): Promise<void>;
  /** Keeps a screenshot of the step (named). */
  snap?(name: string): Promise<void>;
}

/** Trains with the given settings from the Train panel and waits for the result. */
export async function train(page: Page, settings: Record<string, string>): Promise<void> {
  await page.getByTestId('nav-train').click();
  if (settings.validationFraction !== undefined) await page.getByText('Schedule, clipping, warm-up, early stopping').click();
  for (const [key, value] of Object.entries(settings)) await page.getByTestId(`cfg-${key}`).fill(value);
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 170_000 });
}

export async function csvFlow(page: Page, io: WindowIo, scratch: string): Promise<void> {
  const snap = (name: string) => io.snap?.(name) ?? Promise.resolve();

  // open: the id column is set aside, `group` is the label
  await io.open();
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await expect(page.getByTestId('shape')).toHaveText('240 × 4');
  await expect(page.getByTestId('role-group')).toHaveValue('label');
  await expect(page.getByTestId('role-id')).toHaveValue('ignore');
  await expect(page.getByTestId('label-counts')).toContainText('alpha');
  await expect(page.getByTestId('preview').locator('tbody tr')).toHaveCount(10);
  // no label, then the label again: the file is re-read with that choice
  await page.getByTestId('role-group').selectOption('ignore');
  await page.getByTestId('apply-options').click();
  await expect(page.getByTestId('label-counts')).toHaveCount(0);
  await expect(page.getByTestId('label-name')).toHaveText('none');
  await page.getByTestId('role-group').selectOption('label');
  await page.getByTestId('apply-options').click();
  await expect(page.getByTestId('label-counts')).toContainText('gamma');
  await expect(page.getByTestId('label-name')).toHaveText('group (3 classes)');
  await snap('csv-data');

  await train(page, { epochs: '15', batchSize: '32', hidden: '32', validationFraction: '0' });
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-epochs', '15');
  await snap('csv-train');

  // compare: both views drawn (pixels read back), in the three label colours
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('scatter-pca')).toHaveAttribute('data-points', '48');
  await expect(page.getByTestId('scatter-vae')).toHaveAttribute('data-points', '48');
  await expect(page.getByTestId('pca-variance')).toContainText('explained variance');
  await expectScatterDrawn(page, 'scatter-pca', { classes: 3 });
  await expectScatterDrawn(page, 'scatter-vae', { classes: 3 });
  await snap('csv-compare');

  // export the VAE's test rows
  await page.getByTestId('nav-export').click();
  await page.getByTestId('export-vae').check();
  const path = join(scratch, 'blobs-vae.csv');
  await io.save(path);
  await expect(page.getByTestId('export-result')).toContainText(path);
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  expect(lines[0]).toBe('id,label,z1,z2');
  expect(lines).toHaveLength(49);
  for (const line of lines.slice(1)) expect(line).toMatch(/^\d+,(alpha|beta|gamma),-?[\d.e-]+,-?[\d.e-]+$/);
  await snap('csv-export');

  // the exported coordinates are where the VAE view drew its points, one colour per label
  const points: ExpectedPoint[] = lines.slice(1).map((l) => {
    const [, label, z1, z2] = l.split(',');
    return { x: Number(z1), y: Number(z2), label };
  });
  await page.getByTestId('nav-compare').click();
  await expectPointsAt(page, 'scatter-vae', points, 3);
}
