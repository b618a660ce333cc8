// `npm start` without an Electron binary (or `npm run serve`): serve the built renderer on
// 127.0.0.1 and open it in Chromium's app mode when there is a display, else print the URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineHost } from '../engine/host/host';
import { appVersion } from '../version';
import { startServer } from './server';

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function findChromium(): string | null {
  const fromEnv = process.env.LAB_CHROMIUM;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

function openAppWindow(url: string): ChildProcess | null {
  const chromium = findChromium();
  const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  if (!chromium || !hasDisplay || process.argv.includes('--no-open')) return null;
  const profile = mkdtempSync(join(tmpdir(), 'latent-lab-chromium-'));
  const args = [
    `--app=${url}`,
    `--user-data-dir=${profile}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--window-size=1440,920',
  ];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const child = spawn(chromium, args, { stdio: 'ignore' });
  child.on('exit', () => rmSync(profile, { recursive: true, force: true }));
  return child;
}

async function main(): Promise<void> {
  const rendererDir = fileURLToPath(new URL('../renderer', import.meta.url));
  const host = new EngineHost();
  const portArg = process.argv.find((a) => a.startsWith('--port='));
  const server = await startServer({
    engine: host.api,
    rendererDir,
    port: portArg ? Number(portArg.slice(7)) : 0,
    version: appVersion,
    log: (line) => process.stderr.write(`[lab] ${line}\n`),
  });
  const backend = await host.api.backend();
  console.log(`Latent Lab ${appVersion} — browser window mode (no Electron binary found)`);
  console.log(`tfjs backend: ${backend.detail}`);
  const child = openAppWindow(server.url);
  if (child) console.log(`Opened the app window in Chromium. URL: ${server.url}`);
  else console.log(`Open this address in Chromium or Chrome: ${server.url}`);
  console.log('Press Ctrl-C to stop.');
  const stop = async () => {
    child?.kill();
    await server.close();
    await host.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  child?.on('exit', () => {
    if (!process.argv.includes('--keep-serving')) void stop();
  });
}

main().catch((err) => {
  console.error(`Latent Lab could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
