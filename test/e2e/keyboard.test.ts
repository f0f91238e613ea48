import { existsSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import type { PhotoDetail } from '../../electron/api.js';
import { activeId, api, CHROMIUM, screenshot, startTestApp, type TestApp } from './harness.js';

const PHOTOS = 12;

describe.skipIf(!existsSync(CHROMIUM))('gallery by keyboard', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ photos: PHOTOS, seed: 11 });
    // Setting up the library is not what this test is about: do it through the API.
    await api(app.page, 'folders.add', { path: app.photosDir });
    // Pause the scan as soon as it starts, to see the progress panel in its paused state.
    await app.page.getByRole('button', { name: 'Folders & scan' }).click();
    await api(app.page, 'scan.start', {});
    await api(app.page, 'scan.pause', {});
    await app.page.locator('[data-testid="scan-panel"][data-state="paused"]').waitFor();
    await app.page.getByRole('button', { name: 'Resume' }).waitFor();
    await screenshot(app.page, '13-scan-paused');
    await app.page.getByRole('button', { name: 'Resume' }).click();
    await app.page.locator('[data-testid="scan-panel"][data-state="done"]').waitFor({
      timeout: 60_000,
    });
    await app.page.getByRole('button', { name: 'Library' }).click();
    await app.page.locator(`#photo-grid[data-state="ready"][data-total="${PHOTOS}"]`).waitFor({
      timeout: 60_000,
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  test('search, browse, open, reject, close', async () => {
    const { page } = app;
    const grid = page.locator('#photo-grid');
    const label = (await grid.locator('[role="option"] .label').first().textContent())!.trim();

    // '/' focuses the search box; a suggestion is chosen with the arrow keys and Enter.
    await page.keyboard.press('/');
    const search = page.getByRole('combobox', { name: 'Search photos' });
    await expect.poll(() => activeId(page)).toBe('search-input');
    await page.keyboard.type(label);
    const suggestions = page.getByRole('listbox', { name: 'Suggestions' });
    await suggestions.waitFor();
    const firstSuggestion = (await suggestions.locator('.text').first().textContent())!.trim();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(search.inputValue()).resolves.toBe(firstSuggestion);
    await page.locator('#photo-grid[data-state="ready"]').waitFor();
    const total = Number(await grid.getAttribute('data-total'));
    expect(total).toBeGreaterThan(0);

    // ArrowDown leaves the search box for the grid; arrows move the focus and the selection.
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => activeId(page)).toBe('photo-grid');
    await page.keyboard.press('ArrowRight');
    const first = grid.locator('[role="option"]').first();
    await expect.poll(() => first.getAttribute('aria-selected')).toBe('true');
    expect(await grid.getAttribute('aria-activedescendant')).toBe(await first.getAttribute('id'));

    if (total > 1) {
      await page.keyboard.press('Shift+ArrowRight');
      await expect
        .poll(() => page.getByTestId('selection-bar').textContent())
        .toContain('2 selected');
      await page.keyboard.press('ArrowLeft');
      await expect
        .poll(() => page.getByTestId('selection-bar').textContent())
        .toContain('1 selected');
    }
    await screenshot(page, '10-keyboard-grid');

    // Enter opens the focused photo; R rejects the chosen label; Escape closes.
    await page.keyboard.press('Enter');
    const detail = page.locator('[role="dialog"][data-state="ready"]');
    await detail.waitFor();
    const photoId = Number(await detail.getAttribute('data-photo-id'));
    expect(photoId).toBe(Number(await first.getAttribute('data-photo-id')));
    // Reject a label other than the one searched for, so the photo stays in the results.
    const chosen = detail.locator('.labels [aria-selected="true"]');
    if ((await chosen.locator('.name').textContent())!.trim() === firstSuggestion) {
      await page.keyboard.press('ArrowDown');
      await detail.locator('#label-1[aria-selected="true"]').waitFor();
    }
    const classIndex = Number(await chosen.getAttribute('data-class-index'));
    await page.keyboard.press('r');
    await page
      .locator(
        `[role="dialog"][data-state="ready"] [data-class-index="${classIndex}"][data-verdict="rejected"]`,
      )
      .waitFor();
    await screenshot(page, '11-keyboard-detail');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[role="dialog"]').count()).toBe(0);
    await expect.poll(() => activeId(page)).toBe('photo-grid');

    const stored = await api<PhotoDetail>(page, 'photos.get', { id: photoId });
    expect(stored.labels.find((l) => l.classIndex === classIndex)?.verdict).toBe('rejected');

    // Ctrl+A selects every photo in the results and T tags the selection.
    await page.keyboard.press('Control+a');
    await expect
      .poll(() => page.getByTestId('selection-bar').textContent())
      .toContain(`${total} selected`);
    await page.keyboard.press('t');
    await expect.poll(() => activeId(page)).toBe('selection-tag');
    await page.keyboard.type('holiday');
    await page.keyboard.press('Enter');
    await page.getByText(`Tagged ${total} photo${total === 1 ? '' : 's'}`).waitFor();
    await expect.poll(() => activeId(page)).toBe('photo-grid');

    // Escape clears the selection.
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('selection-bar').count()).toBe(0);

    // The new tag finds exactly the tagged photos.
    await page.keyboard.press('/');
    await expect.poll(() => activeId(page)).toBe('search-input');
    await page.keyboard.press('Control+a');
    await page.keyboard.type('holiday');
    await page.keyboard.press('Enter');
    await page.locator(`#photo-grid[data-state="ready"][data-total="${total}"]`).waitFor();
    await expect(page.getByRole('combobox', { name: 'Search photos' }).inputValue()).resolves.toBe(
      'holiday',
    );

    expect(app.cspViolations).toEqual([]);
  });
});
