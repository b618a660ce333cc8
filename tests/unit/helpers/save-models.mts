// Child process of the model-files test: saves one model per round into DIR, in step with other
// processes doing the same. Round r starts when the file DIR.go.r appears; after it, the child
// writes DIR.done.r.SEED and waits for the next go. Models differ in size (a few MB each, so a
// save takes a while) and alternate between weights file names as checkpoints do.
// Usage: node --import tsx save-models.mts DIR ROUNDS SEED
import '@tensorflow/tfjs-backend-cpu';
import { existsSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { saveModelDir } from '../../../electron/engine/models/serialize';
import { tinyContents } from './models';

const [dir, rounds, seed] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
await tf.setBackend('cpu');
const models = [0, 1].map((i) => tinyContents(2000 + seed * 2 + i, seed * 10 + i, [256]));
const waitFor = async (path: string) => {
  while (!existsSync(path)) await new Promise((r) => setTimeout(r, 1));
};
console.log('ready');
for (let r = 0; r < rounds; r++) {
  await waitFor(`${dir}.go.${r}`);
  await saveModelDir(dir, models[r % 2], (r + seed) % 2 ? `weights-epoch${r}.bin` : 'weights.bin');
  writeFileSync(`${dir}.done.${r}.${seed}`, '');
}
console.log('saved');
