// Picks how the UI reaches the engine: window.lab (Electron preload) or the loopback WebSocket
// (browser window mode). Both give the same LabApi.
import { apiOverBridge, type JobListener, type LabApi, type LabBridge } from '../../../shared/api';
import type { LabError } from '../../../shared/types';
import { decodeMessage, encodeMessage } from '../../../shared/wire';

declare global {
  interface Window {
    lab?: LabBridge;
  }
}

type Reply = { kind: 'result'; id: number; ok: true; value: unknown } | { kind: 'result'; id: number; ok: false; error: LabError };
type Incoming = Reply | { kind: 'event'; event: Parameters<JobListener>[0] };

export interface Connection {
  api: LabApi;
  /** Called when the link to the engine is lost (browser mode only). */
  onClose(listener: (reason: string) => void): void;
}

function tokenFromLocation(): string {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  return params.get('token') ?? new URLSearchParams(location.search).get('token') ?? '';
}

export async function connectWebSocket(): Promise<Connection> {
  const token = tokenFromLocation();
  const ws = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
  ws.binaryType = 'arraybuffer';
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: LabError) => void }>();
  const listeners = new Set<JobListener>();
  const closeListeners = new Set<(reason: string) => void>();
  let nextId = 1;
  let closed: string | null = null;

  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(token
      ? 'Could not connect to the Latent Lab engine. Is `npm start` still running?'
      : 'This page was opened without its access token. Use the address `npm start` printed.')), { once: true });
  });
  ws.addEventListener('message', (e) => {
    const msg = decodeMessage(e.data as string | ArrayBuffer) as Incoming;
    if (msg.kind === 'event') {
      for (const l of listeners) l(msg.event);
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(msg.error);
  });
  ws.addEventListener('close', () => {
    closed = 'The connection to the Latent Lab engine was lost. Restart Latent Lab (npm start) and reload this page.';
    for (const [, p] of pending) p.reject({ code: 'disconnected', message: closed });
    pending.clear();
    for (const l of closeListeners) l(closed);
  });

  function call(method: string, args: unknown[]): Promise<unknown> {
    if (closed) return Promise.reject({ code: 'disconnected', message: closed } satisfies LabError);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      ws.send(encodeMessage({ kind: 'call', id, method, args }));
    });
  }

  const api = apiOverBridge({
    call,
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  return { api, onClose: (l) => closeListeners.add(l) };
}

export async function connect(): Promise<Connection> {
  if (window.lab) return { api: apiOverBridge(window.lab), onClose: () => {} };
  return connectWebSocket();
}
