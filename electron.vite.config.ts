import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
const define = { __LAB_VERSION__: JSON.stringify(pkg.version) };

export default defineConfig({
  main: {
    define,
    build: {
      outDir: 'out/main',
      lib: {
        // index: Electron main; engine: the engine process; serve: browser window mode; cli: `lab`.
        entry: {
          index: resolve('electron/main/index.ts'),
          engine: resolve('electron/engine/host/engine-process.ts'),
          serve: resolve('electron/server/serve.ts'),
          cli: resolve('electron/cli/index.ts'),
        },
        formats: ['es'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      lib: { entry: resolve('electron/preload/index.ts'), formats: ['cjs'], fileName: () => 'index.cjs' },
    },
  },
  renderer: {
    root: 'renderer',
    define,
    plugins: [svelte()],
    build: {
      outDir: 'out/renderer',
      // bench.html: the scatter benchmark page used by `npm run bench`
      rollupOptions: { input: { index: resolve('renderer/index.html'), bench: resolve('renderer/bench.html') } },
    },
  },
});
