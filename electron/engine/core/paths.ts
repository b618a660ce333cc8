// Where the engine keeps files between sessions. The Electron shell's userData folder for an app
// named latent-lab is the same path, so the CLI and the app share their runs.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function userDataDir(): string {
  if (process.env.LAB_DATA_DIR) return process.env.LAB_DATA_DIR;
  const home = homedir();
  switch (process.platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'latent-lab');
    case 'win32':
      return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'latent-lab');
    default:
      return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), 'latent-lab');
  }
}

/** One folder per training run: run.json and its end-of-epoch checkpoint. LAB_RUNS_DIR overrides. */
export function runsDir(): string {
  return process.env.LAB_RUNS_DIR || join(userDataDir(), 'runs');
}
