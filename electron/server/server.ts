// Browser window mode: the built renderer over HTTP and LabApi over a WebSocket, bound to
// 127.0.0.1 only. A page gets in by trading a single-use launch code (handed to it out of sight of
// other users: see serve.ts) for an HttpOnly SameSite=Strict session cookie; the WebSocket then
// needs that cookie, an allowed Origin and an allowed Host. A malformed frame closes only its own
// connection, and no message bigger than the API needs is buffered.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { LabFailure, type ShellApi } from '../../shared/api';
import { createDispatch } from '../../shared/handlers';
import { MAX_MESSAGE_BYTES } from '../../shared/limits';
import type { AppInfo } from '../../shared/types';
import { encodeMessage } from '../../shared/wire';
import type { EngineClient } from '../../shared/api';
import { localOnlyShell, type EngineSwitch } from '../engine/host/switch';
import { answerCalls } from './calls';
import { CONTENT_SECURITY_POLICY, mimeType, resolveStaticPath } from '../static-files';

export { CONTENT_SECURITY_POLICY };

export interface ServerOptions {
  engine: EngineClient;
  /** When given, "Connect to engine…" switches `engine` between this machine's and a remote one. */
  engines?: EngineSwitch;
  rendererDir: string;
  port?: number;
  version: string;
  log?: (line: string) => void;
}

export interface RunningServer {
  /** The app's address, with no credential in it: http://127.0.0.1:PORT/ */
  url: string;
  port: number;
  /** Name of the session cookie (one per port, so two instances never overwrite each other's). */
  cookieName: string;
  /**
   * A new single-use launch code. A page trades it (POST /session) for the session cookie once;
   * `onUsed` runs then, e.g. to delete the file that carried it.
   */
  issueLaunchCode(onUsed?: () => void): string;
  /** The address that hands a page `code`: in the fragment, so it is never sent in a request line. */
  launchUrl(code: string): string;
  close(): Promise<void>;
}

/** Secrets are kept only as their SHA-256, and looked up by it (no secret-dependent comparison). */
const digest = (secret: string) => createHash('sha256').update(secret).digest('base64url');

/** The value of cookie `name` in a Cookie header, or ''. */
export function cookieValue(header: string | undefined, name: string): string {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return '';
}

const MAX_CODE_BODY = 256;

export function defaultExportDir(): string {
  return join(homedir(), 'Downloads');
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const root = resolve(opts.rendererDir);
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const shell: ShellApi = {
    async info(): Promise<AppInfo> {
      const backend = await opts.engine.backend();
      // a remote engine's paths are its machine's: its own default folder
      if (opts.engines?.isRemote) {
        const host = await opts.engine.engineInfo();
        return { version: opts.version, mode: 'browser', backend, nativeDialogs: false, defaultExportDir: host.defaultFolder, engine: opts.engines.status() };
      }
      const exportDir = defaultExportDir();
      const exists = await stat(exportDir).then((s) => s.isDirectory(), () => false);
      return {
        version: opts.version,
        mode: 'browser',
        backend,
        nativeDialogs: false,
        defaultExportDir: exists ? exportDir : homedir(),
        engine: { kind: 'local' },
      };
    },
    ...(opts.engines?.shell() ?? localOnlyShell()),
    async pickOpenPath() {
      throw new LabFailure('unsupported', 'Native file dialogs exist only in the desktop window.', 'Use the file picker, drag a file in, or type its path.');
    },
    async pickSavePath() {
      throw new LabFailure('unsupported', 'Native save dialogs exist only in the desktop window.', 'Type the path to save to.');
    },
  };
  const dispatch = createDispatch(opts.engine, shell, opts.log);

  // hashes of unused launch codes (with what to do when used) and of live session cookies
  const codes = new Map<string, (() => void) | undefined>();
  const sessions = new Set<string>();
  const cookieName = () => `lab_session_${port}`;

  function redeem(code: string): string | null {
    const key = digest(code);
    if (!code || !codes.has(key)) return null;
    const onUsed = codes.get(key);
    codes.delete(key);
    const session = randomBytes(32).toString('base64url');
    sessions.add(digest(session));
    try {
      onUsed?.();
    } catch (err) {
      opts.log?.(`after a launch code was used: ${err instanceof Error ? err.message : String(err)}`);
    }
    return session;
  }

  const hasSession = (req: IncomingMessage) => {
    const value = cookieValue(req.headers.cookie, cookieName());
    return value !== '' && sessions.has(digest(value));
  };

  /** POST /session, body = a launch code: sets the session cookie once per code. */
  function startSession(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    if (!allowedOrigins().has(req.headers.origin ?? '')) {
      res.writeHead(403).end('Forbidden');
      return;
    }
    let body = '';
    let tooBig = Number(req.headers['content-length'] ?? 0) > MAX_CODE_BODY;
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      if (!tooBig) body += chunk; // past the limit: drain, keep nothing
      if (body.length > MAX_CODE_BODY) tooBig = true;
    });
    req.on('end', () => {
      if (tooBig) {
        res.writeHead(413, { connection: 'close' }).end('A launch code is a short string.');
        return;
      }
      const session = redeem(body.trim());
      if (!session) {
        res.writeHead(401, { 'cache-control': 'no-store' }).end('This launch code is unknown or was already used.');
        return;
      }
      res.writeHead(204, {
        'set-cookie': `${cookieName()}=${session}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
      });
      res.end();
    });
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(421).end('Misdirected request');
      return;
    }
    if (req.url === '/session') return startSession(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const target = resolveStaticPath(root, req.url ?? '/');
    if (!target.ok) {
      res.writeHead(target.status).end(target.status === 403 ? 'Forbidden' : 'Bad request');
      return;
    }
    const file = target.file;
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': mimeType(file),
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404).end('Not found');
    }
  }

  const http = createServer((req, res) => {
    serveStatic(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // A request Node cannot parse: answer 400 when we still can, never let it throw.
  http.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  // No frame may be bigger than one upload plus its envelope: ws refuses it (close code 1009)
  // from its header, before buffering it. No compression extension is offered, so RSV1 is an error.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  wss.on('error', (err) => opts.log?.(`WebSocket server: ${err.message}`));
  const sockets = new Set<WebSocket>();

  http.on('upgrade', (req, socket, head) => {
    // the socket is ours from here on: a reset or garbage must not become an unhandled 'error'
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://x');
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return reject(404, 'Not Found');
    if (!allowedHosts().has(req.headers.host ?? '')) return reject(421, 'Misdirected Request');
    if (!allowedOrigins().has(req.headers.origin ?? '')) return reject(403, 'Forbidden');
    if (!hasSession(req)) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    // A malformed frame (bad UTF-8, unmasked, reserved opcode or bit, bad close code, too big):
    // ws has already closed this connection with the matching code; the others carry on.
    ws.on('error', (err) => opts.log?.(`closed a connection that sent a malformed frame: ${err.message}`));
    answerCalls(ws, dispatch);
  });

  const unsubscribe = opts.engine.onEvent((event) => {
    const frame = encodeMessage({ kind: 'event', event });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    http.once('error', rejectListen);
    http.listen(opts.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const address = http.address();
  port = typeof address === 'object' && address ? address.port : 0;
  http.on('error', (err) => opts.log?.(`HTTP server: ${err.message}`));
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    port,
    cookieName: cookieName(),
    issueLaunchCode(onUsed) {
      const code = randomBytes(24).toString('base64url');
      codes.set(digest(code), onUsed);
      return code;
    },
    launchUrl: (code) => `${url}#code=${code}`,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
