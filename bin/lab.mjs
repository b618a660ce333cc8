#!/usr/bin/env node
// `npx lab …`: runs the built CLI (npm install builds it through the "prepare" script).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('lab: the app is not built yet. Run "npm run build" in the Latent Lab folder, then try again.\n');
  process.exit(1);
}
await import(pathToFileURL(cli).href);
