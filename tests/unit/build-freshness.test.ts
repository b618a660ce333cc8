// The guard of the tests that run the built app: a missing output, or one older than any of its
// sources, is refused with the file names and what to do; a build newer than every source passes.
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN_SOURCES, newestSource, staleBuild } from './helpers/build';

function tree(): string {
  const base = mkdtempSync(join(tmpdir(), 'lab-build-'));
  for (const dir of ['electron/cli', 'shared', 'out/main', 'electron/node_modules/x']) mkdirSync(join(base, dir), { recursive: true });
  const put = (path: string, seconds: number) => {
    writeFileSync(join(base, path), '//\n');
    utimesSync(join(base, path), seconds, seconds);
  };
  put('electron/cli/index.ts', 1_000);
  put('shared/types.ts', 2_000);
  put('package.json', 1_500);
  put('electron/node_modules/x/index.js', 9_000); // not a source
  put('out/main/cli.js', 3_000);
  return base;
}

describe('the stale-build guard', () => {
  it('passes a build newer than every source', () => {
    const base = tree();
    expect(newestSource(MAIN_SOURCES, base)!.path).toBe(join(base, 'shared/types.ts'));
    expect(staleBuild(['out/main/cli.js'], MAIN_SOURCES, base)).toBeNull();
  });

  it('refuses a build older than a source, naming both', () => {
    const base = tree();
    utimesSync(join(base, 'electron/cli/index.ts'), 4_000, 4_000);
    expect(staleBuild(['out/main/cli.js'], MAIN_SOURCES, base)).toMatch(
      /^out\/main\/cli\.js \(built 1970-01-01 00:50:00\) is older than electron\/cli\/index\.ts \(changed 1970-01-01 01:06:40\): these tests would run a stale build\. Run `npx electron-vite build`/,
    );
  });

  it('refuses a missing build', () => {
    expect(staleBuild(['out/main/engine.js'], MAIN_SOURCES, tree())).toMatch(/^out\/main\/engine\.js does not exist: these tests run the built app\. Run `npx electron-vite build`/);
  });
});
