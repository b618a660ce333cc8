// Renderer figures in Chromium (browser window mode, software WebGL here): time to the first
// complete frame of a scatter of 100k and 1M points (and its stages), frames per second while
// panning it, and the longest main-thread task while a model trains with the live chart on screen
// (should stay under 50 ms).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumPath, CHROMIUM_FLAGS } from '../../scripts/browser.mjs';
import type { BenchRow } from '../context';

export const title = 'Renderer in Chromium: scatter first frame, longest main-thread task while training';

async function startApp(): Promise<{ url: string; origin: string; stop: () => void }> {
  // a private data folder: the user's autosaved workspace would reopen (and the training run below
  // would join the user's run list) in their own one
  const dataDir = mkdtempSync(join(tmpdir(), 'lab-bench-renderer-'));
  const child = spawn(process.execPath, [resolve('out/main/serve.js'), '--no-open'], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LAB_DATA_DIR: dataDir, LAB_RUNS_DIR: '' },
  });
  child.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  let log = '';
  const url = await new Promise<string>((ok, fail) => {
    child.stdout!.on('data', (d: Buffer) => {
      log += d.toString();
      // the printed address carries a single-use launch code: only the training page below opens it
      const m = /(http:\/\/127\.0\.0\.1:\d+)\/#code=[\w-]+/.exec(log);
      if (m) ok(m[0]);
    });
    child.on('exit', () => fail(new Error(`server exited: ${log}`)));
  });
  return { url, origin: new URL(url).origin, stop: () => child.kill('SIGTERM') };
}

export async function run(): Promise<Record<string, unknown>> {
  const executablePath = chromiumPath();
  if (!executablePath) return { skipped: 'no Chromium found (apt-get install chromium)' };
  const app = await startApp();
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_FLAGS });
  try {
    type ScatterFigures = { firstFrameMs: number; redrawMs: number; panFps: number; panGrabMs: number; stages: Record<string, number> };
    const scatter: Record<string, ScatterFigures> = {};
    for (const n of [100_000, 1_000_000]) {
      const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
      await page.goto(`${app.origin}/bench.html?n=${n}`);
      const r = await page.waitForFunction(() => window.benchResult, undefined, { timeout: 120_000 });
      const v = (await r.jsonValue()) as ScatterFigures;
      scatter[String(n)] = {
        firstFrameMs: Math.round(v.firstFrameMs),
        redrawMs: Math.round(v.redrawMs),
        panFps: Math.round(v.panFps * 10) / 10,
        panGrabMs: Math.round(v.panGrabMs),
        stages: Object.fromEntries(Object.entries(v.stages).map(([k, ms]) => [k, Math.round(ms)])),
      };
      await page.close();
    }

    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.addInitScript(() => {
      (window as unknown as { longTasks: number[] }).longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) (window as unknown as { longTasks: number[] }).longTasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(app.url);
    await page.getByTestId('open-builtin-mnist').click();
    await page.getByTestId('dataset-summary').waitFor({ timeout: 120_000 });
    await page.getByTestId('nav-train').click();
    await page.getByTestId('cfg-architecture').selectOption('mlp');
    await page.getByTestId('cfg-limit').fill('20000');
    await page.getByTestId('cfg-epochs').fill('3');
    // measure only while training runs
    await page.evaluate(() => ((window as unknown as { longTasks: number[] }).longTasks = []));
    await page.getByTestId('train').click();
    await page.getByTestId('run-result').waitFor({ timeout: 600_000 });
    const tasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    await page.close();
    const rows: BenchRow[] = [
      { metric: 'scatter of 100k points: first frame', value: scatter['100000'].firstFrameMs, unit: 'ms', note: 'software WebGL (SwiftShader)' },
      { metric: 'scatter of 1M points: first frame', value: scatter['1000000'].firstFrameMs, unit: 'ms' },
      { metric: 'scatter of 1M points: redraw after zoom', value: scatter['1000000'].redrawMs, unit: 'ms' },
      { metric: 'scatter of 1M points: frames per second while panning', value: scatter['1000000'].panFps, unit: 'fps', note: `after the first frame of the drag (${scatter['1000000'].panGrabMs} ms); target ≥ 10` },
      { metric: 'longest main-thread task while training', value: Math.max(0, ...tasks), unit: 'ms', note: `${tasks.length} tasks over 50 ms; target < 50 ms` },
    ];
    return {
      rows,
      scatterFirstFrameMs: { '100k': scatter['100000'].firstFrameMs, '1M': scatter['1000000'].firstFrameMs },
      scatterRedrawMs: { '100k': scatter['100000'].redrawMs, '1M': scatter['1000000'].redrawMs },
      scatterPanFps: { '100k': scatter['100000'].panFps, '1M': scatter['1000000'].panFps },
      scatterPanGrabMs: { '100k': scatter['100000'].panGrabMs, '1M': scatter['1000000'].panGrabMs },
      scatterFirstFrameStagesMs: { '100k': scatter['100000'].stages, '1M': scatter['1000000'].stages },
      trainingLongestTaskMs: Math.round(Math.max(0, ...tasks)),
      trainingLongTasks: tasks.length,
      note: 'Chromium with software WebGL (SwiftShader); a GPU draws faster',
    };
  } finally {
    await browser.close();
    app.stop();
  }
}

// `npx tsx bench/cases/renderer.ts` runs this case alone
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  run().then((r) => console.log(JSON.stringify(r, null, 2)));
}
