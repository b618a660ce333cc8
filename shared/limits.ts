// Allowed ranges for user-set numbers, shared by the runtime schemas and the UI's own checks so
// the two never disagree.
export const TRAIN_LIMITS = {
  latent: { min: 1, max: 512, integer: true },
  hidden: { min: 1, max: 8192, integer: true },
  epochs: { min: 1, max: 10000, integer: true },
  batchSize: { min: 1, max: 65536, integer: true },
  learningRate: { min: 1e-7, max: 10, integer: false },
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
  limit: { min: 0, max: 2 ** 31 - 1, integer: true },
} as const;

export type LimitedKey = keyof typeof TRAIN_LIMITS;

/** A sentence for the user when `value` is outside the allowed range of `key`, else null. */
export function checkLimit(key: LimitedKey, label: string, value: number): string | null {
  const l = TRAIN_LIMITS[key];
  if (!Number.isFinite(value)) return `${label} needs a number.`;
  if (l.integer && !Number.isInteger(value)) return `${label} must be a whole number.`;
  if (value < l.min) return `${label} must be at least ${l.min.toLocaleString('en-US')}.`;
  if (value > l.max) return `${label} must be at most ${l.max.toLocaleString('en-US')}.`;
  return null;
}

/**
 * The largest file the page may copy to the engine (browser window mode uploads, drag and drop).
 * Bigger files are opened in place by path instead (typed path, or Open file… in the desktop window).
 */
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

/**
 * The largest message the loopback server accepts from a page: one upload plus its envelope
 * (method name, file name, group: well under 64 KiB). Anything bigger is refused at the frame
 * header, before it is buffered.
 */
export const MAX_MESSAGE_BYTES = MAX_UPLOAD_BYTES + 64 * 1024;
