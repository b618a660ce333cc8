import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { bernoulliNll, gaussianKl, gaussianNll } from '../../electron/engine/models/losses';

const read = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

describe('VAE loss terms against hand-computed values', () => {
  it('Bernoulli NLL is the summed binary cross-entropy of sigmoid(logits)', () => {
    // x = [1, 0], logits = [0, ln 3]: −ln σ(0) − ln(1 − σ(ln 3)) = ln 2 + ln 4
    const nll = read(bernoulliNll(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, Math.log(3)]])));
    expect(nll[0]).toBeCloseTo(Math.log(2) + Math.log(4), 5);
  });

  it('Bernoulli NLL is stable for large logits', () => {
    // x = 1, logit 40: −ln σ(40) ≈ e^−40; x = 0, logit 40: ≈ 40
    const nll = read(bernoulliNll(tf.tensor2d([[1], [0]]), tf.tensor2d([[40], [40]])));
    expect(nll[0]).toBeCloseTo(0, 6);
    expect(nll[1]).toBeCloseTo(40, 4);
  });

  it('Gaussian NLL with unit variance is ½‖x−μ‖² + (d/2)·ln 2π', () => {
    const nll = read(gaussianNll(tf.tensor2d([[1, 2]]), tf.tensor2d([[0, 0]])));
    expect(nll[0]).toBeCloseTo(0.5 * 5 + Math.log(2 * Math.PI), 5);
  });

  it('KL(N(μ, σ²) ‖ N(0, 1)) matches the closed form per dimension', () => {
    // μ = 1, log σ² = 0 → ½; μ = 0, log σ² = ln 4 → ½(4 − 1 − ln 4)
    const kl = read(gaussianKl(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, Math.log(4)]])));
    expect(kl[0]).toBeCloseTo(0.5 + 0.5 * (4 - 1 - Math.log(4)), 5);
    const zero = read(gaussianKl(tf.tensor2d([[0]]), tf.tensor2d([[0]])));
    expect(zero[0]).toBeCloseTo(0, 6);
  });
});
