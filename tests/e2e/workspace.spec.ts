// Issue 11 in the window: work that lasts. A workspace saved from the File menu holds the runs,
// views and selection; a reload brings the session back; another app (a colleague, another day)
// opens the file and finds the same; switching datasets and back keeps each one's models; an
// engine crash while opening a file says what happened and the session comes back.
import { resolve, join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Page } from '@playwright/test';
import { readWorkspace } from '../../electron/engine/workspace/format';
import { expect, snap, startApp, test } from './fixtures';

const blobs = resolve('tests/fixtures/good/blobs.csv');
const crashing = resolve('tests/fixtures/good/crash-me.csv');

async function openPath(page: Page, path: string): Promise<void> {
  await page.getByTestId('nav-data').click();
  if (await page.getByTestId('show-sources').isVisible()) await page.getByTestId('show-sources').click();
  await page.getByTestId('path-input').fill(path);
  await page.getByTestId('open-path').click();
}

/** Whether the autosave in `dataDir` has a view of `method` on screen (its embedding and the dataset's shown list). */
async function autosaveShows(dataDir: string, method: string): Promise<boolean> {
  const saved = await readWorkspace(join(dataDir, 'autosave.latentlab')).catch(() => null);
  return saved?.file.datasets.some((d) => {
    const shown = (d.view as { shown?: string[] } | null)?.shown ?? [];
    return d.embeddings.some((e) => e.data.method === method && shown.includes(e.data.id));
  }) ?? false;
}

async function trainQuick(page: Page): Promise<void> {
  await page.getByTestId('nav-train').click();
  await page.getByTestId('cfg-epochs').fill('8');
  await page.getByTestId('cfg-hidden').fill('16');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 120_000 });
}

async function lassoLeftHalf(page: Page, testid: string): Promise<void> {
  const box = (await page.getByTestId(testid).locator('canvas').boundingBox())!;
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + box.width * 0.02, box.y + box.height * 0.02);
  await page.mouse.down();
  for (const [fx, fy] of [[0.5, 0.02], [0.5, 0.98], [0.02, 0.98], [0.02, 0.03]]) await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy, { steps: 5 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
}

/** What the window shows that a workspace must bring back. */
async function state(page: Page) {
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('scatter-vae')).toHaveAttribute('data-points', '48');
  const views = await page.locator('[data-testid^="view-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
  const selected = await page.getByTestId('selection-info').textContent();
  await page.getByTestId('nav-train').click();
  const runs = await page.getByTestId('run-row').allTextContents();
  return { views, selected: selected?.match(/[\d,]+ rows selected/)?.[0], runs: runs.map((r) => r.split('·')[0].trim()) };
}

test('a saved workspace brings back the runs, views and selection: after a reload, and in another app', async ({ lab: page, app }) => {
  await openPath(page, blobs);
  await expect(page.getByTestId('shape')).toHaveText('240 × 4');
  await trainQuick(page);
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('scatter-vae')).toHaveAttribute('data-points', '48');
  await lassoLeftHalf(page, 'scatter-pca');
  await expect(page.getByTestId('selection-info')).toContainText('rows selected');
  const before = await state(page);
  expect(before.views).toEqual(expect.arrayContaining(['view-pca', 'view-vae']));
  expect(before.runs).toHaveLength(1);

  // File → Save workspace as…
  const file = join(app.scratch, 'blobs-study.latentlab');
  await page.getByTestId('file-menu').click();
  await page.getByTestId('save-workspace-as').click();
  await page.getByTestId('workspace-path').fill(file);
  await page.getByTestId('workspace-submit').click();
  await expect(page.getByTestId('notice-info').filter({ hasText: 'Saved the workspace' })).toBeVisible();
  await expect(page.getByTestId('status-saved')).toContainText('blobs-study.latentlab');

  // a reload: the session is back on its own (autosave), same views and selection
  await page.reload();
  await expect(page.getByTestId('status-dataset')).toContainText('blobs.csv', { timeout: 60_000 });
  expect(await state(page)).toEqual(before);
  await snap(page, 'workspace-after-reload');

  // another app with an empty data folder (a colleague's) opens the file: everything is there
  const { child, launchUrl } = await startApp(mkdtempSync(join(tmpdir(), 'lab-e2e-colleague-')));
  try {
    const other = await page.context().browser()!.newPage();
    await other.goto(launchUrl);
    await expect(other.getByTestId('status-dataset')).toHaveText('no dataset');
    await other.getByTestId('file-menu').click();
    await other.getByTestId('open-workspace').click();
    await other.getByTestId('workspace-path').fill(file);
    await other.getByTestId('workspace-submit').click();
    await expect(other.getByTestId('status-dataset')).toContainText('blobs.csv', { timeout: 60_000 });
    expect(await state(other)).toEqual(before);
    // the model came along: it generates
    await other.getByTestId('nav-generate').click();
    await other.getByTestId('sample').click();
    await expect(other.getByTestId('samples-table')).toBeVisible();
    await snap(other, 'workspace-colleague');
    await other.close();
  } finally {
    child.kill('SIGTERM');
  }
});

test('switching to another dataset and back keeps the first one’s model, views and selection', async ({ lab: page }) => {
  await openPath(page, blobs);
  await trainQuick(page);
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('scatter-vae')).toHaveAttribute('data-points', '48');
  await lassoLeftHalf(page, 'scatter-vae');
  const selected = await page.getByTestId('selection-info').textContent();
  await page.getByTestId('nav-data').click();
  await page.getByTestId('show-sources').click();
  await page.getByTestId('open-builtin-penguins').click();
  await expect(page.getByTestId('status-dataset')).toContainText('penguins');
  // another dataset: no model of its own, the blobs selection does not follow
  await page.getByTestId('nav-generate').click();
  await expect(page.getByTestId('generate-empty')).toContainText('No trained model');
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('selection-info')).toHaveCount(0);
  // back to blobs from the list of open datasets
  await page.getByTestId('nav-data').click();
  await page.getByTestId('switch-blobs.csv').click();
  await expect(page.getByTestId('status-dataset')).toContainText('blobs.csv');
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('view-vae')).toBeVisible();
  await expect(page.getByTestId('selection-info')).toHaveText(selected!);
  await page.getByTestId('nav-generate').click();
  await expect(page.getByTestId('generate-model')).toBeVisible();
  await page.getByTestId('sample').click();
  await expect(page.getByTestId('samples-table')).toBeVisible();
  // no error toast on the way
  await expect(page.getByTestId('notice-error')).toHaveCount(0);
});

test.describe('an engine crash', () => {
  test.use({ appEnv: { LAB_TEST_CRASH_ON_OPEN: 'crash-me.csv' } });

  test('says what happened and which file caused it, and the session comes back', async ({ lab: page, app }) => {
    await openPath(page, blobs);
    await trainQuick(page);
    await page.getByTestId('nav-compare').click();
    await expect(page.getByTestId('scatter-vae')).toHaveAttribute('data-points', '48');
    // let the autosave catch up with the views on screen (its file holds the VAE view, shown)
    await expect(page.getByTestId('status-saved')).toContainText('autosaved', { timeout: 15_000 });
    await expect.poll(() => autosaveShows(app.dataDir, 'vae'), { timeout: 15_000 }).toBe(true);
    await openPath(page, crashing);
    const notice = page.getByTestId('notice-error').filter({ hasText: 'The engine stopped' });
    await expect(notice).toContainText('crashed in native code (SIGSEGV) while “Open crash-me.csv” was running');
    await expect(notice).toContainText('file being opened may be the cause');
    // a fresh engine: the dataset and its run are back, its views too
    await expect(page.getByTestId('status-dataset')).toContainText('blobs.csv', { timeout: 60_000 });
    await page.getByTestId('nav-train').click();
    await expect(page.getByTestId('run-row')).toHaveCount(1);
    await page.getByTestId('nav-compare').click();
    await expect(page.getByTestId('scatter-vae')).toHaveAttribute('data-points', '48');
    await snap(page, 'engine-crash-recovered');
  });
});
