/**
 * The model manager's requests through the shared handlers, as both transports bind them: a
 * real SQLite library, generated DeiT networks and downloads from a file server on 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  bindApi,
  type ApiError,
  type ApiEvents,
  type Dispatch,
  type EventName,
  type ModelListItem,
  type ModelsInfo,
  type ProviderCheck,
  type Result,
  type ScanSummary,
  type Settings,
} from '../../electron/api.js';
import { Library } from '../../electron/core/library.js';
import { catalogEntry, catalogFile } from '../../electron/core/model/catalog.js';
import { openBackend } from '../../electron/main/backend.js';
import { createLogger } from '../../electron/main/log.js';
import { startServe } from '../../electron/server/app.js';
import { createApiHandlers, withErrorCodes } from '../../electron/server/handlers.js';
import { buildDeitOnnx, TINY_TEST_SPEC, writeDeitOnnx } from '../fixtures/deit-onnx.js';
import { writeSeededPhotos } from '../helpers/photos.js';
import { temporaryFolder } from '../helpers/tmp.js';
import { startFileServer, type FileServer } from '../models/file-server.js';

/** A catalogue entry with a published export, and one without. */
const DOWNLOADABLE = 'deit-tiny-distilled-224';
const IMPORT_ONLY = 'deit-tiny-224';
const network = Buffer.from(buildDeitOnnx(TINY_TEST_SPEC));

type Event = { [E in EventName]: { name: E; payload: ApiEvents[E] } }[EventName];

let root: string;
let tinyNet: string;
let tenClassNet: string;
let fileServer: FileServer;
let library: Library;
let dispatch: Dispatch;
let events: Event[];
let libraryIndex = 0;

/** Path of a catalogue file on the hub, relative to the endpoint. */
function hubPath(id: string): string {
  const file = catalogFile(catalogEntry(id)!)!;
  return `/${file.repo}/resolve/${file.revision ?? 'main'}/${file.path}`;
}

async function call<T>(name: string, input: unknown = {}): Promise<T> {
  const result = (await dispatch(name, input)) as Result<T>;
  if (!result.ok) throw new Error(`${name} failed: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

async function failure(name: string, input: unknown = {}): Promise<ApiError> {
  const result = await dispatch(name, input);
  if (result.ok) throw new Error(`${name} succeeded, expected an error`);
  return result.error;
}

/** Resolves with the first event of this name that `match` accepts, seen or still to come. */
async function nextEvent<E extends EventName>(
  name: E,
  match: (payload: ApiEvents[E]) => boolean = () => true,
): Promise<ApiEvents[E]> {
  await vi.waitFor(
    () => {
      if (!events.some((e) => e.name === name && match(e.payload as ApiEvents[E]))) {
        throw new Error(`no ${name} event yet`);
      }
    },
    { timeout: 15_000, interval: 20 },
  );
  return events.find((e) => e.name === name && match(e.payload as ApiEvents[E]))!
    .payload as ApiEvents[E];
}

function row(models: ModelListItem[], id: string): ModelListItem {
  const found = models.find((model) => model.id === id);
  if (!found) throw new Error(`model ${id} is not listed`);
  return found;
}

beforeAll(async () => {
  root = await temporaryFolder('server-models');
  tinyNet = join(root, 'tiny-deit.onnx');
  tenClassNet = join(root, 'ten-classes.onnx');
  await writeDeitOnnx(tinyNet, TINY_TEST_SPEC);
  await writeDeitOnnx(tenClassNet, { ...TINY_TEST_SPEC, numClasses: 10 });
  fileServer = await startFileServer();
  vi.stubEnv('HF_ENDPOINT', fileServer.baseUrl);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await fileServer.close();
});

beforeEach(async () => {
  const dir = join(root, `library-${libraryIndex++}`);
  await mkdir(dir);
  library = Library.open({ database: join(dir, 'library.sqlite'), modelsDir: join(dir, 'models') });
  events = [];
  const handlers = createApiHandlers(library, {
    emit: (name, payload) => events.push({ name, payload } as Event),
    exportPhotos: () => Promise.reject(new Error('export is not part of these tests')),
  });
  dispatch = bindApi(withErrorCodes(handlers));
  fileServer.reset();
  return () => library.close();
});

describe('models.list', () => {
  it('lists the catalogue before anything is installed', async () => {
    const models = await call<ModelListItem[]>('models.list');

    const downloadable = row(models, DOWNLOADABLE);
    expect(downloadable.installed).toBe(false);
    expect(downloadable.active).toBe(false);
    expect(downloadable.downloadable).toBe(true);
    expect(downloadable.distilled).toBe(true);
    expect(downloadable.top1).toBe(catalogEntry(DOWNLOADABLE)!.top1);
    expect(downloadable.download).toBeNull();

    const importOnly = row(models, IMPORT_ONLY);
    expect(importOnly.downloadable).toBe(false);
    expect(importOnly.distilled).toBe(false);
  });
});

describe('models.import and models.use', () => {
  it('imports a network and makes it active', async () => {
    const imported = await call<ModelListItem[]>('models.import', { path: tinyNet });
    const model = row(imported, 'tiny-deit');
    expect(model.installed).toBe(true);
    expect(model.origin).toBe('import');
    expect(model.sha256).toBe(
      createHash('sha256')
        .update(await readFile(tinyNet))
        .digest('hex'),
    );
    expect(events).toContainEqual({ name: 'library.changed', payload: { reason: 'models' } });

    const used = await call<ModelListItem[]>('models.use', { id: 'tiny-deit' });
    expect(row(used, 'tiny-deit').active).toBe(true);
    expect(used.filter((m) => m.active)).toHaveLength(1);
    const info = await call<ModelsInfo>('models.info');
    expect(info.active?.id).toBe('tiny-deit');
  });

  it('rejects a 10-class network with its shape', async () => {
    const error = await failure('models.import', { path: tenClassNet });
    expect(error.code).toBe('model-invalid');
    expect(error.message).toContain('shape [batch,10]; expected [N,1000]');
    const models = await call<ModelListItem[]>('models.list');
    expect(models.some((m) => m.id === 'ten-classes')).toBe(false);
  });

  it('rejects a missing file naming it', async () => {
    const missing = join(root, 'no-such-model.onnx');
    const error = await failure('models.import', { path: missing });
    expect(error.code).toBe('model-invalid');
    expect(error.message).toContain(missing);
  });

  it('rejects a relative path', async () => {
    const error = await failure('models.import', { path: 'tiny-deit.onnx' });
    expect(error.code).toBe('invalid-input');
    expect(error.message).toContain('full path');
  });

  it('rejects an id that is already installed', async () => {
    await call('models.import', { path: tinyNet });
    const error = await failure('models.import', { path: tinyNet });
    expect(error.code).toBe('invalid-input');
    expect(error.message).toContain('already installed');
  });

  it('rejects using an uninstalled model', async () => {
    const error = await failure('models.use', { id: DOWNLOADABLE });
    expect(error.code).toBe('not-found');
  });
});

describe('models.remove', () => {
  it('removes the active model and clears it', async () => {
    await call('models.import', { path: tinyNet, id: 'tiny' });
    await call('models.use', { id: 'tiny' });

    const models = await call<ModelListItem[]>('models.remove', { id: 'tiny' });
    expect(models.some((m) => m.id === 'tiny')).toBe(false);
    expect(library.activeModel()).toBeNull();
    expect(existsSync(join(library.modelsDir, 'tiny.onnx'))).toBe(false);
    expect((await failure('models.remove', { id: 'tiny' })).code).toBe('not-found');
  });
});

describe('models.download', () => {
  it('downloads in the background with progress events', async () => {
    fileServer.routes.set(hubPath(DOWNLOADABLE), { body: network });

    const started = await call<ModelListItem[]>('models.download', { id: DOWNLOADABLE });
    expect(row(started, DOWNLOADABLE).download).not.toBeNull();
    const done = await nextEvent('models.done', (d) => d.id === DOWNLOADABLE);

    expect(done).toEqual({ id: DOWNLOADABLE, outcome: 'installed', message: null });
    const progress = events.flatMap((e) => (e.name === 'models.progress' ? [e.payload] : []));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)?.bytes).toBe(network.length);
    expect(progress.at(-1)?.total).toBe(network.length);
    const models = await call<ModelListItem[]>('models.list');
    expect(row(models, DOWNLOADABLE).installed).toBe(true);
    expect(row(models, DOWNLOADABLE).download).toBeNull();
    expect(fileServer.requests.map((r) => r.path)).toEqual([hubPath(DOWNLOADABLE)]);
  });

  it('cancels a download midway', async () => {
    fileServer.routes.set(hubPath(DOWNLOADABLE), { body: network, stallAfterBytes: 4096 });

    await call('models.download', { id: DOWNLOADABLE });
    await nextEvent('models.progress', (p) => p.bytes >= 4096);
    expect(await call('models.cancelDownload', { id: DOWNLOADABLE })).toEqual({ cancelled: true });
    const done = await nextEvent('models.done');

    expect(done.outcome).toBe('cancelled');
    expect(row(await call<ModelListItem[]>('models.list'), DOWNLOADABLE).installed).toBe(false);
    expect(await call('models.cancelDownload', { id: DOWNLOADABLE })).toEqual({
      cancelled: false,
    });
  });

  it('reports a failed download as an event', async () => {
    // No route: the file server returns 404.
    await call('models.download', { id: DOWNLOADABLE });
    const done = await nextEvent('models.done');
    expect(done.outcome).toBe('failed');
    expect(done.message).toContain('404');
  });

  it('rejects a model without a published export', async () => {
    const error = await failure('models.download', { id: IMPORT_ONLY });
    expect(error.code).toBe('unsupported');
    expect(error.message).toContain('no published ONNX export');
    expect(fileServer.requests).toEqual([]);
  });

  it('rejects an unknown model', async () => {
    expect((await failure('models.download', { id: 'no-such-model' })).code).toBe('not-found');
  });
});

describe('provider preference', () => {
  it('defaults to auto and stores a choice', async () => {
    expect((await call<Settings>('settings.get')).provider).toBe('auto');
    expect((await call<Settings>('settings.set', { provider: 'cpu' })).provider).toBe('cpu');
    expect((await call<Settings>('settings.get')).provider).toBe('cpu');
    expect((await failure('settings.set', { provider: 'gpu' })).code).toBe('invalid-input');
  });

  it('is used by a scan that names none', async () => {
    const photos = join(root, `photos-${libraryIndex}`);
    await writeSeededPhotos(photos, 2);
    await call('models.import', { path: tinyNet });
    await call('models.use', { id: 'tiny-deit' });
    await call('settings.set', { provider: 'cpu' });

    await call('scan.start', { folders: [photos] });
    const summary: ScanSummary = await nextEvent('scan.done');
    expect(summary.tagged).toBe(2);
    // 'auto' would have tried the platform's GPU providers before the CPU.
    expect(summary.providerAttempts).toEqual([{ provider: 'cpu', ok: true }]);
    expect((await call<ModelsInfo>('models.info')).provider).toBe('cpu');
  });

  it('checks the providers by loading the active model', async () => {
    expect((await failure('models.checkProviders')).code).toBe('no-model');
    await call('models.import', { path: tinyNet });
    await call('models.use', { id: 'tiny-deit' });

    const check = await call<ProviderCheck>('models.checkProviders');
    expect(check.model).toBe('tiny-deit');
    const last = check.attempts.at(-1);
    expect(last?.ok).toBe(true);
    expect(check.provider).toBe(last?.provider);
    for (const attempt of check.attempts.slice(0, -1)) expect(attempt.reason).toBeTruthy();
    const info = await call<ModelsInfo>('models.info');
    expect(info.provider).toBe(check.provider);
    expect(info.providerAttempts).toEqual(check.attempts);
  });
});

describe('models.pickFile', () => {
  it('is unsupported over HTTP', async () => {
    const dir = join(root, 'serve');
    await mkdir(dir);
    const server = await startServe({
      database: join(dir, 'library.sqlite'),
      modelsDir: join(dir, 'models'),
      host: '127.0.0.1',
      port: 0,
      staticDir: dir,
      log: () => undefined,
    });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/api/models.pickFile`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
      const result = (await response.json()) as Result<unknown>;
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('unsupported');
    } finally {
      await server.close();
    }
  });

  it('returns the chosen file in the desktop back end', async () => {
    const dir = join(root, 'desktop');
    await mkdir(dir);
    const backend = openBackend({
      database: join(dir, 'library.sqlite'),
      modelsDir: join(dir, 'models'),
      log: createLogger({ console: null }),
      pickFolders: () => Promise.resolve([]),
      pickModelFile: () => Promise.resolve(tinyNet),
      showItemInFolder: () => undefined,
      chooseExportFile: () => Promise.resolve(null),
    });
    try {
      expect(await backend.dispatch('models.pickFile', {})).toEqual({
        ok: true,
        value: { path: tinyNet },
      });
    } finally {
      await backend.close();
    }
  });
});
