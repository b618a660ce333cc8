// Where an export goes: nothing is replaced without the user saying so. A target that exists is
// refused with code 'exists' (the window asks "x.csv exists. Replace it?" and retries with
// overwrite; lab needs --force); a missing folder or a folder given where a file is meant is named.
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LabFailure } from '../../../shared/api';

/** Refuses to replace `path` unless `overwrite`; checks that its folder exists. */
export async function checkTarget(path: string, overwrite: boolean | undefined): Promise<void> {
  const dir = dirname(path);
  const dirInfo = await stat(dir).catch(() => null);
  if (!dirInfo?.isDirectory()) {
    throw new LabFailure('no-such-folder', `Cannot save ${basename(path)}: the folder ${dir} does not exist.`, 'Pick an existing folder.');
  }
  const info = await stat(path).catch(() => null);
  if (!info) return;
  if (info.isDirectory()) {
    throw new LabFailure('is-folder', `Cannot save to ${path}: that is a folder.`, 'Type a file name at the end of the path.');
  }
  if (!overwrite) throw existsFailure(path);
}

/**
 * A folder export (the Projector files): the folder may exist (it is created when missing, its
 * parent must exist), but none of the files about to be written may, unless `overwrite`.
 */
export async function checkFolderTarget(folder: string, files: string[], overwrite: boolean | undefined): Promise<void> {
  const info = await stat(folder).catch(() => null);
  if (!info) {
    const parent = dirname(folder);
    if (!(await stat(parent).catch(() => null))?.isDirectory()) {
      throw new LabFailure('no-such-folder', `Cannot create ${basename(folder)}: the folder ${parent} does not exist.`, 'Pick an existing folder.');
    }
    return;
  }
  if (!info.isDirectory()) {
    throw new LabFailure('not-a-folder', `${folder} is a file; the Projector export writes several files into a folder.`, 'Type a folder name (it is created when missing).');
  }
  if (overwrite) return;
  for (const f of files) {
    if (await stat(join(folder, f)).catch(() => null)) throw existsFailure(join(folder, f));
  }
}

function existsFailure(path: string): LabFailure {
  return new LabFailure('exists', `${basename(path)} already exists in ${dirname(path)}.`,
    'Nothing was written. Choose another name, or replace it (in the app: confirm; lab: add --force).');
}
