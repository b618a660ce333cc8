// Colours shared by the window and the report: categorical colours for labels (distinct,
// colour-blind-aware first ten, then a second ring) and one colour per anomaly score.
import type { AnomalyMethod } from './anomalies';

export const CATEGORY_COLORS = [
  '#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5', '#9c6b4e', '#9498a0',
  '#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#386cb0', '#f0027f', '#bf5b17',
];
export const UNLABELLED_COLOR = '#5b6270';

export function colorFor(index: number): string {
  return index < 0 ? UNLABELLED_COLOR : CATEGORY_COLORS[index % CATEGORY_COLORS.length];
}

/** Colour per anomaly score, the same in the chart, the table and the legend. */
export const METHOD_COLORS: Record<AnomalyMethod, string> = {
  'recon-prob': '#4269d0',
  'vae-error': '#3ca951',
  'neg-elbo': '#a463f2',
  'ae-error': '#efb118',
  'pca-error': '#ff725c',
};
