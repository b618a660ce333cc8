// β-VAE (Higgins et al.): the ELBO with the KL term weighted by β (> 1 favours disentangled,
// smoother latents at the cost of reconstruction). Its −ELBO is still reported at β = 1.
import { weightedElbo } from './vae';
import type { Variant } from './variant';

export const betaVae: Variant = {
  name: 'beta-vae',
  stochastic: true,
  loss: (m, batch, ctx) => weightedElbo(m, batch, ctx, m.spec.objective.beta),
};
