// The token a remote engine (`lab serve`) and its clients share. It lives only in files only its
// user can read (0600, owned by them, not a link — checked before every read) and travels in a
// request header: never on a command line (every local user can read those), never in a URL (URLs
// end up in logs), never printed. The server compares digests in constant time and notices when the
// file changes (a new token ends the connections made with the old one).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, unwatchFile, watchFile, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LabFailure } from '../../shared/api';
import { userDataDir } from '../engine/core/paths';

const POSIX = process.platform !== 'win32';
/** At least this many characters (a generated token has 43: 256 random bits). */
export const MIN_TOKEN_LENGTH = 32;
const MAX_TOKEN_BYTES = 4096;

/** Why `path` is not a file only this user can read (null when it is one). */
export function tokenFileProblem(path: string): string | null {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    return `${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (st.isSymbolicLink()) return `${path} is a symbolic link (give the file itself)`;
  if (!st.isFile()) return `${path} is not a file`;
  if (!POSIX) return null;
  if (st.uid !== process.getuid!()) return `${path} belongs to another user (uid ${st.uid})`;
  if ((st.mode & 0o077) !== 0) return `${path} can be read by other users (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 ${path}`;
  return null;
}

/** Reads a token file after checking it; throws a LabFailure saying what to fix. */
export function readTokenFile(path: string): string {
  const problem = tokenFileProblem(path);
  if (problem) throw new LabFailure('bad-token-file', `Refusing the token file: ${problem}.`, 'A token file must be a plain file only you can read (chmod 600).');
  const token = readSecretFile(path, MAX_TOKEN_BYTES).trim();
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new LabFailure('bad-token-file', `The token in ${path} is ${/\s/.test(token) ? 'more than one word' : `${token.length} characters`}; a token is one word of at least ${MIN_TOKEN_LENGTH} characters.`,
      'Let lab serve make one (leave out --token-file), or write 32 random bytes: openssl rand -base64 32 > FILE; chmod 600 FILE.');
  }
  return token;
}

/** Writes `text` to `path` as a fresh 0600 file (temp file with O_EXCL|O_NOFOLLOW, then rename). */
export function writeSecretFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.secret.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  try {
    const bytes = Buffer.from(text);
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Reads a file only this user can read (checked: owner, mode, not a link); throws a LabFailure saying what to fix. */
export function readSecretFile(path: string, maxBytes: number): string {
  const problem = tokenFileProblem(path);
  if (problem) throw new LabFailure('bad-token-file', `Refusing ${path}: ${problem}.`, 'It must be a plain file only you can read (chmod 600).');
  // O_NOFOLLOW: a link swapped in after the check is refused, not followed
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const st = fstatSync(fd);
    if (st.size > maxBytes) throw new LabFailure('bad-token-file', `${path} is ${st.size} bytes, more than expected.`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Writes `token` to `path` as a fresh 0600 file. */
export function writeTokenFile(path: string, token: string): void {
  writeSecretFile(path, `${token}\n`);
}

/** A new random token (256 bits). */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** Where `lab serve` keeps the token it makes when given no --token-file. */
export const defaultTokenPath = (): string => join(userDataDir(), 'engine-token');

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Compares without timing that depends on the secret (digests of equal length, timingSafeEqual). */
export function sameToken(candidate: string, expectedDigest: Buffer): boolean {
  return timingSafeEqual(digest(candidate), expectedDigest);
}

/**
 * The server's view of its token file: checks candidates against it and re-reads it when it
 * changes. A file that became unsafe (opened up to others, replaced by a link) refuses everyone
 * until it is fixed.
 */
export class TokenFile {
  private expected: Buffer | null;
  /** Increases each time the token changes; connections remember the one they were let in with. */
  generation = 1;
  private readonly listeners = new Set<() => void>();

  constructor(readonly path: string, private readonly log: (line: string) => void = () => {}) {
    this.expected = digest(readTokenFile(path));
    watchFile(path, { interval: 1000, persistent: false }, () => this.reload());
  }

  matches(candidate: string): boolean {
    return this.expected !== null && candidate.length <= MAX_TOKEN_BYTES && sameToken(candidate, this.expected);
  }

  /** Called after the token changed (or became unusable). */
  onChange(fn: () => void): void {
    this.listeners.add(fn);
  }

  reload(): void {
    let next: Buffer | null = null;
    try {
      next = digest(readTokenFile(this.path));
    } catch (err) {
      this.log(`the token file cannot be used, refusing every client until it is fixed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (next && this.expected && timingSafeEqual(next, this.expected)) return;
    this.expected = next;
    this.generation++;
    for (const fn of this.listeners) fn();
  }

  close(): void {
    unwatchFile(this.path);
  }
}
