import Database from 'better-sqlite3';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/** The database could not be opened or is not a DeiT Tagger library. */
export class DatabaseOpenError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot open database ${path}: ${reason}`, { cause });
    this.name = 'DatabaseOpenError';
  }
}

/**
 * Opens (creating if needed) a library database in WAL mode and brings its schema up to date.
 * Throws DatabaseOpenError when the file is not SQLite, is read-only, or comes from a newer
 * version of the app.
 */
export function openDatabase(path: string, options: { readonly?: boolean } = {}): Db {
  let db: Db | undefined;
  try {
    if (existsSync(path) && statSync(path).isDirectory()) throw new Error('it is a folder');
    if (!options.readonly && path !== ':memory:') createFolders(dirname(path));
    db = new Database(path, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    // 64 MiB page cache, up from 2 MiB: searches read scattered pages of the label indexes.
    db.pragma('cache_size = -65536');
    checkVersion(db);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // With WAL, NORMAL loses at most the last transactions on power loss, never consistency.
      db.pragma('synchronous = NORMAL');
      migrate(db);
    }
    return db;
  } catch (error) {
    db?.close();
    throw new DatabaseOpenError(path, error);
  }
}

/**
 * Creates a folder and its missing parents one level at a time. Node 20's recursive mkdirSync
 * loops forever on some virtual file systems such as /proc, where mkdir fails with ENOENT.
 */
function createFolders(folder: string): void {
  const missing: string[] = [];
  for (let current = folder; !existsSync(current); current = dirname(current)) {
    if (dirname(current) === current) break;
    missing.unshift(current);
  }
  for (const path of missing) mkdirSync(path);
}

/** Returns the schema version the database is at. */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function checkVersion(db: Db): number {
  // Reading user_version also makes SQLite read the header, so a non-database fails here.
  const version = schemaVersion(db);
  if (version === 0) {
    // A new library is an empty file. Another program's database is left untouched.
    const tables = db
      .prepare<[], { name: string }>(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 1`,
      )
      .get();
    if (tables) throw new Error('not a DeiT Tagger library: it contains tables of another program');
  }
  if (version > MIGRATIONS.length) {
    throw new Error(
      `schema version ${version} is newer than this app supports (${MIGRATIONS.length}); update DeiT Tagger`,
    );
  }
  return version;
}

/** Applies every migration the database lacks, each in one transaction with its version. */
export function migrate(db: Db): void {
  const current = checkVersion(db);
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    const sql = MIGRATIONS[version - 1] ?? '';
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
}
