#!/usr/bin/env node
// `npm run typecheck` (and the first step of `npm test`): the TypeScript 7 compiler over every
// layer's .ts files (tsconfig.json), then svelte-check over the renderer, which is the only thing
// that type-checks the .svelte files (the build strips their types without checking them).
// svelte-check needs TypeScript 5 or 6 under the name `typescript`; it is installed with its own
// TypeScript 6 beside the local package tools/svelte-check, so it is resolved from there.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function run(cmd, args) {
  console.log(`\n$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
  if (r.error) console.error(`${cmd}: ${r.error.message}`);
  return r.status ?? 1;
}

/** The svelte-check entry installed for tools/svelte-check, or null with the reason printed. */
function svelteCheckBin() {
  const req = createRequire(join(root, 'tools/svelte-check/package.json'));
  let pkgPath;
  try {
    pkgPath = req.resolve('svelte-check/package.json');
  } catch {
    console.error([
      'svelte-check is not installed (it belongs to tools/svelte-check, a dev dependency of the root).',
      'Run `npm install` (or `npm ci`) at the repository root.',
    ].join('\n'));
    return null;
  }
  const ts = createRequire(pkgPath)('typescript/package.json');
  if (!/^[56]\./.test(ts.version)) {
    console.error(`svelte-check would run with TypeScript ${ts.version}; it needs 5 or 6. Run \`npm install\` at the repository root.`);
    return null;
  }
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['svelte-check'];
  return join(dirname(pkgPath), bin);
}

function main() {
  const tsc = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
  if (tsc !== 0) {
    console.error(`\nThe TypeScript check failed (exit ${tsc}).`);
    return tsc;
  }
  const bin = svelteCheckBin();
  if (!bin) return 1;
  // renderer/tsconfig.json: the renderer's sources with the root options; --tsconfig makes it
  // report the .ts files the components import as well. Warnings (accessibility, unused CSS) fail too.
  const sc = run(process.execPath, [bin, '--workspace', 'renderer', '--tsconfig', './tsconfig.json', '--fail-on-warnings', '--output', 'human']);
  if (sc !== 0) {
    console.error(`\nsvelte-check failed (exit ${sc}).`);
    return sc;
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main());
