// The same user path in the real Electron window. Runs wherever an Electron binary is installed;
// elsewhere it is skipped with the reason printed (npm cannot download the binary on this network).
import { createRequire } from 'node:module';
import { existsSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';

function electronBinary(): { path: string | null; reason: string } {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown as string;
    if (typeof path === 'string' && existsSync(path)) return { path, reason: '' };
    return { path: null, reason: `the electron package points at ${String(path)}, which does not exist` };
  } catch (err) {
    return { path: null, reason: `no Electron binary is installed (${(err as Error).message.split('\n')[0]})` };
  }
}

const binary = electronBinary();
if (!binary.path) console.log(`[electron] skipped: ${binary.reason}. Install one with "node node_modules/electron/install.js" where the network allows.`);

test.skip(!binary.path, `Electron binary missing: ${binary.reason}`);

test('Electron window: secure preload, open a CSV, train, compare, export', async () => {
  const app = await electron.launch({ executablePath: binary.path!, args: [resolve('.')], env: { ...process.env, ELECTRON_ENABLE_LOGGING: '1' } });
  const scratch = mkdtempSync(join(tmpdir(), 'lab-electron-'));
  const csv = resolve('tests/fixtures/good/blobs.csv');
  const out = join(scratch, 'vae.csv');
  // answer the native dialogs the way a user would
  await app.evaluate(({ dialog }, paths) => {
    dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [paths.csv] })) as typeof dialog.showOpenDialog;
    dialog.showSaveDialog = (async () => ({ canceled: false, filePath: paths.out })) as typeof dialog.showSaveDialog;
  }, { csv, out });
  const page = await app.firstWindow();
  await expect(page.getByTestId('mode')).toHaveText('Desktop window');
  // the renderer has no Node: only window.lab
  expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
  expect(await page.evaluate(() => typeof window.lab?.call)).toBe('function');

  await page.getByTestId('open-file').click();
  await expect(page.getByTestId('shape')).toHaveText('240 × 5');
  await page.getByTestId('nav-train').click();
  await page.getByTestId('cfg-epochs').fill('5');
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('nav-compare').click();
  await expect(page.getByTestId('scatter-vae')).toHaveAttribute('data-points', '48');
  await expect(page.getByTestId('scatter-pca')).toHaveAttribute('data-points', '48');
  await page.screenshot({ path: 'test-results/screens/electron-compare.png' });
  await page.getByTestId('nav-export').click();
  await page.getByTestId('save-as').click();
  await expect(page.getByTestId('export-result')).toContainText(out);
  expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(49);
  await app.close();
});
