import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeEmbeddingCsv } from '../../electron/engine/export/csv';
import type { DatasetId, EmbeddingData, EmbeddingId, LatentMatrix } from '../../shared/types';

function embedding(labels: boolean): EmbeddingData {
  return {
    id: 'emb-1' as EmbeddingId,
    runId: null,
    datasetId: 'ds-1' as DatasetId,
    method: 'pca',
    title: 't',
    rows: 3,
    dims: 2,
    explainedVariance: null,
    seconds: 0,
    coords: Float32Array.from([0.5, -1, 2.25, 3, -0.125, 7]) as LatentMatrix,
    labels: labels ? Int32Array.from([0, 1, -1]) : null,
    labelNames: labels ? ['cat', 'say "hi", ok'] : null,
    rowIds: Int32Array.from([4, 9, 11]),
    split: 'test',
    fitRows: 3,
    params: {},
    diagnostics: { notes: [], explainedVarianceRatio: null, trace: [], stages: [] },
  };
}

describe('CSV export', () => {
  it('writes id,label,z1..zk and reads back the same numbers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lab-export-'));
    const path = join(dir, 'out.csv');
    const result = await writeEmbeddingCsv(path, embedding(true));
    expect(result).toEqual({ path, rows: 3, columns: ['id', 'label', 'z1', 'z2'] });
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe('id,label,z1,z2');
    expect(lines[1]).toBe('4,cat,0.5,-1');
    expect(lines[2]).toBe('9,"say ""hi"", ok",2.25,3');
    expect(lines[3]).toBe('11,,-0.125,7');
    // atomic: no temp file left behind
    expect(await readdir(dir)).toEqual(['out.csv']);
  });

  it('omits the label column when the data has no label', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lab-export-'));
    const path = join(dir, 'nolabel.csv');
    await writeEmbeddingCsv(path, embedding(false));
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe('id,z1,z2');
    expect(lines[1]).toBe('4,0.5,-1');
  });

  it('explains a missing folder instead of crashing', async () => {
    await expect(writeEmbeddingCsv('/no/such/folder/x.csv', embedding(true))).rejects.toMatchObject({
      code: 'no-such-folder',
      message: expect.stringContaining('/no/such/folder'),
    });
  });
});
