import { homedir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';

/** The product name, which is also the folder name Electron gives `app.getPath('userData')`. */
export const PRODUCT_NAME = 'DeiT Tagger';

/**
 * Returns the folder Electron's `app.getPath('userData')` resolves to for this app, so that the
 * command line and the desktop app share one library. `DEIT_TAGGER_HOME` overrides it.
 */
export function appDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DEIT_TAGGER_HOME) return env.DEIT_TAGGER_HOME;
  switch (process.platform) {
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME);
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME);
    default:
      return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), PRODUCT_NAME);
  }
}

export interface LibraryPaths {
  database: string;
  modelsDir: string;
  logsDir: string;
}

/** Returns the default locations of the library database, models, thumbnails and logs. */
export function defaultPaths(dataDir = appDataDir()): LibraryPaths {
  return {
    database: join(dataDir, 'library.sqlite'),
    modelsDir: join(dataDir, 'models'),
    logsDir: join(dataDir, 'logs'),
  };
}

/** Returns the thumbnail cache folder of a database file: beside it, named after it. */
export function thumbnailsDirFor(databasePath: string): string {
  const base = basename(databasePath, extname(databasePath));
  return join(dirname(databasePath), `${base}-thumbnails`);
}
