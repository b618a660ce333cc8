// electron-builder afterPack hook: flips the packaged Electron binary's fuses so the shipped app
// cannot be turned into a general-purpose Node (ELECTRON_RUN_AS_NODE, NODE_OPTIONS, --inspect),
// loads only its own app.asar (integrity-checked where Electron supports it: macOS, Windows),
// encrypts its cookies at rest, and gives file:// no extra privileges (the UI is served from
// app://, see electron/main/app-protocol.ts). Wire it with `"afterPack": "./scripts/fuses.cjs"`
// in the electron-builder configuration. Fuses are flipped before code signing, which
// electron-builder does after this hook.
'use strict';
const path = require('node:path');

// electron-builder's Arch enum
const ARCH_ARM64 = 3;
// a fuse byte that reads '1' is on (@electron/fuses 1.x does not export its FuseState enum)
const FUSE_ENABLED = 0x31;

/** The fuse settings for one target platform (names and values from @electron/fuses). */
function fuseConfig(fuses, platform, arch) {
  const F = fuses.FuseV1Options;
  const config = {
    version: fuses.FuseVersion.V1,
    // an unsigned arm64 mac app whose fuses changed must be re-signed ad hoc or it will not start
    resetAdHocDarwinSignature: platform === 'darwin' && arch === ARCH_ARM64,
    [F.RunAsNode]: false,
    [F.EnableNodeOptionsEnvironmentVariable]: false,
    [F.EnableNodeCliInspectArguments]: false,
    [F.EnableCookieEncryption]: true,
    [F.OnlyLoadAppFromAsar]: true,
    [F.GrantFileProtocolExtraPrivileges]: false,
  };
  // asar integrity is checked only on macOS and Windows; elsewhere the fuse is left as shipped
  if (platform === 'darwin' || platform === 'win32') config[F.EnableEmbeddedAsarIntegrityValidation] = true;
  return config;
}

/** Path of the packaged Electron executable electron-builder just laid out. */
function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName: platform, packager } = context;
  const name = packager.appInfo.productFilename;
  if (platform === 'darwin' || platform === 'mas') return path.join(appOutDir, `${name}.app`);
  if (platform === 'win32') return path.join(appOutDir, `${name}.exe`);
  return path.join(appOutDir, packager.executableName || name);
}

async function afterPack(context, fuses = require('@electron/fuses')) {
  const binary = electronBinaryPath(context);
  const config = fuseConfig(fuses, context.electronPlatformName, context.arch);
  await fuses.flipFuses(binary, config);
  // read back what the binary now says, so a silently ignored fuse fails the build
  if (typeof fuses.getCurrentFuseWire === 'function') {
    const wire = await fuses.getCurrentFuseWire(binary);
    for (const [key, want] of Object.entries(config)) {
      if (!/^\d+$/.test(key)) continue;
      const state = wire[key];
      const on = state === (fuses.FuseState ? fuses.FuseState.ENABLE : FUSE_ENABLED);
      if (state === undefined || on !== want) {
        throw new Error(`Electron fuse ${fuses.FuseV1Options[key]} is ${state === undefined ? 'missing' : on ? 'on' : 'off'} in ${binary}; wanted ${want ? 'on' : 'off'}.`);
      }
    }
  }
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.fuseConfig = fuseConfig;
module.exports.electronBinaryPath = electronBinaryPath;
