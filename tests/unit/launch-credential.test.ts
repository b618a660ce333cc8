// Browser window mode must not hand its credential to other local users. The server (with a stand-in
// engine) opens its "Chromium" (a stand-in program that keeps the exact command line) the way
// serve.ts does; then a probe runs as another user (runuser -u nobody), reads what `ps` shows of
// the server's process tree and every file that names, and tries everything credential-shaped on
// the server. It must find nothing usable. The same probe run as the app's own user must find the
// launch code (so the probe is not blind), and the launch page must be gone once the code is used.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const probe = join(root, 'tests/unit/helpers/credential-probe.mjs');
const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((p) => existsSync(p));
const other = 'nobody';

function whyNot(): string | null {
  if (process.platform !== 'linux') return 'needs Linux (/proc)';
  if (process.getuid?.() !== 0) return 'needs root to run the probe as another user';
  if (!runuser) return 'runuser is not installed';
  const r = spawnSync(runuser, ['-u', other, '--', process.execPath, '-e', 'process.exit(0)']);
  if (r.status !== 0) return `runuser -u ${other} cannot run node (${String(r.stderr).trim() || r.status})`;
  return null;
}
const skipReason = whyNot();
if (skipReason) console.log(`launch-credential tests skipped: ${skipReason}`);

interface Report {
  uid: number;
  processes: number;
  args: string[];
  filesRead: string[];
  filesRefused: string[];
  candidates: number;
  usable: { as: string; where: string }[];
}

function runProbe(port: number, pid: number, asOther: boolean): Report {
  const cmd = asOther ? runuser! : process.execPath;
  const args = asOther ? ['-u', other, '--', process.execPath, probe, String(port), String(pid)] : [probe, String(port), String(pid)];
  const r = spawnSync(cmd, args, { cwd: '/', encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`probe failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
}

interface Stub {
  child: ChildProcess;
  info: { port: number; pid: number; chromiumPid?: number; launchUrl?: string };
  log: () => string;
}

function startStub(extra: string[]): Promise<Stub> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/unit/helpers/stub-server.ts', ...extra], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^READY (.*)$/m.exec(out);
      if (m) ok({ child, info: JSON.parse(m[1]), log: () => log });
    });
    child.once('exit', (code) => fail(new Error(`stub server exited (${code}): ${log}`)));
  });
}

function stop(stub: Stub | undefined): Promise<void> {
  if (!stub || stub.child.exitCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    stub.child.once('exit', () => ok());
    stub.child.kill('SIGTERM');
  });
}

describe.skipIf(skipReason !== null)('browser window mode: no credential for other local users', () => {
  let fakeDir: string;
  let withWindow: Stub;

  beforeAll(async () => {
    // a stand-in Chromium: keeps running with the command line it was given (as /bin/sh's arguments)
    fakeDir = mkdtempSync(join(tmpdir(), 'lab-fake-chromium-'));
    chmodSync(fakeDir, 0o755);
    const fake = join(fakeDir, 'chromium');
    writeFileSync(fake, "#!/bin/sh\ntrap 'exit 0' TERM INT\nwhile :; do sleep 1; done\n", { mode: 0o755 });
    withWindow = await startStub([`--chromium=${fake}`]);
    expect(withWindow.info.chromiumPid).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await stop(withWindow);
    rmSync(fakeDir, { recursive: true, force: true });
  });

  it(`as "${other}": the app window's command line and the files it names hold no usable credential`, () => {
    const report = runProbe(withWindow.info.port, withWindow.info.pid, true);
    expect(report.uid).not.toBe(0);
    // it did look: the server and its Chromium, whose --app argument it saw
    expect(report.processes).toBeGreaterThanOrEqual(2);
    expect(report.args.some((a) => a.startsWith('--app='))).toBe(true);
    expect(report.usable).toEqual([]);
    expect(report.candidates).toBe(0);
    // the launch page was named, but this user may not open it
    expect(report.filesRefused.some((p) => /latent-lab-launch-/.test(p))).toBe(true);
    expect(report.filesRead.filter((p) => /latent-lab-/.test(p))).toEqual([]);
  });

  it('as the app\'s own user the same probe finds the launch code (the probe is not blind); the page is deleted once used', () => {
    const report = runProbe(withWindow.info.port, withWindow.info.pid, false);
    expect(report.usable).toHaveLength(1);
    expect(report.usable[0].as).toBe('launch code');
    expect(report.usable[0].where).toMatch(/file .*latent-lab-launch-\w+\/open\.html$/);
    const page = report.usable[0].where.replace(/^.*file /, '');
    expect(existsSync(page)).toBe(false);
    // and the code was single-use: a second look finds nothing usable
    expect(runProbe(withWindow.info.port, withWindow.info.pid, false).usable).toEqual([]);
  });

  it('with no window (--no-open, no display): the printed address is in no command line, and works once', async () => {
    const printed = await startStub([]);
    try {
      const report = runProbe(printed.info.port, printed.info.pid, true);
      expect(report.processes).toBeGreaterThanOrEqual(1);
      expect(report.usable).toEqual([]);
      expect(report.candidates).toBe(0);
      const code = new URL(printed.info.launchUrl!).hash.replace('#code=', '');
      const post = () =>
        new Promise<number>((ok, fail) => {
          const req = request({ host: '127.0.0.1', port: printed.info.port, method: 'POST', path: '/session', headers: { origin: `http://127.0.0.1:${printed.info.port}` } }, (res) => {
            res.resume();
            ok(res.statusCode ?? 0);
          });
          req.on('error', fail);
          req.end(code);
        });
      expect(await post()).toBe(204);
      expect(await post()).toBe(401);
    } finally {
      await stop(printed);
    }
  });
});
