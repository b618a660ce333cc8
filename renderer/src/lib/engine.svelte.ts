// Which engine does the window's work, as the status bar and "Connect to engine…" show it: this
// computer's, or one on another machine (`lab serve`) with its connection state. Switching saves
// the session's autosave to the engine it leaves, then reloads the window onto the new engine
// (whose datasets, runs and autosave are its own machine's).
import type { ConnectEngineRequest, ConnectEngineResult } from '../../../shared/remote';
import { lab } from './lab.svelte';
import { workspace } from './workspace.svelte';

class EngineUi {
  /** "Connect to engine…" is open. */
  dialogOpen = $state(false);

  get remote(): boolean {
    return lab.info?.engine?.kind === 'remote';
  }

  /** "this computer", or "gpu-box:8443" with its state when not connected. */
  get label(): string {
    const e = lab.info?.engine;
    if (!e || e.kind === 'local') return 'this computer';
    return e.state === 'connected' ? e.host : `${e.host} (${e.state})`;
  }

  /** The host files and folders are on, for the Data panel's words. */
  get where(): string {
    const e = lab.info?.engine;
    return e?.kind === 'remote' ? e.host : 'this computer';
  }

  private async leave(): Promise<void> {
    // the session's last state goes to the engine it was made on
    await workspace.save().catch(() => {});
  }

  /** Connects; on success the window reloads onto the new engine. */
  async connect(req: ConnectEngineRequest): Promise<ConnectEngineResult> {
    if (!lab.api) throw { code: 'not-ready', message: 'The window is not connected yet.' };
    if (req.trust === undefined) await this.leave();
    const r = await lab.api.connectEngine(req);
    if (r.kind === 'connected') location.reload();
    return r;
  }

  async useLocal(): Promise<void> {
    if (!lab.api) return;
    await this.leave();
    await lab.api.useLocalEngine();
    location.reload();
  }
}

export const engineUi = new EngineUi();
