#!/usr/bin/env node
// `npm start`: build, then open the Electron window when an Electron binary is installed, else
// browser window mode (loopback server + Chromium --app, or the URL printed).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const p = require('electron');
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

console.log('Building Latent Lab…');
const build = spawnSync('npx', ['electron-vite', 'build'], { encoding: 'utf8' });
if (build.status !== 0) {
  console.error(`${build.stdout}\n${build.stderr}\nThe build failed; see the messages above.`);
  process.exit(build.status ?? 1);
}
const electron = electronBinary();
const [cmd, args] = electron ? [electron, ['.']] : [process.execPath, ['out/main/serve.js', ...process.argv.slice(2)]];
if (!electron) console.log('No Electron binary installed (npm cannot download it here): starting browser window mode.');
const child = spawn(cmd, args, { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
