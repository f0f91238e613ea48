import type { Db } from '../db/database.js';
import { activeModelId, labelsOfPhotos, type PhotoLabel } from '../search/labels.js';
import { searchPhotos, type SearchQuery } from '../search/search.js';

/** A photo as exports write it. */
export interface ExportPhoto {
  id: number;
  path: string;
  status: 'pending' | 'tagged' | 'failed' | 'missing';
  error: string | null;
  takenAt: number;
  width: number | null;
  height: number | null;
  /** Labels without the rejected ones: the active model's by rank, then manual ones. */
  labels: PhotoLabel[];
}

/** Photos read per query while exporting. */
const PAGE_SIZE = 1000;

interface PhotoRow {
  id: number;
  path: string;
  status: ExportPhoto['status'];
  error: string | null;
  taken_at: number;
  width: number | null;
  height: number | null;
}

function keptLabels(labels: PhotoLabel[]): PhotoLabel[] {
  return labels.filter((label) => label.verdict !== 'rejected');
}

function readPhotos(db: Db, ids: number[]): Map<number, PhotoRow> {
  const rows = db
    .prepare<[string], PhotoRow>(
      `SELECT id, path, status, error, taken_at, width, height FROM photos
       WHERE id IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(ids));
  return new Map(rows.map((row) => [row.id, row]));
}

function toExportPhoto(row: PhotoRow, labels: PhotoLabel[]): ExportPhoto {
  return {
    id: row.id,
    path: row.path,
    status: row.status,
    error: row.error,
    takenAt: row.taken_at,
    width: row.width,
    height: row.height,
    labels: keptLabels(labels),
  };
}

/**
 * Yields every photo of the library in id order, missing and failed ones included, a page at a
 * time, so memory stays bounded whatever the library's size.
 */
export function* allPhotos(db: Db): Generator<ExportPhoto> {
  const model = activeModelId(db);
  const page = db.prepare<[number, number], PhotoRow>(
    `SELECT id, path, status, error, taken_at, width, height FROM photos
     WHERE id > ? ORDER BY id LIMIT ?`,
  );
  let after = 0;
  for (;;) {
    const rows = page.all(after, PAGE_SIZE);
    if (rows.length === 0) return;
    const labels = labelsOfPhotos(
      db,
      rows.map((row) => row.id),
      model,
    );
    for (const row of rows) yield toExportPhoto(row, labels.get(row.id) ?? []);
    after = rows[rows.length - 1].id;
  }
}

/** Yields the photos a search finds, in its order, following its cursor page by page. */
export function* searchedPhotos(db: Db, query: SearchQuery): Generator<ExportPhoto> {
  let cursor: string | null = null;
  do {
    const result = searchPhotos(db, { ...query, limit: PAGE_SIZE, cursor });
    const rows = readPhotos(
      db,
      result.hits.map((hit) => hit.id),
    );
    for (const hit of result.hits) {
      const row = rows.get(hit.id);
      if (row) yield toExportPhoto(row, hit.labels);
    }
    cursor = result.nextCursor;
  } while (cursor);
}
