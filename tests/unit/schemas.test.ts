import { describe, expect, it, vi } from 'vitest';
import { engineHandlers, validateCall } from '../../electron/engine/api';
import { Engine } from '../../electron/engine/engine';
import { createDispatch } from '../../shared/handlers';
import type { ShellApi } from '../../shared/api';

const config = { latent: 2, hidden: [16], epochs: 1, batchSize: 32, learningRate: 0.001, seed: 1, limit: 0 };

describe('IPC / WebSocket payload validation', () => {
  it('accepts well-formed calls', () => {
    expect(validateCall('train', [{ datasetId: 'ds-1', config }]).method).toBe('train');
    expect(validateCall('openDataset', [{ source: { kind: 'builtin', name: 'mnist' } }]).method).toBe('openDataset');
    expect(validateCall('uploadFile', ['a.csv', new Uint8Array(3)]).method).toBe('uploadFile');
    expect(validateCall('train', [{ datasetId: 'ds-1', config, classes: [0, 3] }]).method).toBe('train');
    expect(validateCall('generateSamples', [{ runId: 'r', count: 64, seed: 2, label: 1, source: 'fitted-gaussian' }]).method).toBe('generateSamples');
    expect(validateCall('traverseLatent', [{ runId: 'r', dims: [0, 1], base: { kind: 'row', datasetId: 'd', row: 3 } }]).method).toBe('traverseLatent');
    expect(validateCall('latentGrid', [{ runId: 'r', size: 15, extent: 'data' }]).method).toBe('latentGrid');
    expect(validateCall('interpolate', [{ runId: 'r', datasetId: 'd', rows: [1, 2], steps: 10, components: 20 }]).method).toBe('interpolate');
    expect(validateCall('detectAnomalies', [{ datasetId: 'd', normalClasses: [0], methods: ['pca-error', 'recon-prob'], model: { epochs: 5 }, pcaComponents: 20, samples: 10 }]).method).toBe('detectAnomalies');
    expect(validateCall('rankAnomalies', [{ anomalyId: 'a', key: 'pca20_error', top: 24, threshold: 1.5 }]).method).toBe('rankAnomalies');
  });

  it.each([
    ['unknown method', 'rm -rf', []],
    ['prototype key', '__proto__', []],
    ['missing argument', 'getDataset', []],
    ['extra field', 'train', [{ datasetId: 'ds-1', config: { ...config, evil: true } }]],
    ['negative epochs', 'train', [{ datasetId: 'ds-1', config: { ...config, epochs: -1 } }]],
    ['non-integer latent', 'train', [{ datasetId: 'ds-1', config: { ...config, latent: 2.5 } }]],
    ['wrong source kind', 'openDataset', [{ source: { kind: 'url', path: 'http://x' } }]],
    ['path not a string', 'exportEmbedding', [{ embeddingId: 'e', path: 42 }]],
    ['bytes as a list', 'uploadFile', ['a.csv', [1, 2, 3]]],
    ['args not an array', 'listDatasets', 'x'],
    ['too many samples', 'generateSamples', [{ runId: 'r', count: 5000 }]],
    ['unknown latent source', 'generateSamples', [{ runId: 'r', count: 5, source: 'uniform' }]],
    ['one interpolation row', 'interpolate', [{ runId: 'r', datasetId: 'd', rows: [1] }]],
    ['grid too big', 'latentGrid', [{ runId: 'r', size: 100 }]],
    ['unknown anomaly score', 'detectAnomalies', [{ datasetId: 'd', methods: ['isolation-forest'] }]],
    ['no anomaly score', 'detectAnomalies', [{ datasetId: 'd', methods: [] }]],
    ['negative class', 'train', [{ datasetId: 'ds-1', config, classes: [-1] }]],
    ['ranking too long', 'rankAnomalies', [{ anomalyId: 'a', key: 'k', top: 100000 }]],
  ])('rejects %s', (_name, method, args) => {
    expect(() => validateCall(method, args)).toThrow(expect.objectContaining({ code: 'bad-request' }));
  });

  it('never reaches the engine with a malformed call and answers with an error value', async () => {
    const engine = new Engine();
    const train = vi.spyOn(engineHandlers.train, 'run');
    const shell = new Proxy({}, { get: () => () => Promise.resolve() }) as unknown as ShellApi;
    const dispatch = createDispatch(engine, shell);
    const reply = await dispatch('train', [{ datasetId: 'x', config: { ...config, batchSize: 0 } }]);
    expect(reply.ok).toBe(false);
    expect(train).not.toHaveBeenCalled();
    if (!reply.ok) expect(reply.error.message).toMatch(/Malformed train request at 0\.config\.batchSize/);
  });
});
