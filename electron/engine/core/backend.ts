// The tfjs backend chain: tensorflow (tfjs-node-gpu, optional) → native (our addon) → wasm → cpu;
// the first that loads wins.
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' registers all of tfjs-core's (the
// same 101 as the umbrella @tensorflow/tfjs, without its converter, data and webgl packages) into
// the registry every tfjs copy shares. Nothing else of tfjs-layers is used.
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendInfo, BackendName } from '../../../shared/types';
import { registerNativeBackend } from '../native/backend';

const nodeRequire = createRequire(import.meta.url);

let active: BackendInfo | null = null;

const CHAIN: BackendName[] = ['tensorflow', 'native', 'wasm', 'cpu'];

/** Backends to try, in order. LAB_BACKEND=tensorflow|native|wasm|cpu forces one (tests, bench). */
function chain(): BackendName[] {
  const forced = process.env.LAB_BACKEND as BackendName | undefined;
  if (forced && CHAIN.includes(forced)) return [forced];
  return CHAIN;
}

async function tryTensorflow(): Promise<string> {
  // tfjs-node-gpu registers the 'tensorflow' backend on import; it needs libtensorflow, which its
  // install script downloads, so on machines without internet it is simply absent.
  nodeRequire('@tensorflow/tfjs-node-gpu');
  if (!(await tf.setBackend('tensorflow'))) throw new Error('backend did not initialise');
  return 'tensorflow (tfjs-node-gpu)';
}

async function tryNative(): Promise<string> {
  const detail = registerNativeBackend();
  if (!(await tf.setBackend('native'))) throw new Error('backend did not initialise');
  return detail;
}

async function tryWasm(): Promise<string> {
  const dist = nodeRequire.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm').replace(/[^/\\]+$/, '');
  setWasmPaths(dist);
  if (!(await tf.setBackend('wasm'))) throw new Error('backend did not initialise');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'multi-threaded' : '1 thread'})`;
}

async function tryCpu(): Promise<string> {
  if (!(await tf.setBackend('cpu'))) throw new Error('backend did not initialise');
  return 'cpu (plain JavaScript)';
}

const loaders: Record<BackendName, () => Promise<string>> = {
  tensorflow: tryTensorflow,
  native: tryNative,
  wasm: tryWasm,
  cpu: tryCpu,
};

function shortReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/Cannot find module/.test(msg)) return 'not installed';
  return msg.split('\n')[0].slice(0, 200);
}

/** Initialises the first backend of the chain that loads; idempotent. */
export async function initBackend(): Promise<BackendInfo> {
  if (active) return active;
  // PROD silences tfjs's console banners ("looks like you are running in Node.js")
  tf.env().set('PROD', true);
  const skipped: BackendInfo['skipped'] = [];
  for (const name of chain()) {
    try {
      const detail = await loaders[name]();
      await tf.ready();
      active = { name, detail, skipped };
      return active;
    } catch (err) {
      skipped.push({ name, reason: shortReason(err) });
    }
  }
  throw new Error(`No tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/**
 * Starts the named backend (whether or not the chain would pick it) and makes it the active one;
 * tests use it to run the same checks on native, wasm and cpu in one process.
 */
export async function useBackend(name: BackendName): Promise<BackendInfo> {
  tf.env().set('PROD', true);
  const detail = await loaders[name]();
  await tf.ready();
  active = { name, detail, skipped: [] };
  return active;
}

export function activeBackend(): BackendInfo | null {
  return active;
}
