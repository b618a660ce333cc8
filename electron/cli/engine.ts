// Which engine a `lab` command uses: this machine's, in its own process as in the app, or with
// --engine wss://HOST:PORT one on another machine (`lab serve`), reached with the token read from
// --token-file (a 0600 file of this user; never a flag value, which every local user could read in
// the process list). A self-signed server certificate is trusted with --ca FILE or pinned with
// --fingerprint SHA256.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LabFailure, type EngineClient } from '../../shared/api';
import { EngineHost } from '../engine/host/host';
import { RemoteEngine } from '../engine/host/remote';
import { readTokenFile } from '../remote/token';
import { remoteFiles, useFiles } from './files';

export const ENGINE_USAGE = `Remote engine (every command): --engine wss://HOST:PORT --token-file FILE [--ca FILE | --fingerprint SHA256]
           runs the command on a lab serve engine: --data/--labels are paths on that machine (or a
           built-in dataset), --load and workspaces are uploaded, --out/--csv/--save come back here`;

type Flags = Record<string, unknown>;

/** Reconnecting gives up after this long without the server (the command then fails, exit 1). */
const CLI_GIVE_UP_MS = 5 * 60_000;

export async function openCliEngine(values: Flags): Promise<{ engine: EngineClient; where: string }> {
  const url = values.engine as string | undefined;
  const tokenFile = values['token-file'] as string | undefined;
  const ca = values.ca as string | undefined;
  const fingerprint = values.fingerprint as string | undefined;
  if (!url) {
    if (tokenFile || ca || fingerprint) throw new LabFailure('bad-option', '--token-file, --ca and --fingerprint go with --engine wss://HOST:PORT.');
    // the engine in its own process, as in the app: a native crash there ends with a message, not a core dump
    return { engine: new EngineHost({ restartOnCrash: false }).api, where: 'this machine' };
  }
  if (!tokenFile) throw new LabFailure('bad-option', '--engine needs --token-file FILE: the file lab serve wrote the token to (copied here, chmod 600).');
  if (fingerprint && !/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/i.test(fingerprint)) {
    throw new LabFailure('bad-option', `--fingerprint takes the SHA-256 fingerprint lab serve printed (AA:BB:… 32 pairs), got "${fingerprint.slice(0, 120)}".`);
  }
  const token = readTokenFile(resolve(tokenFile));
  let caPem: Buffer | undefined;
  if (ca) {
    try {
      caPem = readFileSync(resolve(ca));
    } catch (err) {
      throw new LabFailure('bad-option', `Cannot read --ca ${ca} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
  }
  let remote: RemoteEngine;
  try {
    remote = new RemoteEngine({ url, token, ...(caPem ? { ca: caPem } : {}), ...(fingerprint ? { fingerprint } : {}), giveUpAfterMs: CLI_GIVE_UP_MS,
      log: (line) => process.stderr.write(`lab: ${line}\n`) });
  } catch (err) {
    throw new LabFailure('bad-option', `--engine: ${(err as Error).message}`);
  }
  await remote.connect();
  useFiles(remoteFiles(remote.api));
  return { engine: remote.api, where: remote.address.host };
}
