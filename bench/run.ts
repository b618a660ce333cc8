// The benchmark: runs every bench/cases/*.ts (each exports `run(ctx)` and a `title`) one after the
// other in this run, prints a table and writes bench/results.json with the date and the machine.
// It never fails: a case that breaks is recorded with its error.
//   npm run bench [-- --only training,pca] [-- --json]
//   BENCH_REPEATS=3 (rounds per case), BENCH_QUICK=1 (small workloads), LAB_PEERS=<shared/peers>
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createContext, machine, REPO, type BenchContext, type BenchRow } from './context';

interface BenchCase {
  title?: string;
  run(ctx: BenchContext): Promise<Record<string, unknown>>;
}

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, only: { type: 'string' } } });
const log = (m: string) => process.stderr.write(`${m}\n`);

function fmt(v: number | null | undefined, unit = '', digits?: number): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const s = digits !== undefined ? v.toFixed(digits)
    : Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3);
  return unit ? `${s} ${unit}` : s;
}

function table(cases: Record<string, Record<string, unknown>>, titles: Record<string, string>): string {
  const out: string[] = [];
  for (const [name, result] of Object.entries(cases)) {
    out.push(`${titles[name] ?? name}`);
    if (result.error) {
      out.push(`  failed: ${String(result.error)}`, '');
      continue;
    }
    const lines: string[][] = [['metric', 'ours', 'reference', 'ratio', 'note']];
    for (const r of (result.rows as BenchRow[] | undefined) ?? []) {
      lines.push([
        r.metric, fmt(r.value, r.unit, r.digits),
        r.reference === undefined ? '' : `${fmt(r.reference, r.unit, r.digits)}${r.referenceName ? ` (${r.referenceName})` : ''}`,
        r.ratio === undefined || r.ratio === null ? '' : `${r.ratio.toFixed(2)}×`, r.note ?? '',
      ]);
    }
    const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
    lines.forEach((l, i) => {
      out.push(`  ${l.map((cell, c) => cell.padEnd(widths[c])).join(' | ').trimEnd()}`);
      if (i === 0) out.push(`  ${widths.map((w) => '-'.repeat(w)).join('-|-')}`);
    });
    out.push('');
  }
  return out.join('\n');
}

type Summary = Record<string, unknown> | null;
/** The headline ratios (ours ÷ PyTorch's faster configuration): summary.training and summary.conv. */
function trainingSummary(training: Summary, conv: Summary) {
  const pick = (s: Summary, cpu: boolean) => s && {
    ratio: s.ratio ?? null, ...(cpu ? { cpuRatio: s.cpuRatio ?? null } : {}), ours: s.samplesPerSec ?? null, reference: s.pytorchSamplesPerSec ?? null,
  };
  return { training: pick(training, true), conv: pick(conv, false) };
}

async function main() {
  const started = new Date();
  const before = machine();
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const dir = join(REPO, 'bench', 'cases');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const ctx = createContext(log);
  const cases: Record<string, Record<string, unknown>> = {};
  const titles: Record<string, string> = {};
  log(`Latent Lab benchmark — ${before.cpu}, ${before.cores} cores, ${before.ramGb} GB, Node ${before.node}, load ${before.loadAverage.join(' ')}`);
  for (const file of files) {
    const name = file.replace(/\.ts$/, '');
    if (only && !only.includes(name)) continue;
    const t0 = performance.now();
    try {
      const mod = (await import(pathToFileURL(join(dir, file)).href)) as BenchCase;
      titles[name] = mod.title ?? name;
      log(`▶ ${titles[name]}`);
      cases[name] = { ...(await mod.run(ctx)), seconds: Math.round((performance.now() - t0) / 100) / 10 };
    } catch (err) {
      cases[name] = { error: err instanceof Error ? err.message : String(err), seconds: Math.round((performance.now() - t0) / 100) / 10 };
      log(`  failed: ${cases[name].error}`);
    }
  }
  const summaryOf = (name: string) => (cases[name]?.summary as Record<string, unknown> | undefined) ?? null;
  const results = {
    date: started.toISOString(),
    machine: { ...before, loadAverageAtEnd: machine().loadAverage },
    durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
    training: summaryOf('training'),
    pca: summaryOf('pca'),
    conv: summaryOf('conv'),
    summary: { ...trainingSummary(summaryOf('training'), summaryOf('conv')) },
    cases,
  };
  await writeFile(join(REPO, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    process.stdout.write(`\nLatent Lab benchmark, ${results.date.slice(0, 16).replace('T', ' ')} UTC\n`);
    process.stdout.write(`${before.cpu} (${before.cores} cores), ${before.ramGb} GB RAM, Node ${before.node}, ${before.platform}; load average ${before.loadAverage[0]} → ${results.machine.loadAverageAtEnd[0]}\n\n`);
    process.stdout.write(`${table(cases, titles)}\n\nWrote bench/results.json\n`);
  }
}

main().catch((err) => log(`benchmark harness error: ${err instanceof Error ? err.stack : String(err)}`)).finally(() => process.exit(0));
