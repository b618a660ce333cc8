// What a CLI test may find on stderr after a successful command: tiny test runs (two epochs on a
// few rows) end in posterior collapse, whose warning is the one line `lab train` may print there.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const COLLAPSE = 'lab: warning: Posterior collapse';

/** The stderr lines other than the posterior-collapse warning (a passing command prints none). */
export function unexpectedStderr(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l && !l.startsWith(COLLAPSE));
}

export interface LabOutput {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A function that runs the built CLI (bin/lab.mjs → out/main/cli.js) with these variables added to
 * the environment and gives its exit status and output. Test files check the build is fresh first
 * (assertFreshBuild in their beforeAll).
 */
export function builtLab(env: Record<string, string>): (...args: string[]) => Promise<LabOutput> {
  const root = join(__dirname, '..', '..', '..');
  return (...args) => new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'lab.mjs'), ...args], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
