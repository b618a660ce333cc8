// PCA on MNIST (60k × 784) for k = 20 and 50: ours against scikit-learn's randomized PCA (same k)
// and full SVD, in alternating rounds; test reconstruction MSE must agree within 1%.
import { median, type BenchContext, type BenchRow } from '../context';

export const title = 'PCA fit on MNIST 60k×784, seconds';

interface Ours { fits: Record<string, { seconds: number[]; method: string; solver: string; engine: string; testMse: Record<string, number> }> }
interface Sk { sklearn: string; randomized: Record<string, { seconds: number[]; testMse: Record<string, number> }>; full: { seconds: number[]; testMse: Record<string, number> } }

const KS = [20, 50];

export async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const ours: Record<string, number[]> = {};
  const skRandom: Record<string, number[]> = {};
  const skFull: number[] = [];
  let last: Ours | null = null;
  let lastSk: Sk | null = null;
  const skMissing = await ctx.pythonMissing();
  for (let round = 1; round <= ctx.repeats; round++) {
    last = await ctx.runNode<Ours>('bench/child/pca.ts', ['--repeats', '1', ...KS.flatMap((k) => ['--k', String(k)])]);
    for (const k of KS) (ours[k] ??= []).push(...last.fits[k].seconds);
    ctx.log(`  round ${round}: ours ${KS.map((k) => `k=${k} ${last!.fits[k].seconds[0].toFixed(2)} s`).join(', ')}`);
    if (skMissing) continue;
    lastSk = await ctx.runPython<Sk>('bench/py/sklearn_pca.py', ['--repeats', '1', '--k', ...KS.map(String)]);
    for (const k of KS) (skRandom[k] ??= []).push(...lastSk.randomized[k].seconds);
    skFull.push(...lastSk.full.seconds);
    ctx.log(`  round ${round}: scikit-learn ${KS.map((k) => `k=${k} ${lastSk!.randomized[k].seconds[0].toFixed(2)} s`).join(', ')}, full ${lastSk.full.seconds[0].toFixed(2)} s`);
  }
  const table: BenchRow[] = [];
  const accuracy: Record<string, unknown> = {};
  for (const k of KS) {
    const mine = median(ours[k]);
    const ref = skRandom[k] ? median(skRandom[k]) : null;
    const fit = last!.fits[k];
    // MSE agreement with scikit-learn's full SVD, per k up to this fit's k
    const mse = Object.entries(fit.testMse).map(([q, v]) => {
      const sk = lastSk?.full.testMse[q];
      return { k: Number(q), ours: v, sklearn: sk ?? null, relDiff: sk ? (v - sk) / sk : null };
    });
    accuracy[k] = mse;
    const worst = Math.max(...mse.map((m) => Math.abs(m.relDiff ?? 0)));
    table.push({
      metric: `ours k=${k} (${fit.method}, ${fit.solver}, ${fit.engine})`, value: mine, unit: 's', reference: ref,
      referenceName: skMissing ? undefined : `scikit-learn ${lastSk?.sklearn} randomized`, ratio: ref ? mine / ref : null,
      note: lastSk ? `test MSE within ${(worst * 100).toFixed(2)}% of full SVD` : undefined,
    });
  }
  if (skFull.length) table.push({ metric: `scikit-learn ${lastSk?.sklearn} full SVD`, value: median(skFull), unit: 's' });
  if (skMissing) table.push({ metric: 'scikit-learn PCA', value: null, unit: 's', note: `not run: ${skMissing}` });
  const k20 = median(ours[20]);
  const sk20 = skRandom[20] ? median(skRandom[20]) : null;
  return {
    rows: table,
    ours: Object.fromEntries(KS.map((k) => [k, { seconds: ours[k], median: median(ours[k]) }])),
    sklearn: skMissing ? { missing: skMissing } : {
      randomized: Object.fromEntries(KS.map((k) => [k, { seconds: skRandom[k], median: median(skRandom[k]) }])),
      full: { seconds: skFull, median: median(skFull) },
    },
    testMse: accuracy,
    summary: { k: 20, seconds: round3(k20), sklearnSeconds: sk20 === null ? null : round3(sk20), ratio: sk20 ? round3(k20 / sk20) : null },
  };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
