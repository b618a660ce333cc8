// "Connect to engine…" in the window (browser window mode) against `lab serve` in its own process
// over TLS with a self-signed certificate: the certificate is shown by its fingerprint before the
// token goes anywhere, the status bar names the engine, Open file… browses the server's allowed
// folder, a file of this computer is uploaded in pieces, training runs there, an export written
// there is downloaded here, and the window goes back to its own engine.
import { copyFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, snap, test } from './fixtures';
import { makeCert, makeToken, privateDir, startServe, type Serving } from '../unit/helpers/remote';

const blobs = resolve('tests/fixtures/good/blobs.csv');
let serving: Serving;
let allowed: string;
let token: string;
let fingerprint: string;

test.beforeAll(async () => {
  const dir = privateDir('lab-e2e-remote-');
  allowed = privateDir('lab-e2e-remote-files-');
  copyFileSync(blobs, join(allowed, 'far-blobs.csv'));
  const cert = makeCert(dir);
  const t = makeToken(dir);
  token = t.token;
  fingerprint = cert.fingerprint;
  serving = await startServe(['--listen', '127.0.0.1:0', '--tls-cert', cert.cert, '--tls-key', cert.key, '--token-file', t.path, '--allow', allowed],
    { LAB_DATA_DIR: privateDir('lab-e2e-remote-data-') }, true);
});

test.afterAll(async () => {
  await serving?.stop();
});

test('Connect to engine…: trust the certificate, open, upload, train and download on the remote engine, then back', async ({ lab: page, app }) => {
  await expect(page.getByTestId('status-engine')).toHaveText('engine: this computer');
  await page.getByTestId('connect-engine').click();
  await page.getByTestId('engine-url').fill(`wss://127.0.0.1:${serving.port}`);
  await page.getByTestId('engine-token').fill(token);
  await page.getByTestId('engine-connect').click();
  // a self-signed certificate: its fingerprint, to compare with what lab serve printed
  await expect(page.getByTestId('engine-fingerprint')).toHaveText(fingerprint);
  expect(serving.output()).toContain(fingerprint);
  await snap(page, 'remote-trust');
  await page.getByTestId('engine-trust').click();
  // the window reloads onto the remote engine
  await expect(page.getByTestId('status-engine')).toHaveText(`engine: 127.0.0.1:${serving.port}`);
  await expect(page.getByTestId('backend')).toContainText(/native|wasm|cpu|tensorflow/);
  // the token is kept by the shell, 0600, not in the page's storage
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  expect(stored).not.toContain(token);
  expect(readFileSync(join(app.dataDir, 'engines.json'), 'utf8')).toContain(token);

  // Open file… browses the server's allowed folder
  await page.getByTestId('open-file').click();
  await expect(page.getByTestId('server-files')).toBeVisible();
  await page.getByTestId('server-entry').filter({ hasText: allowed }).click();
  await expect(page.getByTestId('server-files-path')).toHaveText(allowed);
  await page.getByTestId('server-entry').filter({ hasText: 'far-blobs.csv' }).click();
  await page.getByTestId('server-files-open').click();
  await expect(page.getByTestId('shape')).toHaveText('240 × 4');
  await expect(page.getByTestId('status-dataset')).toContainText('far-blobs.csv');
  await snap(page, 'remote-open');

  // a file of this computer goes up in pieces and opens there
  await page.getByTestId('show-sources').click();
  await page.getByTestId('file-input').setInputFiles(blobs);
  await expect(page.getByTestId('status-dataset')).toContainText(/^blobs\.csv/);

  // train there
  await page.getByTestId('nav-train').click();
  for (const [key, value] of Object.entries({ epochs: '3', batchSize: '32', hidden: '16' })) await page.getByTestId(`cfg-${key}`).fill(value);
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 170_000 });

  // export there (the default folder is the server's), download here
  await page.getByTestId('nav-export').click();
  await expect(page.getByTestId('export-path')).toHaveValue(new RegExp(`^${allowed}/`));
  await page.getByTestId('save').click();
  await expect(page.getByTestId('export-result')).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('remote-download').first().click()]);
  const saved = join(app.scratch, download.suggestedFilename());
  await download.saveAs(saved);
  expect(readFileSync(saved, 'utf8')).toMatch(/^id,label,z1,z2\n/);
  await snap(page, 'remote-export');

  // back to this computer's engine
  await page.getByTestId('status-engine').click();
  await page.getByTestId('engine-local').click();
  await expect(page.getByTestId('status-engine')).toHaveText('engine: this computer');
});
