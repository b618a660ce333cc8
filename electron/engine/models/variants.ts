// Model name → variant.
import type { ModelName } from '../../../shared/types';
import { ae } from './ae';
import { betaVae } from './beta-vae';
import { cvae } from './cvae';
import { infoVae } from './info-vae';
import { iwae } from './iwae';
import type { Variant } from './variant';
import { vae } from './vae';
import { waeMmd } from './wae-mmd';

export const variants: Record<ModelName, Variant> = {
  ae,
  vae,
  'beta-vae': betaVae,
  cvae,
  'wae-mmd': waeMmd,
  'info-vae': infoVae,
  iwae,
};
