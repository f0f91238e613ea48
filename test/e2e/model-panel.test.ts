import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';

import type { ModelListItem, ScanStatus, Settings } from '../../electron/api.js';
import { catalogEntry, catalogFile } from '../../electron/core/model/catalog.js';
import { buildDeitOnnx, TINY_TEST_SPEC, writeDeitOnnx } from '../fixtures/deit-onnx.js';
import { startFileServer, type FileServer } from '../models/file-server.js';
import { api, CHROMIUM, screenshot, startTestApp, type TestApp } from './harness.js';

/** A catalogue entry with a published export, served by a local file server here. */
const DOWNLOADABLE = 'deit-tiny-distilled-224';

describe.skipIf(!existsSync(CHROMIUM))('model panel in Chromium', () => {
  let app: TestApp;
  let hub: FileServer;

  beforeAll(async () => {
    // The server runs in this process, so downloads go to the local file server.
    hub = await startFileServer();
    vi.stubEnv('HF_ENDPOINT', hub.baseUrl);
    app = await startTestApp({ photos: 3, seed: 11, commandLineModel: false });
  });

  afterAll(async () => {
    await app?.close();
    await hub?.close();
    vi.unstubAllEnvs();
  });

  test('import by path, use, provider check', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Model' }).click();
    const panel = page.locator('[data-testid="model-panel"][data-state="ready"]');
    await panel.waitFor();

    // A catalogue entry without a published export offers no download.
    const importOnly = page.locator('tr[data-model="deit-tiny-224"]');
    await expect(importOnly.textContent()).resolves.toContain(
      'No published ONNX export: import your own.',
    );
    expect(await importOnly.getByRole('button').count()).toBe(0);
    await page.getByRole('button', { name: 'Download DeiT-Ti distilled' }).first().waitFor();

    // A network with 10 classes is rejected with its output shape.
    const tenClasses = join(app.root, 'ten-classes.onnx');
    await writeDeitOnnx(tenClasses, { ...TINY_TEST_SPEC, numClasses: 10 });
    const pathField = page.getByLabel('Import an ONNX file');
    await pathField.fill(tenClasses);
    await pathField.press('Enter');
    await page
      .getByRole('alert')
      .filter({ hasText: 'shape [batch,10]; expected [N,1000]' })
      .waitFor();

    // The generated network imports from the keyboard and becomes the active model.
    await pathField.fill(app.modelPath);
    await pathField.press('Enter');
    const row = page.locator('tr[data-model="tiny-deit"][data-installed="true"]');
    await row.waitFor();
    await expect(pathField.inputValue()).resolves.toBe('');
    const use = page.getByRole('button', { name: 'Use tiny-deit.onnx' });
    await use.focus();
    await page.keyboard.press('Enter');
    await page.locator('tr.active[data-model="tiny-deit"]').waitFor();
    await page.locator('[aria-labelledby="active-title"] .big', { hasText: 'tiny-deit' }).waitFor();

    const models = await api<ModelListItem[]>(page, 'models.list', {});
    expect(models.filter((m) => m.active).map((m) => m.id)).toEqual(['tiny-deit']);

    // The provider preference is stored as a setting, and the check loads the active model.
    await page.getByLabel('Execution provider for scans').selectOption('cpu');
    await expect
      .poll(async () => (await api<Settings>(page, 'settings.get', {})).provider)
      .toBe('cpu');
    await page.getByRole('button', { name: 'Check providers' }).click();
    await page
      .getByTestId('provider-report')
      .getByText(/: in use$/)
      .waitFor();
    await screenshot(page, '09-model-provider');
    await page.getByTestId('model-list').scrollIntoViewIfNeeded();
    await screenshot(page, '09-model-list');

    // A scan tags with the imported model.
    await api(page, 'folders.add', { path: app.photosDir });
    await api<ScanStatus>(page, 'scan.start', {});
    await expect
      .poll(async () => (await api<ScanStatus>(page, 'scan.status', {})).last?.tagged, {
        timeout: 30_000,
      })
      .toBe(3);
    const status = await api<ScanStatus>(page, 'scan.status', {});
    expect(status.last?.model).toBe('tiny-deit');
    expect(status.last?.providerAttempts).toEqual([{ provider: 'cpu', ok: true }]);
  });

  test('download with progress, cancel, resume', async () => {
    const { page } = app;
    const file = catalogFile(catalogEntry(DOWNLOADABLE)!)!;
    const network = Buffer.from(buildDeitOnnx(TINY_TEST_SPEC));
    // The first request stops sending midway, so the progress bar stays up until cancelled.
    hub.routes.set(`/${file.repo}/resolve/${file.revision ?? 'main'}/${file.path}`, {
      body: network,
      stallAfterBytes: 64 * 1024,
    });
    await page.getByRole('button', { name: 'Model' }).click();
    await page.locator('[data-testid="model-panel"][data-state="ready"]').waitFor();
    const row = page.locator(`tr[data-model="${DOWNLOADABLE}"]`);

    await row.getByRole('button', { name: 'Download DeiT-Ti distilled' }).click();
    const bar = row.getByRole('progressbar', { name: 'Downloading DeiT-Ti distilled' });
    await expect.poll(() => bar.getAttribute('aria-valuenow')).toBe(String(64 * 1024));
    await expect(bar.getAttribute('aria-valuemax')).resolves.toBe(String(network.length));
    await row.scrollIntoViewIfNeeded();
    await screenshot(page, '10-model-download');

    await row.getByRole('button', { name: 'Cancel the download of DeiT-Ti distilled' }).click();
    const download = row.getByRole('button', { name: 'Download DeiT-Ti distilled' });
    await download.waitFor();
    expect(await bar.count()).toBe(0);

    // The second request resumes from the part file and completes.
    await download.click();
    await page.locator(`tr[data-model="${DOWNLOADABLE}"][data-installed="true"]`).waitFor();
    await row.getByRole('button', { name: 'Use DeiT-Ti distilled' }).waitFor();
    expect(hub.requests.map((request) => request.range)).toEqual([null, `bytes=${64 * 1024}-`]);
    const models = await api<ModelListItem[]>(page, 'models.list', {});
    expect(models.find((m) => m.id === DOWNLOADABLE)?.installed).toBe(true);

    // Removing needs a second press on a confirm button, which takes the keyboard focus.
    await row.getByRole('button', { name: 'Remove DeiT-Ti distilled' }).click();
    await expect
      .poll(() => page.evaluate('document.activeElement?.getAttribute("aria-label")'))
      .toBe('Delete the file of DeiT-Ti distilled; its labels stay');
    await page.keyboard.press('Enter');
    await page.locator(`tr[data-model="${DOWNLOADABLE}"][data-installed="false"]`).waitFor();
    expect(existsSync(join(app.root, 'models', `${DOWNLOADABLE}.onnx`))).toBe(false);
  });
});
