/**
 * Search benchmark on a synthetic library of 1,000,000 photos with 5 model labels each.
 * The library is built once under the OS temp folder and reused; set SEARCH_BENCH_PHOTOS to
 * build a smaller one. Run: npx tsx test/bench/search.ts
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Db } from '../../electron/core/db/database.js';
import { findClasses } from '../../electron/core/labels/classes.js';
import { searchPhotos, type SearchQuery } from '../../electron/core/search/search.js';
import { suggest } from '../../electron/core/search/suggest.js';
import { mulberry32 } from '../helpers/random.js';

const PHOTOS = Number(process.env.SEARCH_BENCH_PHOTOS ?? 1_000_000);
const MODEL = 'deit-tiny-patch16-224';
const RUNS = 40;
/** Version of the generated data; bump it when the generator changes. */
const DATA_VERSION = 1;

/**
 * Fills the library the way the scanner would. Each photo has a main class; its other four
 * labels are nearby classes, so a dog photo carries several breeds as real top-5 lists do.
 */
function populate(db: Db, photos: number): void {
  const next = mulberry32(42);
  const insertPhoto = db.prepare(
    `INSERT INTO photos (id, path, folder, name, size, mtime_ms, taken_at, status, model, width, height)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'tagged', ?, 4000, 3000)`,
  );
  const insertLabel = db.prepare(
    `INSERT INTO labels (photo_id, source, model, class_index, score, rank, created_at)
     VALUES (?, 'model', ?, ?, ?, ?, 0)`,
  );
  const start = Date.UTC(2015, 0, 1);
  const span = 10 * 365 * 86_400_000;
  const batch = 20_000;

  for (let first = 1; first <= photos; first += batch) {
    db.transaction(() => {
      for (let id = first; id < Math.min(first + batch, photos + 1); id++) {
        const takenAt = start + Math.floor(next() * span);
        const year = new Date(takenAt).getUTCFullYear();
        const folder = `/photos/${year}/album ${Math.floor(next() * 100)}`;
        const name = `IMG_${String(id).padStart(7, '0')}.jpg`;
        insertPhoto.run(id, `${folder}/${name}`, folder, name, 3_000_000, takenAt, takenAt, MODEL);

        const main = Math.floor(next() * 1000);
        const used = new Set<number>();
        let remaining = 1;
        for (let rank = 1; rank <= 5; rank++) {
          let classIndex = main;
          while (used.has(classIndex)) {
            classIndex = (main + Math.floor(next() * 21) - 10 + 1000) % 1000;
          }
          used.add(classIndex);
          const score = rank === 5 ? remaining * next() : remaining * (0.3 + 0.6 * next());
          remaining -= score;
          insertLabel.run(id, MODEL, classIndex, score, rank);
        }
      }
    })();
  }
  db.exec('ANALYZE');
}

function openBenchLibrary(): Db {
  const path = join(tmpdir(), `deit-tagger-search-bench-${PHOTOS}-v${DATA_VERSION}.sqlite`);
  if (existsSync(path)) return openDatabase(path, { readonly: false });

  // A name per process, so two benchmark runs that start together each build their own copy.
  const building = `${path}.${process.pid}.building`;
  console.log(`building ${PHOTOS} photos in ${building} (once)...`);
  const started = performance.now();
  const db = openDatabase(building, { readonly: false });
  populate(db, PHOTOS);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  if (existsSync(path)) rmSync(building, { force: true });
  else renameSync(building, path);
  console.log(`built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return openDatabase(path, { readonly: false });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function measure(results: Record<string, number>, name: string, run: () => unknown): void {
  run(); // warm the page cache and the statement
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  results[`${name} p50 ms`] = Number(percentile(times, 50).toFixed(2));
  results[`${name} p95 ms`] = Number(percentile(times, 95).toFixed(2));
}

/** Returns the cursor that starts page `pages + 1` of a query, by paging 1000 hits at a time. */
function deepCursor(db: Db, query: SearchQuery, hits: number): string | null {
  let cursor: string | null = null;
  for (let seen = 0; seen < hits; seen += 1000) {
    cursor = searchPhotos(db, { ...query, limit: 1000, cursor }).nextCursor;
    if (!cursor) break;
  }
  return cursor;
}

/** Runs the search benchmark and returns p50 and p95 latencies in milliseconds. */
export async function runSearchBench(): Promise<Record<string, number>> {
  await Promise.resolve();
  const db = openBenchLibrary();
  try {
    const results: Record<string, number> = {
      photos: PHOTOS,
      'dog classes': findClasses('dog').length,
    };
    const page = 50;
    const queries: Array<[string, SearchQuery]> = [
      ['"tabby" score', { text: 'tabby', limit: page }],
      ['"dog" score', { text: 'dog', limit: page }],
      ['"dog" date', { text: 'dog', sort: 'date', limit: page }],
      ['"dog beagle" score', { text: 'dog beagle', limit: page }],
      ['"dog -terrier" score', { text: 'dog -terrier', limit: page }],
      ['"dog" min 0.5', { text: 'dog', minScore: 0.5, limit: page }],
      ['"espresso" date', { text: 'espresso', sort: 'date', limit: page }],
    ];
    for (const [name, query] of queries) measure(results, name, () => searchPhotos(db, query));

    const deepHits = Math.min(100_000, Math.floor(PHOTOS / 20));
    for (const sort of ['score', 'date'] as const) {
      const query: SearchQuery = { text: 'dog', sort, limit: page };
      const cursor = deepCursor(db, query, deepHits);
      measure(results, `"dog" ${sort} after ${deepHits} hits`, () =>
        searchPhotos(db, { ...query, cursor }),
      );
    }

    for (const prefix of ['do', 'esp', 'ca']) {
      measure(results, `suggest "${prefix}"`, () => suggest(db, prefix));
    }

    // The first suggestion after the library changes counts its terms again.
    const addTag = db.prepare(
      `INSERT INTO labels (photo_id, source, tag, verdict, created_at)
       VALUES (1, 'manual', ?, 'added', 0)`,
    );
    const times: number[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        addTag.run(`bench change ${i}`);
        const started = performance.now();
        suggest(db, 'do');
        times.push(performance.now() - started);
      }
    } finally {
      db.prepare(`DELETE FROM labels WHERE photo_id = 1 AND tag LIKE 'bench change %'`).run();
    }
    times.sort((a, b) => a - b);
    results['suggest "do" after a change p50 ms'] = Number(percentile(times, 50).toFixed(2));
    return results;
  } finally {
    db.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const results = await runSearchBench();
  for (const [name, value] of Object.entries(results)) console.log(`${name.padEnd(40)} ${value}`);
}
