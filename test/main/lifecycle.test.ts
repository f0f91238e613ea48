/**
 * The main process entry point against a stand-in for Electron's main-process modules, with a
 * real library database in a temporary DEIT_TAGGER_HOME.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { ipcChannel, REQUEST_NAMES, type Result } from '../../electron/api.js';
import { BRIDGE_ARGUMENT_PREFIX } from '../../electron/main/ipc.js';
import { temporaryFolder } from '../helpers/tmp.js';

type Handler = (...args: unknown[]) => unknown;

interface WindowOptions {
  webPreferences: Record<string, unknown>;
}

/** Records the calls the main process makes into Electron; reset before each test. */
const fake = vi.hoisted(() => {
  const state = {
    calls: [] as string[],
    appListeners: new Map<string, Handler>(),
    ipcHandlers: new Map<string, Handler>(),
    protocols: new Map<string, Handler>(),
    windows: [] as Array<{ options: WindowOptions; url: string | null; focused: number }>,
    errorBoxes: [] as Array<[string, string]>,
    exitCodes: [] as number[],
    quits: 0,
    singleInstance: true,
    menu: null as unknown,
  };

  class BrowserWindow {
    static all: BrowserWindow[] = [];
    static getAllWindows(): BrowserWindow[] {
      return BrowserWindow.all;
    }
    readonly record: (typeof state.windows)[number];
    readonly webContents = { on: () => undefined, send: () => undefined, isDestroyed: () => false };
    constructor(options: WindowOptions) {
      this.record = { options, url: null, focused: 0 };
      state.windows.push(this.record);
      BrowserWindow.all.push(this);
    }
    once(): void {}
    on(): void {}
    loadURL(url: string): Promise<void> {
      this.record.url = url;
      return Promise.resolve();
    }
    isDestroyed = () => false;
    isMinimized = () => false;
    restore(): void {}
    focus(): void {
      this.record.focused++;
    }
  }

  const electron = {
    app: {
      isPackaged: false,
      name: 'deit-tagger',
      paths: new Map<string, string>(),
      setName(name: string) {
        state.calls.push(`setName:${name}`);
        electron.app.name = name;
      },
      getPath(name: string) {
        return electron.app.paths.get(name) ?? `/nonexistent/${electron.app.name}/${name}`;
      },
      setPath(name: string, path: string) {
        electron.app.paths.set(name, path);
      },
      getVersion: () => '0.1.0',
      requestSingleInstanceLock: () => state.singleInstance,
      on(event: string, listener: Handler) {
        state.appListeners.set(event, listener);
      },
      whenReady() {
        state.calls.push('whenReady');
        return Promise.resolve();
      },
      quit() {
        state.quits++;
      },
      exit(code: number) {
        state.exitCodes.push(code);
      },
      setAboutPanelOptions: () => undefined,
      showAboutPanel: () => undefined,
    },
    protocol: {
      registerSchemesAsPrivileged(schemes: Array<{ scheme: string }>) {
        state.calls.push(`privileged:${schemes.map((entry) => entry.scheme).join(',')}`);
      },
      handle(scheme: string, handler: Handler) {
        state.protocols.set(scheme, handler);
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: () => undefined,
        setPermissionCheckHandler: () => undefined,
      },
    },
    ipcMain: {
      handle(channel: string, handler: Handler) {
        state.ipcHandlers.set(channel, handler);
      },
      removeHandler(channel: string) {
        state.ipcHandlers.delete(channel);
      },
    },
    Menu: {
      buildFromTemplate: (template: unknown) => template,
      setApplicationMenu(menu: unknown) {
        state.menu = menu;
      },
    },
    nativeTheme: { themeSource: 'system', shouldUseDarkColors: false },
    BrowserWindow,
    shell: { openPath: () => Promise.resolve(''), openExternal: () => Promise.resolve() },
    dialog: {
      showErrorBox(title: string, content: string) {
        state.errorBoxes.push([title, content]);
      },
    },
  };

  function reset(): void {
    state.calls = [];
    state.appListeners.clear();
    state.ipcHandlers.clear();
    state.protocols.clear();
    state.windows = [];
    state.errorBoxes = [];
    state.exitCodes = [];
    state.quits = 0;
    state.singleInstance = true;
    state.menu = null;
    BrowserWindow.all = [];
    electron.app.paths.clear();
    electron.app.name = 'deit-tagger';
  }

  return { state, electron, reset };
});

vi.mock('electron', () => fake.electron);

const { state } = fake;
let home: string;

beforeEach(async () => {
  fake.reset();
  vi.resetModules();
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  home = join(await temporaryFolder('lifecycle'), 'home');
  vi.stubEnv('DEIT_TAGGER_HOME', home);
});

afterEach(async () => {
  // Quit the app a test started, so its library closes before the folder is removed.
  const willQuit = state.appListeners.get('will-quit');
  if (willQuit && state.windows.length > 0) {
    willQuit({ preventDefault: () => undefined });
    await vi.waitFor(() => expect(state.quits).toBeGreaterThan(0));
  }
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

async function startApp(): Promise<void> {
  await import('../../electron/main/index.js');
}

describe('main process', () => {
  it('registers schemes before the app is ready', async () => {
    await startApp();
    await vi.waitFor(() => expect(state.windows).toHaveLength(1));
    expect(state.calls.slice(0, 3)).toEqual([
      'privileged:app,photo',
      'setName:DeiT Tagger',
      'whenReady',
    ]);
  });

  it('opens the library in the data folder', async () => {
    await startApp();
    await vi.waitFor(() => expect(state.windows).toHaveLength(1));
    expect(existsSync(join(home, 'library.sqlite'))).toBe(true);
    expect(fake.electron.app.getPath('userData')).toBe(home);
    const log = readFileSync(join(home, 'logs', 'main.log'), 'utf8');
    expect(log).toContain('"message":"library opened"');
    expect(log).not.toContain(home);
  });

  it('loads a sandboxed window from app://', async () => {
    await startApp();
    await vi.waitFor(() => expect(state.windows).toHaveLength(1));
    const [window] = state.windows;
    const preferences = window?.options.webPreferences ?? {};

    expect(window?.url).toBe('app://deit-tagger/index.html');
    expect(preferences.sandbox).toBe(true);
    expect(preferences.contextIsolation).toBe(true);
    expect(preferences.nodeIntegration).toBe(false);
    expect(String(preferences.preload)).toMatch(/electron[/\\]preload[/\\]index\.cjs$/);
    const args = preferences.additionalArguments as string[];
    expect(args.some((arg) => arg.startsWith(BRIDGE_ARGUMENT_PREFIX))).toBe(true);
  });

  it('binds protocols, IPC and the menu', async () => {
    await startApp();
    await vi.waitFor(() => expect(state.windows).toHaveLength(1));
    expect([...state.protocols.keys()]).toEqual(['app', 'photo']);
    expect([...state.ipcHandlers.keys()].sort()).toEqual(REQUEST_NAMES.map(ipcChannel).sort());
    expect(Array.isArray(state.menu)).toBe(true);
  });

  it('answers IPC from the app page', async () => {
    await startApp();
    await vi.waitFor(() => expect(state.windows).toHaveLength(1));
    const handler = state.ipcHandlers.get(ipcChannel('library.stats'));
    const event = { senderFrame: { url: 'app://deit-tagger/index.html', parent: null } };

    const result = (await handler?.(event, {})) as Result<{
      photos: number;
    }>;

    expect(result).toMatchObject({ ok: true, value: { photos: 0 } });
  });

  it('focuses the window on a second launch', async () => {
    await startApp();
    await vi.waitFor(() => expect(state.windows).toHaveLength(1));
    state.appListeners.get('second-instance')?.();
    expect(state.windows).toHaveLength(1);
    expect(state.windows[0]?.focused).toBe(1);
  });

  it('closes the library before quitting', async () => {
    await startApp();
    await vi.waitFor(() => expect(state.windows).toHaveLength(1));
    let prevented = 0;
    const willQuit = state.appListeners.get('will-quit');

    willQuit?.({ preventDefault: () => prevented++ });
    await vi.waitFor(() => expect(state.quits).toBe(1));
    // The second will-quit, from app.quit() after closing, goes through.
    willQuit?.({ preventDefault: () => prevented++ });

    expect(prevented).toBe(1);
    const log = readFileSync(join(home, 'logs', 'main.log'), 'utf8');
    expect(log).toContain('"message":"stopping"');
  });

  it('quits when another instance runs', async () => {
    state.singleInstance = false;
    await startApp();
    expect(state.quits).toBe(1);
    expect(state.calls).not.toContain('whenReady');
    expect(state.windows).toHaveLength(0);
  });

  it('shows an error box when the database cannot open', async () => {
    // A folder where the database file belongs makes SQLite fail to open it.
    mkdirSync(join(home, 'library.sqlite'), { recursive: true });
    await startApp();
    await vi.waitFor(() => expect(state.exitCodes).toEqual([1]));

    expect(state.errorBoxes).toHaveLength(1);
    const [title, detail] = state.errorBoxes[0] ?? ['', ''];
    expect(title).toBe('DeiT Tagger cannot open its library');
    expect(detail).toContain(join(home, 'library.sqlite'));
    expect(state.windows).toHaveLength(0);
  });
});
