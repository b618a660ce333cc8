// The engine served to other machines (`lab serve`): the engine API — not the shell's methods, not
// the app's pages — over one WebSocket per client, TLS required off loopback. A client gets in with
// the token in its upgrade request's Authorization header (never in the URL); browsers (anything
// sending an Origin) are refused. Frames are capped as on the local server, a malformed one closes
// only its own connection, dead peers are dropped by a heartbeat, and a changed token file ends the
// connections made with the old token. The engine keeps running while no client is connected.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { LabFailure, toLabError, type EngineClient } from '../../shared/api';
import { MAX_MESSAGE_BYTES } from '../../shared/limits';
import { CLOSE_TOKEN_CHANGED, isLoopbackHost, REMOTE_PATH, TOKEN_SCHEME } from '../../shared/remote';
import { answerCalls } from '../server/calls';
import { encodeMessage } from '../../shared/wire';

export interface TokenCheck {
  matches(candidate: string): boolean;
  readonly generation: number;
  onChange(fn: () => void): void;
}

export interface RemoteServerOptions {
  engine: Pick<EngineClient, 'call' | 'onEvent'>;
  /** Address to listen on (an IP or a host name). */
  host: string;
  port: number;
  /** PEM certificate chain and key; required unless `host` is a loopback address. */
  tls?: { cert: Buffer | string; key: Buffer | string };
  token: TokenCheck;
  log?: (line: string) => void;
  /** Ping interval; a client that does not answer by the next ping is dropped (default 20 s). */
  heartbeatMs?: number;
}

export interface RemoteServer {
  url: string;
  port: number;
  /** Connected clients. */
  clients(): number;
  close(): Promise<void>;
}

/** Refuses an address that would carry the token in the clear. */
export function assertTlsOrLoopback(host: string, tls: boolean): void {
  if (tls || isLoopbackHost(host)) return;
  throw new LabFailure('needs-tls',
    `Refusing to serve the engine on ${host} without TLS: the token and your data would cross the network in the clear.`,
    'Give --tls-cert FILE and --tls-key FILE (see README: Remote engine), or listen on 127.0.0.1 and reach it through an SSH tunnel.');
}

/** The token of an `Authorization: Bearer …` header, or ''. */
function bearer(req: IncomingMessage): string {
  const h = req.headers.authorization ?? '';
  const m = new RegExp(`^${TOKEN_SCHEME} +(\\S+)$`).exec(h);
  return m ? m[1] : '';
}

export async function startRemoteServer(opts: RemoteServerOptions): Promise<RemoteServer> {
  assertTlsOrLoopback(opts.host, !!opts.tls);
  const log = opts.log ?? (() => {});
  const answer = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('This is a Latent Lab engine. Connect to it from the app (Connect to engine…) or with lab --engine.\n');
  };
  const http = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' }, answer) : createHttpServer(answer);
  http.on('clientError', (_err, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  // a failed TLS handshake (a plain-HTTP client, a client that does not trust the certificate)
  http.on('tlsClientError', (err, socket) => {
    log(`TLS handshake failed: ${err.message}`);
    socket.destroy();
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  wss.on('error', (err) => log(`WebSocket server: ${err.message}`));
  /** Each client and the token generation it was let in with. */
  const clients = new Map<WebSocket, { generation: number; alive: boolean }>();

  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const reject = (status: number, text: string, why: string) => {
      log(`refused a connection from ${req.socket.remoteAddress ?? '?'}: ${why}`);
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${why}\n`);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path !== REMOTE_PATH) return reject(404, 'Not Found', `no engine at ${path.slice(0, 100)}`);
    // a web page's script cannot set the header, but refuse pages outright
    if (req.headers.origin !== undefined) return reject(403, 'Forbidden', 'connections from web pages are refused');
    const token = bearer(req);
    if (!token || !opts.token.matches(token)) return reject(401, 'Unauthorized', 'the token is missing or wrong');
    const generation = opts.token.generation;
    wss.handleUpgrade(req, socket, head, (ws) => connected(ws, generation));
  });

  function connected(ws: WebSocket, generation: number): void {
    clients.set(ws, { generation, alive: true });
    ws.on('close', () => clients.delete(ws));
    ws.on('pong', () => {
      const c = clients.get(ws);
      if (c) c.alive = true;
    });
    ws.on('error', (err) => log(`closed a connection that sent a malformed frame: ${err.message}`));
    answerCalls(ws, async (method, args) => {
      try {
        // the engine validates every call against its method's schema
        return { ok: true, value: await opts.engine.call(method, args) };
      } catch (err) {
        return { ok: false, error: toLabError(err) };
      }
    });
  }

  const unsubscribe = opts.engine.onEvent((event) => {
    const frame = encodeMessage({ kind: 'event', event });
    for (const ws of clients.keys()) if (ws.readyState === ws.OPEN) ws.send(frame);
  });

  // a new token: connections made with the old one end (and cannot come back with it)
  opts.token.onChange(() => {
    for (const [ws, c] of clients) if (c.generation !== opts.token.generation) ws.close(CLOSE_TOKEN_CHANGED, 'the token changed');
  });

  const heartbeat = setInterval(() => {
    for (const [ws, c] of clients) {
      if (!c.alive) {
        ws.terminate();
        continue;
      }
      c.alive = false;
      ws.ping();
    }
  }, opts.heartbeatMs ?? 20_000);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) => {
      reject(new LabFailure('cannot-listen', `Cannot listen on ${opts.host}:${opts.port} (${err.code ?? err.message}).`,
        err.code === 'EADDRINUSE' ? 'Another program uses that port: pick another one.' : err.code === 'EADDRNOTAVAIL' ? 'That address is not one of this machine\'s.' : undefined));
    });
    http.listen(opts.port, opts.host, () => resolve());
  });
  http.on('error', (err) => log(`server: ${err.message}`));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `${opts.tls ? 'wss' : 'ws'}://${shownHost}:${port}${REMOTE_PATH}`,
    port,
    clients: () => clients.size,
    async close() {
      clearInterval(heartbeat);
      unsubscribe();
      for (const ws of clients.keys()) ws.terminate();
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
