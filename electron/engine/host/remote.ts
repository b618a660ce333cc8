// The shell's side of an engine on another machine (`lab serve`): the same EngineClient as the
// local EngineHost — calls by name, the event stream — over one WebSocket in the wire format, TLS
// off loopback, the token in the upgrade request's header. A dropped connection is reconnected with
// backoff; calls made meanwhile wait for it, calls that were in flight fail (the engine may or may
// not have run them: never silently sent twice). Jobs keep running on the server: once back, the
// client asks the engine for its jobs (jobs()) and replays what it missed — the last progress of a
// job still running, the final event of one that ended — so a waiting CLI or window carries on.
import type { PeerCertificate } from 'node:tls';
import WebSocket from 'ws';
import { LabFailure, type EngineClient, type JobListener, type LabEvent } from '../../../shared/api';
import { CLOSE_TOKEN_CHANGED, parseEngineAddress, TOKEN_SCHEME, type EngineAddress, type EngineStatus, type JobsSnapshot } from '../../../shared/remote';
import type { JobId, LabError } from '../../../shared/types';
import { decodeMessage, encodeMessage } from '../../../shared/wire';
import { clientOf } from './client';
import { peekCertificate, unreachable } from './remote-tls';

export { peekCertificate, type PeekedCertificate } from './remote-tls';

export interface RemoteEngineOptions {
  /** wss://HOST:PORT (ws:// on loopback only). */
  url: string;
  token: string;
  /** Trust anchors in PEM (a private CA, or the server's own self-signed certificate); default the system's. */
  ca?: string | Buffer;
  /** Pin the server's certificate by its SHA-256 fingerprint (AA:BB:…): a self-signed certificate the user confirmed. */
  fingerprint?: string;
  /** Stop reconnecting after this long without a connection (default: never). */
  giveUpAfterMs?: number;
  /** First and longest wait between reconnection attempts (default 250 ms … 15 s). */
  backoffMs?: [number, number];
  /** Ping interval; a server that does not answer by the next ping counts as gone (default 20 s; 0 = off). */
  heartbeatMs?: number;
  log?: (line: string) => void;
}

type Pending = { method: string; resolve: (v: unknown) => void; reject: (e: unknown) => void };
type Reply = { kind: 'result'; id: number; ok: true; value: unknown } | { kind: 'result'; id: number; ok: false; error: LabError };
type Incoming = Reply | { kind: 'event'; event: LabEvent };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FINAL = new Set(['done', 'error', 'cancelled']);
/** The largest message accepted from the engine (the engine sends what the API asks for; this bounds a misbehaving one). */
const MAX_ANSWER_BYTES = 1024 ** 3;
/** Ended job ids remembered so a final event replayed after a reconnect is never delivered twice. */
const ENDED_KEPT = 256;

const CERT_ERRORS = /CERT|certificate|self[- ]signed|UNABLE_TO|Hostname\/IP does not match|fingerprint/i;

export class RemoteEngine {
  readonly address: EngineAddress;
  readonly api: EngineClient;
  private ws: WebSocket | null = null;
  private state: EngineStatus & { kind: 'remote' };
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Calls made while reconnecting: sent once the connection is back. */
  private readonly waiting: { id: number; frame: string | Uint8Array }[] = [];
  private readonly listeners = new Set<JobListener>();
  /** Jobs this client has seen start (or been handed the id of) and not seen end. */
  private readonly tracked = new Set<JobId>();
  private readonly ended = new Set<JobId>();
  private closedByUs = false;
  private everConnected = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private lostAt = 0;
  private attempt = 0;
  /** The certificate pinned by fingerprint (fetched once and checked). */
  private pinnedPem: string | null = null;

  constructor(private readonly opts: RemoteEngineOptions) {
    this.address = parseEngineAddress(opts.url);
    this.state = { kind: 'remote', url: this.address.url, host: this.address.host, state: 'connecting' };
    this.api = clientOf((m, args) => this.call(m, args), (l) => this.onEvent(l));
  }

  status(): EngineStatus {
    return { ...this.state };
  }

  onEvent(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Connects for the first time; rejects with a LabFailure saying why (refused, unreachable, untrusted). */
  async connect(): Promise<void> {
    this.closedByUs = false;
    await this.open();
    this.everConnected = true;
  }

  private setState(state: (EngineStatus & { kind: 'remote' })['state'], message?: string): void {
    this.state = { kind: 'remote', url: this.address.url, host: this.address.host, state, ...(message ? { message } : {}) };
  }

  private emit(event: LabEvent): void {
    if (event.jobId !== undefined) {
      if (FINAL.has(event.type)) {
        if (this.ended.has(event.jobId)) return; // already delivered (live, then replayed)
        this.ended.add(event.jobId);
        if (this.ended.size > ENDED_KEPT) this.ended.delete(this.ended.values().next().value!);
        this.tracked.delete(event.jobId);
      } else if (event.type === 'started') {
        this.tracked.add(event.jobId);
      }
    }
    for (const l of this.listeners) l(event);
  }

  private async tlsOptions(): Promise<Record<string, unknown>> {
    if (!this.address.tls) return {};
    const base = this.opts.ca ? { ca: this.opts.ca } : {};
    if (!this.opts.fingerprint) return base;
    const want = this.opts.fingerprint.toUpperCase();
    if (!this.pinnedPem) {
      const peek = await peekCertificate(this.address);
      if (peek.fingerprint !== want) throw this.mismatch(peek.fingerprint);
      this.pinnedPem = peek.pem;
    }
    // chain validation against exactly that certificate, and its fingerprint checked again in the
    // handshake, before the request carrying the token is sent
    return {
      ca: this.pinnedPem,
      checkServerIdentity: (_host: string, cert: PeerCertificate) => (cert.fingerprint256 === want ? undefined : this.mismatch(cert.fingerprint256)),
    };
  }

  private mismatch(got: string): LabFailure {
    return new LabFailure('untrusted', `The certificate of ${this.address.host} has changed: its fingerprint is ${got}, not the one you trusted.`,
      'Someone may be in the way, or the server got a new certificate. Compare with what lab serve printed, then trust the new one.');
  }

  /** Opens one connection; resolves when it is open, rejects with a LabFailure. */
  private async open(): Promise<void> {
    const tls = await this.tlsOptions();
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.address.url, {
        headers: { authorization: `${TOKEN_SCHEME} ${this.opts.token}` },
        // answers can be bigger than what a client may send (an embedding of millions of rows)
        maxPayload: MAX_ANSWER_BYTES,
        perMessageDeflate: false,
        handshakeTimeout: 20_000,
        followRedirects: false,
        ...tls,
      });
      ws.binaryType = 'nodebuffer';
      let settled = false;
      const fail = (err: LabFailure) => {
        if (settled) return;
        settled = true;
        ws.removeAllListeners();
        ws.on('error', () => {});
        ws.terminate();
        reject(err);
      };
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body = (body + c).slice(0, 500)));
        res.on('end', () => {
          const why = body.trim();
          if (res.statusCode === 401) {
            fail(new LabFailure('refused', `The engine at ${this.address.host} refused the token${why ? ` (${why})` : ''}.`, 'Check the token (it may have been changed on the server), then connect again.'));
          } else {
            fail(new LabFailure('refused', `The engine at ${this.address.host} answered ${res.statusCode}${why ? `: ${why}` : ''}.`, 'Is that a Latent Lab engine (lab serve)?'));
          }
        });
        res.on('error', () => fail(new LabFailure('refused', `The engine at ${this.address.host} answered ${res.statusCode}.`)));
      });
      ws.on('error', (err: Error & { code?: string }) => {
        if (err instanceof LabFailure) return fail(err);
        if (CERT_ERRORS.test(`${err.code ?? ''} ${err.message}`)) {
          return fail(new LabFailure('untrusted', `The certificate of ${this.address.host} is not trusted: ${err.message}.`,
            'Compare its fingerprint with the one lab serve printed and trust it, or give the certificate of the authority that signed it.'));
        }
        fail(unreachable(this.address, err));
      });
      ws.on('open', () => {
        if (settled) return;
        settled = true;
        ws.removeAllListeners();
        this.attach(ws);
        resolve();
      });
    });
  }

  private attach(ws: WebSocket): void {
    this.ws = ws;
    this.attempt = 0;
    this.setState('connected');
    let alive = true;
    ws.on('pong', () => (alive = true));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      let msg: Incoming;
      try {
        msg = decodeMessage(isBinary ? new Uint8Array(data) : data.toString('utf8')) as Incoming;
      } catch {
        return ws.close(1007, 'malformed message');
      }
      if (msg?.kind === 'event') return this.emit(msg.event);
      if (msg?.kind !== 'result') return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) {
        // a job id handed back: follow that job even if its start is lost with the connection
        if (typeof msg.value === 'string' && UUID.test(msg.value) && !this.ended.has(msg.value as JobId)) this.tracked.add(msg.value as JobId);
        p.resolve(msg.value);
      } else {
        p.reject(new LabFailure(msg.error.code, msg.error.message, msg.error.detail));
      }
    });
    ws.on('error', (err) => this.opts.log?.(`engine connection: ${err.message}`));
    ws.on('close', (code, reason) => this.lost(ws, code, reason.toString()));
    const every = this.opts.heartbeatMs ?? 20_000;
    if (every > 0) {
      this.heartbeat = setInterval(() => {
        if (!alive) return ws.terminate();
        alive = false;
        ws.ping();
      }, every);
      this.heartbeat.unref?.();
    }
    for (const w of this.waiting.splice(0)) ws.send(w.frame);
  }

  private lost(ws: WebSocket, code: number, reason: string): void {
    if (this.ws !== ws) return;
    this.ws = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    const inFlight = [...this.pending.entries()].filter(([id]) => !this.waiting.some((w) => w.id === id));
    const calls = [...new Set(inFlight.map(([, p]) => p.method))];
    for (const [id, p] of inFlight) {
      this.pending.delete(id);
      p.reject(new LabFailure('disconnected', `The connection to the engine at ${this.address.host} was lost while it answered ${p.method}.`,
        'Jobs keep running there; the connection comes back by itself. Try again once it is back.'));
    }
    if (this.closedByUs) return;
    this.lostAt = Date.now();
    const tokenChanged = code === CLOSE_TOKEN_CHANGED;
    const message = tokenChanged
      ? `The engine at ${this.address.host} ended the connection: its token was changed.`
      : `The connection to the engine at ${this.address.host} was lost${reason ? ` (${reason})` : ''}${calls.length ? ` while it answered ${calls.join(', ')}` : ''}; reconnecting…`;
    this.opts.log?.(message);
    this.setState('reconnecting', message);
    this.emit({ type: 'engine-connection', state: 'reconnecting', host: this.address.host, message });
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    const [first, most] = this.opts.backoffMs ?? [250, 15_000];
    const wait = Math.min(most, first * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt++;
    this.retryTimer = setTimeout(() => void this.retry(), wait);
  }

  private async retry(): Promise<void> {
    this.retryTimer = null;
    if (this.closedByUs) return;
    try {
      await this.open();
    } catch (err) {
      const e = err instanceof LabFailure ? err : new LabFailure('unreachable', String(err));
      const gaveUp = this.opts.giveUpAfterMs !== undefined && Date.now() - this.lostAt > this.opts.giveUpAfterMs;
      if (e.code === 'refused' || e.code === 'untrusted' || gaveUp) return this.giveUp(e);
      this.scheduleRetry();
      return;
    }
    this.emit({ type: 'engine-connection', state: 'connected', host: this.address.host, message: `Connected again to the engine at ${this.address.host}.` });
    await this.catchUp();
  }

  /** No more reconnecting: every waiting call fails with the reason; the status says it. */
  private giveUp(e: LabFailure): void {
    this.setState('refused', e.message);
    for (const w of this.waiting.splice(0)) {
      const p = this.pending.get(w.id);
      this.pending.delete(w.id);
      p?.reject(e);
    }
    this.emit({ type: 'engine-connection', state: 'refused', host: this.address.host, message: `${e.message}${e.detail ? ` ${e.detail}` : ''}` });
  }

  /** After a reconnect: the last state of every job this client follows, from the engine's own record. */
  private async catchUp(): Promise<void> {
    if (this.tracked.size === 0) return;
    let snap: JobsSnapshot;
    try {
      snap = (await this.call('jobs', [])) as JobsSnapshot;
    } catch (err) {
      this.opts.log?.(`could not ask the engine for its jobs: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    for (const jobId of [...this.tracked]) {
      const running = snap.running.find((j) => j.jobId === jobId);
      if (running) {
        this.emit({ type: 'progress', jobId, fraction: running.fraction, message: running.message });
        if (running.paused) this.emit({ type: 'paused', jobId });
        continue;
      }
      const end = snap.ended.find((e) => e.jobId === jobId);
      if (end) this.emit(end);
      else {
        this.emit({ type: 'error', jobId, error: {
          code: 'job-lost',
          message: `The engine at ${this.address.host} no longer knows this job: it restarted while the connection was down.`,
          detail: 'Finished runs and checkpoints are kept on its disk; start the job again.',
        } });
      }
    }
  }

  call(method: string, args: unknown[]): Promise<unknown> {
    if (this.state.state === 'refused' || this.state.state === 'closed') {
      return Promise.reject(new LabFailure('disconnected', this.state.message ?? `Not connected to the engine at ${this.address.host}.`, 'Connect to it again.'));
    }
    const id = this.nextId++;
    const frame = encodeMessage({ kind: 'call', id, method, args });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      const ws = this.ws;
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(frame);
      else this.waiting.push({ id, frame });
    });
  }

  /** Ends the connection for good (switching engines, quitting). Jobs keep running on the server. */
  async close(): Promise<void> {
    this.closedByUs = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.setState('closed', `Disconnected from the engine at ${this.address.host}.`);
    const ws = this.ws;
    this.ws = null;
    for (const [, p] of this.pending) p.reject(new LabFailure('disconnected', `Disconnected from the engine at ${this.address.host}.`));
    this.pending.clear();
    this.waiting.length = 0;
    if (!ws) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000, 'client closed');
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000).unref();
    });
  }

  /** For tests: drops the connection as a network failure would (the client reconnects). */
  dropConnection(): void {
    this.ws?.terminate();
  }

  get connected(): boolean {
    return this.everConnected && this.state.state === 'connected';
  }
}
