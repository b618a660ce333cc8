// The built renderer is served two ways (the loopback server in browser window mode, the app://
// protocol in the Electron window); both resolve request paths here, so a path that tries to
// leave the renderer folder is refused the same way (403) in both, and both send the same CSP.
import { extname, resolve, sep } from 'node:path';

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

export function mimeType(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticTarget = { ok: true; file: string } | { ok: false; status: 400 | 403; why: string };

/**
 * Maps a request path as it arrived (still percent-encoded, maybe with a query) to a file under
 * `root`. Browsers never send `.` or `..` segments (they resolve them first), so any such segment,
 * encoded or not, is an attempt to climb out and is refused rather than quietly clamped; so are
 * backslashes and NUL. The resolved file must still lie inside `root`.
 */
export function resolveStaticPath(root: string, rawPath: string): StaticTarget {
  const base = resolve(root);
  const path = rawPath.split(/[?#]/, 1)[0];
  if (!path.startsWith('/')) return { ok: false, status: 400, why: 'not an absolute path' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return { ok: false, status: 400, why: 'bad percent-encoding' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, status: 403, why: 'NUL or backslash in the path' };
  if (decoded.split('/').some((s) => s === '..' || s === '.')) return { ok: false, status: 403, why: 'a dot segment in the path' };
  const file = resolve(base, decoded === '/' ? 'index.html' : `.${decoded}`);
  if (file !== base && !file.startsWith(base + sep)) return { ok: false, status: 403, why: 'outside the app folder' };
  return { ok: true, file };
}
