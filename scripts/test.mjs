#!/usr/bin/env node
// `npm test`: type-check (tsc over every layer, svelte-check over the renderer), make sure a
// Chromium exists (installing Debian's when we are root with apt), build the app, then run the unit
// tests (vitest) and the end-to-end tests (Playwright). The first step that fails stops the run with
// its exit status, so a type error fails `npm test` (and CI) like a failing test.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromiumPath } from './browser.mjs';

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

function ensureChromium() {
  const found = chromiumPath();
  if (found) return found;
  const root = process.getuid?.() === 0;
  if (root && existsSync('/usr/bin/apt-get')) {
    console.log('No Chromium found: installing Debian\'s chromium package (apt-get)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (run('apt-get', ['update', '-qq'], { env }) === 0 && run('apt-get', ['install', '-y', '-qq', 'chromium'], { env }) === 0) {
      return chromiumPath();
    }
  }
  console.error([
    'The end-to-end tests need Chromium and none was found.',
    'Install one of:',
    '  Debian/Ubuntu:  sudo apt-get install -y chromium',
    '  or set LAB_CHROMIUM=/path/to/chrome (any Chromium-based browser)',
  ].join('\n'));
  return null;
}

const typecheck = run(process.execPath, [fileURLToPath(new URL('./typecheck.mjs', import.meta.url))]);
if (typecheck !== 0) {
  console.error(`\nnode scripts/typecheck.mjs failed (exit ${typecheck}).`);
  process.exit(typecheck);
}

const chromium = ensureChromium();
if (!chromium) process.exit(1);
console.log(`Chromium: ${chromium}`);

const steps = [
  ['npx', ['electron-vite', 'build']],
  ['npx', ['vitest', 'run']],
  ['npx', ['playwright', 'test']],
];
for (const [cmd, args] of steps) {
  const status = run(cmd, args, { env: { ...process.env, LAB_CHROMIUM: chromium } });
  if (status !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed (exit ${status}).`);
    process.exit(status);
  }
}
console.log('\nAll tests passed.');
