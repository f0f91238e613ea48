/**
 * Rescan of an unchanged library of many files beside a bare recursive walk with node:fs.
 *
 * Tagging 100,000 photos for real would take hours on a CPU, so the library is filled straight
 * through the engine's PhotoStore from the real listing (paths, sizes, modification times from
 * walkFolders), as a finished first scan would leave it. The timed part is a real scan.
 */
import { existsSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { openDatabase } from '../../electron/core/db/database.js';
import { PhotoStore } from '../../electron/core/db/photos.js';
import { Library } from '../../electron/core/library.js';
import { planScan, storedFilesUnder } from '../../electron/core/scan/plan.js';
import { walkFolders } from '../../electron/core/scan/walk.js';
import { benchNetwork, CACHE_DIR, tinyFileTree } from './fixtures.js';
import { round, RoundSamples } from './measure.js';

export interface RescanOptions {
  files: number;
  rounds: number;
}

const MODEL_ID = 'small-224';

/** Lists a folder tree with readdir and stats every file; returns the number of files. */
async function bareWalk(root: string): Promise<number> {
  let files = 0;
  const pending = [root];
  while (pending.length > 0) {
    const folder = pending.pop()!;
    const entries = await readdir(folder, { withFileTypes: true });
    const paths: string[] = [];
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else paths.push(path);
    }
    await Promise.all(paths.map((path) => stat(path)));
    files += paths.length;
  }
  return files;
}

/** Returns a library database that stores every file of the tree as tagged, building it once. */
async function populatedLibrary(tree: string, files: number): Promise<string> {
  const database = join(CACHE_DIR, `rescan-library-v1-${files}.sqlite`);
  if (existsSync(database)) return database;

  const building = `${database}.partial.sqlite`;
  await rm(building, { force: true });
  const listing = await walkFolders([tree]);
  const db = openDatabase(building);
  try {
    const store = new PhotoStore(db);
    const now = Date.now();
    store.transaction(() => {
      listing.files.forEach((file, index) => {
        const hash = index.toString(16).padStart(64, '0');
        store.saveTagged(
          {
            ...file,
            hash,
            format: 'jpeg',
            width: 8,
            height: 8,
            takenAt: file.mtimeMs,
            camera: null,
            thumbnail: hash,
            labels: [0, 1, 2, 3, 4].map((rank) => ({
              classIndex: (index * 7 + rank * 131) % 1000,
              score: 0.5 / (rank + 1),
            })),
          },
          MODEL_ID,
          now,
        );
      });
    });
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  await rm(`${building}-wal`, { force: true });
  await rm(`${building}-shm`, { force: true });
  await rename(building, database);
  return database;
}

/** Runs the rescan section and returns seconds and the ratio to the bare walk. */
export async function runRescanBench(options: RescanOptions): Promise<Record<string, number>> {
  const tree = await tinyFileTree(options.files);
  const database = await populatedLibrary(tree, options.files);
  // The network is never loaded: nothing needs tagging. A scan still needs one named.
  const network = await benchNetwork('small-224');

  const samples = new RoundSamples();
  let listed = 0;
  for (let index = 0; index < options.rounds; index++) {
    const walkStarted = performance.now();
    listed = await bareWalk(tree);
    const walkMs = performance.now() - walkStarted;

    // The scan's two steps alone, in this thread: the engine's walk, then the comparison
    // with the database (reading the stored rows included).
    const engineWalkStarted = performance.now();
    const listing = await walkFolders([tree]);
    const engineWalkMs = performance.now() - engineWalkStarted;
    const db = openDatabase(database);
    let compareMs: number;
    try {
      const compareStarted = performance.now();
      const stored = storedFilesUnder([tree], new PhotoStore(db));
      planScan(stored, listing, { model: MODEL_ID, retag: false });
      compareMs = performance.now() - compareStarted;
    } finally {
      db.close();
    }

    const library = Library.open({ database, modelsDir: join(CACHE_DIR, 'no-models') });
    try {
      const started = performance.now();
      const summary = await library.startScan({ folders: [tree], modelPath: network.path }).done;
      const wallMs = performance.now() - started;
      if (summary.unchanged !== options.files || summary.tagged !== 0) {
        throw new Error(
          `rescan of ${tree} found ${summary.unchanged} unchanged and ${summary.tagged} tagged ` +
            `files; expected ${options.files} unchanged`,
        );
      }
      samples.add('bare walk s', walkMs / 1000);
      samples.add('rescan s', summary.durationMs / 1000);
      samples.add('rescan wall s', wallMs / 1000);
      samples.add('engine walk alone s', engineWalkMs / 1000);
      samples.add('compare with the database alone s', compareMs / 1000);
      samples.add('rescan / bare walk', summary.durationMs / walkMs);
      samples.add('engine walk alone / bare walk', engineWalkMs / walkMs);
      samples.add('rescan wall / bare walk', wallMs / walkMs);
    } finally {
      await library.close();
    }
  }
  if (listed !== options.files) {
    throw new Error(`bare walk of ${tree} found ${listed} files; expected ${options.files}`);
  }

  const results: Record<string, number> = { files: options.files };
  for (const name of [
    'bare walk s',
    'rescan s',
    'rescan wall s',
    'engine walk alone s',
    'compare with the database alone s',
    'rescan / bare walk',
    'engine walk alone / bare walk',
    'rescan wall / bare walk',
  ]) {
    results[name] = round(samples.median(name) ?? NaN, name.endsWith(' s') ? 3 : 2);
  }
  return results;
}
