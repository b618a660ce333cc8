// Asking before replacing a file: every save goes through `saveAsking`, which tries without
// replacing, and when the engine answers that the file exists ('exists'), shows the one confirm
// dialog of the window ("x.csv exists. Replace it?") and retries with overwrite only on yes.
import { isLabError } from '../../../shared/api';

interface Question {
  message: string;
  detail: string;
  confirm: string;
  answer: (yes: boolean) => void;
}

class ConfirmState {
  question = $state<Question | null>(null);

  ask(message: string, detail = '', confirm = 'Replace'): Promise<boolean> {
    this.question?.answer(false);
    return new Promise((resolve) => {
      this.question = {
        message,
        detail,
        confirm,
        answer: (yes) => {
          this.question = null;
          resolve(yes);
        },
      };
    });
  }
}

export const confirmState = new ConfirmState();

const baseName = (path: string) => path.split(/[\\/]/).filter(Boolean).at(-1) ?? path;

/**
 * Runs a save that refuses to replace a file; when it does, asks "x exists. Replace it?" and runs
 * it again with overwrite. Resolves null when the user keeps the old file.
 */
export async function saveAsking<T>(path: string, attempt: (overwrite: boolean) => Promise<T>): Promise<T | null> {
  try {
    return await attempt(false);
  } catch (err) {
    if (!isLabError(err) || err.code !== 'exists') throw err;
    const yes = await confirmState.ask(`${baseName(path)} exists. Replace it?`, `${path} is already there. Replacing it cannot be undone.`);
    return yes ? attempt(true) : null;
  }
}
