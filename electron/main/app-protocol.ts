// The Electron window loads the UI from app://latent-lab/ instead of file://. A file:// page has a
// null origin shared with every local file and broad file access; app:// is a standard, secure
// origin of its own that can reach only the built renderer folder. Requests are resolved by the
// same function as the loopback server's (dot segments, backslashes, NUL refused with 403) and
// every response carries the CSP. Kept free of `electron` imports so it can be unit-tested.
import { readFile } from 'node:fs/promises';
import { CONTENT_SECURITY_POLICY, mimeType, resolveStaticPath } from '../static-files';

export const APP_SCHEME = 'app';
export const APP_HOST = 'latent-lab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/**
 * Privileges for protocol.registerSchemesAsPrivileged: a standard scheme (real origin, relative
 * URLs, storage) that counts as secure (like https), with fetch() for the wasm files. Not
 * corsEnabled: that would let other origins read app:// responses without any CORS check.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, codeCache: true } as const;

export type AppTarget = { ok: true; file: string } | { ok: false; status: 400 | 403 | 404; why: string };

/** Which file under `rendererDir` an app:// request may read, or why not. */
export function appRequestTarget(rendererDir: string, requestUrl: string): AppTarget {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { ok: false, status: 400, why: 'not a URL' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return { ok: false, status: 404, why: `not ${APP_ORIGIN}` };
  if (url.username || url.password || url.port) return { ok: false, status: 403, why: 'credentials or a port in the address' };
  return resolveStaticPath(rendererDir, url.pathname);
}

const headers = (extra: Record<string, string> = {}) => ({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  ...extra,
});

/** The response to an app:// request (what protocol.handle returns). */
export async function appResponse(rendererDir: string, requestUrl: string, method = 'GET'): Promise<Response> {
  if (method !== 'GET' && method !== 'HEAD') return new Response(null, { status: 405, headers: headers() });
  const target = appRequestTarget(rendererDir, requestUrl);
  if (!target.ok) return new Response(null, { status: target.status, headers: headers() });
  try {
    const body = await readFile(target.file);
    return new Response(method === 'HEAD' ? null : body, { status: 200, headers: headers({ 'content-type': mimeType(target.file) }) });
  } catch {
    return new Response(null, { status: 404, headers: headers() });
  }
}

/** The slice of Electron's `protocol` module this needs. */
export interface ProtocolLike {
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
}

export function registerAppProtocol(protocol: ProtocolLike, rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => appResponse(rendererDir, request.url, request.method));
}

/**
 * The address the window loads: the Vite dev server only in development (an unpackaged app run
 * by electron-vite dev); a packaged app always loads its own files, whatever the environment says.
 */
export function windowEntry(isPackaged: boolean, env: NodeJS.ProcessEnv = process.env): string {
  const dev = env.ELECTRON_RENDERER_URL;
  if (!isPackaged && dev && /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//.test(dev)) return dev;
  return APP_ENTRY;
}
