// Starts Latent Lab in browser window mode (the built app, its own engine worker) once per test
// worker, and gives each test a page on it plus a scratch folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';

export interface App {
  url: string;
  scratch: string;
}

export const test = base.extend<{ app: App; lab: Page }, { server: App }>({
  server: [
    async ({}, use) => {
      const child: ChildProcess = spawn(process.execPath, ['out/main/serve.js', '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 60_000);
        child.stdout!.on('data', (d: Buffer) => {
          log += d.toString();
          const m = /(http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/.exec(log);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
        child.on('exit', (code) => reject(new Error(`server exited (${code}):\n${log}`)));
      });
      await use({ url, scratch: mkdtempSync(join(tmpdir(), 'lab-e2e-')) });
      child.kill('SIGTERM');
    },
    { scope: 'worker' },
  ],
  app: async ({ server }, use) => use(server),
  lab: async ({ page, server }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await expect(page.getByTestId('backend')).toContainText(/wasm|cpu|native|tensorflow/);
    await use(page);
    expect(errors, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };

/** Saves a screenshot under test-results/screens/ (kept as a CI artifact). */
export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/${name}.png` });
}
