/**
 * The gallery as the desktop app runs it: the page gets a bridge whose `transport` is
 * 'electron', as the preload script sets it. No Electron binary can run here, so the bridge is
 * a stand-in that forwards requests to `deit-tagger serve` and handles the two that need native
 * UI (the folder picker and the file manager) itself, recording what the page requested. The
 * main process's side of both is tested in test/main.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import type { ApiEvents, EventName } from '../../electron/api.js';
import { CHROMIUM, screenshot, startTestApp, type TestApp } from './harness.js';

const PHOTOS = 4;

interface DesktopRecord {
  revealed: number[];
  picked: string[];
}

// Runs in the page before its scripts: installs `window.deitTagger` and `window.__desktop`.
const DESKTOP_BRIDGE = `(() => {
  const listeners = new Map();
  const source = new EventSource('/api/events');
  const desktop = {
    revealed: [],
    picked: [],
    emit: (name, payload) => (listeners.get(name) ?? new Set()).forEach((l) => l(payload)),
  };
  window.__desktop = desktop;
  window.deitTagger = {
    transport: 'electron',
    async request(name, input) {
      if (name === 'photos.reveal') {
        desktop.revealed.push(input.id);
        return { ok: true, value: { revealed: true } };
      }
      if (name === 'folders.pick') return { ok: true, value: { paths: desktop.picked } };
      const response = await fetch('/api/' + name, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(input),
      });
      return await response.json();
    },
    on(name, listener) {
      if (!listeners.has(name)) {
        listeners.set(name, new Set());
        source.addEventListener(name, (event) => desktop.emit(name, JSON.parse(event.data)));
      }
      listeners.get(name).add(listener);
      return () => listeners.get(name).delete(listener);
    },
    mediaUrl: (kind, id) => '/photos/' + id + '/' + kind,
  };
})()`;

describe.skipIf(!existsSync(CHROMIUM))('gallery in the desktop app', () => {
  let app: TestApp;
  let secondFolder: string;

  /** Sends an event to the page as the main process would. */
  function emit<E extends EventName>(name: E, payload: ApiEvents[E]): Promise<void> {
    return app.page.evaluate(
      `window.__desktop.emit(${JSON.stringify(name)}, ${JSON.stringify(payload)})`,
    );
  }

  function record(): Promise<DesktopRecord> {
    return app.page.evaluate<DesktopRecord>(
      '({ revealed: window.__desktop.revealed, picked: window.__desktop.picked })',
    );
  }

  beforeAll(async () => {
    app = await startTestApp({ photos: PHOTOS, seed: 21 });
    secondFolder = join(app.root, 'more photos');
    await mkdir(secondFolder);
    // The first visit set the token cookie; the reload runs the page with the desktop bridge.
    await app.page.addInitScript(DESKTOP_BRIDGE);
    await app.page.reload();
    await app.page.locator('.shell[data-state="ready"]').waitFor();
  });

  afterAll(async () => {
    await app?.close();
  });

  test('menu commands, folder picker and show in folder', async () => {
    const { page } = app;

    // File > Add Folder… opens the picker; every folder chosen is added.
    await page.evaluate(
      `window.__desktop.picked = ${JSON.stringify([app.photosDir, secondFolder])}`,
    );
    await emit('ui.command', { command: 'add-folder' });
    const panel = page.getByTestId('scan-panel');
    await panel.waitFor();
    await panel.getByText(secondFolder).waitFor();
    await panel.getByText(app.photosDir).waitFor();
    await expect(page.getByRole('button', { name: 'Choose folders…' }).count()).resolves.toBe(1);
    await expect(page.getByLabel('Folder path').count()).resolves.toBe(0);

    // File > Scan Now: the main process starts the scan, the window shows its progress.
    await page.getByRole('button', { name: 'Settings' }).click();
    await emit('ui.command', { command: 'scan' });
    await panel.waitFor();
    await page.getByTestId('scan-start').click();
    await page.locator('[data-testid="scan-panel"][data-state="done"]').waitFor({
      timeout: 60_000,
    });

    // The detail view offers Show in folder, which sends the photo's id, never its path.
    await page.getByRole('button', { name: 'Library' }).click();
    await page.locator(`#photo-grid[data-state="ready"][data-total="${PHOTOS}"]`).waitFor();
    await page.locator('#photo-grid [role="option"]').first().dblclick();
    const detail = page.locator('[role="dialog"][data-state="ready"]');
    await detail.waitFor();
    const photoId = Number(await detail.getAttribute('data-photo-id'));
    await screenshot(page, '16-detail-desktop');
    await detail.getByRole('button', { name: 'Show in folder' }).click();
    await expect.poll(async () => (await record()).revealed).toEqual([photoId]);

    // File > Export Labels… closes the detail view and opens the export dialog.
    await emit('ui.command', { command: 'export' });
    await page.getByRole('dialog', { name: 'Export tags' }).waitFor();
    await expect(page.locator('[role="dialog"][data-photo-id]').count()).resolves.toBe(0);
    await screenshot(page, '17-export-from-menu');

    // Settings… closes the dialog and shows the settings view.
    await emit('ui.command', { command: 'settings' });
    await page.getByRole('main', { name: 'Settings' }).waitFor();
    await expect(page.getByRole('dialog').count()).resolves.toBe(0);
  });
});
