/**
 * Keeps Electron's `userData` folder and the command line's data folder the same, so the app
 * and `deit-tagger` open one library.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'electron';

import { appDataDir, PRODUCT_NAME } from '../core/paths.js';

/**
 * Returns Electron's `app.getPath('appData')` for a platform, as Electron documents it:
 * `%APPDATA%` on Windows, `~/Library/Application Support` on macOS, and `$XDG_CONFIG_HOME`
 * or `~/.config` on Linux.
 */
export function electronAppDataDir(
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
  home: string = homedir(),
): string {
  switch (platform) {
    case 'win32':
      return env.APPDATA ?? join(home, 'AppData', 'Roaming');
    case 'darwin':
      return join(home, 'Library', 'Application Support');
    default:
      return env.XDG_CONFIG_HOME || join(home, '.config');
  }
}

/** Returns Electron's default `userData`: the app's name inside `appData`. */
export function electronUserDataDir(appData: string, appName: string): string {
  return join(appData, appName);
}

/**
 * Names the app and points `userData` at the library folder of `appDataDir()`. Electron derives
 * `userData` from the app name, so setting the name already gives the same folder; setting the
 * path as well covers `DEIT_TAGGER_HOME`. Call before the app is ready. Returns the folder.
 */
export function configureAppPaths(
  app: Pick<App, 'setName' | 'getPath' | 'setPath'>,
  env: NodeJS.ProcessEnv = process.env,
): string {
  app.setName(PRODUCT_NAME);
  const dataDir = appDataDir(env);
  if (app.getPath('userData') !== dataDir) app.setPath('userData', dataDir);
  return dataDir;
}
