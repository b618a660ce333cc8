// The `lab` CLI on data files: inspect --json on a good file, one clear line and exit 1 on a bad one
// (exit 2 for a bad flag).
// Spawns the built CLI (npm run build first; the test builds when out/ is missing). Kept few: slow.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const lab = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin', 'lab.mjs'), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

beforeAll(() => {
  if (!existsSync(join(root, 'out', 'main', 'cli.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
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
  ])('exits 1 with one line on stderr for %s', (path, says) => {
    const r = lab('inspect', path, '--json');
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
