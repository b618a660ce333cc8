// Exploring views through the engine's API on the three-blob CSV (150 rows: 120 train / 30 test):
// clusters of a view and their names, search, the selection against the rest and its table, the
// neighbourhoods a view keeps; plus the pure parts (greedy label placement never overlaps, the
// neighbourhood-kept score against its definition) and every bad request of
// tests/fixtures/bad/explore-requests.ts answered with its message.
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { groupChanges, meanShare, sharedNeighbours } from '../../electron/engine/compare/neighbourhood-change';
import { Engine } from '../../electron/engine/engine';
import { awaitJob } from '../../electron/engine/session/await-job';
import type { DatasetSummary, EmbeddingId } from '../../shared/types';
import { overlaps, placeLabels, type LabelRequest } from '../../renderer/src/lib/label-placement';
import { badExploreRequests, type ExploreContext } from '../fixtures/bad/explore-requests';
import { mulberry32 } from '../../electron/engine/core/random';
import { colorFor, oklchHex } from '../../shared/palette';

const blobs = join(__dirname, '../fixtures/blobs.csv');

describe('placeLabels', () => {
  const labelsArb = fc.array(fc.record({
    x: fc.integer({ min: -20, max: 420 }),
    y: fc.integer({ min: -20, max: 320 }),
    width: fc.integer({ min: 20, max: 120 }),
    height: fc.integer({ min: 12, max: 40 }),
    priority: fc.integer({ min: 0, max: 1000 }),
  }), { maxLength: 60 });

  it('never places two labels over each other or outside the plot, nor over a blocked area', () => {
    fc.assert(fc.property(labelsArb, (raw) => {
      const labels: LabelRequest[] = raw.map((l, id) => ({ ...l, id }));
      const blocked = [{ left: 360, top: 0, width: 40, height: 30 }];
      const placed = placeLabels(labels, { width: 400, height: 300 }, blocked, 2);
      for (let i = 0; i < placed.length; i++) {
        const p = placed[i];
        expect(p.left).toBeGreaterThanOrEqual(0);
        expect(p.top).toBeGreaterThanOrEqual(0);
        expect(p.left + p.width).toBeLessThanOrEqual(400);
        expect(p.top + p.height).toBeLessThanOrEqual(300);
        expect(overlaps(p, blocked[0])).toBe(false);
        for (let j = i + 1; j < placed.length; j++) expect(overlaps(p, placed[j], 2)).toBe(false);
      }
      expect(new Set(placed.map((p) => p.id)).size).toBe(placed.length);
    }), { numRuns: 300 });
  });

  it('puts a lone label on its anchor, moves the next one aside, and skips one with no room', () => {
    const a = { id: 0, x: 100, y: 100, width: 60, height: 20, priority: 10 };
    const [one] = placeLabels([a], { width: 400, height: 300 });
    expect(one).toMatchObject({ left: 70, top: 90, moved: false });
    const two = placeLabels([a, { ...a, id: 1, priority: 5 }], { width: 400, height: 300 });
    expect(two).toHaveLength(2);
    expect(two[1]).toMatchObject({ id: 1, moved: true });
    // in a plot only as big as one label, the lower priority one is left out
    const tight = placeLabels([{ ...a, x: 30, y: 10, priority: 1 }, { ...a, id: 1, x: 30, y: 10, priority: 9 }], { width: 60, height: 20 });
    expect(tight.map((p) => p.id)).toEqual([1]);
  });
});

describe('category colours', () => {
  it('keeps the twenty of the palette and gives every further category its own colour', () => {
    const colours = Array.from({ length: 80 }, (_, i) => colorFor(i));
    expect(new Set(colours).size).toBe(80);
    for (const c of colours) expect(c).toMatch(/^#[0-9a-f]{6}$/);
    expect(colorFor(0)).toBe('#4269d0');
    expect(colorFor(-1)).toBe('#5b6270');
    // OKLCH → sRGB: white, black and a known red
    expect(oklchHex(1, 0, 0)).toBe('#ffffff');
    expect(oklchHex(0, 0, 0)).toBe('#000000');
    expect(oklchHex(0.628, 0.2577, 29.23)).toBe('#ff0000');
  });
});

describe('neighbourhood kept score', () => {
  it('counts, for each row, the neighbours two lists share (order does not matter)', () => {
    const data = Int32Array.from([1, 2, 3, /* row 1 */ 0, 2, 3]);
    const view = Int32Array.from([3, 9, 1, /* row 1 */ 7, 8, 9]);
    expect(Array.from(sharedNeighbours(data, view, 2, 3))).toEqual([2, 0]);
    expect(meanShare(Uint8Array.from([2, 0]), 3)).toBeCloseTo(1 / 3, 10);
  });

  it('matches the definition |N_a(i) ∩ N_b(i)| on random lists', () => {
    const rand = mulberry32(5);
    const n = 200;
    const k = 10;
    const a = Int32Array.from({ length: n * k }, () => Math.floor(rand() * 40));
    const b = Int32Array.from({ length: n * k }, () => Math.floor(rand() * 40));
    // lists without repeats, as kNN lists are
    for (const list of [a, b]) for (let i = 0; i < n; i++) for (let s = 0; s < k; s++) list[i * k + s] = (list[i * k + s] + s * 40) % 400;
    const got = sharedNeighbours(a, b, n, k);
    for (let i = 0; i < n; i++) {
      const setB = new Set(b.subarray(i * k, (i + 1) * k));
      expect(got[i]).toBe(Array.from(a.subarray(i * k, (i + 1) * k)).filter((x) => setB.has(x)).length);
    }
  });

  it('lists the groups whose neighbourhoods change most between two views first', () => {
    const group = Int32Array.from([0, 0, 1, 1, -1]);
    const keptA = Uint8Array.from([10, 10, 5, 5, 0]);
    const keptB = Uint8Array.from([10, 8, 1, 3, 0]);
    const agree = Uint8Array.from([10, 9, 2, 4, 0]);
    const groups = groupChanges(group, ['x', 'y'], keptA, keptB, agree, 10);
    expect(groups.map((g) => g.name)).toEqual(['y', 'x']);
    expect(groups[0]).toEqual({ name: 'y', size: 2, keptA: 0.5, keptB: 0.2, agreement: 0.3 });
    expect(groups[1]).toMatchObject({ keptA: 1, keptB: 0.9, agreement: 0.95 });
  });
});

describe('exploring views through the engine', () => {
  const engine = new Engine();
  let ds: DatasetSummary;
  const ids: Record<string, EmbeddingId> = {};

  beforeAll(async () => {
    ds = await awaitJob(engine, 'open', engine.openDataset({ source: { kind: 'file', path: blobs } }));
    ids.pca = (await awaitJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'pca', params: { components: 2 } }))).id;
    ids.pca5 = (await awaitJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'pca', params: { components: 5 } }))).id;
  });

  it('finds the three blobs in PCA-2, names them by their species and the columns that set them apart', async () => {
    const r = await engine.clusters({ embeddingId: ids.pca });
    expect(r.rows).toBe(30);
    expect(r.clusters).toHaveLength(3);
    expect(r.purity).toBe(1);
    expect(new Set(r.clusters.map((c) => c.majority!.name))).toEqual(new Set(['alpha', 'beta', 'gamma']));
    expect(r.clusters.reduce((s, c) => s + c.size, 0) + r.noise).toBe(30);
    for (const c of r.clusters) {
      expect(c.label).toBe(`${c.majority!.name} · 100%`);
      // the representative is a member, its id the row's source id
      expect(r.assignment[c.representative]).toBe(c.id);
      expect(c.columns.length).toBeGreaterThan(0);
      expect(Math.abs((c.columns[0] as { smd: number }).smd)).toBeGreaterThan(1);
    }
    const emb = await engine.getEmbedding(ids.pca);
    for (const c of r.clusters) expect(c.representativeId).toBe(emb.rowIds[c.representative]);
    expect(r.contours.map((c) => c.mass)).toEqual([0.9, 0.7, 0.5, 0.3, 0.1]);
    expect(r.contours[0].segments.length).toBeGreaterThan(0);
    // the same request again is the same result; other parameters are another
    expect(await engine.clusters({ embeddingId: ids.pca })).toEqual(r);
    const coarse = await engine.clusters({ embeddingId: ids.pca, bandwidth: 8 });
    expect(coarse.clusters.length).toBeLessThan(3);
    expect(coarse.params.bandwidth).toBe(8);
  });

  it('finds rows by id, label, text and range; the conditions combine', async () => {
    const all = await engine.getEmbedding(ids.pca);
    const byId = await engine.findRows({ datasetId: ds.id, filters: [{ column: 'id', text: `${all.rowIds[0]}, ${all.rowIds[3]}` }] });
    expect(Array.from(byId.rows).sort((a, b) => a - b)).toEqual([0, 3]);
    const alpha = await engine.findRows({ datasetId: ds.id, filters: [{ column: 'label', text: 'ALP' }] });
    expect(alpha.rows.length).toBeGreaterThan(0);
    for (const r of alpha.rows) expect(all.labelNames![all.labels![r]]).toBe('alpha');
    expect((await engine.findRows({ datasetId: ds.id, filters: [{ column: '*', text: 'alpha' }] })).rows).toEqual(alpha.rows);
    const f1 = await engine.getColumn({ datasetId: ds.id, split: 'test', column: 'f1' });
    const values = (f1 as { values: Float32Array }).values;
    const high = await engine.findRows({ datasetId: ds.id, filters: [{ column: 'f1', min: 3 }] });
    expect(Array.from(high.rows)).toEqual(Array.from(values.keys()).filter((i) => values[i] >= 3));
    const both = await engine.findRows({ datasetId: ds.id, filters: [{ column: 'f1', min: 3 }, { column: 'label', text: 'alpha' }] });
    expect(Array.from(both.rows)).toEqual(Array.from(high.rows).filter((r) => alpha.rows.includes(r)));
    expect(both.description).toBe('f1 ≥ 3 and label contains “alpha”');
  });

  it('sets the selection against the rest and pages through it sorted', async () => {
    const alpha = (await engine.findRows({ datasetId: ds.id, filters: [{ column: 'label', text: 'alpha' }] })).rows;
    const stats = await engine.selectionStats({ datasetId: ds.id, rows: alpha });
    expect(stats.selected).toBe(alpha.length);
    expect(stats.rest).toBe(30 - alpha.length);
    const species = stats.columns[0];
    expect(species).toMatchObject({ name: 'species', kind: 'category', distance: 1 });
    expect(species.kind === 'category' && species.top[0]).toEqual({ value: 'alpha', selected: 1, rest: 0 });
    const f1 = stats.columns.find((c) => c.name === 'f1')!;
    expect(f1.kind).toBe('number');
    if (f1.kind === 'number') {
      const col = (await engine.getColumn({ datasetId: ds.id, split: 'test', column: 'f1' })) as { values: Float32Array };
      const inside = Array.from(alpha, (r) => col.values[r]);
      expect(f1.selected.mean).toBeCloseTo(inside.reduce((a, b) => a + b, 0) / inside.length, 4);
      expect(Math.abs(f1.smd)).toBeGreaterThan(1);
    }
    const page = await engine.selectionRows({ datasetId: ds.id, rows: alpha, sortBy: 'f1', descending: true, limit: 4 });
    expect(page.total).toBe(alpha.length);
    expect(page.rows).toHaveLength(4);
    const at = page.columns.indexOf('f1');
    const shown = page.cells.map((c) => c[at] as number);
    expect(shown).toEqual([...shown].sort((a, b) => b - a));
    expect(page.labels).toEqual(['alpha', 'alpha', 'alpha', 'alpha']);
    const next = await engine.selectionRows({ datasetId: ds.id, rows: alpha, sortBy: 'f1', descending: true, offset: 4, limit: 100 });
    expect(next.rows.length).toBe(alpha.length - 4);
    expect(next.cells[0][at] as number).toBeLessThanOrEqual(shown[3]);
  });

  it('scores how many data-space neighbours each view keeps and compares two views by class', async () => {
    const change = await awaitJob(engine, 'neighbourhoods', engine.neighbourhoodChange({
      datasetId: ds.id, embeddingIds: [ids.pca, ids.pca5], pair: [ids.pca, ids.pca5], groupBy: 'label',
    }));
    expect(change.k).toBe(10);
    expect(change.views.map((v) => v.embeddingId)).toEqual([ids.pca, ids.pca5]);
    // against the definition, for one row: kept = |data neighbours ∩ view neighbours|
    const row = 4;
    const near = await engine.neighbours({ datasetId: ds.id, row, k: 10, embeddingIds: [ids.pca, ids.pca5] });
    expect(change.views[0].kept[row]).toBe(near.embeddings[0].kept);
    expect(change.views[1].kept[row]).toBe(near.embeddings[1].kept);
    // more components keep more of the neighbourhoods
    expect(change.views[1].mean).toBeGreaterThan(change.views[0].mean);
    expect(change.pair!.groups.map((g) => g.name).sort()).toEqual(['alpha', 'beta', 'gamma']);
    const emb = await engine.getEmbedding(ids.pca);
    for (const g of change.pair!.groups) expect(g.size).toBe(Array.from(emb.labels!).filter((l) => emb.labelNames![l] === g.name).length);
    const byCluster = await awaitJob(engine, 'neighbourhoods', engine.neighbourhoodChange({
      datasetId: ds.id, embeddingIds: [ids.pca], pair: [ids.pca, ids.pca5], groupBy: 'clusters',
    }));
    expect(byCluster.pair!.groups).toHaveLength(3);
    expect(byCluster.pair!.groups[0].name).toMatch(/^cluster \d \((alpha|beta|gamma) · 100%\)$/);
  });

  it('a rotation of the data keeps every neighbourhood; a plane keeps fewer; the groups cover every row, most changed first', async () => {
    // PCA with all 8 components only rotates the (centred) rows: the same neighbours, up to ties
    const all = (await awaitJob(engine, 'reduce', engine.reduce({ datasetId: ds.id, method: 'pca', params: { components: 8 } }))).id;
    const change = await awaitJob(engine, 'neighbourhoods', engine.neighbourhoodChange({
      datasetId: ds.id, embeddingIds: [all, ids.pca], pair: [all, ids.pca], groupBy: 'label',
    }));
    const [rotation, plane] = change.views;
    expect(rotation.kept).toHaveLength(30);
    expect(rotation.mean).toBeGreaterThan(0.98);
    expect(plane.mean).toBeLessThan(rotation.mean);
    expect(plane.mean).toBeCloseTo(plane.kept.reduce((s, v) => s + v, 0) / (30 * 10), 6);
    const groups = change.pair!.groups;
    expect(groups.reduce((s, g) => s + g.size, 0)).toBe(30);
    for (const g of groups) {
      expect(g.keptA).toBeGreaterThan(0.98);
      expect(g.keptB).toBeLessThanOrEqual(g.keptA);
    }
    const agreement = groups.map((g) => g.agreement);
    expect(agreement).toEqual([...agreement].sort((x, y) => x - y));
  });

  it('closing the dataset frees its clusters and neighbour lists', async () => {
    const other = new Engine();
    const d = await awaitJob(other, 'open', other.openDataset({ source: { kind: 'file', path: blobs } }));
    const e = (await awaitJob(other, 'reduce', other.reduce({ datasetId: d.id, method: 'pca', params: { components: 2 } }))).id;
    await other.clusters({ embeddingId: e });
    await awaitJob(other, 'neighbourhoods', other.neighbourhoodChange({ datasetId: d.id, embeddingIds: [e] }));
    const entry = other.session.entry(d.id);
    expect(entry.clusters.size).toBe(1);
    expect(entry.testNeighbours.size).toBe(2);
    await other.closeDataset(d.id);
    expect(other.session.hasDataset(d.id)).toBe(false);
    await expect(other.clusters({ embeddingId: e })).rejects.toMatchObject({ code: 'no-such-embedding' });
  });

  describe('bad requests (tests/fixtures/bad/explore-requests.ts)', () => {
    it.each(badExploreRequests.map((b) => [b.name, b] as const))('%s', async (_name, bad) => {
      const ctx: ExploreContext = { datasetId: ds.id, embeddingId: ids.pca, testRows: 30 };
      const call = (engine as unknown as Record<string, (r: unknown) => Promise<unknown>>)[bad.method];
      const err = await call(bad.request(ctx)).then(() => null, (e: { code: string; message: string }) => e);
      expect(err, 'refused').not.toBeNull();
      expect(err!.code).toBe(bad.code);
      expect(err!.message).toMatch(bad.says);
    });
  });
});
