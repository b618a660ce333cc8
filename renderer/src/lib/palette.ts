// Categorical colours for labels (shared with the engine's report, see shared/palette.ts).
export { CATEGORY_COLORS, UNLABELLED_COLOR, colorFor } from '../../../shared/palette';
