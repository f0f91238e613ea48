import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase, type Db } from '../../core/db/database.js';
import { defaultPaths } from '../../core/paths.js';
import type { PhotoLabel } from '../../core/search/labels.js';
import { parseQuery, SearchQueryError, type QueryTerm } from '../../core/search/query.js';
import { MAX_LIMIT, searchPhotos, type SearchQuery } from '../../core/search/search.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { printable } from '../printable.js';

export const SEARCH_HELP = `Usage: deit-tagger search QUERY [options]

Finds photos whose labels, tags, file names or folder names match QUERY. Words must all
match; -word excludes; "two words" is one phrase. "dog" finds every dog breed. A model label
matches when it is the photo's top label or scores at least 0.1, unless --min-score is given.

Options:
  --db FILE          library database (default: ${defaultPaths().database})
  --json             print a JSON array of { path, labels: [{ label, wnid, score, source }] }
  --min-score X      ignore model labels scoring below X, from 0 to 1, top labels too;
                     0 lets every label of the top 5 match (default: top label or 0.1)
  --limit N          print at most N photos (default: 100)
  --sort ORDER       score (best match first) or date (newest first) (default: score)
  --folder DIR       only photos in DIR or below it
  --source SOURCE    labels that match: model, manual or any (default: any)
`;

/** Opens an existing library, bringing its schema up to date; a missing file is an error. */
export function openExistingLibrary(path: string): Db {
  if (!existsSync(path)) {
    throw new Error(
      `library not found: ${path}; run \`deit-tagger scan FOLDER\` first or pass --db`,
    );
  }
  return openDatabase(path);
}

function parseNumber(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/**
 * Throws UsageError for a query with no terms (`''` or `'"'`), which the search engine reads as
 * every photo, and for one with more terms than a search takes.
 */
function checkQueryText(text: string): void {
  let terms: QueryTerm[];
  try {
    terms = parseQuery(text);
  } catch (error) {
    if (error instanceof SearchQueryError) throw new UsageError(error.message);
    throw error;
  }
  if (terms.length === 0) throw new UsageError('search needs a QUERY with at least one word');
}

function formatLabel(label: PhotoLabel): string {
  return label.score === null ? label.label : `${label.label} ${label.score.toFixed(2)}`;
}

const OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean', default: false },
  'min-score': { type: 'string' },
  limit: { type: 'string', default: '100' },
  sort: { type: 'string', default: 'score' },
  folder: { type: 'string' },
  source: { type: 'string', default: 'any' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Splits the arguments into options for parseArgs and query words, keeping the words in order.
 * An argument of a single `-` and a letter or digit that is no short option ("-dog", "-2019")
 * is an excluded query word, not an option. Everything after `--` is a query word.
 */
export function splitQueryArgs(args: readonly string[]): { options: string[]; words: string[] } {
  const shorts = new Set(
    Object.values(OPTIONS).flatMap((option) => ('short' in option ? [`-${option.short}`] : [])),
  );
  const takesValue = new Set(
    Object.entries(OPTIONS).flatMap(([name, option]) =>
      option.type === 'string' ? [`--${name}`] : [],
    ),
  );
  const options: string[] = [];
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      words.push(...args.slice(i + 1));
      break;
    }
    if (takesValue.has(arg) && i + 1 < args.length) {
      options.push(arg, args[++i]);
    } else if (/^-[\p{L}\p{N}]/u.test(arg) && !shorts.has(arg)) {
      words.push(arg);
    } else if (arg.startsWith('-')) {
      options.push(arg);
    } else {
      words.push(arg);
    }
  }
  return { options, words };
}

/** Runs `search`: prints the matching photos, best first; exits 0 even when none match. */
export async function runSearch(args: string[], io: CliIO): Promise<number> {
  await Promise.resolve();
  const split = splitQueryArgs(args);
  const { values } = parseArgs({ args: split.options, options: OPTIONS });
  const positionals = split.words;
  if (values.help) {
    io.stdout(SEARCH_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('search needs a QUERY');
  const sort = values.sort;
  if (sort !== 'score' && sort !== 'date') {
    throw new UsageError(`--sort must be score or date, got "${sort}"`);
  }
  const source = values.source;
  if (source !== 'model' && source !== 'manual' && source !== 'any') {
    throw new UsageError(`--source must be model, manual or any, got "${source}"`);
  }
  const limit = parseNumber('limit', values.limit, 1, Number.MAX_SAFE_INTEGER)!;
  if (!Number.isInteger(limit))
    throw new UsageError(`--limit must be a whole number, got "${values.limit}"`);

  const text = positionals.join(' ');
  checkQueryText(text);
  const query: SearchQuery = {
    text,
    minScore: parseNumber('min-score', values['min-score'], 0, 1),
    sort,
    source,
    folder: values.folder === undefined ? undefined : resolve(values.folder),
  };

  const db = openExistingLibrary(values.db ?? defaultPaths().database);
  try {
    let printed = 0;
    let cursor: string | null = null;
    if (values.json) io.stdout('[');
    do {
      const page = searchPhotos(db, {
        ...query,
        limit: Math.min(MAX_LIMIT, limit - printed),
        cursor,
      });
      for (const hit of page.hits) {
        const labels = hit.labels.filter((label) => label.verdict !== 'rejected');
        if (values.json) {
          const record = {
            path: hit.path,
            labels: labels.map(({ label, wnid, score, source }) => ({
              label,
              wnid,
              score,
              source,
            })),
          };
          io.stdout(`${printed === 0 ? '\n' : ',\n'}  ${JSON.stringify(record)}`);
        } else {
          const text = labels.slice(0, 3).map(formatLabel).join(', ');
          io.stdout(`${printable(hit.path)}\t${printable(text)}\n`);
        }
        printed++;
      }
      cursor = page.nextCursor;
    } while (cursor && printed < limit);
    if (values.json) io.stdout(printed === 0 ? ']\n' : '\n]\n');
    else if (printed === 0) io.stderr(`no photos match "${printable(query.text)}"\n`);
    return 0;
  } finally {
    db.close();
  }
}
