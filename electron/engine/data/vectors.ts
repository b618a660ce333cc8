// Precomputed vectors in the Embedding Projector's format: a TSV of numbers (one vector per line,
// no header) and an optional metadata TSV (a header row when it has several columns).
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readDelimited } from './csv';
import { checkFile, fileFailure, plural, readHead, type LoadContext } from './files';
import { MAX_LINE_BYTES } from './sniff';
import type { RawTable } from './table';

/** metadata.tsv beside vectors.tsv, or <name>_metadata.tsv / <name>-metadata.tsv. */
export function findMetadata(file: string): string | null {
  const base = basename(file).replace(/\.tsv$/i, '');
  const names = [base.replace(/vectors|tensors|embeddings?/i, 'metadata'), `${base}_metadata`, `${base}-metadata`, 'metadata'];
  for (const n of names) {
    const path = join(dirname(file), `${n}.tsv`);
    if (path !== file && existsSync(path)) return path;
  }
  return null;
}

export function looksLikeVectors(file: string): boolean {
  return /\.tsv$/i.test(file) && /vector|tensor|embedding/i.test(basename(file));
}

export async function readVectors(file: string, metadataPath: string | null | undefined, ctx: LoadContext): Promise<RawTable> {
  const table = await readDelimited(file, { delimiter: '\t', header: false, quote: '' }, ctx);
  table.format = 'vectors';
  const text = table.columns.filter((c) => c.kind === 'text');
  if (text.length) {
    throw fileFailure(file, 'bad-vectors', `holds text in column ${table.columns.indexOf(text[0]) + 1}; a vectors file holds only numbers, one vector per line, tab-separated.`,
      'Put names and labels in a separate metadata TSV, or open the file as an ordinary table (rename it to .csv/.txt).');
  }
  table.columns.forEach((c, j) => (c.name = `dim${j}`));
  table.notes = [`Read ${plural(table.rows, 'vector')} of ${table.columns.length} dimensions (Embedding Projector format).`];
  table.defaultScaling = 'none';
  table.notes.push('Vectors are kept as they are by default (no scaling), so their geometry is unchanged.');
  const meta = metadataPath === undefined ? findMetadata(file) : metadataPath;
  if (meta) {
    await checkFile(meta);
    // only the first line decides whether there is a header row: read no more than that
    const head = await readHead(meta, MAX_LINE_BYTES);
    const lineEnd = head.indexOf(10);
    const header = head.subarray(0, lineEnd < 0 ? head.byteLength : lineEnd).includes(9);
    const m = await readDelimited(meta, { delimiter: '\t', header, quote: '' }, ctx);
    if (m.rows !== table.rows) {
      throw fileFailure(meta, 'label-count', `has ${plural(m.rows, 'row')} of metadata but ${basename(file)} has ${plural(table.rows, 'vector')}.`,
        'Pick the metadata file written together with these vectors (one line per vector, plus a header when it has several columns).');
    }
    if (!header) m.columns[0].name = 'label';
    const taken = new Set(table.columns.map((c) => c.name));
    for (const c of m.columns) table.columns.push(taken.has(c.name) ? { ...c, name: `${c.name}_meta` } : c);
    table.notes.push(`Metadata from ${basename(meta)} (${m.columns.map((c) => c.name).join(', ')}).`);
    table.loaderOptions.labelsPath = meta;
  }
  table.preview = { header: table.columns.slice(0, 12).map((c) => c.name), rows: table.preview.rows.map((r) => r.slice(0, 12)) };
  return table;
}
