// What a CLI test may find on stderr after a successful command: tiny test runs (two epochs on a
// few rows) end in posterior collapse, whose warning is the one line `lab train` may print there.
const COLLAPSE = 'lab: warning: Posterior collapse';

/** The stderr lines other than the posterior-collapse warning (a passing command prints none). */
export function unexpectedStderr(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l && !l.startsWith(COLLAPSE));
}
