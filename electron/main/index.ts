/**
 * Entry point of the Electron main process: one instance, one library, one window. The scan
 * runs in a worker thread (electron/core/scan), so this process only routes requests.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, Menu, nativeTheme, protocol, session, shell } from 'electron';

import type { ApiEvents, Language, Settings, UiCommand } from '../api.js';
import { defaultPaths, PRODUCT_NAME } from '../core/paths.js';
import { configureAppPaths } from './app-paths.js';
import { openBackend, type Backend } from './backend.js';
import { createMenuActions } from './commands.js';
import {
  chooseExportFile,
  pickFolders,
  pickModelFile,
  showCommandError,
  showFatalError,
} from './dialogs.js';
import { bridgeArgument, registerIpc, sendEvent, sendEventWhenLoaded } from './ipc.js';
import { createFileLogger, fileLabel } from './log.js';
import { buildMenuTemplate } from './menu.js';
import {
  createAppHandler,
  createPhotoHandler,
  PRIVILEGED_SCHEMES,
  registerProtocols,
} from './protocols.js';
import { createMainWindow, denyPermissions, hardenWebContents } from './window.js';

// Both run before the app is ready, as Electron requires.
protocol.registerSchemesAsPrivileged(PRIVILEGED_SCHEMES);
const dataDir = configureAppPaths(app);

const paths = defaultPaths(dataDir);
const isDev = !app.isPackaged;
const log = createFileLogger(paths.logsDir, isDev ? 'debug' : 'info');

/** out/ of the build: this module is out/electron/main/index.js. */
const outDir = fileURLToPath(new URL('../../', import.meta.url));
const rendererDir = join(outDir, 'renderer');
const preloadScript = join(outDir, 'electron', 'preload', 'index.cjs');
/** The window icon when run from a checkout; a packaged app takes its icon from the package. */
const iconFile = join(outDir, '..', 'build', 'icon.png');

let backend: Backend | null = null;
let mainWindow: BrowserWindow | null = null;
let settings: Settings = { theme: 'system', language: 'en', provider: 'auto' };

function language(): Language {
  return settings.language;
}

/** Shows the main window, opening it when none is open, and returns it. */
function showWindow(): BrowserWindow {
  if (!mainWindow || mainWindow.isDestroyed()) {
    mainWindow = createMainWindow({
      preload: preloadScript,
      bridgeArgument: bridgeArgument(),
      log: log.child('window'),
      backgroundColor: nativeTheme.shouldUseDarkColors ? '#1b1b1f' : '#ffffff',
      ...(existsSync(iconFile) ? { icon: iconFile } : {}),
    });
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
    return mainWindow;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
  return mainWindow;
}

/** Hands a menu command to the renderer, which owns the dialogs it opens. */
function sendUiCommand(command: UiCommand): void {
  sendEventWhenLoaded(showWindow().webContents, 'ui.command', { command });
}

/** Reads the stored settings and applies them to the native theme and the menu. */
async function applySettings(current: Backend): Promise<void> {
  const result = await current.dispatch('settings.get', {});
  if (result.ok) settings = result.value as Settings;
  nativeTheme.themeSource = settings.theme;

  const actions = createMenuActions({
    dispatch: current.dispatch,
    log: log.child('menu'),
    window: () => mainWindow,
    language,
    sendCommand: sendUiCommand,
    showError: (window, message, detail) => {
      showCommandError(window, message, detail).catch(() => undefined);
    },
    openLogsFolder: () => shell.openPath(paths.logsDir),
    showAbout: () => app.showAboutPanel(),
  });
  const template = buildMenuTemplate(
    { platform: process.platform, isDev, appName: PRODUCT_NAME, ...settings },
    actions,
  );
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function openLibrary(): Backend | null {
  try {
    return openBackend({
      database: paths.database,
      modelsDir: paths.modelsDir,
      log,
      pickFolders: () => pickFolders(mainWindow, language()),
      pickModelFile: () => pickModelFile(mainWindow, language()),
      showItemInFolder: (path) => shell.showItemInFolder(path),
      chooseExportFile: (format) =>
        chooseExportFile(mainWindow, format, language(), app.getPath('documents')),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error('opening the library failed', { error });
    showFatalError(
      `${PRODUCT_NAME} cannot open its library`,
      `${message}\n\nThe library is ${paths.database}. Check that the disk is mounted and ` +
        'writable, or move the file away to start a new library. The log is in ' +
        `${paths.logsDir}.`,
    );
    return null;
  }
}

async function start(): Promise<void> {
  log.info('starting', { version: app.getVersion(), electron: process.versions.electron, isDev });
  const opened = openLibrary();
  if (!opened) {
    app.exit(1);
    return;
  }
  backend = opened;
  log.info('library opened', { database: fileLabel(paths.database) });

  denyPermissions(session.defaultSession, log.child('session'));
  registerProtocols(protocol, {
    app: createAppHandler(rendererDir),
    photo: createPhotoHandler(opened.media, log.child('photo')),
  });
  registerIpc({ ipcMain, dispatch: opened.dispatch, log: log.child('ipc') });

  const scanLog = log.child('scan');
  opened.events.subscribe((name, payload) => {
    sendEvent(
      BrowserWindow.getAllWindows().map((window) => window.webContents),
      name,
      payload,
    );

    if (name === 'scan.done') {
      const summary = payload as ApiEvents['scan.done'];
      scanLog.info('scan finished', {
        tagged: summary.tagged,
        unchanged: summary.unchanged,
        failed: summary.failed,
        cancelled: summary.cancelled,
        provider: summary.provider,
        durationMs: summary.durationMs,
      });
    }
    const reason = name === 'library.changed' && (payload as ApiEvents['library.changed']).reason;
    if (reason === 'settings') {
      applySettings(opened).catch((error: unknown) =>
        log.error('applying settings failed', { error }),
      );
    }
  });

  app.setAboutPanelOptions({
    applicationName: PRODUCT_NAME,
    applicationVersion: app.getVersion(),
    credits: 'Labels from DeiT (Touvron et al., 2021) on ImageNet-1k, run by ONNX Runtime.',
  });
  await applySettings(opened);
  showWindow();
}

/** Closes the library once before quitting: a running scan stores its last batch first. */
function closeOnQuit(): void {
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed || !backend) return;
    event.preventDefault();
    const closing = backend;
    backend = null;
    log.info('stopping');
    closing
      .close()
      .catch((error: unknown) => log.error('closing the library failed', { error }))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });
}

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the library; it focuses its window on 'second-instance'.
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, log.child('window'));
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (backend) showWindow();
  });
  closeOnQuit();
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      log.error('start failed', { error });
      showFatalError(`${PRODUCT_NAME} failed to start`, String(error));
      app.exit(1);
    });
}
