import { existsSync } from 'node:fs';
import { readFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import type { PhotoDetail } from '../../electron/api.js';
import { writeTruncatedJpeg } from '../fixtures/images.js';
import { api, CHROMIUM, screenshot, startTestApp, type TestApp } from './harness.js';

const PHOTOS = 18;

/** Starts a scan from the scan panel and waits for the app to report it done. */
async function scanToDone(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Folders & scan' }).click();
  const panel = page.getByTestId('scan-panel');
  const completed = Number(await panel.getAttribute('data-completed'));
  await page.getByTestId('scan-start').click();
  await page
    .locator(`[data-testid="scan-panel"][data-state="done"][data-completed="${completed + 1}"]`)
    .waitFor({ timeout: 60_000 });
}

describe.skipIf(!existsSync(CHROMIUM))('gallery in Chromium', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ photos: PHOTOS, seed: 7 });
  });

  afterAll(async () => {
    await app?.close();
  });

  test('add, scan, search, reject, rescan, export', async () => {
    const { page } = app;

    // A new library shows the first-run screen that leads to adding a folder.
    await page.locator('[data-testid="empty-state"][data-kind="no-folders"]').waitFor();
    await screenshot(page, '01-empty-library');

    // A file that cannot be decoded, dated long ago so that it sorts last by date.
    const broken = await writeTruncatedJpeg(app.photosDir);
    await utimes(broken, new Date('2001-01-01'), new Date('2001-01-01'));

    await page.getByRole('button', { name: 'Add a folder' }).click();
    await page.getByLabel('Folder path').fill(app.photosDir);
    await page.getByRole('button', { name: 'Add folder' }).click();
    await page.locator('.folders li', { hasText: app.photosDir }).waitFor();

    await scanToDone(page);
    const summary = await page.getByTestId('scan-summary').textContent();
    expect(summary).toContain(`${PHOTOS} tagged`);
    expect(summary).toContain('1 failed');
    const failure = page.getByTestId('scan-failures').locator('li', { hasText: 'truncated.jpg' });
    await expect(failure.locator('.cause').textContent()).resolves.not.toBe('');
    await screenshot(page, '02-scan-done');

    // The grid lists every photo.
    await page.getByRole('button', { name: 'Library' }).click();
    const grid = page.locator('#photo-grid[data-state="ready"]');
    await grid.waitFor();
    expect(await grid.getAttribute('data-total')).toBe(String(PHOTOS + 1));
    await page.locator('#photo-grid [role="option"] img').first().waitFor();
    await screenshot(page, '03-gallery');

    // Click, shift-click and ctrl-click select like a file manager.
    const cells = page.locator('#photo-grid [role="option"]');
    const selection = page.getByTestId('selection-bar');
    await cells.nth(0).click();
    await cells.nth(2).click({ modifiers: ['Shift'] });
    await expect.poll(() => selection.textContent()).toContain('3 selected');
    await cells.nth(1).click({ modifiers: ['Control'] });
    await expect.poll(() => selection.textContent()).toContain('2 selected');
    expect(await cells.nth(1).getAttribute('aria-selected')).toBe('false');
    await page.getByRole('button', { name: 'Clear selection' }).click();
    await expect.poll(() => selection.count()).toBe(0);

    // Search with a suggestion for the label of the first photo.
    const firstLabel = (await page
      .locator('#photo-grid [role="option"] .label')
      .first()
      .textContent())!.trim();
    const search = page.getByRole('combobox', { name: 'Search photos' });
    await search.fill(firstLabel.slice(0, 3));
    const suggestion = page
      .getByRole('listbox', { name: 'Suggestions' })
      .getByRole('option', { name: new RegExp(`^${escapeRegExp(firstLabel)}`) })
      .first();
    await suggestion.waitFor();
    await screenshot(page, '04-suggestions');
    await suggestion.click();
    await expect(search.inputValue()).resolves.toBe(firstLabel);
    await page.locator('#photo-grid[data-state="ready"]').waitFor();
    const hits = Number(await page.locator('#photo-grid').getAttribute('data-total'));
    expect(hits).toBeGreaterThan(0);
    expect(hits).toBeLessThanOrEqual(PHOTOS);

    // Open the first hit and reject its top label.
    await page.locator('#photo-grid [role="option"]').first().dblclick();
    const detail = page.locator('[role="dialog"][data-state="ready"]');
    await detail.waitFor();
    const photoId = Number(await detail.getAttribute('data-photo-id'));
    const top = detail.locator('#label-0');
    const classIndex = Number(await top.getAttribute('data-class-index'));
    const name = (await top.locator('.name').textContent())!.trim();
    await screenshot(page, '05-detail');
    await detail.getByRole('button', { name: `Reject ${name}` }).click();
    await page
      .locator('[role="dialog"][data-state="ready"] #label-0[data-verdict="rejected"]')
      .waitFor();
    await screenshot(page, '06-detail-rejected');
    await page.keyboard.press('Escape');
    await expect(page.locator('[role="dialog"]').count()).resolves.toBe(0);

    // Touch the photo so the next scan decodes and tags it again: the rejection must survive.
    const before = await api<PhotoDetail>(page, 'photos.get', { id: photoId });
    const later = new Date(Date.now() + 60_000);
    await utimes(before.path, later, later);
    await scanToDone(page);
    await expect(page.getByTestId('scan-summary').textContent()).resolves.toMatch(/^\s*1 tagged,/);
    const after = await api<PhotoDetail>(page, 'photos.get', { id: photoId });
    const label = after.labels.find((l) => l.source === 'model' && l.classIndex === classIndex);
    expect(label?.verdict).toBe('rejected');

    // Export the whole library as CSV through a browser download.
    await page.getByRole('button', { name: 'Library' }).click();
    await page.getByTestId('export-button').click();
    await page.getByLabel('Whole library').check();
    await screenshot(page, '07-export');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-submit').click(),
    ]);
    const file = join(app.root, 'export.csv');
    await download.saveAs(file);
    const csv = await readFile(file, 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines.length).toBeGreaterThan(PHOTOS);
    expect(csv).toContain('photo-000.jpg');

    // Model and settings panels, and the dark theme.
    await page.getByRole('button', { name: 'Model' }).click();
    await page.locator('[data-testid="model-panel"][data-state="ready"]').waitFor();
    // The server was started with --model, which overrides the library's active model.
    await page.getByText('Every scan uses this file, given with --model').waitFor();
    await screenshot(page, '08-model');
    await page.getByRole('button', { name: 'Settings' }).click();

    // Japanese UI text, then back to English.
    await page.getByLabel('Language').selectOption('ja');
    await page.locator('html[lang="ja"]').waitFor();
    await page.getByRole('button', { name: 'ライブラリ' }).waitFor();
    await page.getByLabel('言語').selectOption('en');
    await page.getByRole('button', { name: 'Library' }).waitFor();

    await page.getByLabel('Dark').check();
    await page.locator('html[data-theme="dark"]').waitFor();
    await page.getByRole('button', { name: 'Library' }).click();
    // The rejected label may have been the search's only match, so show the whole library.
    await page.getByRole('button', { name: 'Clear search' }).click();
    await page.locator('#photo-grid[data-state="ready"] [role="option"] img').first().waitFor();
    await screenshot(page, '09-gallery-dark');

    expect(app.cspViolations).toEqual([]);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
