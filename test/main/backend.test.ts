/**
 * The desktop back end on a real SQLite library: photo media by id, revealing a photo (directly
 * and through the photos.reveal request), and exports written through the save dialog's choice.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PhotoStore } from '../../electron/core/db/photos.js';
import { saveThumbnail } from '../../electron/core/scan/thumbnails.js';
import {
  exportToFile,
  openBackend,
  revealPhoto,
  type Backend,
} from '../../electron/main/backend.js';
import { createLogger } from '../../electron/main/log.js';
import { photoMedia } from '../../electron/server/media.js';
import { temporaryFolder } from '../helpers/tmp.js';

const silent = createLogger({ console: null });
/** ImageNet-1k class 281 is "tabby, tabby cat". */
const TABBY = 281;

let dir: string;
let backend: Backend;
let photoId: number;
let photoPath: string;
let goneId: number;
let scannedMtimeMs: number;
/** Paths the back end asked the file manager to show. */
const revealed: string[] = [];

beforeAll(async () => {
  dir = await temporaryFolder('backend');
  backend = openBackend({
    database: join(dir, 'library.sqlite'),
    modelsDir: join(dir, 'models'),
    log: silent,
    pickFolders: () => Promise.resolve([]),
    showItemInFolder: (path) => revealed.push(path),
    chooseExportFile: () => Promise.resolve(null),
  });

  photoPath = join(dir, 'photos', 'cat.png');
  await mkdir(join(dir, 'photos'));
  const image = sharp({
    create: { width: 8, height: 6, channels: 3, background: { r: 200, g: 120, b: 40 } },
  });
  await writeFile(photoPath, await image.png().toBuffer());
  const thumbnail = await sharp(photoPath).jpeg().toBuffer();
  await saveThumbnail(backend.library.thumbnailsDir, 'ab12cd34', thumbnail);

  const store = new PhotoStore(backend.library.db);
  const saved = {
    size: 100,
    mtimeMs: 1,
    format: 'png',
    width: 8,
    height: 6,
    takenAt: 1_700_000_000_000,
    camera: null,
    labels: [{ classIndex: TABBY, score: 0.875 }],
  };
  // The original is served only while its size and mtime match the scan's.
  const info = statSync(photoPath);
  scannedMtimeMs = Math.trunc(info.mtimeMs);
  photoId = store.saveTagged(
    {
      ...saved,
      size: info.size,
      mtimeMs: scannedMtimeMs,
      path: photoPath,
      hash: 'h1',
      thumbnail: 'ab12cd34',
    },
    'deit-test',
    Date.now(),
  );
  goneId = store.saveTagged(
    { ...saved, path: join(dir, 'photos', 'gone.png'), hash: 'h2', thumbnail: null },
    'deit-test',
    Date.now(),
  );
  store.markFilesMissing([goneId]);
});

afterAll(() => backend.close());

describe('photoMedia', () => {
  it('finds the cached thumbnail', () => {
    const media = photoMedia(backend.library, 'thumbnail', photoId);
    expect(media?.contentType).toBe('image/jpeg');
    expect(media).not.toBeNull();
    expect(existsSync(media?.file ?? '')).toBe(true);
  });

  it('finds the original with its type', () => {
    expect(photoMedia(backend.library, 'original', photoId)).toEqual({
      file: photoPath,
      contentType: 'image/png',
    });
  });

  it('withholds an original that changed since its scan', async () => {
    const saved = await readFile(photoPath);
    await writeFile(photoPath, 'another file now sits at this path');
    try {
      expect(photoMedia(backend.library, 'original', photoId)).toBeNull();
    } finally {
      await writeFile(photoPath, saved);
      await utimes(photoPath, scannedMtimeMs / 1000, scannedMtimeMs / 1000);
    }
    expect(photoMedia(backend.library, 'original', photoId)?.file).toBe(photoPath);
  });

  it('returns null for unknown and missing photos', () => {
    expect(photoMedia(backend.library, 'original', 999_999)).toBeNull();
    expect(photoMedia(backend.library, 'thumbnail', 999_999)).toBeNull();
    expect(photoMedia(backend.library, 'original', goneId)).toBeNull();
    expect(photoMedia(backend.library, 'thumbnail', goneId)).toBeNull();
  });
});

describe('revealPhoto', () => {
  it('shows the file of a photo', () => {
    const shown: string[] = [];
    expect(revealPhoto(backend.library, photoId, (path) => shown.push(path))).toBe(true);
    expect(shown).toEqual([photoPath]);
  });

  it('skips unknown and missing photos', () => {
    const shown: string[] = [];
    expect(revealPhoto(backend.library, 999_999, (path) => shown.push(path))).toBe(false);
    expect(revealPhoto(backend.library, goneId, (path) => shown.push(path))).toBe(false);
    expect(shown).toEqual([]);
  });
});

describe('photos.reveal', () => {
  it('shows the file of a photo by id', async () => {
    revealed.length = 0;
    const result = await backend.dispatch('photos.reveal', { id: photoId });
    expect(result).toEqual({ ok: true, value: { revealed: true } });
    expect(revealed).toEqual([photoPath]);
  });

  it('reports a missing file as not revealed', async () => {
    revealed.length = 0;
    const result = await backend.dispatch('photos.reveal', { id: goneId });
    expect(result).toEqual({ ok: true, value: { revealed: false } });
    expect(revealed).toEqual([]);
  });

  it('returns not-found for an unknown id', async () => {
    const result = await backend.dispatch('photos.reveal', { id: 999_999 });
    expect(result).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('rejects a path in place of an id', async () => {
    const result = await backend.dispatch('photos.reveal', { id: photoPath });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });
});

describe('exportToFile', () => {
  const input = { format: 'csv', wide: false, bom: false } as const;

  it('writes CSV where the user chose', async () => {
    const file = join(dir, 'export.csv');
    const result = await exportToFile(backend.library, input, () => Promise.resolve(file), silent);
    expect(result).toEqual({ kind: 'saved', path: file });

    const rows: Array<Record<string, string>> = parse(readFileSync(file, 'utf8'), {
      columns: true,
    });
    const catRows = rows.filter((row) => row.path === photoPath);
    expect(catRows).toHaveLength(1);
    expect(catRows[0]?.class_index).toBe(String(TABBY));
    expect(Number(catRows[0]?.score)).toBeCloseTo(0.875, 6);
  });

  it('writes nothing when cancelled', async () => {
    let asked = 0;
    const result = await exportToFile(
      backend.library,
      input,
      () => {
        asked++;
        return Promise.resolve(null);
      },
      silent,
    );
    expect(result).toEqual({ kind: 'cancelled' });
    expect(asked).toBe(1);
  });

  it('fails on an unwritable destination', async () => {
    const file = join(dir, 'no-such-folder', 'export.csv');
    await expect(
      exportToFile(backend.library, input, () => Promise.resolve(file), silent),
    ).rejects.toThrow(/ENOENT/);
    expect(existsSync(file)).toBe(false);
  });
});
