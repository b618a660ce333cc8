// The secrets of the remote engine stay in files only their user can read: token files are
// refused when others can read them, when they are links, another user's, or not one long word;
// tokens are written 0600; remembered engines (with their tokens) live in a 0600 file that is
// refused, not used, once opened up; and lab serve's --listen takes HOST:PORT only.
import { chmodSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KnownEngines } from '../../electron/remote/known-engines';
import { parseListen } from '../../electron/remote/serve';
import { newToken, readTokenFile, TokenFile, writeTokenFile } from '../../electron/remote/token';
import { badListen, badTokenFiles } from '../fixtures/bad/remote';
import { privateDir } from './helpers/remote';

describe('token files', () => {
  it.each(badTokenFiles.map((b) => [b.name, b] as const))('refuses one that is %s', (_name, b) => {
    expect(() => readTokenFile(b.make(privateDir('lab-token-')))).toThrow(b.says);
  });

  it('writes a new token 0600 and reads it back; a fresh token is 256 random bits', () => {
    const path = join(privateDir('lab-token-'), 'engine-token');
    const token = newToken();
    expect(token).toMatch(/^[\w-]{43}$/);
    writeTokenFile(path, token);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    expect(readTokenFile(path)).toBe(token);
  });

  it('matches only the token in the file, and follows the file when it changes', () => {
    const path = join(privateDir('lab-token-'), 'engine-token');
    const first = newToken();
    writeTokenFile(path, first);
    const t = new TokenFile(path);
    try {
      expect(t.matches(first)).toBe(true);
      expect(t.matches(first.slice(0, -1))).toBe(false);
      expect(t.matches(`${first}x`)).toBe(false);
      expect(t.matches('')).toBe(false);
      let changes = 0;
      t.onChange(() => changes++);
      const second = newToken();
      writeTokenFile(path, second);
      t.reload();
      expect(changes).toBe(1);
      expect(t.matches(first)).toBe(false);
      expect(t.matches(second)).toBe(true);
      // a file opened up to others refuses everyone until it is fixed
      chmodSync(path, 0o644);
      t.reload();
      expect(t.matches(second)).toBe(false);
    } finally {
      t.close();
    }
  });
});

describe('remembered engines', () => {
  it('keeps each host\'s address, token and pinned certificate in a 0600 file, and lists them without tokens', () => {
    const file = join(privateDir('lab-known-'), 'engines.json');
    const known = new KnownEngines(file);
    known.remember('gpu:8443', { url: 'wss://gpu:8443/engine', token: 'secret-token-value', fingerprint: 'AB:CD' });
    expect(lstatSync(file).mode & 0o777).toBe(0o600);
    expect(known.get('gpu:8443')?.token).toBe('secret-token-value');
    expect(JSON.stringify(known.list())).not.toContain('secret-token-value');
    expect(known.list()).toEqual([{ host: 'gpu:8443', url: 'wss://gpu:8443/engine', fingerprint: 'AB:CD', lastUsed: expect.any(String) }]);
    known.forget('gpu:8443');
    expect(known.list()).toEqual([]);
    expect(readFileSync(file, 'utf8')).not.toContain('secret-token-value');
  });

  it('refuses the file once other users can read it', () => {
    const file = join(privateDir('lab-known-'), 'engines.json');
    const known = new KnownEngines(file);
    known.remember('gpu:8443', { url: 'wss://gpu:8443/engine', token: 'secret-token-value', fingerprint: null });
    chmodSync(file, 0o644);
    expect(() => known.list()).toThrow(/engines\.json can be read by other users \(mode 644\)/);
  });
});

describe('lab serve --listen', () => {
  it.each([['0.0.0.0:8443', '0.0.0.0', 8443], ['[::]:8443', '::', 8443], ['127.0.0.1:0', '127.0.0.1', 0], [':8765', '127.0.0.1', 8765]])('takes %s', (text, host, port) => {
    expect(parseListen(text)).toEqual({ host, port });
  });
  it.each(badListen)('refuses %j', (text) => {
    expect(() => parseListen(text)).toThrow(/--listen takes HOST:PORT/);
  });
});
