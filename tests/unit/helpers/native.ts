// Which backends a test file can run on, and whether a missing native addon is a failure. CI sets
// CI=true (LAB_REQUIRE_NATIVE=1 does the same by hand): there, tests that need the addon FAIL when
// it did not build or load, instead of skipping with a warning while the fast path is broken.
import { nativeAddon } from '../../../electron/engine/native/addon';
import type { BackendName } from '../../../shared/types';

export const requireNative = process.env.CI === 'true' || process.env.LAB_REQUIRE_NATIVE === '1';

const { addon, reason } = nativeAddon();

/** Skip a suite that needs the addon: only when it is missing and not required. */
export const skipNative = !addon && !requireNative;

if (!addon) {
  console.warn(requireNative
    ? `native addon required (CI=true or LAB_REQUIRE_NATIVE=1) but not loaded: ${reason}; its tests will fail`
    : `native addon tests skipped: ${reason}`);
}

/** beforeAll of a suite that needs the addon: fails each of its tests with the reason when absent. */
export function assertNative(): void {
  if (!addon) throw new Error(`the native addon did not load (${reason}); CI requires it (CI=true or LAB_REQUIRE_NATIVE=1)`);
}

/** The backends to run backend-generic checks on: native (when loaded or required), wasm, cpu. */
export function testBackends(): BackendName[] {
  return [...(skipNative ? [] : (['native'] as const)), 'wasm', 'cpu'];
}
