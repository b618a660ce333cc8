// The `lab` CLI on data files: inspect --json on a good file, one clear line and exit 1 on a bad one
// (exit 2 for a bad flag).
// Spawns the built CLI (npm test builds first; a missing or stale build fails with what to do).
// Kept few: slow.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertFreshBuild } from './helpers/build';

const root = join(__dirname, '..', '..');
const lab = (...args: string[]) => labWith({}, ...args);
const labWith = (env: Record<string, string>, ...args: string[]) => spawnSync(process.execPath, [join(root, 'bin', 'lab.mjs'), ...args], {
  cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, LAB_MEMORY_BUDGET_MB: '', ...env },
});

beforeAll(() => {
  assertFreshBuild(['out/main/cli.js']);
});

describe('lab inspect', () => {
  it('prints rows, features, labels, format and columns as JSON', () => {
    const r = lab('inspect', 'tests/fixtures/good/semicolon-decimal.csv', '--json', '--scaling', 'minmax', '--role', 'c=ignore');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ rows: 20, features: 2, labels: 2, format: 'csv', scaling: 'minmax' });
    expect(out.columns[0]).toMatchObject({ name: 'a', role: 'feature', type: 'number', missing: 0 });
    expect(out.columns.find((c: { name: string }) => c.name === 'c').role).toBe('ignore');
    expect(out.delimited).toMatchObject({ delimiter: ';', decimal: ',' });
  });

  it.each([
    ['tests/fixtures/bad/ragged.csv', /^lab: ragged\.csv: line 3 has 4 fields but the header has 3 \(comma-separated\)\. Every row/],
    ['tests/fixtures/bad/truncated.npy', /^lab: truncated\.npy: is truncated/],
    ['tests/fixtures/bad/npy-negative-shape.npy', /^lab: npy-negative-shape\.npy: has a negative size \(-3\) in its shape/],
    ['tests/fixtures/bad/npy-zero-rows-wide.npy', /^lab: npy-zero-rows-wide\.npy: has only 0 data rows \(its shape is 0 × 30,000,000\)/],
    ['tests/fixtures/bad/deep-nesting.json', /^lab: deep-nesting\.json: is nested more than 64 levels deep \(line 1\)/],
    ['tests/fixtures/bad/idx-gz-20MB-images-idx3-ubyte.gz', /^lab: idx-gz-20MB-images-idx3-ubyte\.gz: would need about 114 MB of memory \(2,000 × 100 × 100 unsigned byte values\), more than the memory budget of 8\.0 MB \(set by LAB_MEMORY_BUDGET_MB=8\)\. .*LAB_MEMORY_BUDGET_MB/, { LAB_MEMORY_BUDGET_MB: '8' }],
    ['tests/fixtures/good/images-u8.npy', /^lab: images-u8\.npy: would need about 1\.4 KB of memory \(8 × 6 × 5 uint8 values\), more than the memory budget of 1\.0 KB \(set by LAB_MEMORY_BUDGET_MB=0\.0009765625\)/, { LAB_MEMORY_BUDGET_MB: '0.0009765625' }],
  ])('exits 1 with one line on stderr for %s', (path, says, env?: Record<string, string>) => {
    const r = labWith(env ?? {}, 'inspect', path, '--json');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(says);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a bad flag value with the same message style, as a usage error (exit 2)', () => {
    const r = lab('inspect', 'iris', '--missing', 'guess');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^lab: --missing guess is not valid/);
  });
});
