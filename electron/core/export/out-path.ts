import { realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Db } from '../db/database.js';

/** An export destination that cannot be written: a missing folder, a folder, or the library. */
export class ExportPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportPathError';
  }
}

/** Files SQLite keeps beside a database: the write-ahead log, its index and a rollback journal. */
const DATABASE_SUFFIXES = ['', '-wal', '-shm', '-journal'];

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Resolves symbolic links in the folder, and in the file too when it exists. */
function canonicalPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    return join(realpathSync(dirname(absolute)), basename(absolute));
  }
}

/**
 * Throws ExportPathError when `outPath` cannot receive an export: its folder is missing, it is a
 * folder, or it is the open library database or one of the files SQLite keeps beside it.
 */
export function checkExportPath(db: Db, outPath: string): void {
  const folder = dirname(outPath);
  const folderStats = statOrNull(folder);
  if (!folderStats) throw new ExportPathError(`folder not found: ${folder}`);
  if (!folderStats.isDirectory()) throw new ExportPathError(`not a folder: ${folder}`);

  const outStats = statOrNull(outPath);
  if (outStats?.isDirectory()) {
    throw new ExportPathError(`${outPath} is a folder; give a file name such as labels.csv`);
  }

  // An in-memory or temporary database has no file name to collide with.
  if (db.memory || db.name === '' || db.name === ':memory:') return;
  const database = canonicalPath(db.name);
  const out = canonicalPath(outPath);
  const databaseStats = statOrNull(database);
  // The export is written to OUT.partial first, then renamed over OUT.
  const written = [out, `${out}.partial`];
  for (const suffix of DATABASE_SUFFIXES) {
    const sameName = written.includes(database + suffix);
    // A hard link has its own name but the same inode.
    const sameFile =
      suffix === '' &&
      outStats !== null &&
      databaseStats !== null &&
      outStats.dev === databaseStats.dev &&
      outStats.ino === databaseStats.ino;
    if (sameName || sameFile) {
      throw new ExportPathError(
        `${outPath} is the library database${suffix ? ` file ${db.name}${suffix}` : ''}; ` +
          'choose another output file',
      );
    }
  }
}
