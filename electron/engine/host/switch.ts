// The engine a shell talks to, switchable at run time: this machine's (EngineHost) or one on
// another machine (RemoteEngine, `lab serve`). The shell's dispatcher and event stream hold one
// EngineClient — this one's — and calls go to whichever engine is active. "Connect to engine…"
// lands here: the address is checked (TLS off loopback), a certificate no authority vouches for
// is shown to the user to confirm by its fingerprint, and the token is remembered per host in the
// user data folder (0600), never handed back to the window.
import { LabFailure, type EngineClient, type JobListener, type LabEvent, type ShellApi } from '../../../shared/api';
import { parseEngineAddress, type ConnectEngineRequest, type ConnectEngineResult, type EngineStatus } from '../../../shared/remote';
import { KnownEngines } from '../../remote/known-engines';
import { clientOf } from './client';
import { peekCertificate, RemoteEngine } from './remote';

type EngineShell = Pick<ShellApi, 'engineStatus' | 'connectEngine' | 'useLocalEngine' | 'knownEngines' | 'forgetEngine'>;

export interface EngineSwitchOptions {
  /** Where remembered engines are kept (default: engines.json in the user data folder). */
  known?: KnownEngines;
  log?: (line: string) => void;
}

export class EngineSwitch {
  readonly api: EngineClient;
  private remote: RemoteEngine | null = null;
  private readonly listeners = new Set<JobListener>();
  private readonly known: KnownEngines;

  constructor(private readonly local: EngineClient, private readonly opts: EngineSwitchOptions = {}) {
    this.known = opts.known ?? new KnownEngines();
    this.api = clientOf((m, args) => this.active().call(m, args), (l) => {
      this.listeners.add(l);
      return () => this.listeners.delete(l);
    });
    local.onEvent((e) => {
      if (!this.remote) this.emit(e);
    });
  }

  private emit(e: LabEvent): void {
    for (const l of this.listeners) l(e);
  }

  active(): EngineClient {
    return this.remote?.api ?? this.local;
  }

  get isRemote(): boolean {
    return this.remote !== null;
  }

  status(): EngineStatus {
    return this.remote?.status() ?? { kind: 'local' };
  }

  async connect(req: ConnectEngineRequest): Promise<ConnectEngineResult> {
    let address;
    try {
      address = parseEngineAddress(req.url);
    } catch (err) {
      throw new LabFailure('bad-address', (err as Error).message);
    }
    const saved = this.known.get(address.host);
    const token = req.token ?? saved?.token;
    if (!token) throw new LabFailure('no-token', `Type the token for ${address.host}.`, 'lab serve wrote it to a file on that machine and printed where.');
    let fingerprint = req.trust?.toUpperCase() ?? saved?.fingerprint ?? null;
    if (address.tls && !fingerprint) {
      // no certificate pinned: one the system does not trust is shown to the user first
      const peek = await peekCertificate(address);
      if (!peek.trusted) {
        return { kind: 'untrusted', host: address.host, fingerprint: peek.fingerprint, subject: peek.subject, validTo: peek.validTo, reason: peek.reason };
      }
    }
    if (!address.tls) fingerprint = null;
    const remote = new RemoteEngine({ url: address.url, token, ...(fingerprint ? { fingerprint } : {}), log: this.opts.log });
    await remote.connect();
    remote.onEvent((e) => {
      if (this.remote === remote) this.emit(e);
    });
    const before = this.remote;
    this.remote = remote;
    await before?.close();
    this.known.remember(address.host, { url: address.url, token, fingerprint });
    return { kind: 'connected', status: remote.status() };
  }

  async useLocal(): Promise<EngineStatus> {
    const before = this.remote;
    this.remote = null;
    await before?.close();
    return this.status();
  }

  /** The shell methods behind "Connect to engine…". */
  shell(): EngineShell {
    return {
      engineStatus: async () => this.status(),
      connectEngine: (req) => this.connect(req),
      useLocalEngine: () => this.useLocal(),
      knownEngines: async () => this.known.list(),
      forgetEngine: async (url) => {
        let host = url;
        try {
          host = parseEngineAddress(url).host;
        } catch {
          // a host:port key as listed
        }
        this.known.forget(host);
      },
    };
  }

  async close(): Promise<void> {
    await this.remote?.close();
    this.remote = null;
  }
}

/** The shell methods when a shell has no switch (tests, embedded uses): this machine's engine only. */
export function localOnlyShell(): EngineShell {
  const no = async (): Promise<never> => {
    throw new LabFailure('unsupported', 'This window cannot switch engines.');
  };
  return {
    engineStatus: async () => ({ kind: 'local' }),
    connectEngine: no,
    useLocalEngine: async () => ({ kind: 'local' }),
    knownEngines: async () => [],
    forgetEngine: no,
  };
}
