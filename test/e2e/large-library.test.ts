import { existsSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import type { PhotoIds } from '../../electron/api.js';
import { openDatabase } from '../../electron/core/db/database.js';
import { api, CHROMIUM, screenshot, startTestApp, type TestApp } from './harness.js';

const PHOTOS = 100_000;

/** Inserts photo rows with one model label each, as a scan of a large library would leave. */
function fillLibrary(path: string): void {
  const db = openDatabase(path);
  const photo = db.prepare(
    `INSERT INTO photos (id, path, folder, name, size, mtime_ms, taken_at, status, model, width, height)
     VALUES (?, ?, '/library', ?, 1000, 0, ?, 'tagged', 'bench', 640, 480)`,
  );
  const label = db.prepare(
    `INSERT INTO labels (photo_id, source, model, class_index, score, rank, created_at)
     VALUES (?, 'model', 'bench', ?, ?, 1, 0)`,
  );
  db.transaction(() => {
    db.prepare(`INSERT INTO folders (path, added_at) VALUES ('/library', 0)`).run();
    for (let id = 1; id <= PHOTOS; id++) {
      const name = `IMG_${String(id).padStart(6, '0')}.jpg`;
      photo.run(id, `/library/${name}`, name, 1_600_000_000_000 + id * 60_000);
      label.run(id, id % 1000, 0.2 + (id % 80) / 100);
    }
  })();
  db.close();
}

interface ScrollStats {
  frames: number;
  p50: number;
  p95: number;
  max: number;
  cells: number;
}

// Runs in the page: scrolls the grid by a fixed step on every animation frame and records the
// time between frames, the measure of smoothness the user sees.
const SCROLL_SCRIPT = `(async () => {
  const grid = document.getElementById('photo-grid');
  const intervals = [];
  let last = performance.now();
  for (let i = 0; i < 90; i++) {
    grid.scrollTop += 250;
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const now = performance.now();
    intervals.push(now - last);
    last = now;
  }
  intervals.sort((a, b) => a - b);
  const at = (q) => intervals[Math.min(intervals.length - 1, Math.floor(q * intervals.length))];
  return {
    frames: intervals.length,
    p50: at(0.5),
    p95: at(0.95),
    max: intervals[intervals.length - 1],
    cells: grid.querySelectorAll('[role="option"]').length,
  };
})()`;

describe.skipIf(!existsSync(CHROMIUM))('grid with 100,000 photos', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ photos: 0, seed: 1, prepareDatabase: fillLibrary });
  });

  afterAll(async () => {
    await app?.close();
  });

  test('renders only visible rows and pages in on scroll', async () => {
    const { page } = app;
    const grid = page.locator(`#photo-grid[data-state="ready"][data-total="${PHOTOS}"]`);
    await grid.waitFor();
    const initialCells = await grid.locator('[role="option"]').count();
    expect(initialCells).toBeGreaterThan(0);
    expect(initialCells).toBeLessThan(200);

    const stats = await page.evaluate<ScrollStats>(SCROLL_SCRIPT);
    console.log(
      `scroll over ${stats.frames} frames: p50 ${stats.p50.toFixed(1)} ms, p95 ${stats.p95.toFixed(1)} ms, max ${stats.max.toFixed(1)} ms, ${stats.cells} cells in the DOM`,
    );
    expect(stats.cells).toBeLessThan(200);

    // Jump to the middle, as dragging the scrollbar does: keyset paging catches up page by page.
    const started = Date.now();
    await page.evaluate(`(() => {
      const grid = document.getElementById('photo-grid');
      grid.scrollTop = grid.scrollHeight / 2;
    })()`);
    const middle = page.locator('#photo-grid [role="option"][aria-posinset="50001"]');
    await middle.waitFor({ timeout: 60_000 });
    const jumpMs = Date.now() - started;
    console.log(`jump to photo 50,001 of ${PHOTOS}: ${jumpMs} ms`);
    expect(await grid.locator('[role="option"]').count()).toBeLessThan(200);
    await screenshot(page, '12-large-library');
  });

  test('selects and tags every photo, loaded or not', async () => {
    const { page } = app;
    const grid = page.locator('#photo-grid');
    await grid.focus();

    // Ctrl+A selects the whole search, not only the few pages loaded so far.
    let started = Date.now();
    await page.keyboard.press('Control+a');
    const bar = page.getByTestId('selection-bar');
    await expect.poll(() => bar.textContent(), { timeout: 60_000 }).toContain('100,000 selected');
    console.log(`select all ${PHOTOS} photos: ${Date.now() - started} ms`);
    await screenshot(page, '15-select-all');

    started = Date.now();
    await page.keyboard.press('t');
    const dialog = page.getByRole('dialog', { name: 'Tag 100,000 photos' });
    await dialog.getByRole('textbox').fill('archive 2020');
    await dialog.getByRole('button', { name: 'Add tag' }).click();
    await page.getByText('Tagged 100,000 photos').waitFor({ timeout: 60_000 });
    console.log(`tag ${PHOTOS} photos: ${Date.now() - started} ms`);

    const tagged = await api<PhotoIds>(page, 'photos.ids', {
      query: '"archive 2020"',
      filters: { source: 'manual' },
    });
    expect(tagged.ids).toHaveLength(PHOTOS);
    expect(tagged.truncated).toBe(false);
  }, 180_000);
});
