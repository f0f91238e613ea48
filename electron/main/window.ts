/** The main window and the guards every web contents of the app gets. */
import {
  BrowserWindow,
  shell,
  type Session,
  type WebContents,
  type WebPreferences,
} from 'electron';

import type { Logger } from './log.js';
import { APP_ENTRY_URL, isAllowedExternalLink } from './urls.js';

/** Web preferences of every window: isolated, sandboxed, no Node in the page. */
export function secureWebPreferences(preload: string, bridgeArgument: string): WebPreferences {
  return {
    preload,
    additionalArguments: [bridgeArgument],
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/**
 * Opens an allowed https link in the system browser and drops anything else, with a log line.
 * Returns whether the link was opened.
 */
export function openExternalLink(
  url: string,
  log: Logger,
  openExternal: (url: string) => Promise<void> = (link) => shell.openExternal(link),
): boolean {
  if (!isAllowedExternalLink(url)) {
    log.warn('blocked a link to an unlisted site', { url: url.slice(0, 200) });
    return false;
  }
  openExternal(url).catch((error: unknown) => log.warn('opening a link failed', { error }));
  return true;
}

/**
 * Denies what the renderer must never do: navigate away, open windows, attach webviews. A link
 * to an allowed site opens in the system browser instead. Runs for every web contents the app
 * creates (`web-contents-created`), not only the main window's.
 */
export function hardenWebContents(contents: WebContents, log: Logger): void {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    openExternalLink(url, log);
  });
  contents.on('will-redirect', (event, url) => {
    event.preventDefault();
    log.warn('blocked a redirect', { url: url.slice(0, 200) });
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log.warn('blocked a webview');
  });
  contents.setWindowOpenHandler(({ url }) => {
    openExternalLink(url, log);
    return { action: 'deny' };
  });
}

/** Denies every permission request (camera, notifications, geolocation...): the app needs none. */
export function denyPermissions(session: Session, log: Logger): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log.warn('denied a permission request', { permission });
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
}

export interface MainWindowOptions {
  preload: string;
  bridgeArgument: string;
  log: Logger;
  /** Window background while the page loads, so a dark desktop does not flash white. */
  backgroundColor: string;
  icon?: string;
}

/** Creates the main window and loads the renderer from `app://`; shows it once it has painted. */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 720,
    minHeight: 480,
    show: false,
    backgroundColor: options.backgroundColor,
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: secureWebPreferences(options.preload, options.bridgeArgument),
  });
  window.once('ready-to-show', () => window.show());
  window.webContents.on('render-process-gone', (_event, details) => {
    options.log.error('renderer process gone', { reason: details.reason, code: details.exitCode });
  });
  window.webContents.on('did-fail-load', (_event, code, description, url) => {
    options.log.error('page failed to load', { code, description, url });
  });
  window.loadURL(APP_ENTRY_URL).catch((error: unknown) => {
    options.log.error('loading the renderer failed', { error });
  });
  return window;
}
