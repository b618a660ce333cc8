// What the shells, the CLI and a remote engine agree on when the engine runs on another machine
// (`lab serve`): the address rules (TLS off loopback), how the token travels (a header, never the
// URL), the sizes of upload and download chunks, and the plain types of the engine methods that
// make a remote engine behave like a local one (folders, chunked uploads, downloads, job states).
import type { JobKind, LabEvent } from './api';
import type { JobId } from './types';

/** The engine's WebSocket path on a `lab serve` server. */
export const REMOTE_PATH = '/engine';
/** The upgrade request carries `Authorization: Bearer <token>`; the URL never holds it. */
export const TOKEN_SCHEME = 'Bearer';

/** Close codes a `lab serve` server uses beyond the standard ones. */
export const CLOSE_TOKEN_CHANGED = 4001;

/** The largest piece of a file one uploadChunk call carries (well under MAX_MESSAGE_BYTES). */
export const UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;
/** The largest piece of a file one downloadFile call returns. */
export const DOWNLOAD_CHUNK_BYTES = 8 * 1024 * 1024;
/** Default cap on one file uploaded in chunks (`lab serve --max-upload-mb` changes it). */
export const DEFAULT_MAX_CHUNKED_UPLOAD_BYTES = 16 * 1024 ** 3;

/** Hosts a plain ws:// engine address may name: this machine's loopback only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export interface EngineAddress {
  /** Normalised: wss://host:port/engine (or ws:// on loopback). */
  url: string;
  /** host:port, as shown to the user and used to remember the token. */
  host: string;
  hostname: string;
  port: number;
  tls: boolean;
}

/**
 * Parses an engine address the user typed (`wss://gpu-box:8443`, `gpu-box:8443`, `ws://127.0.0.1:8765`).
 * Plain ws:// is accepted only for loopback addresses: anywhere else the token and the data would
 * cross the network in the clear. Throws an Error whose message says what to type instead.
 */
export function parseEngineAddress(text: string): EngineAddress {
  const typed = text.trim();
  if (!typed) throw new Error('Type the engine\'s address, e.g. wss://gpu-box:8443.');
  const withScheme = /^[a-z]+:\/\//i.test(typed) ? typed : `wss://${typed}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new Error(`"${typed.slice(0, 200)}" is not an engine address: type it as wss://HOST:PORT.`);
  }
  if (u.protocol !== 'wss:' && u.protocol !== 'ws:') {
    throw new Error(`An engine address starts with wss:// (got ${u.protocol}//).`);
  }
  if (u.username || u.password) throw new Error('An engine address holds no user name or password: the token goes in its own field (or --token-file).');
  if (u.search || u.hash) throw new Error('An engine address holds no query or fragment (the token never goes in a URL: it ends up in logs).');
  const tls = u.protocol === 'wss:';
  if (!tls && !isLoopbackHost(u.hostname)) {
    throw new Error(`Refusing ws://${u.host}: without TLS the token and your data would cross the network in the clear. Use wss:// (lab serve with --tls-cert and --tls-key), or an SSH tunnel to a ws:// engine on 127.0.0.1.`);
  }
  const port = u.port ? Number(u.port) : tls ? 443 : 80;
  const host = `${u.hostname}:${port}`;
  return { url: `${u.protocol}//${host}${REMOTE_PATH}`, host, hostname: u.hostname.replace(/^\[|\]$/g, ''), port, tls };
}

/** A folder of the engine's machine as the file picker shows it. */
export interface FolderEntry {
  name: string;
  path: string;
  kind: 'file' | 'folder';
  size: number;
  /** Milliseconds since the epoch. */
  modified: number;
}

export interface FolderListing {
  /** The folder listed; null when listing the roots themselves. */
  path: string | null;
  /** Its parent, when that is still inside the allowed folders. */
  parent: string | null;
  /** The folders this engine lets clients browse and read. */
  roots: string[];
  entries: FolderEntry[];
  /** Entries left out: too many, hidden, or links that lead out of the allowed folders. */
  omitted: number;
}

export interface UploadChunkRequest {
  /** Chosen by the client, the same for every chunk of one file. */
  uploadId: string;
  /** Files of one folder upload share a group (default: the upload id). */
  group?: string;
  /** The file's name, or its path inside an uploaded folder. */
  name: string;
  offset: number;
  bytes: Uint8Array;
  last: boolean;
}

export interface UploadChunkResult {
  /** Bytes the engine holds for this upload so far. */
  received: number;
  /** Where the file is, once the last chunk arrived (a path openDataset accepts). */
  path: string | null;
}

export interface DownloadRequest {
  path: string;
  offset: number;
  /** At most DOWNLOAD_CHUNK_BYTES (default). */
  length?: number;
}

export interface DownloadChunk {
  bytes: Uint8Array;
  /** The file's whole size. */
  size: number;
  done: boolean;
}

export interface WrittenFile {
  path: string;
  size: number;
}

/** A running job as the engine last reported it. */
export interface JobState {
  jobId: JobId;
  kind: JobKind;
  title: string;
  fraction: number;
  message: string;
  paused: boolean;
}

/** The engine's jobs: what is running and how the recently ended ones ended (for a client that reconnects). */
export interface JobsSnapshot {
  running: JobState[];
  /** The final event (done, error or cancelled) of recently ended jobs, newest last. */
  ended: LabEvent[];
}

/** About the machine the engine runs on. */
export interface EngineHostInfo {
  hostname: string;
  /** Folders clients may browse (and, when served, the only ones they may read or write). */
  roots: string[];
  /** Where the Export panel suggests saving. */
  defaultFolder: string;
  /** The engine serves remote clients (`lab serve`): every path must be inside `roots`. */
  served: boolean;
  maxUploadBytes: number;
}

/** Which engine does the work, as the status bar shows it. */
export type EngineStatus =
  | { kind: 'local' }
  | {
      kind: 'remote';
      url: string;
      host: string;
      state: 'connecting' | 'connected' | 'reconnecting' | 'refused' | 'closed';
      /** Why it is not connected (refused, lost), in words. */
      message?: string;
    };

/** A remembered engine (the token itself never leaves the shell). */
export interface KnownEngine {
  url: string;
  host: string;
  /** A certificate pinned for this host (its SHA-256 fingerprint), when the user trusted a self-signed one. */
  fingerprint: string | null;
  lastUsed: string;
}

/** What the user typed in "Connect to engine…". */
export interface ConnectEngineRequest {
  url: string;
  /** Omitted: the token remembered for this host. */
  token?: string;
  /** The certificate fingerprint the user confirmed (a self-signed certificate). */
  trust?: string;
}

/** The answer to a connect: connected, or a certificate the user has to confirm first. */
export type ConnectEngineResult =
  | { kind: 'connected'; status: EngineStatus }
  | { kind: 'untrusted'; host: string; fingerprint: string; subject: string; validTo: string; reason: string };

/** The connection to a remote engine changed: lost (reconnecting), back, or refused for good. */
export type EngineConnectionEvent = {
  type: 'engine-connection';
  jobId?: undefined;
  state: 'connected' | 'reconnecting' | 'refused' | 'closed';
  host: string;
  message: string;
};
