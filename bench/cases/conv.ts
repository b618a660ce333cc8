// Training speed of the default image model (conv VAE: 3×3 convs 1→16→32 with 2×2 average pooling,
// dense 1568→400→2, mirrored decoder with nearest ×2 upsampling; Bernoulli, Adam 1e-3, batch 128) on
// MNIST rows, ours on the first backend that loads and PyTorch on the same network
// (bench/py/torch_conv.py) with 2 threads and 1, in alternating rounds. Medians over epochs after
// the first; the reference is PyTorch's faster configuration in this run.
import { median, spread, type BenchContext, type BenchRow } from '../context';

export const title = 'Training: default image model (conv VAE) on MNIST, samples/s';

interface Run { detail?: string; torch?: string; samplesPerSec: number[]; samplesPerCpuSec: number[] }

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const rows = ctx.quick ? 1280 : 3840;
  const epochs = 3;
  const ours: number[] = [];
  const oursCpu: number[] = [];
  let detail = '';
  const torch = new Map<number, number[]>();
  const torchCpu = new Map<number, number[]>();
  let torchVersion = '';
  const torchMissing = await ctx.pythonMissing();
  for (let round = 1; round <= ctx.repeats; round++) {
    const r = await ctx.runNode<Run>('bench/child/train.ts', ['--arch', 'conv', '--rows', String(rows), '--epochs', String(epochs)]);
    detail = r.detail ?? '';
    ours.push(...r.samplesPerSec.slice(1));
    oursCpu.push(...r.samplesPerCpuSec.slice(1));
    ctx.log(`  round ${round}: ${detail}: ${Math.round(median(r.samplesPerSec.slice(1)))} samples/s`);
    if (torchMissing) continue;
    for (const threads of [2, 1]) {
      try {
        const t = await ctx.runPython<Run>('bench/py/torch_conv.py', ['--rows', String(rows), '--epochs', String(epochs), '--threads', String(threads)]);
        torchVersion = t.torch ?? '';
        torch.set(threads, [...(torch.get(threads) ?? []), ...t.samplesPerSec.slice(1)]);
        torchCpu.set(threads, [...(torchCpu.get(threads) ?? []), ...t.samplesPerCpuSec.slice(1)]);
        ctx.log(`  round ${round}: PyTorch ${torchVersion} (${threads} thread${threads > 1 ? 's' : ''}): ${Math.round(median(t.samplesPerSec.slice(1)))} samples/s`);
      } catch (err) {
        ctx.log(`  PyTorch (${threads} threads) failed: ${(err as Error).message}`);
      }
    }
  }
  const sps = median(ours);
  const ref = [...torch].map(([threads, v]) => ({ threads, sps: median(v) })).sort((a, b) => b.sps - a.sps)[0] ?? null;
  const cpuRef = [...torchCpu].map(([threads, v]) => ({ threads, v: median(v) })).sort((a, b) => b.v - a.v)[0] ?? null;
  const table: BenchRow[] = [
    { metric: `ours, ${detail}`, value: Math.round(sps), unit: 'samples/s', reference: ref ? Math.round(ref.sps) : null,
      referenceName: ref ? `PyTorch ${torchVersion}, ${ref.threads} thr` : undefined, ratio: ref ? sps / ref.sps : null },
    { metric: `CPU cost: ${detail}`, value: Math.round(median(oursCpu)), unit: 'samples/CPU-s', reference: cpuRef ? Math.round(cpuRef.v) : null,
      referenceName: cpuRef ? `PyTorch, ${cpuRef.threads} thr` : undefined, ratio: cpuRef ? median(oursCpu) / cpuRef.v : null },
  ];
  for (const [threads, v] of torch) table.push({ metric: `PyTorch ${torchVersion} CPU, ${threads} thread${threads > 1 ? 's' : ''}`, value: Math.round(median(v)), unit: 'samples/s' });
  if (torchMissing) table.push({ metric: 'PyTorch CPU', value: null, unit: 'samples/s', note: `not run: ${torchMissing}` });
  return {
    rows: table,
    workload: { rows, epochsPerProcess: epochs, rounds: ctx.repeats, note: 'median over epochs after the first of each process' },
    ours: { detail, median: sps, spread: spread(ours), samplesPerCpuSec: median(oursCpu) },
    pytorch: Object.fromEntries([...torch].map(([t, v]) => [`${t} threads`, { median: median(v), spread: spread(v), samplesPerCpuSec: median(torchCpu.get(t) ?? []) }])),
    summary: {
      samplesPerSec: Math.round(sps),
      backend: detail,
      pytorchSamplesPerSec: ref ? Math.round(ref.sps) : null,
      pytorchThreads: ref?.threads ?? null,
      ratio: ref ? Math.round((sps / ref.sps) * 100) / 100 : null,
      cpuRatio: cpuRef ? Math.round((median(oursCpu) / cpuRef.v) * 100) / 100 : null,
    },
  };
}
