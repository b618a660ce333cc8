// TrainConfig defaults, what 'auto' resolves to, and the IPC schema for train requests.
import { describe, expect, it } from 'vitest';
import { validateCall } from '../../electron/engine/api';
import { resolveChoices, withDefaults } from '../../shared/train-config';
import { DEFAULT_TRAIN_CONFIG } from '../../shared/types';

describe('train config', () => {
  it('fills every field left out from DEFAULT_TRAIN_CONFIG without sharing its arrays', () => {
    const c = withDefaults({ model: 'iwae', hidden: [512, 256], epochs: undefined });
    expect(c).toEqual({ ...DEFAULT_TRAIN_CONFIG, model: 'iwae', hidden: [512, 256] });
    withDefaults().hidden.push(1);
    expect(DEFAULT_TRAIN_CONFIG.hidden).toEqual([400]);
  });

  it('resolves auto: conv for images of at least 4×4, the loader’s likelihood', () => {
    const auto = { architecture: 'auto', likelihood: 'auto' } as const;
    expect(resolveChoices(auto, { imageShape: [28, 28, 1], likelihood: 'bernoulli' })).toEqual({ architecture: 'conv', likelihood: 'bernoulli' });
    expect(resolveChoices(auto, { imageShape: [3, 3, 1], likelihood: 'bernoulli' })).toEqual({ architecture: 'mlp', likelihood: 'bernoulli' });
    expect(resolveChoices(auto, { imageShape: null, likelihood: 'gaussian' })).toEqual({ architecture: 'mlp', likelihood: 'gaussian' });
    expect(resolveChoices({ architecture: 'mlp', likelihood: 'gaussian-learned' }, { imageShape: [28, 28, 1], likelihood: 'bernoulli' }))
      .toEqual({ architecture: 'mlp', likelihood: 'gaussian-learned' });
  });

  it('accepts a partial config over IPC and names the field that is wrong', () => {
    expect(() => validateCall('train', [{ datasetId: 'ds-1', config: { model: 'beta-vae', beta: 8 } }])).not.toThrow();
    expect(() => validateCall('train', [{ datasetId: 'ds-1', config: { model: 'gan' } }])).toThrow(/Malformed train request at 0\.config\.model/);
    expect(() => validateCall('train', [{ datasetId: 'ds-1', config: { hidden: 400 } }])).toThrow(/at 0\.config\.hidden/);
    expect(() => validateCall('train', [{ datasetId: 'ds-1', config: { validationFraction: 1 } }])).toThrow(/validationFraction/);
    expect(() => validateCall('pause', ['job-1'])).not.toThrow();
    expect(() => validateCall('saveModel', [{ runId: 'run-1' }])).toThrow(/at 0\.path/);
  });
});
