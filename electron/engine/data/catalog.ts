// Built-in datasets the Data panel and `lab datasets` list.
import type { CatalogEntry } from '../../../shared/types';
import { mnistEntry } from './mnist';

export const catalog: CatalogEntry[] = [mnistEntry];

export function findBuiltin(name: string): CatalogEntry | undefined {
  return catalog.find((c) => c.name === name.toLowerCase());
}
