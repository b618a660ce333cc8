// Sizes in bytes as people read them, written the same way in the engine's messages (memory
// budget refusals) and in the window (file sizes, the budget setting).

/** Bytes as people read them: 812 KB, 3.2 GB (powers of 1024, one decimal under 10). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return 'an unbounded amount';
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(v)} bytes`;
  return `${v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')} ${units[u]}`;
}
