// The packaging hook that flips Electron's fuses (scripts/fuses.cjs). No Electron binary exists
// here, so @electron/fuses is replaced by a recording fake that keeps a fuse wire in memory, with
// the same option numbers as the real enum (@electron/fuses 1.x).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const hook = require('../../scripts/fuses.cjs') as ((context: unknown, fuses?: unknown) => Promise<void>) & {
  fuseConfig(fuses: unknown, platform: string, arch: number): Record<string, unknown>;
  electronBinaryPath(context: unknown): string;
};

enum FuseV1Options {
  RunAsNode = 0,
  EnableCookieEncryption = 1,
  EnableNodeOptionsEnvironmentVariable = 2,
  EnableNodeCliInspectArguments = 3,
  EnableEmbeddedAsarIntegrityValidation = 4,
  OnlyLoadAppFromAsar = 5,
  LoadBrowserProcessSpecificV8Snapshot = 6,
  GrantFileProtocolExtraPrivileges = 7,
}

/** A fake @electron/fuses: a shipped binary has RunAsNode, NODE_OPTIONS, inspect and file:// on. */
function fakeFuses(opts: { ignore?: FuseV1Options } = {}) {
  const wire: Record<number, number> = { 0: 0x31, 1: 0x30, 2: 0x31, 3: 0x31, 4: 0x30, 5: 0x30, 6: 0x30, 7: 0x31 };
  const calls: { binary: string; config: Record<string, unknown> }[] = [];
  return {
    calls,
    wire,
    module: {
      FuseV1Options,
      FuseVersion: { V1: '1' },
      async flipFuses(binary: string, config: Record<string, unknown>) {
        calls.push({ binary, config });
        for (const [k, v] of Object.entries(config)) if (/^\d+$/.test(k) && Number(k) !== opts.ignore) wire[Number(k)] = v ? 0x31 : 0x30;
      },
      async getCurrentFuseWire() {
        return { version: '1', ...wire };
      },
    },
  };
}

const context = (platform: string, arch = 1) => ({
  appOutDir: '/build/out',
  electronPlatformName: platform,
  arch,
  packager: { appInfo: { productFilename: 'Latent Lab' }, executableName: 'latent-lab' },
});

describe('Electron fuses (afterPack hook)', () => {
  it('turns off Node entry points, turns on cookie encryption and asar-only loading (Linux)', async () => {
    const fake = fakeFuses();
    await hook(context('linux'), fake.module);
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0].binary).toBe(join('/build/out', 'latent-lab'));
    const c = fake.calls[0].config;
    expect(c[FuseV1Options.RunAsNode]).toBe(false);
    expect(c[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(c[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(c[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(c[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(c[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
    // asar integrity is not implemented on Linux: left alone
    expect(c[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBeUndefined();
    expect(c.resetAdHocDarwinSignature).toBe(false);
    expect(fake.wire[FuseV1Options.RunAsNode]).toBe(0x30);
  });

  it('checks asar integrity on macOS and Windows, and re-signs an arm64 mac build ad hoc', async () => {
    const mac = fakeFuses();
    await hook(context('darwin', 3), mac.module);
    expect(mac.calls[0].binary).toBe(join('/build/out', 'Latent Lab.app'));
    expect(mac.calls[0].config[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(mac.calls[0].config.resetAdHocDarwinSignature).toBe(true);
    const win = fakeFuses();
    await hook(context('win32'), win.module);
    expect(win.calls[0].binary).toBe(join('/build/out', 'Latent Lab.exe'));
    expect(win.calls[0].config[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(win.calls[0].config.resetAdHocDarwinSignature).toBe(false);
  });

  it('fails the build when a fuse did not take', async () => {
    const fake = fakeFuses({ ignore: FuseV1Options.RunAsNode });
    await expect(hook(context('linux'), fake.module)).rejects.toThrow(/fuse RunAsNode is on .* wanted off/);
  });
});
