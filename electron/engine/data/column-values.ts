// One column's values for every row of a split, in the file's own units: the Compare panel colours
// points by any column with them. Feature columns were released after preparation, so their values
// come back from the split's matrix by undoing the scaling.
import { LabFailure } from '../../../shared/api';
import type { ColumnValues, SplitName } from '../../../shared/types';
import type { Dataset } from './dataset';
import { contains, rawAt } from './rows';

export function columnValues(ds: Dataset, split: SplitName, name: string): ColumnValues {
  const at = ds.raw.columns.findIndex((c) => c.name === name);
  if (at < 0) {
    throw new LabFailure('no-such-column', `${ds.summary.name} has no column "${name}".`, `Pick one of: ${ds.raw.columns.map((c) => c.name).slice(0, 20).join(', ')}.`);
  }
  const col = ds.raw.columns[at];
  const part = ds[split];
  if (col.kind === 'text') {
    return { column: name, kind: 'category', codes: Int32Array.from(part.rowIds, (r) => col.codes[rawAt(ds, r)]), names: col.dictionary.slice() };
  }
  const values = new Float32Array(part.n);
  const map = ds.featureMap.columns[at];
  if (col.values.length === 0 && map.kind === 'number') {
    // released feature column: x = (raw − center) / spread
    const d = ds.summary.features;
    const j = map.start;
    const { center, spread } = ds.featureMap;
    for (let i = 0; i < part.n; i++) {
      values[i] = contains(map.imputed, part.rowIds[i]) ? NaN : part.x[i * d + j] * spread[j] + center[j];
    }
  } else {
    for (let i = 0; i < part.n; i++) values[i] = col.values[rawAt(ds, part.rowIds[i])];
  }
  return { column: name, kind: 'number', values };
}
