// A raw table as read from a file, before roles, cleaning and scaling turn it into a Dataset.
// Columns are indexed by source row; the prepared Dataset refers back to them by row id.
import type { ColumnType, DatasetFormat, DelimitedSettings, OpenOptions, Scaling } from '../../../shared/types';
import { dataNumber } from '../export/numbers';

export interface NumberColumn {
  name: string;
  kind: 'number';
  type: Extract<ColumnType, 'number' | 'integer' | 'boolean'>;
  /** Values as read; NaN marks a missing cell (NULL, empty, NA, NaN). */
  values: Float32Array;
  missing: number;
  /** Cells that hold ±Infinity, and the first row that does (-1 when none). */
  infinite: number;
  firstInfiniteRow: number;
  /**
   * Set while the values live in a row-major block shared by several columns (plain numeric text is
   * read that way, so the block can become the split matrices in place); `values` is empty then.
   * Read cells through numberAt(); prepareTable() ends every block before the dataset is used.
   */
  block?: NumericBlock;
}

/** One column of a row-major matrix: cell (row, column) is data[row * stride + offset]. */
export interface NumericBlock {
  data: Float32Array;
  stride: number;
  offset: number;
  /** Per block column, over the finite cells in row order, when the reader summed them already. */
  moments?: BlockMoments;
}

export interface BlockMoments {
  min: Float64Array;
  max: Float64Array;
  sum: Float64Array;
  sumSq: Float64Array;
  count: Float64Array;
  /** Histograms of every block column (HISTOGRAM_BINS each, column-major), when the reader took them. */
  bins?: Float64Array;
}

/** The value of a number column at a source row, wherever it is stored. */
export function numberAt(col: NumberColumn, row: number): number {
  const b = col.block;
  return b ? b.data[row * b.stride + b.offset] : col.values[row];
}

/** Copies a block column into its own array (for columns that stay in the raw table). */
export function materialize(col: NumberColumn, rows: number): void {
  const b = col.block;
  if (!b) return;
  const values = new Float32Array(rows);
  for (let r = 0, s = b.offset; r < rows; r++, s += b.stride) values[r] = b.data[s];
  col.values = values;
  delete col.block;
}

/** Text as dictionary codes: small per row and ready for labels and one-hot encoding. */
export interface TextColumn {
  name: string;
  kind: 'text';
  type: Extract<ColumnType, 'string' | 'date' | 'other'>;
  /** Index into `dictionary` per row; -1 = missing. */
  codes: Int32Array;
  dictionary: string[];
  missing: number;
  /** First row holding each dictionary value, when `codes` is not held (a streamed dataset's column). */
  firstRows?: number[];
}

export type RawColumn = NumberColumn | TextColumn;

/** Images (or any fixed-shape arrays): one pixel block per row, kept apart from the columns. */
export interface PixelBlock {
  /** rows × height × width × channels, row-major. */
  data: Uint8Array | Float32Array;
  /** [height, width, channels] */
  shape: [number, number, number];
  /** The value range the data came in (255 for bytes), used to bring pixels to [0, 1]. */
  maxValue: number | null;
  /** What to call each feature (e.g. px0…) when the block is not an image. */
  featureName: (i: number) => string;
  /** Whether the block is really images (thumbnails make sense). */
  isImage: boolean;
}

export interface RawTable {
  file: string;
  format: DatasetFormat;
  rows: number;
  columns: RawColumn[];
  pixels: PixelBlock | null;
  /** Per row: 1 when the file puts it in the test split (null = the file has no split). */
  fileSplit: Uint8Array | null;
  /** Label column the format itself defines (IDX labels, image folder classes), if any. */
  formatLabel: string | null;
  delimited: DelimitedSettings | null;
  /** Options the loader resolved (image size and mode, labels file), echoed in the summary. */
  loaderOptions: Partial<OpenOptions>;
  /** Scaling to use when the user chose none (the format knows better than the data sniff). */
  defaultScaling?: Scaling;
  preview: { header: string[]; rows: string[][] };
  notes: string[];
}

export function emptyTable(file: string, format: DatasetFormat): RawTable {
  return {
    file, format, rows: 0, columns: [], pixels: null, fileSplit: null, formatLabel: null,
    delimited: null, loaderOptions: {}, preview: { header: [], rows: [] }, notes: [],
  };
}

/** Text column from plain strings (null = missing). */
export function textColumn(name: string, values: ArrayLike<string | null>, type: TextColumn['type'] = 'string'): TextColumn {
  const index = new Map<string, number>();
  const dictionary: string[] = [];
  const codes = new Int32Array(values.length);
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === '') {
      codes[i] = -1;
      missing++;
      continue;
    }
    let code = index.get(v);
    if (code === undefined) {
      code = dictionary.length;
      index.set(v, code);
      dictionary.push(v);
    }
    codes[i] = code;
  }
  return { name, kind: 'text', type, codes, dictionary, missing };
}

/** Number column from a Float32Array (NaN = missing); counts missing and infinite cells. */
export function numberColumn(name: string, values: Float32Array, type: NumberColumn['type'] = 'number'): NumberColumn {
  let missing = 0;
  let infinite = 0;
  let firstInfiniteRow = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) missing++;
    else if (v === Infinity || v === -Infinity) {
      if (infinite++ === 0) firstInfiniteRow = i;
    }
  }
  return { name, kind: 'number', type, values, missing, infinite, firstInfiniteRow };
}

/**
 * One cell, for previews and raw row lookups: text, a number as the file wrote it (the float32 read
 * back as its shortest decimal: 26.6, not 26.600000381469727), or null when missing.
 */
export function cellValue(col: RawColumn, row: number): string | number | null {
  if (col.kind === 'text') {
    const c = col.codes[row];
    return c < 0 ? null : col.dictionary[c];
  }
  const v = numberAt(col, row);
  return v !== v ? null : dataNumber(v);
}
