// The memory budget as the user sets it: the engine reports it and where it comes from, a set
// value changes what opens streamed, a kept one survives a restart (the settings file), and every
// bad value (tests/fixtures/bad/memory-budgets.ts) is refused with its own message — by the engine
// (the window's setting) and by `lab --memory-budget` (exit 2, before any engine starts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/engine/engine';
import { BUDGET_ENV, resetMemoryBudget } from '../../electron/engine/data/budget';
import { LabFailure } from '../../shared/api';
import { badBudgets } from '../fixtures/bad/memory-budgets';
import { assertFreshBuild } from './helpers/build';
import { file, openWith } from './helpers/open';
import { writeStreamFile } from './helpers/stream-files';

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'lab-budget-'));
const env = { data: process.env.LAB_DATA_DIR, budget: process.env[BUDGET_ENV] };
beforeAll(() => {
  process.env.LAB_DATA_DIR = join(dir, 'data');
  delete process.env[BUDGET_ENV];
});
afterEach(() => resetMemoryBudget());
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const [k, v] of [['LAB_DATA_DIR', env.data], [BUDGET_ENV, env.budget]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('the memory budget in the engine', () => {
  const engine = new Engine();

  it('defaults to half of this computer’s memory, and says so', async () => {
    const b = await engine.memoryBudget();
    expect(b.source).toBe('default');
    expect(b.mb).toBe(b.defaultMb);
    expect(b.description).toMatch(/^half of the .* of memory here$/);
  });

  it('a set budget decides what opens streamed, and a kept one is there after a restart', async () => {
    const path = await writeStreamFile(join(dir, 'rows.parquet'), { rows: 300_000, features: 8 });
    const whole = await openWith(engine, file(path));
    expect(whole.streamed ?? null).toBeNull();
    await engine.closeDataset(whole.id);
    const set = await engine.setMemoryBudget({ mb: 16, save: true });
    expect(set).toMatchObject({ mb: 16, source: 'set' });
    const streamed = await openWith(engine, file(path));
    expect(streamed.streamed?.budgetBytes).toBe(16 * 2 ** 20);
    expect(streamed.notes[0]).toMatch(/the budget is 16 MB, set to 16 MB\): opened streamed/);
    expect(JSON.parse(readFileSync(join(dir, 'data', 'settings.json'), 'utf8'))).toMatchObject({ memoryBudgetMB: 16 });
    // a new engine (a restart) reads the kept setting
    resetMemoryBudget();
    expect(await new Engine().memoryBudget()).toMatchObject({ mb: 16, source: 'saved' });
    await engine.setMemoryBudget({ mb: null, save: true });
    resetMemoryBudget();
    expect((await engine.memoryBudget()).source).toBe('default');
  }, 120_000);

  it.each(badBudgets.filter((b) => Number.isFinite(Number(b.value)) && b.value.trim() !== ''))('refuses $value MB with its own message', async ({ value, says }) => {
    const before = await engine.memoryBudget();
    const err = await engine.setMemoryBudget({ mb: Number(value), save: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabFailure);
    expect((err as LabFailure).code).toBe('bad-setting');
    expect((err as LabFailure).message).toMatch(says);
    expect(await engine.memoryBudget()).toEqual(before);
  });
});

describe('lab --memory-budget', () => {
  beforeAll(() => assertFreshBuild(['out/main/cli.js']));
  const lab = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin', 'lab.mjs'), ...args], {
    cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, LAB_DATA_DIR: join(dir, 'cli-data'), [BUDGET_ENV]: '' },
  });

  it.each(badBudgets)('exits 2 with one line for --memory-budget "$value"', ({ value, says }) => {
    const r = lab('inspect', 'iris', '--json', `--memory-budget=${value}`);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^lab: --memory-budget: /);
    expect(lines[0]).toMatch(says);
  });

  it('exits 2 for a negative value written as a separate argument, saying how to write it', () => {
    const r = lab('inspect', 'iris', '--json', '--memory-budget', '-100');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^lab: Option '--memory-budget' argument is ambiguous: a value that starts with a dash goes after "="/);
  });

  it('opens a file over the budget streamed, and says so', async () => {
    const path = await writeStreamFile(join(dir, 'cli.parquet'), { rows: 300_000, features: 8 });
    const r = lab('inspect', path, '--json', '--memory-budget', '16');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.notes[0]).toMatch(/^Over the memory budget \(loading it whole would need about [\d.]+ MB; the budget is 16 MB, set to 16 MB\): opened streamed/);
  }, 120_000);
});
