// Browser window mode: the built renderer over HTTP and LabApi over a WebSocket, bound to
// 127.0.0.1 only, guarded by a random per-launch token, an Origin check and a Host check.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { homedir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { LabFailure, type ShellApi } from '../../shared/api';
import { createDispatch } from '../../shared/handlers';
import { callMessageSchema } from '../../shared/schemas';
import type { AppInfo } from '../../shared/types';
import { decodeMessage, encodeMessage } from '../../shared/wire';
import type { EngineClient } from '../../shared/api';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

export interface ServerOptions {
  engine: EngineClient;
  rendererDir: string;
  port?: number;
  version: string;
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function defaultExportDir(): string {
  return join(homedir(), 'Downloads');
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const token = randomBytes(24).toString('base64url');
  const root = resolve(opts.rendererDir);
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const shell: ShellApi = {
    async info(): Promise<AppInfo> {
      const exportDir = defaultExportDir();
      const exists = await stat(exportDir).then((s) => s.isDirectory(), () => false);
      return {
        version: opts.version,
        mode: 'browser',
        backend: await opts.engine.backend(),
        nativeDialogs: false,
        defaultExportDir: exists ? exportDir : homedir(),
      };
    },
    async pickOpenPath() {
      throw new LabFailure('unsupported', 'Native file dialogs exist only in the desktop window.', 'Use the file picker, drag a file in, or type its path.');
    },
    async pickSavePath() {
      throw new LabFailure('unsupported', 'Native save dialogs exist only in the desktop window.', 'Type the path to save to.');
    },
  };
  const dispatch = createDispatch(opts.engine, shell, opts.log);

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(421).end('Misdirected request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const rel = normalize(urlPath === '/' ? '/index.html' : urlPath);
    const file = resolve(join(root, rel));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': MIME[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404).end('Not found');
    }
  }

  const http = createServer((req, res) => {
    serveStatic(req, res).catch(() => res.writeHead(500).end());
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 30 });
  const sockets = new Set<WebSocket>();

  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return reject(404, 'Not Found');
    if (!allowedHosts().has(req.headers.host ?? '')) return reject(421, 'Misdirected Request');
    if (!allowedOrigins().has(req.headers.origin ?? '')) return reject(403, 'Forbidden');
    if (!sameSecret(url.searchParams.get('token') ?? '', token)) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws));
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', async (data, isBinary) => {
      let msg: unknown;
      try {
        msg = decodeMessage(isBinary ? new Uint8Array(data as Buffer) : data.toString());
      } catch {
        return ws.close(1007, 'malformed message');
      }
      const env = callMessageSchema.safeParse(msg);
      if (!env.success) return ws.close(1008, 'malformed message');
      const reply = await dispatch(env.data.method, env.data.args);
      if (ws.readyState === ws.OPEN) ws.send(encodeMessage({ kind: 'result', id: env.data.id, ...reply }));
    });
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
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
