/** Builds small library databases for search, label and export tests, as the scanner writes them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { openDatabase, type Db } from '../../electron/core/db/database.js';

export const MODEL = 'deit-test';

export interface TestLibrary {
  db: Db;
  dir: string;
  close(): void;
}

/** Opens a new library database in a temporary folder. */
export function createLibrary(): TestLibrary {
  const dir = mkdtempSync(join(tmpdir(), 'deit-search-'));
  const db = openDatabase(join(dir, 'library.sqlite'), { readonly: false });
  return {
    db,
    dir,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PhotoSpec {
  path: string;
  takenAt?: number;
  status?: 'pending' | 'tagged' | 'failed' | 'missing';
  error?: string | null;
  /** Top-5 predictions as [class index, score], rank order. */
  labels?: Array<[number, number]>;
  model?: string;
}

/** Inserts a photo and its model labels; returns the photo id. */
export function addPhoto(db: Db, spec: PhotoSpec): number {
  const model = spec.model ?? MODEL;
  const result = db
    .prepare(
      `INSERT INTO photos (path, folder, name, size, mtime_ms, taken_at, status, error, model)
       VALUES (?, ?, ?, 1000, 0, ?, ?, ?, ?)`,
    )
    .run(
      spec.path,
      dirname(spec.path),
      basename(spec.path),
      spec.takenAt ?? 0,
      spec.status ?? 'tagged',
      spec.error ?? null,
      model,
    );
  const id = Number(result.lastInsertRowid);
  if (spec.labels) writeModelLabels(db, id, spec.labels, model);
  return id;
}

/** Replaces a photo's labels of one model, as a re-tag by the scanner does. */
export function writeModelLabels(
  db: Db,
  photoId: number,
  labels: Array<[number, number]>,
  model = MODEL,
): void {
  db.transaction(() => {
    db.prepare(`DELETE FROM labels WHERE photo_id = ? AND source = 'model' AND model = ?`).run(
      photoId,
      model,
    );
    const insert = db.prepare(
      `INSERT INTO labels (photo_id, source, model, class_index, score, rank, created_at)
       VALUES (?, 'model', ?, ?, ?, ?, 0)`,
    );
    labels.forEach(([classIndex, score], i) =>
      insert.run(photoId, model, classIndex, score, i + 1),
    );
  })();
}

/** Sets the active model of the library. */
export function setActiveModel(db: Db, model: string): void {
  db.prepare(
    `INSERT INTO settings (key, value) VALUES ('active_model', ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  ).run(model);
}
