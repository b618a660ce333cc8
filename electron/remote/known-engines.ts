// Remote engines the user connected to, remembered per host in the user data folder: the address,
// the token and a certificate they chose to trust. The file holds tokens, so it is 0600 and owned
// by the user (checked before every read; a file others can read is refused, not used) — and it
// lives only in the shell: the window never sees a token again once typed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KnownEngine } from '../../shared/remote';
import { userDataDir } from '../engine/core/paths';
import { readSecretFile, writeSecretFile } from './token';

interface Stored {
  url: string;
  token: string;
  fingerprint: string | null;
  lastUsed: string;
}

interface FileShape {
  version: 1;
  engines: Record<string, Stored>;
}

export class KnownEngines {
  constructor(readonly path = join(userDataDir(), 'engines.json')) {}

  private read(): FileShape {
    if (!existsSync(this.path)) return { version: 1, engines: {} };
    const text = readSecretFile(this.path, 1 << 20);
    try {
      const parsed = JSON.parse(text) as FileShape;
      if (parsed?.version === 1 && parsed.engines && typeof parsed.engines === 'object') return parsed;
    } catch {
      // a damaged file: start afresh (it holds nothing that cannot be typed again)
    }
    return { version: 1, engines: {} };
  }

  list(): KnownEngine[] {
    return Object.entries(this.read().engines)
      .map(([host, e]) => ({ host, url: e.url, fingerprint: e.fingerprint, lastUsed: e.lastUsed }))
      .sort((a, b) => b.lastUsed.localeCompare(a.lastUsed));
  }

  get(host: string): Stored | null {
    return this.read().engines[host] ?? null;
  }

  remember(host: string, entry: Omit<Stored, 'lastUsed'>): void {
    const f = this.read();
    f.engines[host] = { ...entry, lastUsed: new Date().toISOString() };
    writeSecretFile(this.path, `${JSON.stringify(f, null, 1)}\n`);
  }

  forget(host: string): void {
    const f = this.read();
    if (!(host in f.engines)) return;
    delete f.engines[host];
    writeSecretFile(this.path, `${JSON.stringify(f, null, 1)}\n`);
  }
}
