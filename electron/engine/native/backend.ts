// The 'native' tfjs backend: tfjs-backend-cpu's storage (plain JS typed arrays, so the addon reads
// and writes tensors without copies) and kernels, with the hot ones replaced by the addon's.
//
// Output buffers are recycled. A training step allocates ~9 MB of outputs; left to the garbage
// collector, that memory streams through the caches cold and triggers a full GC every few steps.
// Our kernels take buffers from alloc(), and a buffer returns to the pool when its tensor is
// disposed — unless anything else may still see it: a read (dataSync/data) hands the array itself
// to the caller, and a view or a second tensor over the same memory (the cpu backend's slice
// returns subarrays) shows up in write(); either marks the buffer as escaped, never to be reused.
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendValues, DataId, DataType } from '@tensorflow/tfjs-core';
import { memoryBudget } from '../data/budget';
import { nativeAddon, type NativeAddon } from './addon';
import { BACKEND, registerNativeKernels } from './kernels';

interface Owned {
  dataId: DataId;
  array: Float32Array;
  escaped: boolean;
}

/** Pooled buffers are kept up to this many bytes in total (beyond, they go to the GC): a training
 * step of the reference VAE cycles ~9 MB. Under a small memory budget, an eighth of it (a streamed
 * dataset's chunks end in batches of every size, each of which would keep buffers of its own). */
const POOL_MAX_BYTES = 64 * 2 ** 20;
let poolMax = { bytes: POOL_MAX_BYTES, at: -Infinity };
/** Read again at most twice a second: recycle() runs for every disposed tensor. */
function poolMaxBytes(): number {
  const now = performance.now();
  if (now - poolMax.at > 500) {
    let bytes = POOL_MAX_BYTES;
    try {
      bytes = Math.min(POOL_MAX_BYTES, memoryBudget().bytes / 8);
    } catch {
      // a bad LAB_MEMORY_BUDGET_MB is reported where a file is opened
    }
    poolMax = { bytes, at: now };
  }
  return poolMax.bytes;
}
const POOL_MAX_PER_SIZE = 32;
/** LAB_NATIVE_POOL=0 turns recycling off (to measure it, or to rule it out when debugging). */
const POOL_ENABLED = process.env.LAB_NATIVE_POOL !== '0';

export class NativeBackend extends MathBackendCPU {
  private readonly pool = new Map<number, Float32Array[]>();
  private poolBytes = 0;
  /** Handed out by alloc() and not yet stored under a tensor. */
  private readonly fresh = new WeakSet<Float32Array>();
  /** Buffers from alloc() that one tensor owns, by their memory. */
  private readonly owned = new WeakMap<ArrayBufferLike, Owned>();

  constructor(readonly addon: NativeAddon) {
    super();
    // MathBackendCPU prints a "use tfjs-node" banner on first write; we are the fast path.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** A float32 buffer of n elements for a kernel output; its contents are arbitrary. */
  alloc(n: number): Float32Array {
    const reused = this.pool.get(n)?.pop();
    if (reused) this.poolBytes -= reused.byteLength;
    const a = reused ?? new Float32Array(n);
    this.fresh.add(a);
    return a;
  }

  /**
   * Makes `values` (from alloc()) the data of dataId in place of its current array, when no other
   * tensor shares that data (refCount 1): readers and views of the old array keep a consistent
   * snapshot, and the old array is recycled if nothing else can see it. False (nothing changed)
   * when the data is shared; the caller then makes a new tensor instead.
   */
  replaceValues(dataId: DataId, values: Float32Array): boolean {
    if (!this.data.has(dataId) || this.refCount(dataId) !== 1 || !this.fresh.has(values)) return false;
    const entry = this.data.get(dataId);
    const old = entry.values;
    if (!(old instanceof Float32Array) || old.length !== values.length) return false;
    entry.values = values;
    this.track(values, dataId);
    const o = this.owned.get(old.buffer);
    if (o && o.dataId === dataId) {
      this.owned.delete(old.buffer);
      if (!o.escaped) this.recycle(o.array);
    }
    return true;
  }

  /** Gives back a buffer from alloc() that no tensor took (kernel scratch space). */
  release(a: Float32Array): void {
    if (!this.fresh.has(a)) return;
    this.fresh.delete(a);
    this.recycle(a);
  }

  private track(values: BackendValues, dataId: DataId): void {
    if (!(values instanceof Float32Array)) return;
    if (this.fresh.has(values)) {
      this.fresh.delete(values);
      this.owned.set(values.buffer, { dataId, array: values, escaped: false });
      return;
    }
    const o = this.owned.get(values.buffer);
    if (o) o.escaped = true; // a second tensor over our memory (a view, or the same array)
  }

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    const dataId = super.write(values, shape, dtype);
    this.track(values, dataId);
    return dataId;
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    super.move(dataId, values, shape, dtype, refCount);
    this.track(values, dataId);
  }

  override readSync(dataId: DataId): BackendValues {
    const values = super.readSync(dataId);
    if (values instanceof Float32Array) {
      const o = this.owned.get(values.buffer);
      if (o) o.escaped = true; // the caller holds the array now
    }
    return values;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : null;
    const released = super.disposeData(dataId, force);
    if (released && !this.data.has(dataId) && values instanceof Float32Array) {
      const o = this.owned.get(values.buffer);
      if (o && o.dataId === dataId) {
        this.owned.delete(values.buffer);
        if (!o.escaped) this.recycle(o.array);
      }
    }
    return released;
  }

  private recycle(a: Float32Array): void {
    if (!POOL_ENABLED) return;
    const list = this.pool.get(a.length) ?? [];
    if (list.length >= POOL_MAX_PER_SIZE || this.poolBytes + a.byteLength > poolMaxBytes()) return;
    list.push(a);
    this.pool.set(a.length, list);
    this.poolBytes += a.byteLength;
  }

  override dispose(): void {
    this.pool.clear();
    this.poolBytes = 0;
    super.dispose();
  }
}

/** Registers the backend when the addon loads; returns the addon's description or throws why not. */
export function registerNativeBackend(): string {
  const { addon, reason } = nativeAddon();
  if (!addon) throw new Error(reason);
  registerNativeKernels(addon);
  if (!tf.findBackendFactory(BACKEND)) tf.registerBackend(BACKEND, () => new NativeBackend(addon), 0);
  const info = addon.info();
  const forced = info.forced ? ' by LAB_NATIVE_ISA' : '';
  return `native (${info.isa}${forced}, ${info.threads} thread${info.threads === 1 ? '' : 's'})`;
}

/** True when the active tfjs backend is ours (models then use the fused kernels). */
export function nativeActive(): boolean {
  return tf.getBackend() === BACKEND;
}

/** The addon of the active native backend. */
export function activeAddon(): NativeAddon {
  return (tf.backend() as NativeBackend).addon;
}
