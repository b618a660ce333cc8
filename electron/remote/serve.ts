// `lab serve`: the engine alone on a machine (a GPU box), for the app's "Connect to engine…" and
// `lab --engine` on other machines. The engine runs in its own process as in the app (a crash is
// contained and a fresh engine starts) and keeps running while no client is connected; clients
// may use only the folders given with --allow (default: this user's home). The token is read from
// a 0600 file (or made and written to one, whose path — never the token — is printed).
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LabFailure } from '../../shared/api';
import { removeUploads } from '../engine/data/uploads';
import { EngineHost } from '../engine/host/host';
import { assertTlsOrLoopback, startRemoteServer, type RemoteServer } from './server';
import { defaultTokenPath, newToken, TokenFile, writeTokenFile } from './token';

export const SERVE_USAGE = `  lab serve --listen HOST:PORT --tls-cert FILE --tls-key FILE [--token-file FILE] [--allow DIR]…
            [--max-upload-mb N]            run the engine alone for other machines (the app's
                                                Connect to engine…, lab --engine wss://HOST:PORT);
                                                TLS is required unless HOST is 127.0.0.1 or ::1;
                                                without --token-file a token is made and written to a
                                                0600 file whose path is printed; clients may use only
                                                the --allow folders (default: your home folder)`;

/** HOST:PORT, [v6]:PORT, or :PORT (loopback). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new LabFailure('bad-option', `--listen takes HOST:PORT, e.g. 0.0.0.0:8443 or [::]:8443 (got "${text}").`);
  }
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

function readPem(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new LabFailure('bad-option', `Cannot read ${flag} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

/** Folders clients may use: each must exist; their real paths are kept. */
function allowedFolders(given: string[]): string[] {
  const list = given.length ? given : [homedir()];
  return list.map((d) => {
    const abs = isAbsolute(d) ? d : resolve(d);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new LabFailure('bad-option', `--allow ${d}: no such folder.`);
    return realpathSync(abs);
  });
}

export interface Served {
  server: RemoteServer;
  host: EngineHost;
  stop(): Promise<void>;
}

/** Runs `lab serve` with its arguments until SIGINT/SIGTERM. */
export async function serveCommand(argv: string[], out: (line: string) => void = (l) => console.log(l)): Promise<Served> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      listen: { type: 'string', default: '127.0.0.1:8765' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'token-file': { type: 'string' },
      allow: { type: 'string', multiple: true },
      'max-upload-mb': { type: 'string' },
      heartbeat: { type: 'string' },
    },
  });
  const { host: listenHost, port } = parseListen(values.listen!);
  if (!!values['tls-cert'] !== !!values['tls-key']) throw new LabFailure('bad-option', 'Give both --tls-cert FILE and --tls-key FILE.');
  // before anything else: no token or data in the clear off loopback
  assertTlsOrLoopback(listenHost, !!values['tls-cert']);
  const tls = values['tls-cert'] ? { cert: readPem('--tls-cert', values['tls-cert']), key: readPem('--tls-key', values['tls-key']!) } : undefined;
  let fingerprint = '';
  if (tls) {
    try {
      fingerprint = new X509Certificate(tls.cert).fingerprint256;
    } catch (err) {
      throw new LabFailure('bad-option', `--tls-cert ${values['tls-cert']} is not a PEM certificate (${(err as Error).message}).`);
    }
  }
  const roots = allowedFolders(values.allow ?? []);
  const maxMb = values['max-upload-mb'];
  if (maxMb !== undefined && !(Number(maxMb) > 0)) throw new LabFailure('bad-option', `--max-upload-mb takes a number of MiB > 0 (got "${maxMb}").`);

  let tokenPath = values['token-file'] ? resolve(values['token-file']) : '';
  if (!tokenPath) {
    tokenPath = defaultTokenPath();
    writeTokenFile(tokenPath, newToken());
  }
  const log = (line: string) => process.stderr.write(`[lab serve] ${line}\n`);
  const token = new TokenFile(tokenPath, log);

  // the engine process inherits these: it serves remote clients, inside these folders only
  process.env.LAB_SERVED = '1';
  process.env.LAB_ALLOWED_ROOTS = JSON.stringify(roots);
  if (maxMb !== undefined) process.env.LAB_MAX_UPLOAD_MB = String(Number(maxMb));
  const host = new EngineHost({ restartOnCrash: true });
  let server: RemoteServer;
  try {
    server = await startRemoteServer({
      engine: host.api,
      host: listenHost,
      port,
      tls,
      token,
      log,
      ...(values.heartbeat ? { heartbeatMs: Number(values.heartbeat) } : {}),
    });
  } catch (err) {
    token.close();
    await host.close();
    throw err;
  }
  const backend = await host.api.backend();
  out(`Latent Lab engine serving at ${server.url}`);
  out(`tfjs backend: ${backend.detail}`);
  if (fingerprint) out(`TLS certificate SHA-256 fingerprint: ${fingerprint}`);
  else out('Plain ws:// on this machine only (loopback); use --tls-cert and --tls-key to serve other machines.');
  out(`Token: in ${tokenPath} (copy that file to the client machine, keep it chmod 600; the token is never printed)`);
  out(`Clients may use: ${roots.join(', ')}`);
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= (async () => {
    token.close();
    await server.close();
    await host.close();
    await removeUploads();
  })());
  return { server, host, stop };
}
