// Conditional VAE (Sohn et al.): encoder q(z|x, y) and decoder p(x|z, y) both see the one-hot
// label, so the generator can be asked for a class. The model core does the conditioning
// (spec.classes > 0); the objective is the VAE's.
import { weightedElbo } from './vae';
import type { Variant } from './variant';

export const cvae: Variant = {
  name: 'cvae',
  stochastic: true,
  loss: (m, batch, ctx) => {
    if (!batch.y) throw new Error('cvae needs one-hot labels in every batch');
    return weightedElbo(m, batch, ctx, 1);
  },
};
