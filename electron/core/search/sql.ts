/**
 * SQL fragments of a search. Class indices come from the class table, so they are written
 * into the SQL as integer lists; everything the user typed is a named parameter.
 *
 * Each EXISTS subquery that is not negated ends in LIMIT 1. That keeps SQLite 3.51 from
 * turning it into a join, which it may start by scanning a whole table to build a Bloom filter:
 * 30 ms on 100,000 photos, for a page that needs a few hundred rows. Lookups of one photo's
 * labels write `+class_index IN (...)`, so SQLite seeks the photo's five rows and tests each
 * class instead of seeking once per class of the list, and name the covering index
 * labels_photo_model: left to itself SQLite may pick labels_unique and read every row from the
 * table, five times slower.
 */
import type { QueryTerm } from './query.js';

export type SourceFilter = 'model' | 'manual' | 'any';

/** Parameters every search statement binds. */
export interface SearchParams {
  model: string;
  /** Model labels scoring at least this count; see relevant(). */
  minScore: number;
  [name: string]: string | number | null;
}

/**
 * Model labels scoring below this count only as a photo's top label, unless the query sets
 * its own minimum score. A top-5 list often ends in classes the photo does not show ("tiger
 * cat 0.00" on a zebra), so "dog" should find the photos that show a dog, not every photo
 * where a breed scraped into the top 5.
 */
export const DEFAULT_MIN_SCORE = 0.1;

/**
 * Model label `alias` counts for a search. With the default rule (`topLabel`) it counts when it
 * is the photo's top label or scores at least :minScore. With a minimum score the query set,
 * it counts only when it scores at least that.
 */
export function relevant(alias: string, topLabel: boolean): string {
  return topLabel
    ? `(${alias}.score >= :minScore OR ${alias}.rank = 1)`
    : `${alias}.score >= :minScore`;
}

export function classList(indices: readonly number[]): string {
  return indices.map((index) => String(Math.trunc(index))).join(', ');
}

/** Model label `alias` is not rejected by a manual row of the same photo and class. */
export function notRejected(alias: string): string {
  return `NOT EXISTS (SELECT 1 FROM labels r WHERE r.photo_id = ${alias}.photo_id
    AND r.class_index = ${alias}.class_index AND r.verdict = 'rejected')`;
}

/** Tests for a model label of photo `photoId` in the classes that counts and is not rejected. */
export function modelLabelExists(
  photoId: string,
  indices: readonly number[],
  topLabel: boolean,
): string {
  return `EXISTS (SELECT 1 FROM labels x INDEXED BY labels_photo_model
    WHERE x.photo_id = ${photoId} AND x.source = 'model'
    AND x.model = :model AND +x.class_index IN (${classList(indices)})
    AND ${relevant('x', topLabel)} AND ${notRejected('x')} LIMIT 1)`;
}

/**
 * Photo `photoId` matches term number `i`: a model label of its classes, a manual label of its
 * classes or a free-text tag with its words, or its words in the file or folder name.
 */
export function termMatches(
  photoId: string,
  term: QueryTerm,
  i: number,
  source: SourceFilter,
  topLabel: boolean,
  modelFlag?: string,
): string {
  const parts: string[] = [];
  if (source !== 'manual' && term.classes.length > 0) {
    parts.push(modelFlag ?? modelLabelExists(photoId, term.classes, topLabel));
  }
  if (source !== 'model') {
    const manualClass =
      term.classes.length > 0 ? `y.class_index IN (${classList(term.classes)}) OR ` : '';
    parts.push(`EXISTS (SELECT 1 FROM labels y WHERE y.photo_id = ${photoId}
      AND y.source = 'manual' AND y.model = '' AND y.verdict <> 'rejected'
      AND (${manualClass}deit_tag_matches(y.tag, :term${i})) LIMIT 1)`);
  }
  if (source === 'any' && term.words !== null) {
    parts.push(
      term.wordsLookup === 'probe'
        ? `EXISTS (SELECT 1 FROM photo_words w WHERE photo_words MATCH :words${i}
            AND w.rowid = ${photoId} LIMIT 1)`
        : `${photoId} IN (SELECT rowid FROM photo_words WHERE photo_words MATCH :words${i})`,
    );
  }
  return parts.length > 0 ? `(${parts.join(' OR ')})` : '0';
}

/**
 * Selects (id, score) rows of the photos one term matches, for a search that starts from a
 * small set of photos. Model labels that count bring their score. Manual labels, tags and name
 * matches bring a NULL score. A photo may appear more than once.
 */
export function termCandidates(
  term: QueryTerm,
  i: number,
  source: SourceFilter,
  includeModel: boolean,
  topLabel: boolean,
): string {
  const parts: string[] = [];
  const list = classList(term.classes);
  if (includeModel && source !== 'manual' && term.classes.length > 0) {
    parts.push(`SELECT photo_id AS id, score FROM labels l WHERE source = 'model'
      AND model = :model AND class_index IN (${list}) AND ${relevant('l', topLabel)}
      AND ${notRejected('l')}`);
  }
  if (source !== 'model') {
    if (term.classes.length > 0) {
      parts.push(`SELECT photo_id, NULL FROM labels WHERE source = 'manual'
        AND class_index IN (${list}) AND verdict <> 'rejected'`);
    }
    parts.push(`SELECT photo_id, NULL FROM labels WHERE tag IS NOT NULL AND verdict <> 'rejected'
      AND deit_tag_matches(tag, :term${i})`);
  }
  if (source === 'any' && term.words !== null) {
    parts.push(`SELECT rowid, NULL FROM photo_words WHERE photo_words MATCH :words${i}`);
  }
  return parts.length > 0 ? parts.join('\nUNION ALL ') : 'SELECT NULL, NULL WHERE 0';
}

/** Selects the best score among the photo's model labels for the classes; NULL when none counts. */
export function bestScore(
  photoId: string,
  indices: readonly number[],
  source: SourceFilter,
  topLabel: boolean,
): string {
  if (source === 'manual' || indices.length === 0) return 'NULL';
  return `(SELECT max(x.score) FROM labels x INDEXED BY labels_photo_model
    WHERE x.photo_id = ${photoId} AND x.source = 'model'
    AND x.model = :model AND +x.class_index IN (${classList(indices)})
    AND ${relevant('x', topLabel)} AND ${notRejected('x')})`;
}

/** Filters on the photo row `p`: status, folder, every positive term, no negative term. */
export function photoFilters(
  terms: readonly QueryTerm[],
  source: SourceFilter,
  options: {
    folder: boolean;
    /** The default rule of relevant(): top labels count at any score. */
    topLabel: boolean;
    skipTerm?: number;
    /** Per term index, a column that is 1 when the photo has a model label of the term. */
    modelFlags?: ReadonlyMap<number, string>;
  },
): string {
  const filters = [`p.status <> 'missing'`];
  if (options.folder) {
    filters.push(
      `(p.folder = :folder OR substr(p.folder, 1, length(:folderPrefix)) = :folderPrefix)`,
    );
  }
  terms.forEach((term, i) => {
    if (i === options.skipTerm) return;
    const match = termMatches(
      'p.id',
      term,
      i,
      source,
      options.topLabel,
      options.modelFlags?.get(i),
    );
    filters.push(term.negated ? `NOT ${match}` : match);
  });
  return filters.join('\n  AND ');
}
