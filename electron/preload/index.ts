// Exposes exactly one object, window.lab: a call by name and the event stream. The renderer
// builds the typed LabApi on top (renderer/src/lib/transport.ts); main validates every call.
// Built as CommonJS: sandboxed preloads cannot be ES modules.
import { contextBridge, ipcRenderer } from 'electron';
import type { JobEvent, JobListener, LabBridge } from '../../shared/api';
import type { LabError } from '../../shared/types';

type Reply = { ok: true; value: unknown } | { ok: false; error: LabError };

const lab: LabBridge = {
  async call(method: string, args: unknown[]) {
    const reply = (await ipcRenderer.invoke('lab:call', method, args)) as Reply;
    // reject with the plain LabError value: contextBridge keeps plain objects, not Error subclasses
    if (!reply.ok) throw reply.error;
    return reply.value;
  },
  onEvent(listener: JobListener) {
    const handler = (_e: unknown, event: JobEvent) => listener(event);
    ipcRenderer.on('lab:event', handler);
    return () => {
      ipcRenderer.removeListener('lab:event', handler);
    };
  },
};

contextBridge.exposeInMainWorld('lab', lab);
