// Numerical agreement: test −ELBO of the reference VAE after BENCH_ELBO_EPOCHS (default 10) epochs
// on all of MNIST, ours (default backend) and PyTorch's reference loop (1 thread), same run.
import type { BenchContext, BenchRow } from '../context';

export const title = 'Agreement: test −ELBO after training on MNIST (nats)';

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const epochs = Number(process.env.BENCH_ELBO_EPOCHS ?? (ctx.quick ? 1 : 10));
  const ours = await ctx.runNode<{ detail: string; testNegElbo: number }>('bench/child/train.ts', ['--epochs', String(epochs), '--test']);
  const missing = await ctx.pythonMissing();
  const ref = missing ? null : await ctx.runPython<{ testNegElbo: number }>('bench/py/torch_train.py', ['--epochs', String(epochs), '--threads', '1', '--test']);
  const diff = ref ? ours.testNegElbo - ref.testNegElbo : null;
  const rows: BenchRow[] = [{
    metric: `test −ELBO after ${epochs} epoch${epochs > 1 ? 's' : ''}, ${ours.detail}`, value: ours.testNegElbo, unit: 'nats', digits: 2,
    reference: ref?.testNegElbo ?? null, referenceName: ref ? 'PyTorch' : undefined,
    note: diff === null ? `PyTorch not run: ${missing}` : `difference ${diff.toFixed(2)} nats (must be within ±1)`,
  }];
  return { rows, epochs, ours: ours.testNegElbo, pytorch: ref?.testNegElbo ?? null, difference: diff, withinOneNat: diff === null ? null : Math.abs(diff) <= 1 };
}
