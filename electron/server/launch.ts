// How browser window mode hands Chromium the page's credential without showing it to other users:
// a process's command line is readable by every local user (`ps`, /proc/*/cmdline), so Chromium
// gets only the path of a tiny launch page, written 0600 into a fresh 0700 folder of ours. The page
// forwards to the app's address with a single-use code in the fragment; the server deletes the
// file as soon as the code is used (see server.ts issueLaunchCode).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makePrivateDir, writePrivateFile } from '../private-dir';
import type { RunningServer } from './server';

export interface LaunchPage {
  /** The folder holding the page (0700). */
  dir: string;
  /** The page itself (0600). */
  file: string;
  /** file:// address of the page: the only thing that goes on Chromium's command line. */
  fileUrl: string;
  /** Deletes the page and its folder (idempotent). */
  remove(): void;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Writes a launch page that forwards to `target` (an http://127.0.0.1 address with its code). */
export function writeLaunchPage(target: string, root?: string): LaunchPage {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(target)) throw new Error(`Not a loopback address: ${target}`);
  const dir = makePrivateDir('latent-lab-launch-', root);
  const file = join(dir, 'open.html');
  const href = escapeHtml(target);
  writePrivateFile(
    file,
    `<!doctype html>\n<meta charset="utf-8">\n<meta name="referrer" content="no-referrer">\n` +
      `<meta http-equiv="refresh" content="0;url=${href}">\n<title>Latent Lab</title>\n<p>Opening Latent Lab…</p>\n`,
  );
  let removed = false;
  return {
    dir,
    file,
    fileUrl: pathToFileURL(file).href,
    remove() {
      if (removed) return;
      removed = true;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Chromium's arguments for an app window on `pageUrl` with its own throwaway profile. */
export function chromiumArgs(pageUrl: string, profileDir: string, asRoot: boolean): string[] {
  const args = [
    `--app=${pageUrl}`,
    `--user-data-dir=${profileDir}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--window-size=1440,920',
  ];
  if (asRoot) args.push('--no-sandbox');
  return args;
}

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** $LAB_CHROMIUM or a system Chromium/Chrome, or null. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const fromEnv = env.LAB_CHROMIUM;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/**
 * Opens the app in a Chromium app window: a fresh launch code goes into a private launch page,
 * and Chromium's command line names only that page. The page (and its folder) is deleted once
 * the code is used or Chromium exits. Null when there is no Chromium or no display.
 */
export function openAppWindow(server: RunningServer, chromium: string | null, env: NodeJS.ProcessEnv = process.env): ChildProcess | null {
  const hasDisplay = Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
  if (!chromium || !hasDisplay) return null;
  let page: LaunchPage | null = null;
  const code = server.issueLaunchCode(() => page?.remove());
  page = writeLaunchPage(server.launchUrl(code));
  const profile = makePrivateDir('latent-lab-chromium-');
  const child = spawn(chromium, chromiumArgs(page.fileUrl, profile, process.getuid?.() === 0), { stdio: 'ignore' });
  const cleanUp = () => {
    page?.remove();
    rmSync(profile, { recursive: true, force: true });
    process.off('exit', cleanUp);
  };
  child.on('exit', cleanUp);
  child.on('error', cleanUp);
  // when we exit first (Ctrl-C), Chromium's exit event never reaches us: clean up now
  process.on('exit', cleanUp);
  return child;
}
