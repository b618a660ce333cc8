// Training speed: the reference VAE (784-400-20, batch 128, Bernoulli, Adam 1e-3) on MNIST rows,
// on every tfjs backend that loads, and the PyTorch reference (its own model and loop) with 2
// threads (its default) and 1 thread, in alternating rounds. Medians over epochs after the first.
import { median, spread, type BenchContext, type BenchRow } from '../context';

export const title = 'Training: reference VAE on MNIST, samples/s';

interface OursRun { backend: string; detail: string; samplesPerSec: number[]; samplesPerCpuSec: number[] }
interface TorchRun { threads: number; torch: string; samplesPerSec: number[]; samplesPerCpuSec: number[] }

const BACKENDS = ['tensorflow', 'native', 'wasm', 'cpu'] as const;

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const rows = ctx.quick ? 2560 : 12800;
  const epochs = 3;
  const slowRows = 1280; // the plain-JS cpu backend runs at a few hundred samples/s
  const ours = new Map<string, { detail: string; sps: number[]; cpu: number[] }>();
  const missing = new Map<string, string>();
  const torch = new Map<number, number[]>();
  const torchCpu = new Map<number, number[]>();
  let torchVersion = '';
  const torchMissing = await ctx.pythonMissing();
  for (let round = 1; round <= ctx.repeats; round++) {
    for (const b of BACKENDS) {
      if (missing.has(b)) continue;
      try {
        const r = await ctx.runNode<OursRun>('bench/child/train.ts', ['--rows', String(b === 'cpu' ? slowRows : rows), '--epochs', String(b === 'cpu' ? 2 : epochs)], { LAB_BACKEND: b });
        const entry = ours.get(b) ?? { detail: r.detail, sps: [], cpu: [] };
        entry.sps.push(...r.samplesPerSec.slice(1));
        entry.cpu.push(...r.samplesPerCpuSec.slice(1));
        ours.set(b, entry);
        ctx.log(`  round ${round}: ${r.detail}: ${Math.round(median(r.samplesPerSec.slice(1)))} samples/s`);
      } catch (err) {
        const why = (err as Error).message;
        missing.set(b, /No tfjs backend could start: \w+: (.*)/.exec(why)?.[1] ?? why.slice(0, 200));
      }
    }
    if (torchMissing) continue;
    for (const threads of [2, 1]) {
      try {
        const r = await ctx.runPython<TorchRun>('bench/py/torch_train.py', ['--rows', String(rows), '--epochs', String(epochs), '--threads', String(threads)]);
        torchVersion = r.torch;
        torch.set(threads, [...(torch.get(threads) ?? []), ...r.samplesPerSec.slice(1)]);
        torchCpu.set(threads, [...(torchCpu.get(threads) ?? []), ...r.samplesPerCpuSec.slice(1)]);
        ctx.log(`  round ${round}: PyTorch ${r.torch} (${threads} thread${threads > 1 ? 's' : ''}): ${Math.round(median(r.samplesPerSec.slice(1)))} samples/s`);
      } catch (err) {
        ctx.log(`  PyTorch (${threads} threads) failed: ${(err as Error).message}`);
      }
    }
  }

  // The reference is PyTorch's faster configuration in this run (on a busy machine 1 thread wins).
  const torchMedians = [...torch].map(([threads, sps]) => ({ threads, sps: median(sps) }));
  const ref = torchMedians.sort((a, b) => b.sps - a.sps)[0] ?? null;
  const best = [...ours].map(([name, e]) => ({ name, detail: e.detail, sps: median(e.sps) })).sort((a, b) => b.sps - a.sps)[0] ?? null;
  const table: BenchRow[] = [];
  for (const b of BACKENDS) {
    const e = ours.get(b);
    if (e) {
      const sps = median(e.sps);
      table.push({ metric: `ours, ${e.detail}`, value: Math.round(sps), unit: 'samples/s', reference: ref ? Math.round(ref.sps) : null,
        referenceName: ref ? `PyTorch ${torchVersion}, ${ref.threads} thr` : undefined, ratio: ref ? sps / ref.sps : null });
    } else {
      table.push({ metric: `ours, ${b}`, value: null, unit: 'samples/s', note: `not available: ${missing.get(b)}` });
    }
  }
  for (const [threads, sps] of torch) {
    table.push({ metric: `PyTorch ${torchVersion} CPU, ${threads} thread${threads > 1 ? 's' : ''}`, value: Math.round(median(sps)), unit: 'samples/s' });
  }
  if (torchMissing) table.push({ metric: 'PyTorch CPU', value: null, unit: 'samples/s', note: `not run: ${torchMissing}` });
  // Samples per CPU-second (all threads): what each implementation costs, little affected by other
  // processes competing for the cores.
  const cpuRef = [...torchCpu].map(([threads, v]) => ({ threads, v: median(v) })).sort((a, b) => b.v - a.v)[0] ?? null;
  const bestCpu = best ? median(ours.get(best.name)!.cpu) : null;
  if (bestCpu !== null) {
    table.push({ metric: `CPU cost: ${best!.detail}`, value: Math.round(bestCpu), unit: 'samples/CPU-s', reference: cpuRef ? Math.round(cpuRef.v) : null,
      referenceName: cpuRef ? `PyTorch, ${cpuRef.threads} thr` : undefined, ratio: cpuRef ? bestCpu / cpuRef.v : null });
  }
  return {
    rows: table,
    workload: { rows, epochsPerProcess: epochs, rounds: ctx.repeats, cpuBackendRows: slowRows, note: 'median over epochs after the first of each process' },
    ours: Object.fromEntries([...ours].map(([b, e]) => [b, { detail: e.detail, median: median(e.sps), spread: spread(e.sps), samplesPerCpuSec: median(e.cpu) }])),
    missing: Object.fromEntries(missing),
    pytorch: Object.fromEntries([...torch].map(([t, sps]) => [`${t} threads`, { median: median(sps), spread: spread(sps), samplesPerCpuSec: median(torchCpu.get(t) ?? []) }])),
    summary: {
      samplesPerSec: best ? Math.round(best.sps) : null,
      backend: best?.detail ?? null,
      pytorchSamplesPerSec: ref ? Math.round(ref.sps) : null,
      pytorchThreads: ref?.threads ?? null,
      ratio: best && ref ? Math.round((best.sps / ref.sps) * 100) / 100 : null,
      cpuRatio: bestCpu !== null && cpuRef ? Math.round((bestCpu / cpuRef.v) * 100) / 100 : null,
    },
  };
}
