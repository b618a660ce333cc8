// The Electron shell without an Electron binary: `electron` is replaced by a recording fake so we
// can check the window's security settings, the IPC guard and the preload's contract; the pure
// parts (app:// protocol, external-link allow-list, dev-server rule) are tested directly.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { APP_ENTRY, appRequestTarget, appResponse, windowEntry } from '../../electron/main/app-protocol';
import { isAllowedExternal } from '../../electron/main/external';
import { apiOverBridge } from '../../shared/api';

const h = vi.hoisted(() => {
  const state = {
    windows: [] as { options: Record<string, any>; handlers: Record<string, (...a: any[]) => any>; openHandler?: (d: { url: string }) => { action: string }; loaded?: string }[],
    ipcHandlers: new Map<string, (...a: any[]) => any>(),
    exposed: new Map<string, any>(),
    invoked: [] as unknown[][],
    invokeReply: { ok: true, value: 42 } as unknown,
    ready: null as null | (() => void),
    calls: [] as string[],
    privileged: [] as unknown[],
    protocolHandlers: new Map<string, (req: Request) => Promise<Response>>(),
    opened: [] as string[],
  };
  class FakeWebContents {
    mainFrame = { id: 'main' };
    handlers: Record<string, (...a: any[]) => any> = {};
    on(event: string, fn: (...a: any[]) => any) { this.handlers[event] = fn; }
    setWindowOpenHandler(fn: any) { (this as any).openHandler = fn; }
    send() {}
  }
  class BrowserWindow {
    static getAllWindows() { return state.windows; }
    webContents = new FakeWebContents();
    constructor(public options: Record<string, any>) {
      state.windows.push(this as any);
    }
    on() {}
    once() {}
    isDestroyed() { return false; }
    loadFile(f: string) { (this as any).loaded = `file:${f}`; return Promise.resolve(); }
    loadURL(u: string) { (this as any).loaded = u; return Promise.resolve(); }
  }
  const electron = {
    app: {
      isPackaged: true,
      whenReady: () => new Promise<void>((r) => (state.ready = () => (state.calls.push('ready'), r()))),
      on() {},
      getPath: () => '/tmp',
      quit() {},
    },
    BrowserWindow,
    session: { defaultSession: { webRequest: { onHeadersReceived() {} }, setPermissionRequestHandler() {} } },
    shell: { openExternal: async (url: string) => void state.opened.push(url) },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => (state.calls.push('registerSchemesAsPrivileged'), state.privileged.push(...schemes)),
      handle: (scheme: string, fn: any) => (state.calls.push(`handle:${scheme}`), state.protocolHandlers.set(scheme, fn)),
    },
    dialog: {},
    ipcMain: {
      handle: (ch: string, fn: any) => state.ipcHandlers.set(ch, fn),
      removeHandler: (ch: string) => state.ipcHandlers.delete(ch),
    },
    contextBridge: { exposeInMainWorld: (k: string, v: any) => state.exposed.set(k, v) },
    ipcRenderer: {
      invoke: async (...args: unknown[]) => (state.invoked.push(args), state.invokeReply),
      on() {},
      removeListener() {},
    },
  };
  return { state, electron };
});

vi.mock('electron', () => ({ ...h.electron, default: h.electron }));
// the engine in-process instead of its own process: main's wiring with the real validation
vi.mock('../../electron/engine/host/host', async () => {
  const { Engine } = await import('../../electron/engine/engine');
  return { EngineHost: class { api = new Engine(); async close() {} } };
});

describe('Electron main process', () => {
  beforeEach(() => {
    h.state.windows.length = 0;
  });

  it('creates a sandboxed window with no Node, denies navigation and new windows, guards IPC', async () => {
    process.env.ELECTRON_RENDERER_URL = 'http://localhost:5173/';
    await import('../../electron/main/index');
    h.state.ready!();
    await new Promise((r) => setTimeout(r, 0));
    delete process.env.ELECTRON_RENDERER_URL;
    const win = h.state.windows[0] as any;
    // the UI comes from app://, registered as a privileged scheme before the app is ready; a
    // packaged app ignores ELECTRON_RENDERER_URL
    expect(win.loaded).toBe('app://latent-lab/index.html');
    expect(h.state.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
    expect(h.state.calls.indexOf('registerSchemesAsPrivileged')).toBeLessThan(h.state.calls.indexOf('ready'));
    expect(h.state.calls.indexOf('handle:app')).toBeGreaterThan(h.state.calls.indexOf('ready'));
    const served = await h.state.protocolHandlers.get('app')!(new Request('app://latent-lab/..%2f..%2fetc/passwd'));
    expect(served.status).toBe(403);
    // no https page the UI asks for is opened unless allow-listed (none is)
    expect(win.webContents.openHandler({ url: 'https://example.org/phish' })).toEqual({ action: 'deny' });
    expect(h.state.opened).toEqual([]);
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(win.options.webPreferences.preload).toMatch(/preload[\\/]index\.cjs$/);
    const prevented = vi.fn();
    win.webContents.handlers['will-navigate']({ preventDefault: prevented });
    expect(prevented).toHaveBeenCalled();
    expect(win.webContents.openHandler({ url: 'https://example.org' })).toEqual({ action: 'deny' });

    const handler = h.state.ipcHandlers.get('lab:call')!;
    const stranger = await handler({ sender: {}, senderFrame: {} }, 'listDatasets', []);
    expect(stranger).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const malformed = await handler({ sender: win.webContents, senderFrame: win.webContents.mainFrame }, 'train', [{ bogus: 1 }]);
    expect(malformed).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });
});

describe('Electron preload', () => {
  it('exposes one window.lab object (a call by name and the event stream) over one IPC channel', async () => {
    await import('../../electron/preload/index');
    const bridge = h.state.exposed.get('lab');
    expect([...h.state.exposed.keys()]).toEqual(['lab']);
    expect(Object.keys(bridge).sort()).toEqual(['call', 'onEvent']);
    const lab = apiOverBridge(bridge);
    h.state.invokeReply = { ok: true, value: ['mnist'] };
    expect(await lab.listDatasets()).toEqual(['mnist']);
    expect(h.state.invoked.at(-1)).toEqual(['lab:call', 'listDatasets', []]);
    h.state.invokeReply = { ok: false, error: { code: 'not-found', message: 'x.csv was not found' } };
    await expect(lab.getDataset('ds-1')).rejects.toEqual({ code: 'not-found', message: 'x.csv was not found' });
  });
});

describe('app:// protocol', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-app-protocol-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'main.js'), 'export {};');

  it('serves the built renderer with its type and the CSP', async () => {
    const index = await appResponse(dir, 'app://latent-lab/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await index.text()).toContain('<title>app</title>');
    const js = await appResponse(dir, 'app://latent-lab/assets/main.js?v=1');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await appResponse(dir, 'app://latent-lab/missing.js')).status).toBe(404);
    expect((await appResponse(dir, 'app://latent-lab/index.html', 'POST')).status).toBe(405);
  });

  it.each([
    'app://latent-lab/..%2f..%2f..%2fetc/passwd',
    'app://latent-lab/assets/..%2f..%2f..%2f..%2fetc%2fpasswd',
    'app://latent-lab/..%5c..%5cetc%5cpasswd',
    'app://latent-lab/index.html%00.js',
  ])('refuses %s with 403', async (url) => {
    expect(appRequestTarget(dir, url)).toMatchObject({ ok: false, status: 403 });
    const res = await appResponse(dir, url);
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('');
  });

  it('answers only for its own host, and never serves a file outside the folder', async () => {
    expect(appRequestTarget(dir, 'app://evil/index.html')).toMatchObject({ ok: false, status: 404 });
    expect(appRequestTarget(dir, 'file:///etc/passwd')).toMatchObject({ ok: false, status: 404 });
    expect(appRequestTarget(dir, 'app://user:pw@latent-lab/index.html')).toMatchObject({ ok: false, status: 403 });
    // dot segments the URL parser resolves itself stay inside the folder
    const dots = await appResponse(dir, 'app://latent-lab/../../../etc/passwd');
    expect(dots.status).toBe(404);
  });

  it('loads the dev server only in an unpackaged app', () => {
    const env = { ELECTRON_RENDERER_URL: 'http://localhost:5173/' };
    expect(windowEntry(false, env)).toBe('http://localhost:5173/');
    expect(windowEntry(true, env)).toBe(APP_ENTRY);
    expect(windowEntry(false, {})).toBe(APP_ENTRY);
    expect(windowEntry(false, { ELECTRON_RENDERER_URL: 'https://evil.example/' })).toBe(APP_ENTRY);
  });
});

describe('external links', () => {
  it('opens nothing while the allow-list is empty', () => {
    for (const url of ['https://example.org/', 'https://github.com/', 'http://localhost/', 'mailto:a@b.c']) expect(isAllowedExternal(url)).toBe(false);
  });

  it('with a host allowed: only plain https to exactly that host', () => {
    const hosts = ['docs.example.org'];
    expect(isAllowedExternal('https://docs.example.org/guide#vae', hosts)).toBe(true);
    for (const url of [
      'http://docs.example.org/',
      'https://docs.example.org.evil.com/',
      'https://evil.com/?docs.example.org',
      'https://user:pw@docs.example.org/',
      'https://docs.example.org:8443/',
      'javascript:alert(1)//docs.example.org',
      'file:///etc/passwd',
      'not a url',
    ]) expect(isAllowedExternal(url, hosts), url).toBe(false);
  });
});
