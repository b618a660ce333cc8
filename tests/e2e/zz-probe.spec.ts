import { resolve } from 'node:path';
import { expect, test } from './fixtures';
test.use({ trace: 'off' });
test('probe', async ({ lab: page }) => {
  await page.getByTestId('file-input').setInputFiles(resolve('tests/fixtures/good/blobs.csv'));
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await page.getByTestId('nav-train').click();
  await page.screenshot({ path: '/tmp/probe/train-empty.png' });
});
