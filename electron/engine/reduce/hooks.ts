// How a long reducer talks to whoever runs it (a job, a test, the benchmark).

export interface ReduceHooks {
  /**
   * Reports progress (0–1 of the current stage) and lets the host's event loop run. Throws when
   * the user cancelled, so a reducer simply awaits it between units of work.
   */
  step(fraction: number, message: string): Promise<void>;
}

/** Hooks that do nothing: for callers with no progress to show and nothing to cancel. */
export const silentHooks: ReduceHooks = { step: async () => {} };

/** Hooks whose progress covers [from, to) of an outer range: for a stage inside a longer job. */
export function stageHooks(outer: ReduceHooks, from: number, to: number): ReduceHooks {
  return { step: (f, m) => outer.step(from + (to - from) * Math.min(1, Math.max(0, f)), m) };
}
