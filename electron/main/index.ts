// Electron shell: one secure window, the engine in its own utility process, LabApi over IPC. The
// UI comes from app://latent-lab/ (app-protocol.ts), links leave only for allow-listed hosts
// (external.ts), and the dev server address is honoured only in an unpackaged (development) app.
import { app, BrowserWindow, protocol, session, shell } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeUploads } from '../engine/data/uploads';
import { EngineHost } from '../engine/host/host';
import { EngineSwitch } from '../engine/host/switch';
import { CONTENT_SECURITY_POLICY } from '../static-files';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, registerAppProtocol, windowEntry } from './app-protocol';
import { utilityChannel } from './engine-channel';
import { isAllowedExternal } from './external';
import { bindIpc } from './ipc';

const here = fileURLToPath(new URL('.', import.meta.url));
const host = new EngineHost({ spawn: () => utilityChannel(join(here, 'engine.js')) });
// the window may switch to an engine on another machine (lab serve) and back
const engines = new EngineSwitch(host.api, { log: (line) => console.error(`[lab] ${line}`) });

// must happen before the app is ready
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1440,
    height: 920,
    minWidth: 960,
    minHeight: 640,
    title: 'Latent Lab',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  const unbind = bindIpc(engines.api, window, app.getPath('downloads'), engines);
  window.on('closed', unbind);
  window.once('ready-to-show', () => window.show());
  // No navigation away from the app and no new windows; links open in the system browser.
  window.webContents.on('will-navigate', (e) => e.preventDefault());
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void window.loadURL(windowEntry(app.isPackaged));
}

app.whenReady().then(() => {
  registerAppProtocol(protocol, join(here, '../renderer'));
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  void engines.close().then(() => host.close()).then(removeUploads).finally(() => app.quit());
});
