import { sep } from 'node:path';
import type { Db } from '../db/database.js';
import { decodeCursor, encodeCursor, type Cursor } from './cursor.js';
import { activeModelId, labelsOfPhotos, type PhotoLabel } from './labels.js';

export { InvalidCursorError } from './cursor.js';
export { DEFAULT_MIN_SCORE } from './sql.js';
import { parseQuery, tagMatches, type QueryTerm } from './query.js';
import {
  bestScore,
  classList,
  DEFAULT_MIN_SCORE,
  relevant,
  notRejected,
  photoFilters,
  termCandidates,
  type SearchParams,
  type SourceFilter,
} from './sql.js';

export interface SearchQuery {
  /** Words AND together; `-word` excludes; `"two words"` is a phrase. Empty lists every photo. */
  text: string;
  /**
   * Model labels scoring below this (0..1) do not match; manual labels and tags always do.
   * Without it a model label matches when it is the photo's top label or scores at least
   * DEFAULT_MIN_SCORE (0.1). 0 lets every label of the top 5 match.
   */
  minScore?: number;
  /** 'score': best matching model score first; 'date': newest taken first. */
  sort?: 'score' | 'date';
  limit?: number;
  /** nextCursor of the previous page, with the same query. */
  cursor?: string | null;
  /** Only photos in this folder or below it. */
  folder?: string;
  /** Label sources that match: model labels, manual tags, or both plus file and folder names. */
  source?: SourceFilter;
}

export interface SearchHit {
  id: number;
  path: string;
  takenAt: number;
  width: number | null;
  height: number | null;
  thumbnail: string | null;
  /** Best score among the model labels that match a term; null when only tags or names did. */
  score: number | null;
  labels: PhotoLabel[];
}

export interface SearchPage {
  hits: SearchHit[];
  nextCursor: string | null;
  /**
   * Exact number of photos the query finds, on the first page only (no cursor), when counting
   * is cheap: the page contains every hit, or the rarest term has few label rows.
   */
  // TODO: no total for broad queries. Counting "dog" exactly reads all of its labels (about
  // 0.4 s on 1,000,000 photos), so it needs a cache or a separate request.
  total?: number;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

interface HitRow {
  id: number;
  takenAt: number;
  score: number | null;
}

interface PhotoRow {
  id: number;
  path: string;
  taken_at: number;
  width: number | null;
  height: number | null;
  thumbnail: string | null;
}

const registered = new WeakSet<Db>();

/** Prepares a connection for searches, once: registers the SQL functions they use. */
export function registerSearchFunctions(db: Db): void {
  if (registered.has(db)) return;
  db.function('deit_tag_matches', { deterministic: true }, (tag: unknown, term: unknown) =>
    typeof tag === 'string' && typeof term === 'string' && tagMatches(tag, term) ? 1 : 0,
  );
  registered.add(db);
}

interface Plan {
  db: Db;
  terms: Array<QueryTerm & { wordHits?: number }>;
  positives: QueryTerm[];
  /** Classes of every positive term: the labels whose score ranks a photo. */
  scoreClasses: number[];
  source: SourceFilter;
  params: SearchParams;
  /** The default relevance rule: a photo's top label counts at any score. */
  topLabel: boolean;
  folder: boolean;
  limit: number;
  /** Tests force one strategy to compare both on the same data. */
  force: 'auto' | 'gather' | 'scan';
}

/**
 * Estimated label rows of a term: model and manual rows of its classes that count, plus name
 * matches. class_counts.relevant counts the rows of the default rule (top label or at least
 * DEFAULT_MIN_SCORE); a lower minimum score counts every row.
 */
function estimateRows(plan: Plan, term: QueryTerm & { wordHits?: number }, i: number): number {
  let rows = 0;
  const column = plan.params.minScore >= DEFAULT_MIN_SCORE ? 'relevant' : 'photos';
  if (term.classes.length > 0) {
    const modelsOf: Record<SourceFilter, string> = {
      manual: `''`,
      model: ':model',
      any: `:model, ''`,
    };
    const models = modelsOf[plan.source];
    const row = plan.db
      .prepare<SearchParams, { n: number | null }>(
        `SELECT sum(${column}) AS n FROM class_counts
         WHERE model IN (${models}) AND class_index IN (${classList(term.classes)})`,
      )
      .get(plan.params);
    rows += row?.n ?? 0;
  }
  if (plan.source !== 'model') {
    const row = plan.db
      .prepare<SearchParams, { n: number }>(
        `SELECT count(*) AS n FROM labels WHERE tag IS NOT NULL AND verdict <> 'rejected'
         AND deit_tag_matches(tag, :term${i})`,
      )
      .get(plan.params);
    rows += row?.n ?? 0;
  }
  if (plan.source === 'any') rows += term.wordHits ?? 0;
  return rows;
}

/** Keyset condition on the columns of a hit row `h` (id, takenAt, score). */
function keyset(cursor: Cursor | null, params: SearchParams): string {
  if (!cursor) return '1';
  params.cursorId = cursor.id;
  if (cursor.sort === 'date') {
    params.cursorTakenAt = cursor.takenAt;
    return `(h.takenAt < :cursorTakenAt OR (h.takenAt = :cursorTakenAt AND h.id < :cursorId))`;
  }
  if (cursor.score === null) return `(h.score IS NULL AND h.id > :cursorId)`;
  params.cursorScore = cursor.score;
  return `(h.score IS NULL OR h.score < :cursorScore
    OR (h.score = :cursorScore AND h.id > :cursorId))`;
}

function orderBy(sort: 'score' | 'date'): string {
  return sort === 'date' ? 'h.takenAt DESC, h.id DESC' : 'h.score IS NULL, h.score DESC, h.id ASC';
}

/** Starts from the candidate photos of the most selective term and checks each one. */
function gatherHits(
  plan: Plan,
  driver: number,
  sort: 'score' | 'date',
  cursor: Cursor | null,
): HitRow[] {
  const term = plan.terms[driver];

  // With one positive term the candidates carry the best score themselves. With more, a
  // photo's score also counts labels of the other terms: one join over the photo's model labels
  // finds it, where a subquery per photo cost three times as much. MATERIALIZED keeps SQLite
  // from evaluating the score again for each ORDER BY term.
  const joined =
    plan.positives.length > 1 && plan.source !== 'manual' && plan.scoreClasses.length > 0;

  // Flags of the other positive terms, from the same join: 1 when a model label matches.
  const modelFlags = new Map<number, string>();
  const flagColumns = joined
    ? plan.terms.flatMap((other, i) => {
        if (other.negated || i === driver || other.classes.length === 0) return [];
        modelFlags.set(i, `(s.model${i} = 1)`);
        return [`, max(+x.class_index IN (${classList(other.classes)})) AS model${i}`];
      })
    : [];
  const scored = joined
    ? `(SELECT b.id AS id, max(x.score) AS score ${flagColumns.join(' ')}
        FROM best b LEFT JOIN labels x INDEXED BY labels_photo_model
          ON x.photo_id = b.id AND x.source = 'model' AND x.model = :model
          AND +x.class_index IN (${classList(plan.scoreClasses)})
          AND ${relevant('x', plan.topLabel)}
          AND ${notRejected('x')}
        GROUP BY b.id)`
    : 'best';

  const filters = photoFilters(plan.terms, plan.source, {
    folder: plan.folder,
    topLabel: plan.topLabel,
    skipTerm: driver,
    modelFlags,
  });

  const sql = `
    WITH cand(id, score) AS (${termCandidates(term, driver, plan.source, true, plan.topLabel)}),
    best AS (SELECT id, max(score) AS score FROM cand GROUP BY id),
    h AS MATERIALIZED (
      SELECT p.id AS id, p.taken_at AS takenAt, s.score AS score
      FROM ${scored} s JOIN photos p ON p.id = s.id
      WHERE ${filters}
    )
    SELECT id, takenAt, score FROM h WHERE ${keyset(cursor, plan.params)}
    ORDER BY ${orderBy(sort)} LIMIT ${plan.limit}`;
  return plan.db.prepare<SearchParams, HitRow>(sql).all(plan.params);
}

/** Walks photos newest first through the date index, checking each one. */
function scanByDate(plan: Plan, cursor: Cursor | null): HitRow[] {
  let range = '1';
  if (cursor?.sort === 'date') {
    plan.params.cursorTakenAt = cursor.takenAt;
    plan.params.cursorId = cursor.id;
    // The first condition bounds the index range; the second breaks ties on taken_at.
    range = `p.taken_at <= :cursorTakenAt AND (p.taken_at < :cursorTakenAt OR p.id < :cursorId)`;
  }
  const sql = `
    SELECT p.id AS id, p.taken_at AS takenAt,
      ${bestScore('p.id', plan.scoreClasses, plan.source, plan.topLabel)} AS score
    FROM photos p INDEXED BY photos_taken
    WHERE ${range} AND ${photoFilters(plan.terms, plan.source, {
      folder: plan.folder,
      topLabel: plan.topLabel,
    })}
    ORDER BY p.taken_at DESC, p.id DESC LIMIT ${plan.limit}`;
  return plan.db.prepare<SearchParams, HitRow>(sql).all(plan.params);
}

/**
 * Walks model labels of the positive terms' classes in score order and keeps each photo at its
 * best label, then appends the photos that only tags or names match (score NULL).
 */
// NOTE: with the default rule a top label counts at any score, so a page that the labels above
// DEFAULT_MIN_SCORE do not fill walks the rest of the index, checking each row's rank.
function scanByScore(plan: Plan, driver: number, cursor: Cursor | null): HitRow[] {
  const hits: HitRow[] = [];
  const scored = plan.source !== 'manual' && plan.scoreClasses.length > 0;
  if (scored && (cursor?.sort !== 'score' || cursor.score !== null)) {
    let range = '1';
    if (cursor?.sort === 'score' && cursor.score !== null) {
      plan.params.cursorScore = cursor.score;
      plan.params.cursorId = cursor.id;
      range = `l.score <= :cursorScore AND (l.score < :cursorScore OR l.photo_id > :cursorId)`;
    }
    const list = classList(plan.scoreClasses);
    // A label of the only positive term matches that term by itself.
    const single = plan.positives.length === 1;
    const filters = photoFilters(plan.terms, plan.source, {
      folder: plan.folder,
      topLabel: plan.topLabel,
      skipTerm: single ? driver : undefined,
    });
    const sql = `
      SELECT l.photo_id AS id, l.score AS score,
        (SELECT taken_at FROM photos WHERE id = l.photo_id) AS takenAt
      FROM labels l INDEXED BY labels_score
      WHERE l.source = 'model' AND l.model = :model AND l.class_index IN (${list})
        AND ${relevant('l', plan.topLabel)} AND ${range} AND ${notRejected('l')}
        AND NOT EXISTS (SELECT 1 FROM labels b INDEXED BY labels_photo_model WHERE b.photo_id = l.photo_id
          AND b.source = 'model' AND b.model = :model AND +b.class_index IN (${list})
          AND (b.score > l.score OR (b.score = l.score AND b.class_index < l.class_index))
          AND ${relevant('b', plan.topLabel)} AND ${notRejected('b')})
        AND EXISTS (SELECT 1 FROM photos p WHERE p.id = l.photo_id AND ${filters} LIMIT 1)
      ORDER BY l.score DESC, l.photo_id ASC LIMIT ${plan.limit}`;
    hits.push(...plan.db.prepare<SearchParams, HitRow>(sql).all(plan.params));
    if (hits.length === plan.limit) return hits;
  }

  // Photos without a matching model label: the driver term matched a tag or a name.
  const term = plan.terms[driver];
  plan.params.cursorId = cursor?.sort === 'score' && cursor.score === null ? cursor.id : 0;
  const sql = `
    WITH cand(id, score) AS (${termCandidates(term, driver, plan.source, false, plan.topLabel)}),
    h AS MATERIALIZED (
      SELECT p.id AS id, p.taken_at AS takenAt,
        ${bestScore('p.id', plan.scoreClasses, plan.source, plan.topLabel)} AS score
      FROM (SELECT DISTINCT id FROM cand) c JOIN photos p ON p.id = c.id
      WHERE p.id > :cursorId
        AND ${photoFilters(plan.terms, plan.source, {
          folder: plan.folder,
          topLabel: plan.topLabel,
          skipTerm: driver,
        })}
    )
    SELECT id, takenAt, score FROM h WHERE score IS NULL
    ORDER BY id ASC LIMIT ${plan.limit - hits.length}`;
  hits.push(...plan.db.prepare<SearchParams, HitRow>(sql).all(plan.params));
  return hits;
}

/** Photos whose names match at most this many are read into a set once per search. */
const WORD_SET_MAX = 20_000;

/**
 * Counts the photos each term's words match in file and folder names (up to a cap), drops the
 * name check of terms that match none, and picks how the others are checked.
 */
function countWordHits(db: Db, terms: QueryTerm[]): Array<QueryTerm & { wordHits?: number }> {
  const count = db.prepare<[string], { n: number }>(
    `SELECT count(*) AS n FROM (SELECT rowid FROM photo_words WHERE photo_words MATCH ?
     LIMIT ${WORD_SET_MAX + 1})`,
  );
  return terms.map((term) => {
    if (term.words === null) return term;
    const hits = count.get(term.words)?.n ?? 0;
    if (hits === 0) return { ...term, words: null };
    return { ...term, wordsLookup: hits > WORD_SET_MAX ? 'probe' : 'set', wordHits: hits };
  });
}

function buildParams(terms: QueryTerm[], model: string, query: SearchQuery): SearchParams {
  const params: SearchParams = { model, minScore: query.minScore ?? DEFAULT_MIN_SCORE };
  terms.forEach((term, i) => {
    params[`term${i}`] = term.text;
    if (term.words !== null) params[`words${i}`] = term.words;
  });
  if (query.folder) {
    const folder = query.folder.endsWith(sep) ? query.folder.slice(0, -1) : query.folder;
    params.folder = folder;
    params.folderPrefix = folder + sep;
  }
  return params;
}

function validate(query: SearchQuery): { limit: number; sort: 'score' | 'date' } {
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new RangeError(`search limit must be an integer from 1 to ${MAX_LIMIT}, got ${limit}`);
  }
  const minScore = query.minScore ?? DEFAULT_MIN_SCORE;
  if (!(minScore >= 0 && minScore <= 1)) {
    throw new RangeError(`minimum score must be from 0 to 1, got ${minScore}`);
  }
  const positives = parseQuery(query.text).some((term) => !term.negated);
  return { limit, sort: query.sort ?? (positives ? 'score' : 'date') };
}

/**
 * Finds photos whose labels, tags, file names or folder names match every positive term and no
 * negated one, one page at a time. Missing photos never match. A page costs about the same at
 * any depth: the cursor is a position in the sort order, not an offset.
 */
export function searchPhotos(
  db: Db,
  query: SearchQuery,
  options: { plan?: 'auto' | 'gather' | 'scan' } = {},
): SearchPage {
  registerSearchFunctions(db);
  const { limit, sort: requestedSort } = validate(query);
  const source = query.source ?? 'any';
  const parsed = parseQuery(query.text);
  const terms = source === 'any' ? countWordHits(db, parsed) : parsed;
  const positives = terms.filter((term) => !term.negated);
  // When no positive term names a class (or only manual tags count), no photo has a score,
  // so score order falls back to date order.
  const scored = source !== 'manual' && positives.some((term) => term.classes.length > 0);
  const sort = scored ? requestedSort : 'date';
  const cursor = query.cursor ? decodeCursor(query.cursor, sort) : null;

  const plan: Plan = {
    db,
    terms,
    positives,
    scoreClasses: [...new Set(positives.flatMap((term) => term.classes))].sort((a, b) => a - b),
    source,
    params: buildParams(terms, activeModelId(db) ?? '', query),
    topLabel: query.minScore === undefined,
    folder: Boolean(query.folder),
    limit,
    force: options.plan ?? 'auto',
  };

  const chosen = plan.positives.length > 0 ? pickDriver(plan) : { driver: -1, driverRows: 0 };
  const rows = findHits(plan, sort, cursor, chosen);
  const hits = loadHits(db, rows);
  const last = rows.at(-1);
  let nextCursor: string | null = null;
  if (last && rows.length === limit) {
    nextCursor = encodeCursor(
      sort === 'date'
        ? { sort, takenAt: last.takenAt, id: last.id }
        : { sort, score: last.score, id: last.id },
    );
  }
  const page: SearchPage = { hits, nextCursor };
  if (!cursor) {
    // A first page with room to spare contains every hit.
    const total =
      rows.length < limit ? rows.length : countHits(plan, chosen.driver, chosen.driverRows);
    if (total !== undefined) page.total = total;
  }
  return page;
}

/**
 * Cost of one row of the score-ordered label scan relative to one gathered candidate. The scan
 * reads a covering index in order and a candidate costs several random lookups. Measured with
 * test/bench/search.ts on 1,000,000 photos: about 0.07 us per scanned row and 1.3 us per
 * gathered candidate, on a 2-core machine shared with other work.
 * NOTE: the scan estimate assumes a term's labels spread over all scores. A term whose labels
 * all score low is found only near the end of the index, so its first page may walk most of
 * the model's labels (an estimated 0.35 s on 5,000,000 labels).
 */
const SCORE_SCAN_ROW_COST = 0.05;

/** Returns the photos a date-ordered scan may walk: the highest photo id, as an estimate. */
function dateScanRows(plan: Plan): number {
  return plan.db.prepare<[], { n: number | null }>(`SELECT max(id) AS n FROM photos`).get()?.n ?? 0;
}

/** Returns the active model's label rows, which a score-ordered scan may walk. */
function scoreScanRows(plan: Plan): number {
  const row = plan.db
    .prepare<SearchParams, { n: number | null }>(
      `SELECT sum(photos) AS n FROM class_counts WHERE model = :model`,
    )
    .get(plan.params);
  return row?.n ?? 0;
}

/** Picks the positive term with the fewest estimated label rows; -1 when there is none. */
function pickDriver(plan: Plan): { driver: number; driverRows: number } {
  let driver = -1;
  let driverRows = Infinity;
  plan.terms.forEach((term, i) => {
    if (term.negated) return;
    const rows = estimateRows(plan, term, i);
    if (rows < driverRows) {
      driver = i;
      driverRows = rows;
    }
  });
  return { driver, driverRows };
}

/**
 * First pages are counted only when the driver term has at most this many estimated label
 * rows, which bound the hits. Counting checks each candidate, about 1 to 3 us: "dog" on
 * 1,000,000 photos stopped at 5,000 hits took 14 ms, most of a page's budget.
 */
const TOTAL_MAX_CANDIDATES = 2_000;

/**
 * Counts the photos a query finds, from the candidates of its driver term, or returns
 * undefined when that would read more than TOTAL_MAX_CANDIDATES label rows.
 */
function countHits(plan: Plan, driver: number, driverRows: number): number | undefined {
  if (driver < 0 || driverRows > TOTAL_MAX_CANDIDATES) return undefined;
  const filters = photoFilters(plan.terms, plan.source, {
    folder: plan.folder,
    topLabel: plan.topLabel,
    skipTerm: driver,
  });
  const sql = `
    WITH cand(id, score) AS (
      ${termCandidates(plan.terms[driver], driver, plan.source, true, plan.topLabel)})
    SELECT count(*) AS n FROM (
      SELECT DISTINCT c.id FROM cand c JOIN photos p ON p.id = c.id WHERE ${filters}
      LIMIT ${TOTAL_MAX_CANDIDATES + 1})`;
  const n = plan.db.prepare<SearchParams, { n: number }>(sql).get(plan.params)?.n ?? 0;
  return n > TOTAL_MAX_CANDIDATES ? undefined : n;
}

function findHits(
  plan: Plan,
  sort: 'score' | 'date',
  cursor: Cursor | null,
  chosen: { driver: number; driverRows: number },
): HitRow[] {
  if (plan.positives.length === 0) return scanByDate(plan, cursor);

  // The positive term with the fewest label rows drives the search. Gathering its candidates
  // costs about their number. Scanning in sort order costs about limit * rows / candidates
  // index rows, where rows is all photos (date order) or all model labels (score order). Take
  // the cheaper one.
  const { driver, driverRows } = chosen;
  if (driverRows === 0) return [];

  const scanCost = sort === 'date' ? dateScanRows(plan) : SCORE_SCAN_ROW_COST * scoreScanRows(plan);
  const cheaper = driverRows * driverRows <= plan.limit * scanCost;
  const gather =
    plan.source === 'manual' || (plan.force === 'auto' ? cheaper : plan.force === 'gather');
  if (gather) return gatherHits(plan, driver, sort, cursor);
  return sort === 'date' ? scanByDate(plan, cursor) : scanByScore(plan, driver, cursor);
}

function loadHits(db: Db, rows: HitRow[]): SearchHit[] {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const photos = new Map(
    db
      .prepare<[string], PhotoRow>(
        `SELECT id, path, taken_at, width, height, thumbnail FROM photos
         WHERE id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(ids))
      .map((photo) => [photo.id, photo]),
  );
  const labels = labelsOfPhotos(db, ids);
  return rows.flatMap((row) => {
    const photo = photos.get(row.id);
    if (!photo) return [];
    return [
      {
        id: photo.id,
        path: photo.path,
        takenAt: photo.taken_at,
        width: photo.width,
        height: photo.height,
        thumbnail: photo.thumbnail,
        score: row.score,
        labels: labels.get(row.id) ?? [],
      },
    ];
  });
}
