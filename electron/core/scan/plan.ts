import { sep } from 'node:path';
import type { PhotoStore, StoredFile } from '../db/photos.js';
import type { WalkEntry, WalkResult } from './walk.js';

/** The outcome of comparing a fresh listing with what the database stores. */
export interface ScanPlan {
  /** New and changed files, pending ones, and with re-tagging those that lack the model's labels. */
  toProcess: WalkEntry[];
  unchanged: number;
  /** Stored photos that the listing no longer contains. */
  missingIds: number[];
}

function isBelow(path: string, folders: readonly string[]): boolean {
  return folders.some(
    (folder) => path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep),
  );
}

/** Reads the stored photos below the scanned folders, keyed by path. */
export function storedFilesUnder(
  roots: readonly string[],
  store: PhotoStore,
): Map<string, StoredFile> {
  if (roots.length === 1) return store.filesUnder(roots[0] ?? '');
  const stored = new Map<string, StoredFile>();
  for (const root of roots) for (const [path, row] of store.filesUnder(root)) stored.set(path, row);
  return stored;
}

/**
 * Compares a listing with the stored photos by path, size and modification time. Photos below
 * folders that could not be read are left alone rather than marked missing.
 */
export function planScan(
  stored: ReadonlyMap<string, StoredFile>,
  listing: WalkResult,
  options: { model: string; retag: boolean },
): ScanPlan {
  const plan: ScanPlan = { toProcess: [], unchanged: 0, missingIds: [] };
  const listed = new Set<string>();
  for (const file of listing.files) {
    listed.add(file.path);
    const row = stored.get(file.path);
    if (row && isUnchanged(row, file, options)) plan.unchanged++;
    else plan.toProcess.push(file);
  }
  for (const row of stored.values()) {
    if (listed.has(row.path) || row.status === 'missing') continue;
    if (isBelow(row.path, listing.unreadable)) continue;
    plan.missingIds.push(row.id);
  }
  return plan;
}

function isUnchanged(
  row: StoredFile,
  file: WalkEntry,
  options: { model: string; retag: boolean },
): boolean {
  if (row.size !== file.size || row.mtimeMs !== file.mtimeMs) return false;
  if (row.status === 'pending' || row.status === 'missing') return false;
  if (options.retag && row.status === 'tagged' && row.model !== options.model) return false;
  return true;
}
