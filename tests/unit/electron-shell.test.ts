// The Electron shell without an Electron binary: `electron` is replaced by a recording fake so we
// can check the window's security settings, the IPC guard and the preload's contract.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { apiOverBridge } from '../../shared/api';

const h = vi.hoisted(() => {
  const state = {
    windows: [] as { options: Record<string, any>; handlers: Record<string, (...a: any[]) => any>; openHandler?: (d: { url: string }) => { action: string }; loaded?: string }[],
    ipcHandlers: new Map<string, (...a: any[]) => any>(),
    exposed: new Map<string, any>(),
    invoked: [] as unknown[][],
    invokeReply: { ok: true, value: 42 } as unknown,
    ready: null as null | (() => void),
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
    loadFile(f: string) { (this as any).loaded = f; return Promise.resolve(); }
    loadURL(u: string) { (this as any).loaded = u; return Promise.resolve(); }
  }
  const electron = {
    app: {
      whenReady: () => new Promise<void>((r) => (state.ready = r)),
      on() {},
      getPath: () => '/tmp',
      quit() {},
    },
    BrowserWindow,
    session: { defaultSession: { webRequest: { onHeadersReceived() {} }, setPermissionRequestHandler() {} } },
    shell: { openExternal: async () => {} },
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
    await import('../../electron/main/index');
    h.state.ready!();
    await new Promise((r) => setTimeout(r, 0));
    const win = h.state.windows[0] as any;
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
