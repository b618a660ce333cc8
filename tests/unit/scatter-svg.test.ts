// The scatter's SVG: every point in view as a circle of its colour and state, points outside the
// view left out, and above SVG_MAX_POINTS an even thinning that the picture states.
import { describe, expect, it } from 'vitest';
import { scatterSvg, SVG_MAX_POINTS } from '../../renderer/src/lib/scatter-svg';

function input(n: number, states: Uint8Array | null = null) {
  const positions = Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 ? Math.cos(i) : Math.sin(i * 0.37)));
  return {
    width: 400,
    height: 300,
    positions,
    colors: Uint8Array.from({ length: 3 * n }, (_, i) => (i % 3 === 0 ? (Math.floor(i / 3) % 2) * 255 : 16)),
    states,
    // plot space [-1, 1]² onto the 300 px square in the middle
    toScreen: (x: number, y: number): [number, number] => [200 + x * 150, 150 - y * 150],
    diameter: (s: number) => (s === 1 ? 7.2 : s === 2 ? 3 : 4),
    title: 'blobs <PCA & co>',
  };
}

const count = (svg: string, re: RegExp) => (svg.match(re) ?? []).length;

describe('scatterSvg', () => {
  it('draws every point in view, grouped by colour and state, highlighted on top', () => {
    const states = Uint8Array.from({ length: 50 }, (_, i) => (i < 5 ? 1 : 2));
    const r = scatterSvg(input(50, states));
    expect(r).toMatchObject({ drawn: 50, visible: 50 });
    expect(count(r.svg, /<circle /g)).toBe(50);
    expect(r.svg).toContain('<title>blobs &lt;PCA &amp; co&gt;</title>');
    // dimmed groups first, faint; the highlighted ones last and larger
    const groups = [...r.svg.matchAll(/<g fill="(#[0-9a-f]{6})" fill-opacity="([\d.]+)">/g)].map((m) => Number(m[2]));
    expect(groups).toEqual([0.12, 0.12, 0.85, 0.85]);
    expect(r.svg.slice(r.svg.lastIndexOf('fill-opacity="0.85"'))).toContain('r="3.60"');
  });

  it('leaves out points outside the view', () => {
    const p = input(10);
    p.toScreen = (x: number, y: number): [number, number] => [x * 1000, 150 + y];
    const r = scatterSvg(p);
    expect(r.visible).toBeLessThan(10);
    expect(count(r.svg, /<circle /g)).toBe(r.visible);
  });

  it('thins 100,000 points evenly to at most SVG_MAX_POINTS and says so', () => {
    const r = scatterSvg(input(100_000));
    expect(r.visible).toBe(100_000);
    expect(r.drawn).toBeLessThanOrEqual(SVG_MAX_POINTS);
    expect(r.drawn).toBe(Math.ceil(100_000 / Math.ceil(100_000 / SVG_MAX_POINTS)));
    expect(count(r.svg, /<circle /g)).toBe(r.drawn);
    expect(r.svg).toContain(`Showing ${r.drawn.toLocaleString('en-US')} of the 100,000 points in view (every 5th, in row order)`);
  });
});
