import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import type { Db } from '../db/database.js';
import type { SearchQuery } from '../search/search.js';
import { checkExportPath } from './out-path.js';
import { allPhotos, searchedPhotos, type ExportPhoto } from './rows.js';

export interface ExportOptions {
  format: 'csv' | 'json';
  /** CSV only: one row per photo with its labels joined, instead of one row per label. */
  wide?: boolean;
  /** CSV only: start with a UTF-8 byte order mark, which Excel needs to read UTF-8 CSV. */
  bom?: boolean;
  /** Export what this search finds, in its order; without it, every photo by id. */
  query?: Omit<SearchQuery, 'cursor' | 'limit'>;
}

export interface ExportSummary {
  photos: number;
  /** Data rows written: CSV lines after the header, or JSON objects. */
  rows: number;
}

export const CSV_COLUMNS = [
  'path',
  'label',
  'wnid',
  'class_index',
  'score',
  'rank',
  'source',
  'model',
] as const;
export const WIDE_CSV_COLUMNS = [
  'path',
  'labels',
  'wnids',
  'class_indices',
  'scores',
  'sources',
  'model',
] as const;

/** Separator of the values inside one cell of the wide CSV. */
const LIST_SEPARATOR = '; ';

/**
 * Prefixes text that a spreadsheet would run as a formula with an apostrophe: cells starting
 * with = + - @, tab or carriage return (the OWASP CSV injection list). Numbers stay numbers,
 * so a negative score is written as is.
 */
export function neutralizeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

type Cell = string | number | null;

function cell(value: Cell): string {
  if (value === null) return '';
  return typeof value === 'number' ? String(value) : neutralizeFormula(value);
}

function narrowRows(photo: ExportPhoto): Cell[][] {
  return photo.labels.map((label) => [
    photo.path,
    label.label,
    label.wnid,
    label.classIndex,
    label.score,
    label.rank,
    label.source,
    label.model,
  ]);
}

function wideRow(photo: ExportPhoto): Cell[] {
  const join = (values: Cell[]): string =>
    values.map((value) => (value === null ? '' : String(value))).join(LIST_SEPARATOR);
  const models = [...new Set(photo.labels.map((l) => l.model).filter(Boolean))];
  return [
    photo.path,
    join(photo.labels.map((l) => l.label)),
    join(photo.labels.map((l) => l.wnid)),
    join(photo.labels.map((l) => l.classIndex)),
    join(photo.labels.map((l) => l.score)),
    join(photo.labels.map((l) => l.source)),
    models.join(LIST_SEPARATOR),
  ];
}

/** Yields CSV text (RFC 4180, CRLF line ends) in chunks: the header, then batches of rows. */
export function* csvChunks(
  photos: Iterable<ExportPhoto>,
  options: { wide?: boolean; bom?: boolean },
  summary: ExportSummary = { photos: 0, rows: 0 },
): Generator<string> {
  const columns = options.wide ? WIDE_CSV_COLUMNS : CSV_COLUMNS;
  // csv-stringify quotes a cell only when it contains the whole record delimiter (CRLF), so a
  // bare CR or LF inside a path would end the row for Excel and Python's csv module.
  const format = (rows: Cell[][]): string =>
    stringify(
      rows.map((row) => row.map(cell)),
      { record_delimiter: 'windows', quoted_match: /[\r\n]/ },
    );

  yield (options.bom ? '\uFEFF' : '') + format([[...columns]]);
  let batch: Cell[][] = [];
  for (const photo of photos) {
    summary.photos++;
    const rows = options.wide ? [wideRow(photo)] : narrowRows(photo);
    summary.rows += rows.length;
    batch.push(...rows);
    if (batch.length >= 1000) {
      yield format(batch);
      batch = [];
    }
  }
  if (batch.length > 0) yield format(batch);
}

/**
 * Yields a JSON array of photos with their status, error and labels, in chunks. JSON gets no
 * byte order mark: RFC 8259 forbids one.
 */
export function* jsonChunks(
  photos: Iterable<ExportPhoto>,
  summary: ExportSummary = { photos: 0, rows: 0 },
): Generator<string> {
  yield '[';
  for (const photo of photos) {
    const record = {
      path: photo.path,
      status: photo.status,
      error: photo.error,
      takenAt: new Date(photo.takenAt).toISOString(),
      width: photo.width,
      height: photo.height,
      labels: photo.labels.map((label) => ({
        label: label.label,
        wnid: label.wnid,
        classIndex: label.classIndex,
        score: label.score,
        rank: label.rank,
        source: label.source,
        verdict: label.verdict,
        model: label.model,
      })),
    };
    yield `${summary.photos === 0 ? '\n' : ',\n'}${JSON.stringify(record)}`;
    summary.photos++;
    summary.rows++;
  }
  yield '\n]\n';
}

/**
 * Yields the export of the library, or of what a search finds, as text chunks; `summary` counts
 * what was written once the generator is done.
 */
export function exportChunks(
  db: Db,
  options: ExportOptions,
  summary: ExportSummary = { photos: 0, rows: 0 },
): Generator<string> {
  const photos = options.query ? searchedPhotos(db, options.query) : allPhotos(db);
  return options.format === 'json'
    ? jsonChunks(photos, summary)
    : csvChunks(photos, options, summary);
}

/**
 * Writes the library, or what a search finds, to a CSV or JSON file. The file appears only when
 * complete: the export goes to `FILE.partial` and is renamed at the end. Throws ExportPathError
 * when the folder is missing, `outPath` is a folder, or it is the library database.
 */
export function exportLibrary(db: Db, outPath: string, options: ExportOptions): ExportSummary {
  checkExportPath(db, outPath);
  const summary: ExportSummary = { photos: 0, rows: 0 };
  const chunks = exportChunks(db, options, summary);

  const partial = `${outPath}.partial`;
  const fd = openSync(partial, 'w');
  try {
    try {
      for (const chunk of chunks) writeSync(fd, chunk, null, 'utf8');
    } finally {
      closeSync(fd);
    }
    renameSync(partial, outPath);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  return summary;
}
