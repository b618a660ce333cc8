import { defineConfig } from '@playwright/test';
import { chromiumPath, CHROMIUM_FLAGS } from './scripts/browser.mjs';

// Browser window mode in Debian's Chromium (software WebGL), plus the Electron window where an
// Electron binary exists. `npm test` builds the app first.
export default defineConfig({
  outputDir: 'test-results/artifacts',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    viewport: { width: 1400, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'browser',
      testDir: 'tests/e2e',
      use: {
        launchOptions: { executablePath: chromiumPath() ?? undefined, args: CHROMIUM_FLAGS },
      },
    },
    { name: 'electron', testDir: 'tests/electron' },
  ],
});
