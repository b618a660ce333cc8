// The app window's way in, in Chromium: serve.ts opens Chromium on a private launch page (its
// command line names only that file); the page forwards to the app with a single-use code, the
// app trades it for its session cookie and connects. Here the page is opened as Chromium would,
// with the real engine behind the server.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { EngineHost } from '../../electron/engine/host/host';
import { writeLaunchPage } from '../../electron/server/launch';
import { startServer } from '../../electron/server/server';
import { assertFreshBuild, RENDERER_SOURCES } from '../unit/helpers/build';

// the built engine and renderer: refuse ones older than their sources (npm test builds first)
test.beforeAll(() => {
  assertFreshBuild(['out/main/engine.js']);
  assertFreshBuild(['out/renderer/index.html'], RENDERER_SOURCES);
});

test('the launch page opens the app once, leaves no code behind, and a reload keeps the session', async ({ page }) => {
  const host = new EngineHost({ entry: resolve('out/main/engine.js') });
  const server = await startServer({ engine: host.api, rendererDir: resolve('out/renderer'), version: 'e2e' });
  try {
    const launch = writeLaunchPage(server.launchUrl(server.issueLaunchCode(() => launch.remove())));
    await page.goto(launch.fileUrl);
    await expect(page.getByTestId('backend')).toContainText(/wasm|cpu|native|tensorflow/);
    expect(page.url()).toBe(server.url);
    // the code is spent and its page deleted
    expect(existsSync(launch.file)).toBe(false);
    expect(existsSync(launch.dir)).toBe(false);
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite, session: c.expires === -1 }))).toEqual([
      { name: server.cookieName, httpOnly: true, sameSite: 'Strict', session: true },
    ]);
    // the page's script cannot read its credential
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await page.reload();
    await expect(page.getByTestId('backend')).toContainText(/wasm|cpu|native|tensorflow/);
  } finally {
    await server.close();
    await host.close();
  }
});

test('the address the server prints works once: a second browser opening it gets no session', async ({ browser }) => {
  const host = new EngineHost({ entry: resolve('out/main/engine.js') });
  const server = await startServer({ engine: host.api, rendererDir: resolve('out/renderer'), version: 'e2e' });
  try {
    const printed = server.launchUrl(server.issueLaunchCode());
    const first = await browser.newContext();
    const page = await first.newPage();
    await page.goto(printed);
    await expect(page.getByTestId('backend')).toContainText(/wasm|cpu|native|tensorflow/);
    await first.close();
    const second = await browser.newContext();
    const again = await second.newPage();
    await again.goto(printed);
    await expect(again.getByRole('alert')).toContainText('This address was already used');
    await second.close();
  } finally {
    await server.close();
    await host.close();
  }
});
