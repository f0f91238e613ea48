import type { Db } from '../db/database.js';
import { normalizeTerm, suggest as suggestLemmas } from '../labels/classes.js';
import { activeModelId } from './labels.js';
import { classList, DEFAULT_MIN_SCORE, notRejected, relevant } from './sql.js';

export interface Suggestion {
  text: string;
  kind: 'class' | 'synonym' | 'hypernym' | 'tag';
  /**
   * Distinct photos, not missing, that the suggestion finds by labels with the default rule.
   * A photo counts with a model label of the classes that is its top label or scores at least
   * DEFAULT_MIN_SCORE and is not rejected, or with an added or confirmed manual label of them.
   * File and folder names are not counted. Tags count the photos that carry them.
   */
  count: number;
  /** Set when count was estimated from a sample of the library (see suggest). */
  approximate?: true;
}

/** Lemmas looked at per prefix before ranking them by count. */
const CANDIDATE_LEMMAS = 300;

/** Most lemmas counted exactly per call, so a prefix of rare lemmas stays cheap. */
const MAX_EXACT_COUNTS_FACTOR = 3;

/**
 * Terms with more counted label rows than this are counted on a sample of a large library. An
 * exact count reads every row and sorts the photo ids, about 0.7 us per row: 14 ms at this
 * bound, while "animal" on 1,000,000 photos (2.2 million rows) took 1.7 s.
 */
const EXACT_MAX_ROWS = 20_000;

/** The sample: this many evenly spread windows of consecutive photo ids, SAMPLE_IDS in all. */
const SAMPLE_WINDOWS = 64;
const SAMPLE_IDS = 16_384;

interface CachedCount {
  count: number;
  approximate: boolean;
  version: string;
}

const countCache = new WeakMap<Db, Map<string, CachedCount>>();

/**
 * Returns a version string of the labels and missing photos. A re-tag or a correction writes
 * label rows with higher ids, and a deletion lowers the counts in class_counts.
 */
// NOTE: an UPDATE of a label's score that keeps it on the same side of DEFAULT_MIN_SCORE leaves
// the version as it is. The app's writers never update labels in place; they delete and insert.
function libraryVersion(db: Db): string {
  const row = db
    .prepare<[], { labels: number | null; counted: number; missing: number }>(
      `SELECT (SELECT max(id) FROM labels) AS labels,
         (SELECT total(photos) + total(relevant) FROM class_counts) AS counted,
         (SELECT count(*) FROM photos WHERE status = 'missing') AS missing`,
    )
    .get();
  return `${row?.labels ?? 0}:${row?.counted ?? 0}:${row?.missing ?? 0}`;
}

/** Counts the distinct photos the default search rule finds through labels of the classes. */
function countPhotos(db: Db, model: string, indices: readonly number[], missing: boolean): number {
  const list = classList(indices);
  const labelled = `
    SELECT photo_id FROM labels l INDEXED BY labels_class
    WHERE l.source = 'model' AND l.model = :model AND l.class_index IN (${list})
      AND ${relevant('l', true)} AND ${notRejected('l')}
    UNION
    SELECT photo_id FROM labels WHERE source = 'manual' AND class_index IN (${list})
      AND verdict <> 'rejected'`;
  // Joining photos to leave out missing ones triples the cost; most libraries have none.
  const sql = missing
    ? `SELECT count(*) AS n FROM (${labelled}) u JOIN photos p ON p.id = u.photo_id
       WHERE p.status <> 'missing'`
    : `SELECT count(*) AS n FROM (${labelled})`;
  return (
    db
      .prepare<{ model: string; minScore: number }, { n: number }>(sql)
      .get({ model, minScore: DEFAULT_MIN_SCORE })?.n ?? 0
  );
}

/**
 * Estimates countPhotos from the model labels of photos in SAMPLE_WINDOWS windows of ids spread
 * over the library, scaled to all ids. Manual labels and missing photos are not looked at.
 * Returns null when the library is small enough to count exactly.
 */
function estimatePhotos(db: Db, model: string, indices: readonly number[]): number | null {
  const span = db
    .prepare<[], { lo: number | null; hi: number | null }>(
      `SELECT min(id) AS lo, max(id) AS hi FROM photos`,
    )
    .get();
  const lo = span?.lo ?? null;
  const hi = span?.hi ?? null;
  if (lo === null || hi === null || hi - lo + 1 <= 2 * SAMPLE_IDS) return null;
  const ids = hi - lo + 1;
  const width = Math.floor(SAMPLE_IDS / SAMPLE_WINDOWS);
  // One range per window: a join with a list of windows let SQLite walk all labels.
  const count = db.prepare<
    { model: string; minScore: number; from: number; to: number },
    { n: number }
  >(
    `SELECT count(DISTINCT l.photo_id) AS n FROM labels l INDEXED BY labels_photo_model
     WHERE l.photo_id BETWEEN :from AND :to AND l.source = 'model' AND l.model = :model
       AND +l.class_index IN (${classList(indices)}) AND ${relevant('l', true)}
       AND ${notRejected('l')}`,
  );
  let found = 0;
  for (let i = 0; i < SAMPLE_WINDOWS; i++) {
    const from = lo + Math.floor((i * ids) / SAMPLE_WINDOWS);
    found += count.get({ model, minScore: DEFAULT_MIN_SCORE, from, to: from + width - 1 })?.n ?? 0;
  }
  return Math.round((found * ids) / (width * SAMPLE_WINDOWS));
}

/**
 * Suggests search terms that start with a prefix (or have a word that does): class names,
 * synonyms, ancestor names and free-text tags, each with the photos it would find. Terms that
 * would find nothing are left out. Prefix matches come first, then the most frequent.
 *
 * Candidates are ranked by an upper bound (the sum of their classes' counted label rows), then
 * counted once per library change. The count is exact, except for terms over EXACT_MAX_ROWS
 * label rows in a large library, which are counted on a sample (`approximate`). So a keystroke
 * costs tens of milliseconds at most.
 */
export function suggest(db: Db, prefix: string, limit = 10): Suggestion[] {
  const key = normalizeTerm(prefix);
  if (!key) return [];

  const model = activeModelId(db) ?? '';
  const bounds = new Map<number, number>();
  const rows = db
    .prepare<[string], { class_index: number; relevant: number }>(
      `SELECT class_index, relevant FROM class_counts WHERE model IN (?, '') AND relevant > 0`,
    )
    .all(model);
  for (const row of rows) {
    bounds.set(row.class_index, (bounds.get(row.class_index) ?? 0) + row.relevant);
  }

  const candidates: Array<Suggestion & { starts: boolean; classes: number[] }> = [];
  for (const entry of suggestLemmas(key, CANDIDATE_LEMMAS)) {
    const bound = entry.classes.reduce((sum, index) => sum + (bounds.get(index) ?? 0), 0);
    if (bound === 0) continue;
    const starts = normalizeTerm(entry.text).startsWith(key);
    candidates.push({
      text: entry.text,
      kind: entry.kind,
      count: bound,
      starts,
      classes: entry.classes,
    });
  }
  const order = (a: Suggestion & { starts: boolean }, b: Suggestion & { starts: boolean }) =>
    Number(b.starts) - Number(a.starts) || b.count - a.count;
  candidates.sort(order);

  const ranked: Array<Suggestion & { starts: boolean }> = [];
  if (candidates.length > 0) {
    const version = libraryVersion(db);
    const missing = !version.endsWith(':0');
    let cache = countCache.get(db);
    if (!cache) {
      cache = new Map<string, CachedCount>();
      countCache.set(db, cache);
    }
    for (const candidate of candidates.slice(0, limit * MAX_EXACT_COUNTS_FACTOR)) {
      if (ranked.length >= limit) break;
      const cacheKey = `${model}\n${candidate.classes.join(',')}`;
      let cached = cache.get(cacheKey);
      if (cached?.version !== version) {
        const estimate =
          candidate.count > EXACT_MAX_ROWS ? estimatePhotos(db, model, candidate.classes) : null;
        cached =
          estimate === null
            ? {
                count: countPhotos(db, model, candidate.classes, missing),
                approximate: false,
                version,
              }
            : { count: estimate, approximate: true, version };
        cache.set(cacheKey, cached);
      }
      if (cached.count > 0) {
        ranked.push({
          text: candidate.text,
          kind: candidate.kind,
          count: cached.count,
          starts: candidate.starts,
          ...(cached.approximate ? { approximate: true as const } : {}),
        });
      }
    }
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

  ranked.sort(order);
  return ranked.slice(0, limit).map(({ starts: _starts, ...suggestion }) => suggestion);
}
