// Panning a large scatter shifts a cached picture of its points instead of drawing every point each
// frame (renderer/src/lib/scatter-gl.ts). The shifted picture must be the one a fresh draw at the
// same view gives: checked pixel for pixel on the scatter benchmark page (120,000 points, above the
// size from which the cache is used), after twelve pan frames.
import { expect } from '@playwright/test';
import { test } from './fixtures';

test('a panned scatter shows what drawing its points afresh shows', async ({ app, page }) => {
  await page.goto(`${app.url}bench.html?n=120000&check=pan`);
  const r = await page.waitForFunction(() => window.panCheck, undefined, { timeout: 120_000 });
  const v = (await r.jsonValue()) as { same: number; moved: number; ink: number };
  expect(v.ink, 'points were drawn').toBeGreaterThan(0.01);
  expect(v.moved, 'the view moved').toBeGreaterThan(0.01);
  expect(v.same, 'share of pixels equal to a fresh draw').toBeGreaterThan(0.995);
});
