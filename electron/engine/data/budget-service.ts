// The memory budget as engine methods: what it is and where it comes from, setting it (the app's
// setting, kept in the user data folder; `lab --memory-budget` for one command), and the engine
// process's own memory (resident now and at its peak) so the app, the CLI and the benchmark can
// show what a streamed dataset really costs.
import { z } from 'zod';
import { none } from '../../../shared/schemas';
import type { EngineMemory, MemoryBudgetInfo } from '../../../shared/types';
import { method } from '../session/define';
import { machineMemory, MAX_BUDGET_MB, memoryBudget, MIN_BUDGET_MB, setMemoryBudget } from './budget';

const MB = 2 ** 20;

export function budgetInfo(): MemoryBudgetInfo {
  const b = memoryBudget();
  const machine = machineMemory();
  return {
    mb: Math.floor(b.bytes / MB), bytes: b.bytes, source: b.source, description: b.description,
    defaultMb: Math.floor(machine / 2 / MB), machineMb: Math.floor(machine / MB), minMb: MIN_BUDGET_MB, maxMb: MAX_BUDGET_MB,
  };
}

/** Resident memory now and at its peak (the kernel's high-water mark, VmHWM on Linux). */
export function engineMemory(): EngineMemory {
  return { rssBytes: process.memoryUsage().rss, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
}

export const budgetHandlers = {
  memoryBudget: method(none, async (): Promise<MemoryBudgetInfo> => budgetInfo()),

  /**
   * Sets the budget (null: back to the environment or the default); `save` keeps it for the next
   * start. Any number is accepted here so that a bad one is refused with its own message.
   */
  setMemoryBudget: method(z.tuple([z.strictObject({ mb: z.number().nullable(), save: z.boolean() })]),
    async (_s, req: { mb: number | null; save: boolean }): Promise<MemoryBudgetInfo> => {
      setMemoryBudget(req.mb, req.save);
      return budgetInfo();
    }),

  engineMemory: method(none, async (): Promise<EngineMemory> => engineMemory()),
};
