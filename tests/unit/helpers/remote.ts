// For tests of the remote engine: a self-signed certificate made with openssl, `lab serve` in a
// process of its own (run from source, like the CLI), a token file, and a TCP relay that can cut
// and hold connections the way a flaky network does.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newToken, writeTokenFile } from '../../../electron/remote/token';

export const root = fileURLToPath(new URL('../../..', import.meta.url));

/** A fresh folder only this user can open. */
export function privateDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  chmodSync(dir, 0o700);
  return dir;
}

export interface TestCert {
  cert: string;
  key: string;
  pem: string;
  fingerprint: string;
}

/** A self-signed certificate for localhost, 127.0.0.1 and `ips`, valid for a day. */
export function makeCert(dir: string, ips: string[] = []): TestCert {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const san = ['DNS:localhost', 'IP:127.0.0.1', ...ips.map((ip) => `IP:${ip}`)].join(',');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=latent-lab-test', '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
  chmodSync(key, 0o600);
  const pem = readFileSync(cert, 'utf8');
  return { cert, key, pem, fingerprint: new X509Certificate(pem).fingerprint256 };
}

/** A token in a fresh 0600 file. */
export function makeToken(dir: string, name = 'token'): { path: string; token: string } {
  const token = newToken();
  const path = join(dir, name);
  writeTokenFile(path, token);
  return { path, token };
}

/** An IPv4 address of this machine that is not loopback, or null. */
export function nonLoopbackAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

export interface Serving {
  proc: ChildProcess;
  url: string;
  port: number;
  fingerprint: string | null;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** Runs `lab <args>` from source; resolves with its exit and output. */
export function labSource(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'electron', 'cli', 'index.ts'), ...args], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * Starts `lab serve …` in its own process (from source, or the built CLI with `built`); resolves
 * once it serves (rejects with its output if it exits).
 */
export function startServe(args: string[], env: NodeJS.ProcessEnv = {}, built = false): Promise<Serving> {
  return new Promise((resolve, reject) => {
    const entry = built ? [join(root, 'out', 'main', 'cli.js')] : ['--import', 'tsx', join(root, 'electron', 'cli', 'index.ts')];
    const proc = spawn(process.execPath, [...entry, 'serve', ...args], {
      cwd: root, env: { ...process.env, LAB_ENGINE_NICE: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let done = false;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    const check = () => {
      const url = /serving at (wss?:\/\/\S+)/.exec(out)?.[1];
      if (done || !url || !/Clients may use/.test(out)) return;
      done = true;
      resolve({
        proc,
        url,
        port: Number(/:(\d+)\/engine/.exec(url)![1]),
        fingerprint: /fingerprint: (\S+)/.exec(out)?.[1] ?? null,
        output: () => out,
        stop: async () => {
          if (proc.exitCode === null) proc.kill('SIGTERM');
          await exited;
        },
      });
    };
    proc.stdout!.on('data', (d) => {
      out += d;
      check();
    });
    proc.stderr!.on('data', (d) => (out += d));
    proc.once('exit', (code) => {
      if (!done) reject(new Error(`lab serve exited with ${code}:\n${out}`));
    });
  });
}

/** A TCP relay to 127.0.0.1:target that can drop every connection and refuse new ones for a while. */
export interface Relay {
  port: number;
  /** Destroys every relayed connection (both sides), as a network failure would. */
  cut(): void;
  /** New connections are dropped at once until release(). */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function relay(target: number): Promise<Relay> {
  const pairs = new Set<[Socket, Socket]>();
  let held = false;
  const server: Server = createServer((client) => {
    client.on('error', () => {});
    if (held) return client.destroy();
    const upstream = connect(target, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    cut() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    hold: () => (held = true),
    release: () => (held = false),
    close: () => new Promise<void>((r) => {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      server.close(() => r());
    }),
  };
}
