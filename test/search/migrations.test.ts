import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { migrate, schemaVersion } from '../../electron/core/db/database.js';
import { MIGRATIONS } from '../../electron/core/db/migrations.js';
import { DEFAULT_MIN_SCORE } from '../../electron/core/search/sql.js';

let dir: string;
let db: Database.Database;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deit-migrations-'));
  db = new Database(join(dir, 'library.sqlite'));
  // A library as version 1 left it, with a tagged photo, a manual tag and a rejection.
  db.exec(MIGRATIONS[0]);
  db.pragma('user_version = 1');
  db.exec(`
    INSERT INTO photos (id, path, folder, name, size, mtime_ms, taken_at, status)
      VALUES (1, '/lib/Beach Trip/IMG_1.jpg', '/lib/Beach Trip', 'IMG_1.jpg', 1, 0, 0, 'tagged');
    INSERT INTO labels (photo_id, source, model, class_index, score, rank, created_at)
      VALUES (1, 'model', 'm', 162, 0.9, 1, 0), (1, 'model', 'm', 281, 0.1, 2, 0);
    INSERT INTO labels (photo_id, source, model, class_index, verdict, created_at)
      VALUES (1, 'manual', '', 281, 'rejected', 0), (1, 'manual', '', 978, 'added', 0);
  `);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

it('search migrations backfill counts and names', () => {
  migrate(db);
  expect(schemaVersion(db)).toBe(MIGRATIONS.length);

  const counts = db
    .prepare('SELECT model, class_index, photos FROM class_counts ORDER BY model, class_index')
    .all();
  // The rejected manual row is not counted; the model row it rejects still is.
  expect(counts).toEqual([
    { model: '', class_index: 978, photos: 1 },
    { model: 'm', class_index: 162, photos: 1 },
    { model: 'm', class_index: 281, photos: 1 },
  ]);

  const words = (query: string): unknown[] =>
    db.prepare('SELECT rowid FROM photo_words WHERE photo_words MATCH ?').pluck().all(query);
  expect(words('beach')).toEqual([1]);
  expect(words('img')).toEqual([1]);
  expect(words('lion')).toEqual([]);
});

it('search migrations keep counts and names current', () => {
  migrate(db);
  const count = (): unknown =>
    db
      .prepare(`SELECT photos FROM class_counts WHERE model = 'm' AND class_index = 162`)
      .pluck()
      .get();

  db.prepare(`DELETE FROM labels WHERE photo_id = 1 AND source = 'model'`).run();
  expect(count()).toBe(0);

  db.prepare(`UPDATE photos SET name = 'sunset.jpg', folder = '/lib/Mountains' WHERE id = 1`).run();
  const words = (query: string): unknown[] =>
    db.prepare('SELECT rowid FROM photo_words WHERE photo_words MATCH ?').pluck().all(query);
  expect(words('beach')).toEqual([]);
  expect(words('sunset')).toEqual([1]);
  expect(words('mountains')).toEqual([1]);

  db.prepare(`DELETE FROM photos WHERE id = 1`).run();
  expect(words('sunset')).toEqual([]);
});

it('counts the label rows search counts by default', () => {
  migrate(db);
  const relevant = (): unknown[] =>
    db.prepare('SELECT model, class_index, photos, relevant FROM class_counts ORDER BY 1, 2').all();
  // 162 is the top label, 281 scores exactly DEFAULT_MIN_SCORE, 978 is an added manual class.
  expect(relevant()).toEqual([
    { model: '', class_index: 978, photos: 1, relevant: 1 },
    { model: 'm', class_index: 162, photos: 1, relevant: 1 },
    { model: 'm', class_index: 281, photos: 1, relevant: 1 },
  ]);
  expect(DEFAULT_MIN_SCORE).toBe(0.1);

  db.exec(`
    INSERT INTO labels (photo_id, source, model, class_index, score, rank, created_at)
      VALUES (1, 'model', 'm', 340, 0.05, 3, 0);
    UPDATE labels SET score = 0.09 WHERE class_index = 281 AND source = 'model';
  `);
  expect(relevant()).toContainEqual({ model: 'm', class_index: 340, photos: 1, relevant: 0 });
  expect(relevant()).toContainEqual({ model: 'm', class_index: 281, photos: 1, relevant: 0 });

  db.exec(`UPDATE labels SET rank = 1 WHERE class_index = 340`);
  expect(relevant()).toContainEqual({ model: 'm', class_index: 340, photos: 1, relevant: 1 });
  db.exec(`DELETE FROM labels WHERE photo_id = 1 AND source = 'model'`);
  expect(relevant()).toContainEqual({ model: 'm', class_index: 340, photos: 0, relevant: 0 });
  expect(relevant()).toContainEqual({ model: 'm', class_index: 162, photos: 0, relevant: 0 });
});
