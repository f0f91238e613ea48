import type { Db } from '../db/database.js';
import { classes, displayName } from '../labels/classes.js';

export type LabelSource = 'model' | 'manual';
export type Verdict = 'added' | 'confirmed' | 'rejected';

/** A label of a photo as the user sees it. */
export interface PhotoLabel {
  classIndex: number | null;
  /** The class's display name, or the free-text tag. */
  label: string;
  wnid: string | null;
  score: number | null;
  rank: number | null;
  source: LabelSource;
  /**
   * The user's verdict. A model label carries the confirmation or rejection of its class. A
   * manual label is 'added', or 'confirmed' or 'rejected' when the model no longer predicts it.
   */
  verdict: Verdict | null;
  /** The model id for model labels, '' for manual ones. */
  model: string;
}

interface LabelRow {
  photo_id: number;
  source: LabelSource;
  model: string;
  class_index: number | null;
  tag: string | null;
  score: number | null;
  rank: number | null;
  verdict: Verdict | null;
}

/**
 * Returns the id of the model whose labels count: the `active_model` setting, else the model
 * of the most recently written model label, else null for a library with no labels.
 */
export function activeModelId(db: Db): string | null {
  const setting = db
    .prepare<[], { value: string }>(`SELECT value FROM settings WHERE key = 'active_model'`)
    .get();
  if (setting) return setting.value;
  // `+source` keeps SQLite from reading a partial index on source and sorting it by id.
  const latest = db
    .prepare<[], { model: string }>(
      `SELECT model FROM labels WHERE +source = 'model' ORDER BY id DESC LIMIT 1`,
    )
    .get();
  return latest?.model ?? null;
}

function toLabel(row: LabelRow, verdict: Verdict | null): PhotoLabel {
  const index = row.class_index;
  return {
    classIndex: index,
    label: index === null ? (row.tag ?? '') : displayName(index),
    wnid: index === null ? null : (classes[index]?.wnid ?? null),
    score: row.score,
    rank: row.rank,
    source: row.source,
    verdict,
    model: row.model,
  };
}

/**
 * Returns the labels of several photos, keyed by photo id: the active model's labels by rank,
 * each with the user's verdict on its class, then the manual labels that no model label
 * carries, oldest first.
 */
export function labelsOfPhotos(
  db: Db,
  photoIds: readonly number[],
  model: string | null = activeModelId(db),
): Map<number, PhotoLabel[]> {
  const result = new Map<number, PhotoLabel[]>(photoIds.map((id) => [id, []]));
  if (photoIds.length === 0) return result;

  const rows = db
    .prepare<{ ids: string; model: string }, LabelRow>(
      `SELECT photo_id, source, model, class_index, tag, score, rank, verdict
       FROM labels
       WHERE photo_id IN (SELECT value FROM json_each(:ids))
         AND (source = 'manual' OR model = :model)
       ORDER BY photo_id, source = 'manual', rank, created_at, id`,
    )
    .all({ ids: JSON.stringify(photoIds), model: model ?? '' });

  const verdicts = new Map<string, Verdict>();
  const modelClasses = new Set<string>();
  for (const row of rows) {
    const key = `${row.photo_id}:${row.class_index}`;
    if (row.source === 'manual' && row.class_index !== null && row.verdict) {
      verdicts.set(key, row.verdict);
    }
    if (row.source === 'model') modelClasses.add(key);
  }

  for (const row of rows) {
    const key = `${row.photo_id}:${row.class_index}`;
    const list = result.get(row.photo_id);
    if (!list) continue;
    if (row.source === 'model') list.push(toLabel(row, verdicts.get(key) ?? null));
    else if (row.class_index === null || !modelClasses.has(key))
      list.push(toLabel(row, row.verdict));
  }
  return result;
}

/** Returns one photo's labels, as labelsOfPhotos does. */
export function photoLabels(db: Db, photoId: number): PhotoLabel[] {
  return labelsOfPhotos(db, [photoId]).get(photoId) ?? [];
}
