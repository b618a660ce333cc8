// Issue 4 in the UI: every format family opens from the Data panel, options are shown and can be
// changed, and bad files give a message that names the file while the app stays usable.
import { resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, snap, test } from './fixtures';

const good = (p: string) => resolve('tests/fixtures/good', p);
const bad = (p: string) => resolve('tests/fixtures/bad', p);

async function openPath(page: Page, path: string): Promise<void> {
  if (await page.getByTestId('show-sources').isVisible()) await page.getByTestId('show-sources').click();
  await page.getByTestId('path-input').fill(path);
  await page.getByTestId('open-path').click();
}

const families: { name: string; path: string; shape: string; format: string }[] = [
  { name: 'TSV (delimited text)', path: good('tabs.tsv'), shape: '20 × 2', format: 'CSV' },
  { name: 'semicolon with decimal commas', path: good('semicolon-decimal.csv'), shape: '20 × 3', format: 'CSV' },
  { name: 'Parquet', path: good('table.parquet'), shape: '40 × 3', format: 'PARQUET' },
  { name: 'JSON records', path: good('records.json'), shape: '15 × 3', format: 'JSON' },
  { name: 'JSON Lines', path: good('records.jsonl'), shape: '15 × 3', format: 'JSONL' },
  { name: 'NumPy .npy', path: good('f32.npy'), shape: '12 × 3', format: 'NPY' },
  { name: 'IDX pair (picking the images file)', path: good('idx/train-images-idx3-ubyte'), shape: '10 × 16', format: 'IDX' },
  { name: 'Embedding Projector vectors + metadata', path: good('projector/vectors.tsv'), shape: '12 × 4', format: 'VECTORS' },
];

for (const f of families) {
  test(`opens ${f.name}`, async ({ lab: page }) => {
    await openPath(page, f.path);
    await expect(page.getByTestId('shape')).toHaveText(f.shape);
    await expect(page.getByTestId('format')).toContainText(f.format);
    await expect(page.getByTestId('notes')).not.toBeEmpty();
  });
}

test('opens a folder of images (uploaded with the folder picker) with thumbnails', async ({ lab: page }) => {
  await page.getByTestId('folder-input').setInputFiles(good('images'));
  await expect(page.getByTestId('format')).toContainText('IMAGES');
  await expect(page.getByTestId('shape')).toHaveText('9 × 192');
  await expect(page.getByTestId('label-name')).toContainText('2 classes');
  await expect(page.getByTestId('preview-images')).toHaveAttribute('data-images', /[1-9]/);
  // change the common size and reload
  await page.getByTestId('opt-image-w').fill('4');
  await page.getByTestId('opt-image-h').fill('4');
  await page.getByTestId('apply-options').click();
  await expect(page.getByTestId('shape')).toHaveText('9 × 48');
  await snap(page, 'data-images');
});

test('MNIST shows digit thumbnails and its own split', async ({ lab: page }) => {
  await page.getByTestId('open-builtin-mnist').click();
  await expect(page.getByTestId('split')).toContainText('file’s own split');
  await expect(page.getByTestId('preview-images')).toHaveAttribute('data-images', '24');
});

test('penguins: proposed roles and cleaning are shown, and changing them reloads the data', async ({ lab: page }) => {
  await page.getByTestId('open-builtin-penguins').click();
  await expect(page.getByTestId('label-name')).toContainText('species (3 classes)');
  await expect(page.getByTestId('notes')).toContainText('Dropped 11 rows');
  await expect(page.getByTestId('columns')).toContainText('bill_length_mm');
  await expect(page.getByTestId('apply-options')).toBeDisabled();
  // fill missing values with the median instead of dropping rows
  await page.getByTestId('opt-missing').selectOption('median');
  await page.getByTestId('apply-options').click();
  await expect(page.getByTestId('shape')).toHaveText(/^344 × /);
  await expect(page.getByTestId('notes')).toContainText('median');
  // ignore the sex column: one feature group fewer
  await page.getByTestId('role-sex').selectOption('ignore');
  await page.getByTestId('apply-options').click();
  // while it reloads the options are locked, so no edit is lost when the new summary arrives
  await expect(page.getByTestId('apply-options')).toHaveText('Up to date');
  await expect(page.getByTestId('role-sex')).toHaveValue('ignore');
  await expect(page.getByTestId('notes')).not.toContainText('`sex`');
  // island becomes the label
  await page.getByTestId('role-island').selectOption('label');
  await page.getByTestId('apply-options').click();
  await expect(page.getByTestId('label-name')).toContainText('island (3 classes)');
  await expect(page.getByTestId('role-species')).toHaveValue('feature');
  await snap(page, 'data-penguins');
});

test('a CSV read with the wrong delimiter can be re-read with the right one', async ({ lab: page }) => {
  // semicolons between fields, decimal commas, and commas in the column names ("Länge, mm")
  const names = page.getByTestId('columns').locator('td.name');
  const types = page.getByTestId('columns').locator('tbody tr td:nth-child(2)');
  const right = ['Länge, mm', 'Art', 'Ort', 'Breite, mm'];
  await openPath(page, good('semicolon-comma-names.csv'));
  await expect(page.getByTestId('opt-delimiter')).toHaveValue(';');
  await expect(names).toHaveText(right);

  // read with a comma, the file still has a consistent shape, but every name and number is cut at
  // its comma: three columns, two of whole numbers
  await page.getByTestId('opt-delimiter').selectOption(',');
  await page.getByTestId('apply-options').click();
  await expect(names).toHaveText(['Länge', 'mm;Art;Ort;Breite', 'mm']);
  await expect(types).toHaveText(['integer', 'text', 'integer']);
  await expect(page.getByTestId('shape')).toHaveText('30 × 2');
  await expect(page.getByTestId('label-name')).toHaveText('none');
  await expect(page.getByTestId('opt-decimal')).toHaveValue('.');

  // only the delimiter is changed back: the columns, their decimal numbers and the label return
  await page.getByTestId('opt-delimiter').selectOption(';');
  await page.getByTestId('apply-options').click();
  await expect(names).toHaveText(right);
  await expect(types).toHaveText(['decimal', 'text → 2', 'text', 'decimal']); // Art one-hot: two features
  await expect(page.getByTestId('opt-delimiter')).toHaveValue(';');
  await expect(page.getByTestId('opt-decimal')).toHaveValue(',');
  await expect(page.getByTestId('shape')).toHaveText('30 × 4');
  await expect(page.getByTestId('label-name')).toHaveText('Ort (3 classes)');
  await expect(page.getByTestId('notice-error')).toHaveCount(0);
});

const badFiles: [string, RegExp][] = [
  ['ragged.csv', /ragged\.csv.*line \d+/i],
  ['empty.csv', /empty\.csv.*empty/i],
  ['binary-junk.csv', /binary-junk\.csv/],
  ['truncated.npy', /truncated\.npy/],
  ['wrong-magic-images-idx3-ubyte', /wrong-magic-images-idx3-ubyte/],
  ['no-images', /no-images/],
];

for (const [file, message] of badFiles) {
  test(`bad input ${file}: a clear message and the app stays usable`, async ({ lab: page }) => {
    await openPath(page, bad(file));
    const notice = page.getByTestId('notice-error').last();
    await expect(notice).toContainText(message);
    await expect(notice.locator('p')).not.toBeEmpty(); // what to do next
    await openPath(page, good('tabs.tsv'));
    await expect(page.getByTestId('shape')).toHaveText('20 × 2');
  });
}
