// The app version, injected at build time from package.json (see electron.vite.config.ts).
declare const __LAB_VERSION__: string | undefined;
export const appVersion: string = typeof __LAB_VERSION__ === 'string' ? __LAB_VERSION__ : '0.0.0-dev';
