#!/usr/bin/env node
// Builds the optional native addon (npm install runs this). It never fails the install: without a
// C++ compiler, Python or Node headers the engine simply uses the wasm backend. The build targets
// the architecture's baseline and carries its own AVX2/AVX-512 kernels (native/binding.gyp), so it
// runs on any CPU of the architecture, not only the one that built it.
//   node native/build.mjs            build (skipped when LAB_NATIVE=0, and on Windows)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const log = (msg) => process.stderr.write(`latent-lab native: ${msg}\n`);

function nodeGyp() {
  // npm exports the path of its bundled node-gyp to lifecycle scripts; else look beside npm.
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const require = createRequire(import.meta.url);
  for (const id of ['node-gyp/bin/node-gyp.js', 'npm/node_modules/node-gyp/bin/node-gyp.js']) {
    try {
      return require.resolve(id);
    } catch {}
  }
  const npmDir = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return existsSync(npmDir) ? npmDir : null;
}

/** Headers of the running Node, when installed system-wide (avoids a download, which may be offline). */
function nodeDir() {
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function main() {
  if (process.env.LAB_NATIVE === '0') return log('skipped (LAB_NATIVE=0); the engine will use wasm.');
  // The kernels are written with GCC/Clang vector extensions, which MSVC (node-gyp's compiler on
  // Windows) does not accept.
  if (process.platform === 'win32') return log('skipped on Windows (the addon needs GCC or Clang); the engine will use wasm.');
  const gyp = nodeGyp();
  if (!gyp) return log('node-gyp not found; skipped (the engine will use wasm).');
  const args = [gyp, 'rebuild', '--directory', here];
  const dir = nodeDir();
  if (dir) args.push(`--nodedir=${dir}`);
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status === 0 && existsSync(join(here, 'build', 'Release', 'lab_native.node'))) {
    log('built native/build/Release/lab_native.node');
    return;
  }
  const why = `${r.stderr ?? ''}${r.stdout ?? ''}`.split('\n').filter((l) => /error|not found|ERR!/i.test(l)).slice(0, 6).join('\n  ');
  log(`build failed; the engine will use the wasm backend instead.${why ? `\n  ${why}` : ''}`);
}

try {
  main();
} catch (err) {
  log(`build skipped: ${err instanceof Error ? err.message : String(err)}`);
}
process.exit(0);
