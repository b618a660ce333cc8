// Starts Latent Lab in browser window mode (the built app, its own engine worker) once per test
// worker, and gives each test a page on it plus a scratch folder. The address the server prints
// works once: the first page opens it as a user would (trading its code for the session cookie);
// every test's page then gets that cookie, as a reload of the app window would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Cookie, type Page } from '@playwright/test';

export interface App {
  /** The app's address (no credential in it). */
  url: string;
  scratch: string;
  /** The session cookie the printed address was traded for. */
  cookies: Cookie[];
}

const BACKEND = /wasm|cpu|native|tensorflow/;

export const test = base.extend<{ app: App; lab: Page }, { server: App }>({
  server: [
    async ({ browser }, use) => {
      const child: ChildProcess = spawn(process.execPath, ['out/main/serve.js', '--no-open'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      const launchUrl = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 60_000);
        child.stdout!.on('data', (d: Buffer) => {
          log += d.toString();
          const m = /(http:\/\/127\.0\.0\.1:\d+\/#code=[\w-]+)/.exec(log);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
        child.on('exit', (code) => reject(new Error(`server exited (${code}):\n${log}`)));
      });
      const url = launchUrl.slice(0, launchUrl.indexOf('#'));
      const first = await browser.newContext();
      const page = await first.newPage();
      await page.goto(launchUrl);
      await expect(page.getByTestId('backend')).toContainText(BACKEND);
      expect(page.url(), 'the spent code is dropped from the address').toBe(url);
      const cookies = (await first.cookies()).filter((c) => c.name.startsWith('lab_session_'));
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', expires: -1 });
      await first.close();
      // the printed address was single-use: a second page opening it gets no session
      const second = await browser.newContext();
      const again = await second.newPage();
      await again.goto(launchUrl);
      await expect(again.getByRole('alert')).toContainText('This address was already used');
      await second.close();
      await use({ url, scratch: mkdtempSync(join(tmpdir(), 'lab-e2e-')), cookies });
      child.kill('SIGTERM');
    },
    { scope: 'worker' },
  ],
  app: async ({ server }, use) => use(server),
  lab: async ({ page, server }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.context().addCookies(server.cookies);
    await page.goto(server.url);
    await expect(page.getByTestId('backend')).toContainText(BACKEND);
    await use(page);
    expect(errors, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };

/** Saves a screenshot under test-results/screens/ (kept as a CI artifact). */
export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/${name}.png` });
}
