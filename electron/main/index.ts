// Electron shell: one secure window, the engine in its own utility process, LabApi over IPC.
import { app, BrowserWindow, session, shell } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineHost } from '../engine/host/host';
import { CONTENT_SECURITY_POLICY } from '../server/server';
import { utilityChannel } from './engine-channel';
import { bindIpc } from './ipc';

const here = fileURLToPath(new URL('.', import.meta.url));
const host = new EngineHost({ spawn: () => utilityChannel(join(here, 'engine.js')) });

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
  const unbind = bindIpc(host.api, window, app.getPath('downloads'));
  window.on('closed', unbind);
  window.once('ready-to-show', () => window.show());
  // No navigation away from the app and no new windows; links open in the system browser.
  window.webContents.on('will-navigate', (e) => e.preventDefault());
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  if (devUrl) void window.loadURL(devUrl);
  else void window.loadFile(join(here, '../renderer/index.html'));
}

app.whenReady().then(() => {
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
  void host.close().finally(() => app.quit());
});
