// Uploaded data stays the user's own: a fresh 0700 folder per process (never a shared, predictable
// name), files 0600, no symlink planted in the folder is followed, and folders are removed at
// shutdown or, when a process died, by the next one.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeUploads, saveUpload, sweepStaleUploads, uploadSegments } from '../../electron/engine/data/uploads';
import { MAX_UPLOAD_BYTES } from '../../shared/limits';

const uid = process.getuid?.() ?? 0;
let root: string;
let outside: string;
const savedRuntime = process.env.XDG_RUNTIME_DIR;

beforeAll(() => {
  // a private stand-in for $XDG_RUNTIME_DIR, so sweeping never touches the real temp folder
  root = mkdtempSync(join(tmpdir(), 'lab-uploads-root-'));
  process.env.XDG_RUNTIME_DIR = root;
  outside = mkdtempSync(join(tmpdir(), 'lab-uploads-outside-'));
});

afterAll(async () => {
  await removeUploads();
  if (savedRuntime === undefined) delete process.env.XDG_RUNTIME_DIR;
  else process.env.XDG_RUNTIME_DIR = savedRuntime;
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const mode = (p: string) => lstatSync(p).mode & 0o777;
const bytes = (...b: number[]) => Uint8Array.from(b);

/** The process folder a stored path lies in. */
function folderOf(path: string): string {
  if (!path.startsWith(root + sep)) throw new Error(`${path} is not inside the private root ${root}`);
  return join(root, relative(root, path).split(sep)[0]);
}

/** A pid that no longer runs (a child that has exited). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

describe('saveUpload', () => {
  it('stores a file 0600 in a fresh 0700 folder of this user and process, keeping a group\'s sub-folders', async () => {
    const a = await saveUpload('pets/cats/a.png', bytes(1, 2), 'grp1');
    const b = await saveUpload('pets/dogs/b.png', bytes(3), 'grp1');
    const folder = folderOf(a);
    expect(dirname(folder)).toBe(root);
    expect(basename(folder)).toMatch(new RegExp(`^latent-lab-uploads-${uid}-${process.pid}-\\w+$`));
    expect(folderOf(b)).toBe(folder);
    expect(relative(folder, a).split(sep)).toEqual(['grp1', 'pets', 'cats', 'a.png']);
    expect(Array.from(readFileSync(b))).toEqual([3]);
    expect(mode(folder)).toBe(0o700);
    for (const dir of ['grp1', 'grp1/pets', 'grp1/pets/cats']) expect(mode(join(folder, dir))).toBe(0o700);
    expect(mode(a)).toBe(0o600);
    expect(mode(b)).toBe(0o600);
    expect(statSync(folder).uid).toBe(uid);
  });

  it('cleans every path segment so nothing climbs out of the folder', async () => {
    expect(uploadSegments('../../etc/passwd')).toEqual(['_', '_', 'etc', 'passwd']);
    expect(uploadSegments('..\\..\\x.csv')).toEqual(['_', '_', 'x.csv']);
    expect(uploadSegments('///')).toEqual(['upload.csv']);
    const p = await saveUpload('../../../etc/passwd', bytes(0), 'grp2');
    expect(p.startsWith(join(folderOf(p), 'grp2') + sep)).toBe(true);
    expect(p.split(sep)).not.toContain('..');
    await expect(saveUpload('a.csv', bytes(0), '../up')).rejects.toThrow(/group name/);
  });

  it('refuses a symlink planted as a group folder (and writes nothing through it)', async () => {
    const folder = folderOf(await saveUpload('seed.csv', bytes(1), 'seed'));
    symlinkSync(outside, join(folder, 'grp-link'));
    await expect(saveUpload('x.csv', bytes(9), 'grp-link')).rejects.toThrow(/symbolic link/);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('refuses a symlink planted as a sub-folder of a dropped folder', async () => {
    const folder = folderOf(await saveUpload('pics/a.png', bytes(1), 'grp-sub'));
    symlinkSync(outside, join(folder, 'grp-sub', 'more'));
    await expect(saveUpload('more/b.png', bytes(9), 'grp-sub')).rejects.toThrow(/symbolic link/);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('refuses a symlink planted at the file name (and leaves its target alone)', async () => {
    const folder = folderOf(await saveUpload('first.csv', bytes(1), 'grp-file'));
    const target = join(outside, 'victim.txt');
    writeFileSync(target, 'keep me');
    symlinkSync(target, join(folder, 'grp-file', 'second.csv'));
    await expect(saveUpload('second.csv', bytes(6, 6, 6), 'grp-file')).rejects.toThrow(/symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
    // a dangling link too: nothing is created at its target
    symlinkSync(join(outside, 'created.txt'), join(folder, 'grp-file', 'third.csv'));
    await expect(saveUpload('third.csv', bytes(6), 'grp-file')).rejects.toThrow(/symbolic link/);
    expect(existsSync(join(outside, 'created.txt'))).toBe(false);
    rmSync(target);
  });

  it('replaces its own earlier copy of the same name', async () => {
    const p1 = await saveUpload('same.csv', bytes(1), 'grp-same');
    const p2 = await saveUpload('same.csv', bytes(2, 2), 'grp-same');
    expect(p2).toBe(p1);
    expect(Array.from(readFileSync(p2))).toEqual([2, 2]);
    expect(mode(p2)).toBe(0o600);
  });

  it('refuses to go on when its folder was replaced by a symlink or opened up to others', async () => {
    const folder = folderOf(await saveUpload('a.csv', bytes(1), 'grp-t'));
    chmodSync(folder, 0o755);
    await expect(saveUpload('b.csv', bytes(1), 'grp-t')).rejects.toThrow(/tampered.*other users/);
    chmodSync(folder, 0o700);
    const moved = `${folder}-moved`;
    renameSync(folder, moved);
    mkdirSync(join(outside, 'grp-t'));
    symlinkSync(outside, folder);
    await expect(saveUpload('c.csv', bytes(1), 'grp-t')).rejects.toThrow(/tampered.*symbolic link/);
    expect(readdirSync(join(outside, 'grp-t'))).toEqual([]);
    rmSync(folder);
    renameSync(moved, folder);
    rmSync(join(outside, 'grp-t'), { recursive: true });
  });

  it('refuses files over the upload limit, naming the file and what to do', async () => {
    const huge = { byteLength: MAX_UPLOAD_BYTES + 1 } as Uint8Array;
    await expect(saveUpload('big.csv', huge)).rejects.toThrow(/big\.csv is 257 MiB; uploads are limited to 256 MiB/);
  });
});

describe('removing uploads', () => {
  it('sweeps folders of dead processes, keeps live ones, never follows a link of a matching name', async () => {
    const dead = deadPid();
    const stale = join(root, `latent-lab-uploads-${uid}-${dead}-abc123`);
    mkdirSync(join(stale, 'g'), { recursive: true, mode: 0o700 });
    writeFileSync(join(stale, 'g', 'old.csv'), 'x');
    const live = join(root, `latent-lab-uploads-${uid}-1-live01`); // pid 1 is always running
    mkdirSync(live, { mode: 0o700 });
    const other = join(root, `latent-lab-uploads-${uid + 1}-${dead}-other1`); // another user's name
    mkdirSync(other, { mode: 0o700 });
    writeFileSync(join(outside, 'precious.txt'), 'keep');
    const link = join(root, `latent-lab-uploads-${uid}-${dead}-link01`);
    symlinkSync(outside, link);
    expect(await sweepStaleUploads()).toEqual([stale]);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(outside, 'precious.txt'), 'utf8')).toBe('keep');
    for (const p of [live, other, link, join(outside, 'precious.txt')]) rmSync(p, { recursive: true });
  });

  it('sweeps stale folders when a process makes its upload folder', async () => {
    await removeUploads();
    const stale = join(root, `latent-lab-uploads-${uid}-${deadPid()}-def456`);
    mkdirSync(stale, { mode: 0o700 });
    await saveUpload('a.csv', bytes(1));
    expect(existsSync(stale)).toBe(false);
  });

  it('removeUploads deletes this process\'s folder at shutdown; the next upload gets a fresh one', async () => {
    const p = await saveUpload('a.csv', bytes(1), 'grp-end');
    const folder = folderOf(p);
    await removeUploads();
    expect(existsSync(folder)).toBe(false);
    expect(readdirSync(root).filter((n) => n.startsWith('latent-lab-uploads-'))).toEqual([]);
    const q = await saveUpload('a.csv', bytes(1), 'grp-end');
    expect(folderOf(q)).not.toBe(folder);
    expect(mode(folderOf(q))).toBe(0o700);
  });

  it('a process that exits removes its own folder (no removeUploads call)', () => {
    const script = `
      import { saveUpload } from './electron/engine/data/uploads.ts';
      const p = await saveUpload('x.csv', new Uint8Array([1]), 'g');
      console.log(p);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(__dirname, '../..'),
      env: { ...process.env, XDG_RUNTIME_DIR: root },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const written = r.stdout.trim();
    expect(written.startsWith(root + sep)).toBe(true);
    expect(existsSync(folderOf(written))).toBe(false);
  });
});
