// The Compare panel's neighbourhood change: the last result (neighbours kept per row and view, the
// groups that change most) and whether points are coloured by it. Reset with the dataset.
import type { EmbeddingId, NeighbourhoodChange } from '../../../shared/types';
import { rampColor } from './colormap';
import { UNLABELLED_COLOR } from './palette';

const NOT_SCORED: [number, number, number] = [parseInt(UNLABELLED_COLOR.slice(1, 3), 16), parseInt(UNLABELLED_COLOR.slice(3, 5), 16), parseInt(UNLABELLED_COLOR.slice(5, 7), 16)];

class NeighbourhoodState {
  datasetId: string | null = null;
  result = $state.raw<NeighbourhoodChange | null>(null);
  /** Colour each view's points by how many neighbours the view keeps (instead of "Colour by"). */
  colour = $state(true);

  sync(datasetId: string | null): void {
    if (datasetId === this.datasetId) return;
    this.datasetId = datasetId;
    this.result = null;
  }

  /** RGB per test row of a view: kept/k on the ramp (0 kept = dark, all kept = yellow); rows not scored grey. */
  colorsFor(id: EmbeddingId, testRows: number): Uint8Array | null {
    const r = this.result;
    if (!r || !this.colour || r.testRows !== testRows) return null;
    const view = r.views.find((v) => v.embeddingId === id);
    if (!view) return null;
    const out = new Uint8Array(testRows * 3);
    for (let i = 0; i < testRows; i++) out.set(NOT_SCORED, 3 * i);
    view.kept.forEach((kept, i) => out.set(rampColor(kept / r.k), 3 * (r.rows ? r.rows[i] : i)));
    return out;
  }
}

export const neighbourhood = new NeighbourhoodState();
