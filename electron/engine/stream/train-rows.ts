// The training rows of a streamed dataset, as the training loop takes them: every epoch reads the
// training split again in chunks (row ranges of about one Parquet row group) in a seeded shuffled
// order, and the loop shuffles the rows inside each chunk. Validation rows are held out by a hash
// of the row number (the same rule in SQL and JavaScript); the ones the in-memory sample holds are
// the validation set, so no row is both trained on and used for validation. Two chunks at most are
// in memory at a time (the one training, the one being read).
import type { DuckDBConnection } from '@duckdb/node-api';
import { LabFailure } from '../../../shared/api';
import { asData, type Split } from '../data/dataset';
import { shuffledIndices } from '../core/random';
import { readBlocks, type Block } from './chunks';
import { streamConnect } from './duck';
import { collectBetweenChunks } from './gc';
import { rowHash, SALT, sqlRowHash, threshold } from './hash';
import { and, ROW } from './sql';
import type { StreamedData } from './types';

export interface StreamedTrainRows {
  kind: 'streamed';
  /** Training rows per epoch (after the hold-out and the limit). */
  n: number;
  d: number;
  /** The rows have labels (a conditional model can train on them). */
  labelled: boolean;
  /** Held-out rows of the in-memory sample (null without a hold-out). */
  validation: Split | null;
  /** The epoch's training rows, chunk by chunk in a shuffled order (`rand` draws the order). */
  chunks(rand: () => number, check?: () => void): AsyncGenerator<Split>;
  /** Source rows per chunk. */
  chunkRows: number;
  /** Ends the reading (after a read under way settles). */
  close(): Promise<void>;
}

function concat(blocks: Block[], d: number): Split {
  if (blocks.length === 1) {
    const b = blocks[0];
    return { x: asData(b.x), n: b.n, labels: b.labels, rowIds: b.rowIds };
  }
  const n = blocks.reduce((s, b) => s + b.n, 0);
  const x = new Float32Array(n * d);
  const rowIds = new Int32Array(n);
  const labels = blocks[0]?.labels ? new Int32Array(n) : null;
  let at = 0;
  for (const b of blocks) {
    x.set(b.x, at * d);
    rowIds.set(b.rowIds, at);
    labels?.set(b.labels!, at);
    at += b.n;
  }
  return { x: asData(x), n, labels, rowIds };
}

/** Rows of a split in memory whose position `keep` says (a copy). */
function pick(split: Split, d: number, keep: (row: number) => boolean): Split {
  const idx: number[] = [];
  for (let i = 0; i < split.n; i++) if (keep(split.rowIds[i])) idx.push(i);
  const x = new Float32Array(idx.length * d);
  idx.forEach((i, k) => x.set(split.x.subarray(i * d, (i + 1) * d), k * d));
  return { x: asData(x), n: idx.length, labels: split.labels ? Int32Array.from(idx, (i) => split.labels![i]) : null, rowIds: Int32Array.from(idx, (i) => split.rowIds[i]) };
}

/**
 * Prepares streamed training over every training row of `s` (the first `limit` when it is set);
 * `sampleTrain` is the sample's training split (validation rows are taken from it); `labels`
 * false leaves the label column unread (a model that is not conditional).
 */
export async function streamedTrainRows(s: StreamedData, sampleTrain: Split, o: { validationFraction: number; seed: number; limit: number; labels?: boolean }): Promise<StreamedTrainRows> {
  const d = s.plan.d;
  const cut = o.validationFraction > 0 ? threshold(o.validationFraction) : 0;
  const held = cut > 0 ? `${sqlRowHash(ROW, o.seed, SALT.validation)} < ${cut}` : null;
  const trainWhere = and(s.plan.sql.kept, `NOT (${s.plan.sql.test})`, held ? `NOT (${held})` : null);
  const conn: DuckDBConnection = await streamConnect();
  try {
    const relation = s.source.relation;
    // the limit: training rows up to the source row that holds the limit-th one
    let endRow = s.source.rows;
    if (o.limit > 0) {
      const r = (await conn.runAndReadAll(`SELECT max(r) AS m, count(*) AS n FROM (SELECT ${ROW} AS r FROM ${relation} WHERE ${trainWhere} LIMIT ${o.limit})`)).getRowObjects()[0];
      if (Number(r.n) >= o.limit) endRow = Number(r.m) + 1;
    }
    const rangeWhere = (a: number, b: number) => `${ROW} >= ${a} AND ${ROW} < ${b}`;
    const count = (await conn.runAndReadAll(`SELECT count(*) AS n FROM ${relation} WHERE ${and(trainWhere, rangeWhere(0, endRow))}`)).getRowObjects()[0];
    const n = Number(count.n);
    if (n < 1) {
      throw new LabFailure('too-few-rows', `Holding out ${Math.round(o.validationFraction * 100)}% for validation leaves no training rows.`, 'Lower the validation fraction or use more rows.');
    }
    const validation = cut > 0 ? pick(sampleTrain, d, (row) => row < endRow && rowHash(row, o.seed, SALT.validation) < cut) : null;
    const chunkRows = s.chunkRows;
    const ranges: [number, number][] = [];
    for (let a = 0; a < endRow; a += chunkRows) ranges.push([a, Math.min(endRow, a + chunkRows)]);
    const readChunk = async (range: [number, number], check?: () => void): Promise<Split> => {
      const blocks: Block[] = [];
      for await (const b of readBlocks(conn, relation, s.plan, { where: and(held ? `NOT (${held})` : null, rangeWhere(range[0], range[1])), split: 'train', blockRows: chunkRows, check, labels: o.labels ?? true })) blocks.push(b);
      return concat(blocks, d);
    };
    let pending: Promise<unknown> = Promise.resolve();
    return {
      kind: 'streamed', n, d, labelled: !!s.plan.label && (o.labels ?? true), validation, chunkRows,
      async *chunks(rand, check) {
        const order = shuffledIndices(ranges.length, rand);
        // the next chunk is read while the loop trains on this one
        const start = (k: number) => {
          const p = readChunk(ranges[order[k]], check);
          // a rejected read is awaited on the next turn; none is left unobserved when the loop stops early
          pending = p.catch(() => {});
          return p;
        };
        let next: Promise<Split> | null = ranges.length ? start(0) : null;
        for (let k = 0; k < order.length; k++) {
          const chunk = await next!;
          next = k + 1 < order.length ? start(k + 1) : null;
          if (chunk.n > 0) yield chunk;
          // the loop is done with this chunk (its tensors disposed)
          collectBetweenChunks();
        }
      },
      close: async () => {
        await pending;
        conn.closeSync();
      },
    };
  } catch (err) {
    conn.closeSync();
    throw err;
  }
}
