// A raw table as read from a file, before roles, cleaning and scaling turn it into a Dataset.

export interface NumberColumn {
  name: string;
  kind: 'number';
  /** Values as read; NaN marks a missing cell (NULL or empty). */
  values: Float32Array;
  missing: number;
  /** Cells that hold ±Infinity or an explicit NaN text. */
  nonFinite: number;
  firstNonFiniteRow: number;
}

export interface TextColumn {
  name: string;
  kind: 'string';
  values: (string | null)[];
  missing: number;
}

export type RawColumn = NumberColumn | TextColumn;

export interface RawTable {
  file: string;
  format: 'csv';
  rows: number;
  columns: RawColumn[];
  preview: { header: string[]; rows: string[][] };
  notes: string[];
}
