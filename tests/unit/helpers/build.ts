// Tests that run the BUILT app (the CLI through bin/lab.mjs, the engine process, the served
// window) must not run an old build: when an output is missing, or older than a source it is built
// from, they fail with what to do instead of quietly testing yesterday's code. `npm test` builds
// before it runs them.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../..', import.meta.url));

/** What out/main and out/preload are built from. */
export const MAIN_SOURCES = ['electron', 'shared', 'package.json', 'electron.vite.config.ts'];
/** What out/renderer is built from. */
export const RENDERER_SOURCES = ['renderer', 'shared', 'package.json', 'electron.vite.config.ts'];

/** The most recently modified file under the given paths (relative to the repository root). */
export function newestSource(paths: string[], base = root): { path: string; mtimeMs: number } | null {
  let best: { path: string; mtimeMs: number } | null = null;
  const visit = (abs: string): void => {
    const st = statSync(abs);
    if (st.isDirectory()) {
      for (const name of readdirSync(abs)) if (name !== 'node_modules') visit(join(abs, name));
    } else if (!best || st.mtimeMs > best.mtimeMs) {
      best = { path: abs, mtimeMs: st.mtimeMs };
    }
  };
  for (const p of paths) if (existsSync(join(base, p))) visit(join(base, p));
  return best;
}

/** Why the build outputs cannot be trusted (missing, or older than a source), or null. */
export function staleBuild(outputs: string[], sources: string[], base = root): string | null {
  const todo = 'Run `npx electron-vite build` (`npm test` builds first), then run the tests again.';
  const newest = newestSource(sources, base);
  for (const out of outputs) {
    const abs = join(base, out);
    if (!existsSync(abs)) return `${out} does not exist: these tests run the built app. ${todo}`;
    const built = statSync(abs).mtimeMs;
    if (newest && newest.mtimeMs > built) {
      const at = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
      return `${out} (built ${at(built)}) is older than ${relative(base, newest.path)} (changed ${at(newest.mtimeMs)}): `
        + `these tests would run a stale build. ${todo}`;
    }
  }
  return null;
}

/** Throws (failing the tests that need it) when the build outputs are missing or stale. */
export function assertFreshBuild(outputs: string[], sources: string[] = MAIN_SOURCES): void {
  const why = staleBuild(outputs, sources);
  if (why) throw new Error(why);
}
