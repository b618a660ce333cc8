// Starts Latent Lab in browser window mode (the built app, its engine process) for each test, with
// an empty data folder, and gives the test a page on it plus a scratch folder. The address the
// server prints works once: the page opens it as a user would, trading its code for the session
// cookie (a reload keeps it; launch.spec.ts checks that a second use is refused).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Cookie, type Page } from '@playwright/test';
import { assertFreshBuild, RENDERER_SOURCES } from '../unit/helpers/build';

export interface App {
  /** The app's address (no credential in it). */
  url: string;
  /** The single-use address the server printed. */
  launchUrl: string;
  /** The app's own data folder (runs, workspaces). */
  dataDir: string;
  scratch: string;
  /** The session cookie the printed address was traded for. */
  cookies: Cookie[];
}

const BACKEND = /wasm|cpu|native|tensorflow/;

/** Starts `serve.js --no-open` with its own empty data folder; resolves with the address it prints. */
export async function startApp(dataDir: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; launchUrl: string }> {
  const child: ChildProcess = spawn(process.execPath, ['out/main/serve.js', '--no-open'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LAB_DATA_DIR: dataDir, LAB_RUNS_DIR: '', ...env },
  });
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
  return { child, launchUrl };
}

/**
 * Every test gets a fresh app (its own server, engine and data folder: no runs, workspaces or
 * datasets of another test) and a page that opened the printed address as a user would.
 */
export const test = base.extend<{ app: App; lab: Page; appEnv: Record<string, string> }>({
  /** Extra environment for the app's server (and its engine), e.g. a fault to inject. */
  appEnv: [{}, { option: true }],
  app: async ({ appEnv }, use) => {
    // the tests run the built app: refuse one older than its sources (npm test builds first)
    assertFreshBuild(['out/main/serve.js', 'out/main/engine.js']);
    assertFreshBuild(['out/renderer/index.html'], RENDERER_SOURCES);
    const dataDir = mkdtempSync(join(tmpdir(), 'lab-e2e-data-'));
    const { child, launchUrl } = await startApp(dataDir, appEnv);
    const url = launchUrl.slice(0, launchUrl.indexOf('#'));
    await use({ url, launchUrl, dataDir, scratch: mkdtempSync(join(tmpdir(), 'lab-e2e-')), cookies: [] });
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  },
  lab: async ({ page, app }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(app.launchUrl);
    await expect(page.getByTestId('backend')).toContainText(BACKEND);
    expect(page.url(), 'the spent code is dropped from the address').toBe(app.url);
    const cookies = (await page.context().cookies()).filter((c) => c.name.startsWith('lab_session_'));
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', expires: -1 });
    app.cookies = cookies;
    await use(page);
    expect(errors, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };

/** Saves a screenshot under test-results/screens/ (kept as a CI artifact). */
export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/${name}.png` });
}
