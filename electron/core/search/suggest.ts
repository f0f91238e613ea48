import type { Db } from '../db/database.js';
import { normalizeTerm, suggest as suggestLemmas } from '../labels/classes.js';
import { activeModelId } from './labels.js';

export interface Suggestion {
  text: string;
  kind: 'class' | 'synonym' | 'hypernym' | 'tag';
  /** Photos the suggestion would find (see the note in suggest). */
  count: number;
}

/** Lemmas looked at per prefix before ranking them by count. */
const CANDIDATE_LEMMAS = 300;

/**
 * Suggests search terms that start with a prefix (or have a word that does): class names,
 * synonyms, ancestor names and free-text tags, each with the photos it would find. Terms that
 * would find nothing are left out. Prefix matches come first, then the most frequent.
 */
export function suggest(db: Db, prefix: string, limit = 10): Suggestion[] {
  const key = normalizeTerm(prefix);
  if (!key) return [];

  const model = activeModelId(db) ?? '';
  const counts = new Map<number, number>();
  const rows = db
    .prepare<[string], { class_index: number; photos: number }>(
      `SELECT class_index, photos FROM class_counts WHERE model IN (?, '') AND photos > 0`,
    )
    .all(model);
  for (const row of rows)
    counts.set(row.class_index, (counts.get(row.class_index) ?? 0) + row.photos);

  const ranked: Array<Suggestion & { starts: boolean }> = [];
  for (const entry of suggestLemmas(key, CANDIDATE_LEMMAS)) {
    // NOTE: the sum of per-class counts; a photo with two labels under one ancestor ("dog")
    // counts twice, so counts of ancestor names are upper bounds.
    const count = entry.classes.reduce((sum, index) => sum + (counts.get(index) ?? 0), 0);
    if (count === 0) continue;
    const starts = normalizeTerm(entry.text).startsWith(key);
    ranked.push({ text: entry.text, kind: entry.kind, count, starts });
  }

  const escaped = key.replace(/[\\%_]/g, (c) => `\\${c}`);
  const tags = db
    .prepare<[string, string], { tag: string; count: number }>(
      `SELECT min(tag) AS tag, count(DISTINCT photo_id) AS count FROM labels
       WHERE tag IS NOT NULL AND verdict <> 'rejected'
         AND (tag LIKE ? ESCAPE '\\' OR tag LIKE ? ESCAPE '\\')
       GROUP BY tag COLLATE NOCASE`,
    )
    .all(`${escaped}%`, `% ${escaped}%`);
  for (const tag of tags) {
    ranked.push({
      text: tag.tag,
      kind: 'tag',
      count: tag.count,
      starts: normalizeTerm(tag.tag).startsWith(key),
    });
  }

  ranked.sort((a, b) => Number(b.starts) - Number(a.starts) || b.count - a.count);
  return ranked.slice(0, limit).map(({ text, kind, count }) => ({ text, kind, count }));
}
