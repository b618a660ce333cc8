// Binds LabApi to ipcMain: one channel for calls (validated in shared/handlers), one for events.
import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import type { ShellApi } from '../../shared/api';
import { createDispatch } from '../../shared/handlers';
import type { AppInfo } from '../../shared/types';
import type { EngineClient } from '../../shared/api';
import { localOnlyShell, type EngineSwitch } from '../engine/host/switch';
import { appVersion } from '../version';

export const CALL_CHANNEL = 'lab:call';
export const EVENT_CHANNEL = 'lab:event';

export function bindIpc(engine: EngineClient, window: BrowserWindow, exportDir: string, engines?: EngineSwitch): () => void {
  const shell: ShellApi = {
    async info(): Promise<AppInfo> {
      const backend = await engine.backend();
      // a remote engine's paths are its machine's: no native dialogs (they show this machine), its own default folder
      if (engines?.isRemote) {
        const host = await engine.engineInfo();
        return { version: appVersion, mode: 'electron', backend, nativeDialogs: false, defaultExportDir: host.defaultFolder, engine: engines.status() };
      }
      const exists = await stat(exportDir).then((s) => s.isDirectory(), () => false);
      return { version: appVersion, mode: 'electron', backend, nativeDialogs: true, defaultExportDir: exists ? exportDir : join(exportDir, '..'), engine: { kind: 'local' } };
    },
    ...(engines?.shell() ?? localOnlyShell()),
    async pickOpenPath(kind = 'file') {
      const r = await dialog.showOpenDialog(window, {
        title: kind === 'folder' ? 'Open a folder of images (one sub-folder per class)' : 'Open a dataset',
        properties: [kind === 'folder' ? 'openDirectory' : 'openFile'],
        filters: [{ name: 'Data files', extensions: ['csv', 'tsv', 'txt', 'parquet', 'json', 'jsonl', 'npy', 'gz', 'idx'] }, { name: 'All files', extensions: ['*'] }],
      });
      return r.canceled ? null : r.filePaths[0] ?? null;
    },
    async pickSavePath(defaultName: string) {
      const r = await dialog.showSaveDialog(window, { title: 'Save', defaultPath: join(exportDir, defaultName) });
      return r.canceled ? null : r.filePath ?? null;
    },
  };
  const dispatch = createDispatch(engine, shell, (line) => console.error(`[lab] ${line}`));
  // Only our own top frame may call: not subframes, not other windows.
  const trusted = (event: IpcMainInvokeEvent) =>
    event.sender === window.webContents && event.senderFrame === window.webContents.mainFrame;
  ipcMain.handle(CALL_CHANNEL, (event, method: unknown, args: unknown) => {
    if (!trusted(event)) return { ok: false, error: { code: 'forbidden', message: 'Request from an untrusted frame.' } };
    return dispatch(method, args);
  });
  const unsubscribe = engine.onEvent((e) => {
    if (!window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, e);
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(CALL_CHANNEL);
  };
}
