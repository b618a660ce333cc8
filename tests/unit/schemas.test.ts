import { describe, expect, it } from 'vitest';
import { validateCall } from '../../shared/schemas';
import { createDispatch } from '../../shared/handlers';
import type { EngineApi, ShellApi } from '../../shared/api';

const config = { latent: 2, hidden: [16], epochs: 1, batchSize: 32, learningRate: 0.001, seed: 1, limit: 0 };

describe('IPC / WebSocket payload validation', () => {
  it('accepts well-formed calls', () => {
    expect(validateCall('train', [{ datasetId: 'ds-1', config }]).method).toBe('train');
    expect(validateCall('openDataset', [{ source: { kind: 'builtin', name: 'mnist' } }]).method).toBe('openDataset');
    expect(validateCall('uploadFile', ['a.csv', new Uint8Array(3)]).method).toBe('uploadFile');
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
  ])('rejects %s', (_name, method, args) => {
    expect(() => validateCall(method, args)).toThrow(expect.objectContaining({ code: 'bad-request' }));
  });

  it('never reaches the engine with a malformed call and answers with an error value', async () => {
    let called = false;
    const engine = new Proxy({}, { get: () => () => ((called = true), Promise.resolve()) }) as unknown as EngineApi;
    const shell = engine as unknown as ShellApi;
    const dispatch = createDispatch(engine, shell);
    const reply = await dispatch('train', [{ datasetId: 'x', config: { ...config, batchSize: 0 } }]);
    expect(reply.ok).toBe(false);
    expect(called).toBe(false);
    if (!reply.ok) expect(reply.error.message).toMatch(/Malformed train request at 0\.config\.batchSize/);
  });
});
