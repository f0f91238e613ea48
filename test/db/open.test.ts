import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatabaseOpenError, openDatabase, schemaVersion } from '../../electron/core/db/database.js';
import { MIGRATIONS } from '../../electron/core/db/migrations.js';
import { temporaryFolder } from '../helpers/tmp.js';

let root: string;

beforeAll(async () => {
  root = await temporaryFolder('open');
});

describe('openDatabase', () => {
  it('creates a library at the latest schema in WAL mode', () => {
    const db = openDatabase(join(root, 'new', 'nested', 'library.sqlite'));
    try {
      expect(schemaVersion(db)).toBe(MIGRATIONS.length);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('leaves another program database untouched', () => {
    const path = join(root, 'contacts.sqlite');
    const other = new Database(path);
    other.exec('CREATE TABLE contacts (name TEXT)');
    other.close();

    expect(() => openDatabase(path)).toThrow(/contacts\.sqlite: not a DeiT Tagger library/);

    const check = new Database(path, { readonly: true });
    try {
      expect(check.pragma('journal_mode', { simple: true })).toBe('delete');
      const tables = check
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`)
        .pluck()
        .all();
      expect(tables).toEqual(['contacts']);
    } finally {
      check.close();
    }
  });

  it('rejects a newer schema', () => {
    const path = join(root, 'future.sqlite');
    const future = new Database(path);
    future.pragma('user_version = 999');
    future.close();

    expect(() => openDatabase(path)).toThrow(/newer than this app supports/);
  });

  it('rejects a folder and a text file', async () => {
    const folder = join(root, 'a-folder');
    await mkdir(folder);
    const text = join(root, 'notes.sqlite');
    await writeFile(text, 'plain text that is long enough to be read as a header by SQLite');

    expect(() => openDatabase(folder)).toThrow(DatabaseOpenError);
    expect(() => openDatabase(folder)).toThrow(/a-folder: it is a folder/);
    expect(() => openDatabase(text)).toThrow(/notes\.sqlite: file is not a database/);
  });
});
