// `npm start` without an Electron binary (or `npm run serve`): serve the built renderer on
// 127.0.0.1 and open it in Chromium's app mode when there is a display, else print the address.
// The page's credential never goes on a command line (see launch.ts); a printed address carries a
// single-use code and is shown only on the user's own terminal.
import { fileURLToPath } from 'node:url';
import { removeUploads } from '../engine/data/uploads';
import { EngineHost } from '../engine/host/host';
import { EngineSwitch } from '../engine/host/switch';
import { appVersion } from '../version';
import { findChromium, openAppWindow } from './launch';
import { startServer } from './server';

async function main(): Promise<void> {
  const rendererDir = fileURLToPath(new URL('../renderer', import.meta.url));
  const host = new EngineHost();
  // the window may switch to an engine on another machine (lab serve) and back
  const engines = new EngineSwitch(host.api, { log: (line) => process.stderr.write(`[lab] ${line}\n`) });
  const portArg = process.argv.find((a) => a.startsWith('--port='));
  const server = await startServer({
    engine: engines.api,
    engines,
    rendererDir,
    port: portArg ? Number(portArg.slice(7)) : 0,
    version: appVersion,
    log: (line) => process.stderr.write(`[lab] ${line}\n`),
  });
  const backend = await host.api.backend();
  console.log(`Latent Lab ${appVersion} — browser window mode (no Electron binary found)`);
  console.log(`tfjs backend: ${backend.detail}`);
  const child = process.argv.includes('--no-open') ? null : openAppWindow(server, findChromium());
  if (child) console.log(`Opened the app window in Chromium (${server.url}).`);
  else {
    console.log(`Open this address in Chromium or Chrome (it works once): ${server.launchUrl(server.issueLaunchCode())}`);
  }
  console.log('Press Ctrl-C to stop.');
  const stop = async () => {
    child?.kill();
    await server.close();
    await engines.close();
    await host.close();
    await removeUploads();
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
