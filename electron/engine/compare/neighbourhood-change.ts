// How a view changes neighbourhoods (as Emblaze shows it): for every row, how many of its k
// nearest rows in data space are also among its k nearest in the view ("kept"), and, between two
// views, how many of one view's neighbours the other view shares. Averaged over groups of rows
// (the classes, or the clusters of a view), the groups whose neighbourhoods differ most between
// two views come first.
import type { NeighbourhoodGroup } from '../../../shared/explore';

/** Per row, how many of its k neighbours in `a` are among its k neighbours in `b` (both n×k, row-major). */
export function sharedNeighbours(a: Int32Array, b: Int32Array, n: number, k: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let shared = 0;
    for (let s = 0; s < k; s++) {
      const x = a[i * k + s];
      for (let t = 0; t < k; t++) {
        if (b[i * k + t] === x) {
          shared++;
          break;
        }
      }
    }
    out[i] = shared;
  }
  return out;
}

export function meanShare(counts: Uint8Array, k: number): number {
  let s = 0;
  for (const c of counts) s += c;
  return counts.length ? s / (counts.length * k) : 0;
}

/**
 * Groups compared between views A and B: each group's mean share of data-space neighbours kept in
 * A and in B, and of A's neighbours B shares; sorted by that agreement, lowest (most changed)
 * first. `group` gives each row's group (−1 = none); groups smaller than `minSize` are left out.
 */
export function groupChanges(
  group: Int32Array, names: string[], keptA: Uint8Array, keptB: Uint8Array, agree: Uint8Array, k: number, minSize = 1,
): NeighbourhoodGroup[] {
  const m = names.length;
  const size = new Float64Array(m);
  const a = new Float64Array(m);
  const b = new Float64Array(m);
  const g = new Float64Array(m);
  group.forEach((c, i) => {
    if (c < 0 || c >= m) return;
    size[c]++;
    a[c] += keptA[i];
    b[c] += keptB[i];
    g[c] += agree[i];
  });
  const out: NeighbourhoodGroup[] = [];
  for (let c = 0; c < m; c++) {
    if (size[c] < minSize || size[c] === 0) continue;
    const per = size[c] * k;
    out.push({ name: names[c], size: size[c], keptA: a[c] / per, keptB: b[c] / per, agreement: g[c] / per });
  }
  return out.sort((x, y) => x.agreement - y.agreement || Math.abs(y.keptA - y.keptB) - Math.abs(x.keptA - x.keptB));
}
