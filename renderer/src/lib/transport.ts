// Picks how the UI reaches the engine: window.lab (Electron preload) or the loopback WebSocket
// (browser window mode, authenticated by a session cookie). Both give the same LabApi.
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

type Launch = 'none' | 'redeemed' | 'refused' | 'unreachable';

/**
 * The address Latent Lab opened (or printed) carries a single-use launch code in its fragment.
 * Trade it for the session cookie (HttpOnly: this script never sees the credential itself) and
 * drop it from the address bar, so a reload or a copied address does not carry a spent code.
 */
async function redeemLaunchCode(): Promise<Launch> {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const code = params.get('code');
  if (!code) return 'none';
  history.replaceState(null, '', location.pathname + location.search);
  try {
    const res = await fetch('/session', { method: 'POST', body: code, credentials: 'same-origin', cache: 'no-store' });
    return res.ok ? 'redeemed' : 'refused';
  } catch {
    return 'unreachable';
  }
}

function connectFailure(launch: Launch): string {
  if (launch === 'refused') {
    return 'This address was already used: each address Latent Lab prints opens the app once. Stop Latent Lab (Ctrl-C) and run `npm start` again for a new one.';
  }
  if (launch === 'none') {
    return 'Could not connect to the Latent Lab engine. If `npm start` is still running, open the address it printed (each address works once).';
  }
  return 'Could not connect to the Latent Lab engine. Is `npm start` still running?';
}

export async function connectWebSocket(): Promise<Connection> {
  const launch = await redeemLaunchCode();
  // the session cookie travels with the upgrade request (same origin); no credential in the URL
  const ws = new WebSocket(`ws://${location.host}/ws`);
  ws.binaryType = 'arraybuffer';
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: LabError) => void }>();
  const listeners = new Set<JobListener>();
  const closeListeners = new Set<(reason: string) => void>();
  let nextId = 1;
  let closed: string | null = null;

  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(connectFailure(launch))), { once: true });
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
