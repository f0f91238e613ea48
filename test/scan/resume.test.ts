import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, expect, it } from 'vitest';
import { Library } from '../../electron/core/library.js';
import { TINY_TEST_SPEC, writeDeitOnnx } from '../fixtures/deit-onnx.js';
import { spawnCli } from '../helpers/cli.js';
import { writeSeededPhotos } from '../helpers/photos.js';
import { temporaryFolder } from '../helpers/tmp.js';

const PHOTOS = 150;
let root: string;
let modelPath: string;
let folder: string;

beforeAll(async () => {
  root = await temporaryFolder('resume');
  modelPath = join(root, 'tiny.onnx');
  folder = join(root, 'photos');
  await writeDeitOnnx(modelPath, TINY_TEST_SPEC);
  await writeSeededPhotos(folder, PHOTOS);
});

function storedPhotos(database: string): number {
  try {
    const db = new Database(database, { readonly: true, fileMustExist: true });
    try {
      return db.prepare('SELECT count(*) FROM photos').pluck().get() as number;
    } finally {
      db.close();
    }
  } catch {
    return 0; // Not created yet.
  }
}

it('killed scan resumes without loss or duplicates', async () => {
  const database = join(root, 'library.sqlite');
  const child = spawnCli([
    'scan',
    folder,
    '--db',
    database,
    '--model',
    modelPath,
    '--batch-size',
    '2',
  ]);
  const exited = new Promise((resolve) => child.on('exit', resolve));

  // Kill the scan with SIGKILL as soon as a few batches are stored.
  while (storedPhotos(database) < 10) {
    if (child.exitCode !== null) throw new Error('scan finished before it could be killed');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  child.kill('SIGKILL');
  await exited;
  const stored = storedPhotos(database);
  expect(stored).toBeGreaterThan(0);
  expect(stored).toBeLessThan(PHOTOS);

  const library = Library.open({ database });
  try {
    const summary = await library.startScan({ folders: [folder], modelPath }).done;
    expect(summary.tagged).toBe(PHOTOS - stored);
    expect(summary.unchanged).toBe(stored);

    const photos = library.db
      .prepare('SELECT count(DISTINCT path) AS paths, count(*) AS rows FROM photos')
      .get() as {
      paths: number;
      rows: number;
    };
    expect(photos.rows).toBe(PHOTOS);
    expect(photos.paths).toBe(PHOTOS);
    const labelCounts = library.db
      .prepare(`SELECT count(*) FROM labels WHERE source = 'model' GROUP BY photo_id`)
      .pluck()
      .all() as number[];
    expect(labelCounts).toHaveLength(PHOTOS);
    expect(new Set(labelCounts)).toEqual(new Set([5]));
  } finally {
    await library.close();
  }
});
