/**
 * The user's corrections to labels, stored as manual label rows. The scanner replaces only model
 * rows, so every correction outlives a re-tag, and search ignores a model label whose class the
 * user rejected on that photo.
 */
import type { Db } from '../db/database.js';
import { classes, lookupClass } from './classes.js';

/** The target of a tag: an ImageNet class, or free text for anything else. */
export type TagTarget = { classIndex: number } | { tag: string };

/** Maximum length of a free-text tag, in characters. */
export const MAX_TAG_LENGTH = 200;

/** One or more photo ids do not exist. */
export class PhotoNotFoundError extends Error {
  constructor(readonly ids: number[]) {
    super(`photo not found: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', ...' : ''}`);
    this.name = 'PhotoNotFoundError';
  }
}

/** A label names more than one class or no class. */
export class LabelLookupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelLookupError';
  }
}

function checkClass(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= classes.length) {
    throw new RangeError(`class index out of range 0..999: ${index}`);
  }
}

function checkTag(tag: string): string {
  const text = tag.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (!text) throw new LabelLookupError('a tag must not be empty');
  if (text.length > MAX_TAG_LENGTH) {
    throw new LabelLookupError(`a tag must be at most ${MAX_TAG_LENGTH} characters`);
  }
  return text;
}

/**
 * Resolves what the user typed to a class (a class name or synonym, wnid or index) or, when
 * `freeText` allows it, a free-text tag. A name shared by two classes ("crane") is an error
 * that lists their wnids.
 */
export function resolveLabel(label: string, options: { freeText: boolean }): TagTarget {
  const found = lookupClass(label);
  if (found.length === 1) return { classIndex: found[0] };
  if (found.length > 1) {
    const choices = found.map(
      (index) => `${classes[index].wnid} (${classes[index].names.join(', ')})`,
    );
    throw new LabelLookupError(
      `"${label}" names ${found.length} classes; use a wnid: ${choices.join('; ')}`,
    );
  }
  if (options.freeText) return { tag: checkTag(label) };
  throw new LabelLookupError(`"${label}" is not an ImageNet class name, wnid or index`);
}

function checkPhotos(db: Db, photoIds: readonly number[]): void {
  const found = new Set(
    db
      .prepare<[string], { id: number }>(
        `SELECT id FROM photos WHERE id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(photoIds))
      .map((row) => row.id),
  );
  const missing = photoIds.filter((id) => !found.has(id));
  if (missing.length > 0) throw new PhotoNotFoundError(missing);
}

type Verdict = 'added' | 'confirmed' | 'rejected';

/**
 * Writes a manual row per photo in one transaction. `keep` lists the verdicts an existing row
 * keeps (adding a class that is already confirmed leaves it confirmed). Returns the number of
 * photos whose row changed.
 */
function upsertManual(
  db: Db,
  photoIds: readonly number[],
  target: TagTarget,
  verdict: Verdict,
  keep: readonly Verdict[] = [],
): number {
  const classIndex = 'classIndex' in target ? target.classIndex : null;
  const tag = 'tag' in target ? checkTag(target.tag) : null;
  if (classIndex !== null) checkClass(classIndex);

  const statement = db.prepare<{
    photoId: number;
    classIndex: number | null;
    tag: string | null;
    verdict: Verdict;
    now: number;
    keep: string;
  }>(
    `INSERT INTO labels (photo_id, source, model, class_index, tag, verdict, created_at)
     VALUES (:photoId, 'manual', '', :classIndex, :tag, :verdict, :now)
     ON CONFLICT (photo_id, source, model, coalesce(class_index, -1), coalesce(tag, ''))
     DO UPDATE SET verdict = excluded.verdict, created_at = excluded.created_at
     WHERE verdict <> excluded.verdict
       AND verdict NOT IN (SELECT value FROM json_each(:keep))`,
  );
  return db
    .transaction(() => {
      checkPhotos(db, photoIds);
      const now = Date.now();
      let changed = 0;
      for (const photoId of new Set(photoIds)) {
        const params = { photoId, classIndex, tag, verdict, now, keep: JSON.stringify(keep) };
        changed += statement.run(params).changes;
      }
      return changed;
    })
    .immediate();
}

/** Adds a class or free-text tag to photos; a rejected class becomes added again. */
export function addTag(db: Db, photoIds: readonly number[], target: TagTarget): number {
  return upsertManual(db, photoIds, target, 'added', ['confirmed']);
}

/** Confirms a class on photos, whether or not the model predicted it. */
export function confirmLabel(db: Db, photoIds: readonly number[], classIndex: number): number {
  return upsertManual(db, photoIds, { classIndex }, 'confirmed');
}

/** Rejects a class on photos: search and export ignore the model's label for it from now on. */
export function rejectLabel(db: Db, photoIds: readonly number[], classIndex: number): number {
  return upsertManual(db, photoIds, { classIndex }, 'rejected');
}

/**
 * Removes the user's row for a class or tag on photos: undoes a rejection, a confirmation or an
 * added tag. Model labels are left as they are. Returns the number of rows removed.
 */
export function clearCorrection(db: Db, photoIds: readonly number[], target: TagTarget): number {
  const classIndex = 'classIndex' in target ? target.classIndex : -1;
  const tag = 'tag' in target ? checkTag(target.tag) : '';
  const statement = db.prepare<[number, number, string]>(
    `DELETE FROM labels WHERE photo_id = ? AND source = 'manual' AND model = ''
       AND coalesce(class_index, -1) = ? AND coalesce(tag, '') = ?`,
  );
  return db
    .transaction(() => {
      checkPhotos(db, photoIds);
      let removed = 0;
      for (const photoId of new Set(photoIds))
        removed += statement.run(photoId, classIndex, tag).changes;
      return removed;
    })
    .immediate();
}
