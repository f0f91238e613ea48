/**
 * The preload script with Electron's renderer modules replaced: what it exposes, how it maps
 * names to channels, and, through the main process's IPC handlers, a real request against a
 * real SQLite library.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFunction } from 'node:vm';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { IpcMainInvokeEvent } from 'electron';
import { ipcChannel, type DeitTaggerBridge, type LibraryStats } from '../../electron/api.js';
import { openBackend, type Backend } from '../../electron/main/backend.js';
import { bridgeArgument, BRIDGE_ARGUMENT_PREFIX, registerIpc } from '../../electron/main/ipc.js';
import { createLogger } from '../../electron/main/log.js';
import { parsePhotoUrl } from '../../electron/main/urls.js';
import { temporaryFolder } from '../helpers/tmp.js';

type Listener = (event: unknown, payload: unknown) => void;

/** Stand-ins for the renderer modules of 'electron' that the preload script uses. */
const exposed = new Map<string, unknown>();
const listeners = new Map<string, Set<Listener>>();
const invoked: Array<[string, unknown]> = [];
let route: (channel: string, input: unknown) => Promise<unknown> = () =>
  Promise.reject(new Error('no route'));

const fakeElectron = {
  contextBridge: {
    exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value),
  },
  ipcRenderer: {
    invoke: (channel: string, input: unknown) => {
      invoked.push([channel, input]);
      return route(channel, input);
    },
    on: (channel: string, listener: Listener) => {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
    },
    removeListener: (channel: string, listener: Listener) => {
      listeners.get(channel)?.delete(listener);
    },
  },
};

const preloadSource = join('electron', 'preload', 'index.cts');

function compilePreload(): string {
  return ts.transpileModule(readFileSync(preloadSource, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    fileName: preloadSource,
  }).outputText;
}

/**
 * Runs the compiled preload script the way a sandboxed renderer does: as CommonJS whose
 * `require` resolves 'electron' only, with the bridge argument on `process.argv`.
 */
function runPreload(argv: string[]): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  const sandboxRequire = (name: string): unknown => {
    if (name === 'electron') return fakeElectron;
    throw new Error(`module not found: ${name}`);
  };
  const parameters = ['require', 'module', 'exports', 'process'];
  const run = compileFunction(compilePreload(), parameters, { filename: preloadSource }) as (
    ...args: unknown[]
  ) => void;
  run(sandboxRequire, module, module.exports, { argv });
  return module.exports;
}

let bridge: DeitTaggerBridge;

beforeAll(() => {
  const preload = runPreload(['/usr/bin/electron', '--type=renderer', bridgeArgument()]);
  expect(preload.BRIDGE_ARGUMENT_PREFIX).toBe(BRIDGE_ARGUMENT_PREFIX);
  bridge = exposed.get('deitTagger') as DeitTaggerBridge;
});

function setRoute(next: typeof route): void {
  route = next;
}

describe('preload script', () => {
  it('exposes only the bridge', () => {
    expect([...exposed.keys()]).toEqual(['deitTagger']);
    expect(Object.keys(bridge).sort()).toEqual(['mediaUrl', 'on', 'request', 'transport']);
    expect(bridge.transport).toBe('electron');
  });

  it('sends a request on its channel', async () => {
    setRoute(() => Promise.resolve({ ok: true, value: ['/photos'] }));
    const result = await bridge.request('folders.list', {});
    expect(result).toEqual({ ok: true, value: ['/photos'] });
    expect(invoked.at(-1)).toEqual([ipcChannel('folders.list'), {}]);
  });

  it('answers unknown requests without IPC', async () => {
    const before = invoked.length;
    for (const name of ['no.such', '__proto__', 'constructor', 'toString']) {
      const result = await bridge.request(name as 'folders.list', {});
      expect(result).toMatchObject({ ok: false, error: { code: 'not-found' } });
    }
    expect(invoked.length).toBe(before);
  });

  it('turns an IPC failure into a transport error', async () => {
    setRoute(() => Promise.reject(new Error('No handler registered')));
    const result = await bridge.request('scan.status', {});
    expect(result).toEqual({
      ok: false,
      error: { code: 'transport', message: 'No handler registered' },
    });
  });

  it('subscribes to events and unsubscribes', () => {
    const received: unknown[] = [];
    const unsubscribe = bridge.on('library.changed', (payload) => received.push(payload));
    const channel = ipcChannel('library.changed');
    const emit = (payload: unknown) => {
      for (const listener of listeners.get(channel) ?? []) {
        listener({ sender: 'ipc event' }, payload);
      }
    };

    emit({ reason: 'labels' });
    unsubscribe();
    emit({ reason: 'folders' });

    // The listener gets the payload only, never the IPC event with its sender.
    expect(received).toEqual([{ reason: 'labels' }]);
  });

  it('rejects unknown events', () => {
    expect(() => bridge.on('no.such' as 'scan.done', () => undefined)).toThrow(/unknown event/);
  });

  it('builds photo URLs the main process accepts', () => {
    expect(parsePhotoUrl(bridge.mediaUrl('thumbnail', 42))).toEqual({ kind: 'thumbnail', id: 42 });
    expect(parsePhotoUrl(bridge.mediaUrl('original', 7))).toEqual({ kind: 'original', id: 7 });
  });

  it('requires nothing but electron', () => {
    // A sandboxed preload can load 'electron' and a few built-ins, never a sibling module.
    const required = [...compilePreload().matchAll(/require\(["']([^"']+)["']\)/g)];
    expect(required.map((match) => match[1])).toEqual(['electron']);
  });

  it('fails loudly without the bridge argument', () => {
    expect(() => runPreload(['/usr/bin/electron'])).toThrow(/missing --deit-tagger-bridge=/);
  });
});

describe('preload and main over IPC', () => {
  let backend: Backend;

  beforeAll(async () => {
    const dir = await temporaryFolder('preload-ipc');
    const log = createLogger({ console: null });
    backend = openBackend({
      database: join(dir, 'library.sqlite'),
      modelsDir: join(dir, 'models'),
      log,
      pickFolders: () => Promise.resolve([dir]),
      showItemInFolder: () => undefined,
      chooseExportFile: () => Promise.resolve(null),
    });

    // Route the fake ipcRenderer into the handlers registerIpc gives ipcMain.
    const handlers = new Map<string, (event: IpcMainInvokeEvent, input: unknown) => unknown>();
    registerIpc({
      ipcMain: {
        handle: (channel, handler) => handlers.set(channel, handler),
        removeHandler: (channel) => handlers.delete(channel),
      },
      dispatch: backend.dispatch,
      log,
    });
    const appFrame = { senderFrame: { url: 'app://deit-tagger/index.html', parent: null } };
    setRoute((channel, input) => {
      const handler = handlers.get(channel);
      if (!handler) return Promise.reject(new Error(`No handler registered for '${channel}'`));
      // Electron clones IPC arguments with the structured clone algorithm.
      const event = appFrame as unknown as IpcMainInvokeEvent;
      return Promise.resolve(handler(event, structuredClone(input)));
    });
  });

  afterAll(() => backend.close());

  it('reads the stats of a new library', async () => {
    const result = await bridge.request('library.stats', {});
    expect(result.ok).toBe(true);
    const stats: LibraryStats | null = result.ok ? result.value : null;
    expect(stats?.photos).toBe(0);
    expect(stats?.folders).toEqual([]);
  });

  it('validates input in the main process', async () => {
    const result = await bridge.request('photos.get', { id: -1 });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('adds a folder the picker returns', async () => {
    const picked = await bridge.request('folders.pick', {});
    expect(picked.ok).toBe(true);
    const paths = picked.ok ? picked.value.paths : [];
    expect(paths).toHaveLength(1);

    const added = await bridge.request('folders.add', { path: paths[0] ?? '' });
    expect(added).toEqual({ ok: true, value: paths });
  });

  it('maps engine errors to API codes', async () => {
    const result = await bridge.request('folders.add', { path: '/no/such/folder/for/deit' });
    expect(result).toMatchObject({ ok: false, error: { code: 'folder-invalid' } });
  });

  it('reports a cancelled export', async () => {
    const result = await bridge.request('export', { format: 'csv' });
    expect(result).toEqual({ ok: true, value: { kind: 'cancelled' } });
  });
});
