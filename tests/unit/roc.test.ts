// ROC curves and AUC against hand values and scikit-learn's (roc_auc_score, roc_curve with
// drop_intermediate=False; values computed once with scikit-learn 1.2 and written here), ties included.
import { describe, expect, it } from 'vitest';
import { rowsAbove, scoreQuantile, topRows } from '../../shared/anomalies';
import { downsampleCurve, rocAuc, rocCurve, ROC_POINTS } from '../../electron/engine/anomalies/roc';
import { mulberry32 } from '../../electron/engine/core/random';

// 16 rows with ties across both classes
const scores = [0.3, 0.7, 0.7, 0.1, 0.9, 0.3, 0.5, 0.5, 0.5, 0.2, 0.8, 0.3, 0.6, 0.4, 0.7, 0.1];
const truth = [0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0];

/** Trapezoid area under a curve. */
function area(fpr: ArrayLike<number>, tpr: ArrayLike<number>): number {
  let a = 0;
  for (let i = 1; i < fpr.length; i++) a += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
  return a;
}

describe('rocAuc', () => {
  it('matches hand values: perfect, reversed, one swapped pair, all tied', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    // positives 0.35, 0.8 vs negatives 0.1, 0.4: 3 of 4 pairs ordered → 0.75 (sklearn: 0.75)
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
  });

  it('counts a tie between a positive and a negative as half', () => {
    // pairs: (0.5 vs 0.5) ½, (0.5 vs 0.2) 1, (0.9 vs 0.5) 1, (0.9 vs 0.2) 1 → 3.5 / 4
    expect(rocAuc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1])).toBe(0.875);
  });

  it("equals scikit-learn's roc_auc_score with many ties", () => {
    expect(rocAuc(scores, truth)).toBeCloseTo(0.8571428571428571, 12);
  });

  it('skips rows of unknown truth and gives null when a class is missing', () => {
    expect(rocAuc([0.1, 5, 0.4, 0.35, -3, 0.8], [0, -1, 0, 1, -1, 1])).toBe(0.75);
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNull();
    expect(rocAuc([0.1, 0.2], [0, -1])).toBeNull();
  });

  it('refuses NaN scores with a message', () => {
    expect(() => rocAuc([0.1, NaN], [0, 1])).toThrow(/no score \(NaN\)/);
  });
});

describe('rocCurve', () => {
  it("equals scikit-learn's roc_curve(drop_intermediate=False), starting at (0, 0) and ending at (1, 1)", () => {
    const c = rocCurve(scores, truth)!;
    const f = [0, 0, 0, 1 / 9, 1 / 9, 3 / 9, 4 / 9, 6 / 9, 7 / 9, 1];
    const t = [0, 1 / 7, 2 / 7, 4 / 7, 5 / 7, 6 / 7, 6 / 7, 1, 1, 1];
    // scikit-learn starts at max + 1 (newer versions at +inf); we start at +inf
    const th = [Infinity, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];
    expect(Array.from(c.fpr)).toEqual(f.map((v) => Math.fround(v)));
    expect(Array.from(c.tpr)).toEqual(t.map((v) => Math.fround(v)));
    expect(Array.from(c.thresholds)).toEqual(th.map((v) => Math.fround(v)));
    expect(area(c.fpr, c.tpr)).toBeCloseTo(rocAuc(scores, truth)!, 6);
  });

  it('keeps at most 500 points, both ends included, and its area stays the AUC', () => {
    const rand = mulberry32(9);
    const n = 20_000;
    const y = Int8Array.from({ length: n }, () => (rand() < 0.3 ? 1 : 0));
    // rounded scores: plenty of ties; positives score higher on average
    const s = Float32Array.from(y, (v) => Math.round((rand() + 0.4 * v) * 1000) / 1000);
    const c = rocCurve(s, y)!;
    expect(c.fpr.length).toBe(ROC_POINTS);
    expect([c.fpr[0], c.tpr[0], c.fpr[ROC_POINTS - 1], c.tpr[ROC_POINTS - 1]]).toEqual([0, 0, 1, 1]);
    for (let i = 1; i < ROC_POINTS; i++) {
      expect(c.fpr[i]).toBeGreaterThanOrEqual(c.fpr[i - 1]);
      expect(c.tpr[i]).toBeGreaterThanOrEqual(c.tpr[i - 1]);
      expect(c.thresholds[i]).toBeLessThan(c.thresholds[i - 1]);
    }
    expect(area(c.fpr, c.tpr)).toBeCloseTo(rocAuc(s, y)!, 3);
  });

  it('is null when one class is missing; short curves are kept whole', () => {
    expect(rocCurve([1, 2, 3], [0, 0, 0])).toBeNull();
    const c = { fpr: new Float32Array([0, 1]), tpr: new Float32Array([0, 1]), thresholds: new Float32Array([Infinity, 1]) };
    expect(downsampleCurve(c, 500)).toBe(c);
  });
});

describe('ranking helpers', () => {
  it('orders the highest scores first, ties by position, and counts rows at or above a threshold', () => {
    const s = [0.2, 0.9, 0.5, 0.9, 0.1];
    expect(Array.from(topRows(s, 3))).toEqual([1, 3, 2]);
    expect(Array.from(topRows(s, 10))).toEqual([1, 3, 2, 0, 4]);
    expect(Array.from(rowsAbove(s, 0.5))).toEqual([1, 2, 3]);
    const sorted = Float32Array.from(s).sort();
    expect(scoreQuantile(sorted, 0)).toBe(Math.fround(0.1));
    expect(scoreQuantile(sorted, 1)).toBe(Math.fround(0.9));
    expect(scoreQuantile(sorted, 0.5)).toBe(Math.fround(0.5));
  });
});
