// The 'native' tfjs backend: tfjs-backend-cpu's storage (plain JS typed arrays, so the addon reads
// and writes tensors without copies) and kernels, with the hot ones replaced by the addon's.
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { nativeAddon, type NativeAddon } from './addon';
import { BACKEND, registerNativeKernels } from './kernels';

export class NativeBackend extends MathBackendCPU {
  constructor(readonly addon: NativeAddon) {
    super();
    // MathBackendCPU prints a "use tfjs-node" banner on first write; we are the fast path.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }
}

/** Registers the backend when the addon loads; returns the addon's description or throws why not. */
export function registerNativeBackend(): string {
  const { addon, reason } = nativeAddon();
  if (!addon) throw new Error(reason);
  registerNativeKernels(addon);
  if (!tf.findBackendFactory(BACKEND)) tf.registerBackend(BACKEND, () => new NativeBackend(addon), 0);
  const info = addon.info();
  return `native (${info.isa}, ${info.threads} thread${info.threads === 1 ? '' : 's'})`;
}

/** True when the active tfjs backend is ours (models then use the fused kernels). */
export function nativeActive(): boolean {
  return tf.getBackend() === BACKEND;
}

/** The addon of the active native backend. */
export function activeAddon(): NativeAddon {
  return (tf.backend() as NativeBackend).addon;
}
