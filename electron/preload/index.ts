// Exposes exactly one object, window.lab, that satisfies LabApi. Built as CommonJS: sandboxed
// preloads cannot be ES modules.
import { contextBridge, ipcRenderer } from 'electron';
import type { CallableMethod, JobEvent, JobListener, LabApi } from '../../shared/api';
import type { LabError } from '../../shared/types';

type Reply = { ok: true; value: unknown } | { ok: false; error: LabError };

function bind<M extends CallableMethod>(method: M): LabApi[M] {
  return (async (...args: unknown[]) => {
    const reply = (await ipcRenderer.invoke('lab:call', method, args)) as Reply;
    // reject with the plain LabError value: contextBridge keeps plain objects, not Error subclasses
    if (!reply.ok) throw reply.error;
    return reply.value;
  }) as unknown as LabApi[M];
}

const lab = {
  info: bind('info'),
  pickOpenPath: bind('pickOpenPath'),
  pickSavePath: bind('pickSavePath'),
  backend: bind('backend'),
  listDatasets: bind('listDatasets'),
  openDataset: bind('openDataset'),
  getDataset: bind('getDataset'),
  getRows: bind('getRows'),
  getColumn: bind('getColumn'),
  closeDataset: bind('closeDataset'),
  train: bind('train'),
  pause: bind('pause'),
  resume: bind('resume'),
  listRuns: bind('listRuns'),
  getRun: bind('getRun'),
  saveModel: bind('saveModel'),
  loadModel: bind('loadModel'),
  embed: bind('embed'),
  evaluate: bind('evaluate'),
  computePca: bind('computePca'),
  reduce: bind('reduce'),
  getEmbedding: bind('getEmbedding'),
  listEmbeddings: bind('listEmbeddings'),
  exportEmbedding: bind('exportEmbedding'),
  computeMetrics: bind('computeMetrics'),
  exportMetrics: bind('exportMetrics'),
  neighbours: bind('neighbours'),
  reconstruct: bind('reconstruct'),
  generateSamples: bind('generateSamples'),
  traverseLatent: bind('traverseLatent'),
  latentGrid: bind('latentGrid'),
  interpolate: bind('interpolate'),
  exportSamples: bind('exportSamples'),
  detectAnomalies: bind('detectAnomalies'),
  rankAnomalies: bind('rankAnomalies'),
  exportAnomalies: bind('exportAnomalies'),
  uploadFile: bind('uploadFile'),
  cancel: bind('cancel'),
  onEvent(listener: JobListener) {
    const handler = (_e: unknown, event: JobEvent) => listener(event);
    ipcRenderer.on('lab:event', handler);
    return () => {
      ipcRenderer.removeListener('lab:event', handler);
    };
  },
} satisfies LabApi;

contextBridge.exposeInMainWorld('lab', lab);
