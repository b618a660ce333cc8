// The memory budget's limits and the one check every side applies to a value given for it (the
// CLI's --memory-budget, the engine's setMemoryBudget, the setting in the window), so a bad value
// gets the same clear message wherever it was typed.

/** The smallest budget the engine accepts (it needs some room to work, streamed or not), in MB. */
export const MIN_BUDGET_MB = 16;
/** The largest: a petabyte is surely a typo. */
export const MAX_BUDGET_MB = 2 ** 30;

/** What is wrong with `value` as a budget in MB (a number, or text as typed), or null when it is fine. */
export function budgetProblem(value: string | number): string | null {
  const text = String(value).trim();
  if (text === '') return 'The memory budget is empty: give a number of megabytes, e.g. 4096.';
  const mb = typeof value === 'number' ? value : Number(text);
  if (!Number.isFinite(mb)) return `The memory budget "${text.slice(0, 40)}" is not a number of megabytes: give one like 4096 (in MB, without a unit).`;
  if (mb < MIN_BUDGET_MB) return `A memory budget of ${mb} MB is too small: the engine needs at least ${MIN_BUDGET_MB} MB to work in.`;
  if (mb > MAX_BUDGET_MB) return `A memory budget of ${mb.toLocaleString('en-US')} MB is more than any computer has: give at most ${MAX_BUDGET_MB.toLocaleString('en-US')} MB.`;
  return null;
}
