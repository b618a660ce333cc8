// The same user path in the real Electron window (the steps and checks are the browser flow's,
// from tests/e2e/csv-flow.ts). Runs wherever an Electron binary is installed; elsewhere it is
// skipped with the reason printed (npm cannot download the binary on this network).
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { BLOBS_CSV, csvFlow } from '../e2e/csv-flow';
import { assertFreshBuild, RENDERER_SOURCES } from '../unit/helpers/build';

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
  assertFreshBuild(['out/main/index.js', 'out/main/engine.js', 'out/preload/index.cjs']);
  assertFreshBuild(['out/renderer/index.html'], RENDERER_SOURCES);
  const app = await electron.launch({ executablePath: binary.path!, args: [resolve('.')], env: { ...process.env, ELECTRON_ENABLE_LOGGING: '1' } });
  const scratch = mkdtempSync(join(tmpdir(), 'lab-electron-'));
  const page = await app.firstWindow();
  await expect(page.getByTestId('mode')).toHaveText('Desktop window');
  // the renderer has no Node: only window.lab
  expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
  expect(await page.evaluate(() => typeof window.lab?.call)).toBe('function');

  // the same path and checks as the browser window (csv-flow.ts); the native dialogs are
  // answered the way a user would
  await csvFlow(page, {
    open: async () => {
      await app.evaluate(({ dialog }, csv) => {
        dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [csv] })) as typeof dialog.showOpenDialog;
      }, BLOBS_CSV);
      await page.getByTestId('open-file').click();
    },
    save: async (path) => {
      await app.evaluate(({ dialog }, out) => {
        dialog.showSaveDialog = (async () => ({ canceled: false, filePath: out })) as typeof dialog.showSaveDialog;
      }, path);
      await page.getByTestId('save-as').click();
    },
    snap: async (name) => {
      await page.screenshot({ path: `test-results/screens/electron-${name}.png` });
    },
  }, scratch);
  await app.close();
});
