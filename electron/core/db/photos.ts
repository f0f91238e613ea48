import { basename, dirname, sep } from 'node:path';
import type { Db } from './database.js';

export type PhotoStatus = 'pending' | 'tagged' | 'failed' | 'missing';

/** A photo row with camelCase field names. */
export interface PhotoRecord {
  id: number;
  path: string;
  folder: string;
  name: string;
  size: number;
  mtimeMs: number;
  hash: string | null;
  format: string | null;
  width: number | null;
  height: number | null;
  takenAt: number;
  camera: string | null;
  status: PhotoStatus;
  error: string | null;
  thumbnail: string | null;
  model: string | null;
}

/** The columns the scanner compares against a fresh listing. */
export interface StoredFile {
  id: number;
  path: string;
  size: number;
  mtimeMs: number;
  hash: string | null;
  status: PhotoStatus;
  model: string | null;
}

/** The data a successful decode and classification store for one photo. */
export interface TaggedPhoto {
  path: string;
  size: number;
  mtimeMs: number;
  hash: string;
  format: string;
  width: number;
  height: number;
  takenAt: number;
  camera: string | null;
  thumbnail: string | null;
  labels: ReadonlyArray<{ classIndex: number; score: number }>;
}

export interface FailedPhoto {
  path: string;
  size: number;
  mtimeMs: number;
  hash: string | null;
  error: string;
}

const PHOTO_COLUMNS = `id, path, folder, name, size, mtime_ms AS mtimeMs, hash, format, width, height,
  taken_at AS takenAt, camera, status, error, thumbnail, model`;

/** Returns the escaped LIKE pattern that matches every path below a folder. */
export function folderPrefixPattern(folder: string): string {
  const prefix = folder.endsWith(sep) ? folder : folder + sep;
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';
}

/** Prepared statements for the photos table and the model labels that the scanner writes. */
export class PhotoStore {
  private readonly byFolder;
  private readonly byId;
  private readonly byPath;
  private readonly missingByHash;
  private readonly upsertTagged;
  private readonly upsertFailed;
  private readonly deleteModelLabels;
  private readonly insertModelLabel;
  private readonly markMissing;
  private readonly markMissingByPath;
  private readonly movePhoto;
  private readonly deletePhoto;

  constructor(private readonly db: Db) {
    this.byFolder = db.prepare<[string, string], StoredFile>(
      `SELECT id, path, size, mtime_ms AS mtimeMs, hash, status, model FROM photos
       WHERE path >= ? AND path < ?`,
    );
    this.byId = db.prepare<[number], PhotoRecord>(
      `SELECT ${PHOTO_COLUMNS} FROM photos WHERE id = ?`,
    );
    this.byPath = db.prepare<[string], PhotoRecord>(
      `SELECT ${PHOTO_COLUMNS} FROM photos WHERE path = ?`,
    );
    this.missingByHash = db.prepare<[string], { id: number; status: PhotoStatus }>(
      `SELECT id, status FROM photos WHERE hash = ? AND status = 'missing' ORDER BY id LIMIT 1`,
    );
    this.upsertTagged = db.prepare(
      `INSERT INTO photos (path, folder, name, size, mtime_ms, hash, format, width, height,
         taken_at, camera, status, error, thumbnail, model, scanned_at)
       VALUES (@path, @folder, @name, @size, @mtimeMs, @hash, @format, @width, @height,
         @takenAt, @camera, 'tagged', NULL, @thumbnail, @model, @now)
       ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms,
         hash = excluded.hash, format = excluded.format, width = excluded.width,
         height = excluded.height, taken_at = excluded.taken_at, camera = excluded.camera,
         status = 'tagged', error = NULL, thumbnail = excluded.thumbnail, model = excluded.model,
         scanned_at = excluded.scanned_at
       RETURNING id`,
    );
    this.upsertFailed = db.prepare(
      `INSERT INTO photos (path, folder, name, size, mtime_ms, hash, taken_at, status, error,
         scanned_at)
       VALUES (@path, @folder, @name, @size, @mtimeMs, @hash, @mtimeMs, 'failed', @error, @now)
       ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms,
         hash = excluded.hash, status = 'failed', error = excluded.error,
         scanned_at = excluded.scanned_at`,
    );
    this.deleteModelLabels = db.prepare(
      `DELETE FROM labels WHERE photo_id = ? AND source = 'model' AND model = ?`,
    );
    this.insertModelLabel = db.prepare(
      `INSERT INTO labels (photo_id, source, model, class_index, score, rank, created_at)
       VALUES (?, 'model', ?, ?, ?, ?, ?)`,
    );
    this.markMissing = db.prepare(`UPDATE photos SET status = 'missing' WHERE id = ?`);
    this.markMissingByPath = db.prepare(`UPDATE photos SET status = 'missing' WHERE path = ?`);
    this.movePhoto = db.prepare(
      `UPDATE photos SET path = @path, folder = @folder, name = @name, size = @size,
         mtime_ms = @mtimeMs, status = @status WHERE id = @id`,
    );
    this.deletePhoto = db.prepare(`DELETE FROM photos WHERE id = ?`);
  }

  /** Runs a function in one transaction: all of its writes land, or none. */
  transaction(write: () => void): void {
    this.db.transaction(write)();
  }

  /** Returns the id of a missing photo with this content, or null. */
  findMissingByHash(hash: string): number | null {
    return this.missingByHash.get(hash)?.id ?? null;
  }

  markPathMissing(path: string): void {
    this.markMissingByPath.run(path);
  }

  /**
   * Returns the stored files below a folder, keyed by path. In SQLite's byte order, the paths
   * that start with `folder + sep` are exactly those from that prefix up to the prefix with its
   * separator raised by one code point. This range reads the path index and, unlike LIKE, is
   * case-sensitive, as paths on Linux are.
   */
  filesUnder(folder: string): Map<string, StoredFile> {
    const prefix = folder.endsWith(sep) ? folder : folder + sep;
    const end = prefix.slice(0, -1) + String.fromCharCode(sep.charCodeAt(0) + 1);
    const files = new Map<string, StoredFile>();
    for (const row of this.byFolder.iterate(prefix, end)) files.set(row.path, row);
    return files;
  }

  get(id: number): PhotoRecord | null {
    return this.byId.get(id) ?? null;
  }

  getByPath(path: string): PhotoRecord | null {
    return this.byPath.get(path) ?? null;
  }

  markFilesMissing(ids: readonly number[]): void {
    this.transaction(() => {
      for (const id of ids) this.markMissing.run(id);
    });
  }

  /**
   * Gives the missing photo `id` (found by findMissingByHash) the file's new path, so it keeps
   * every label, manual ones included. A row stored at the new path is replaced.
   */
  adoptMovedFile(id: number, file: { path: string; size: number; mtimeMs: number }): void {
    const existing = this.byPath.get(file.path);
    if (existing && existing.id !== id) this.deletePhoto.run(existing.id);
    const row = this.get(id);
    this.movePhoto.run({
      id,
      path: file.path,
      folder: dirname(file.path),
      name: basename(file.path),
      size: file.size,
      mtimeMs: file.mtimeMs,
      status: row?.error ? 'failed' : 'tagged',
    });
  }

  /** Writes a photo and its top labels from one model, replacing that model's earlier labels. */
  saveTagged(photo: TaggedPhoto, model: string, now: number): number {
    const { id } = this.upsertTagged.get({
      path: photo.path,
      folder: dirname(photo.path),
      name: basename(photo.path),
      size: photo.size,
      mtimeMs: photo.mtimeMs,
      hash: photo.hash,
      format: photo.format,
      width: photo.width,
      height: photo.height,
      takenAt: photo.takenAt,
      camera: photo.camera,
      thumbnail: photo.thumbnail,
      model,
      now,
    }) as { id: number };
    this.deleteModelLabels.run(id, model);
    photo.labels.forEach((label, index) => {
      this.insertModelLabel.run(id, model, label.classIndex, label.score, index + 1, now);
    });
    return id;
  }

  /** Records why a photo could not be tagged; labels it had from earlier scans stay. */
  saveFailed(photo: FailedPhoto, now: number): void {
    this.upsertFailed.run({
      path: photo.path,
      folder: dirname(photo.path),
      name: basename(photo.path),
      size: photo.size,
      mtimeMs: photo.mtimeMs,
      hash: photo.hash,
      error: photo.error,
      now,
    });
  }
}
