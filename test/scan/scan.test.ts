import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, rename, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Library, type ScanSummary } from '../../electron/core/library.js';
import { TINY_TEST_SPEC, writeDeitOnnx } from '../fixtures/deit-onnx.js';
import { writeSeededPhoto, writeSeededPhotos } from '../helpers/photos.js';
import { temporaryFolder } from '../helpers/tmp.js';

let root: string;
let modelPath: string;

beforeAll(async () => {
  root = await temporaryFolder('scan');
  modelPath = join(root, 'tiny.onnx');
  await writeDeitOnnx(modelPath, TINY_TEST_SPEC);
});

async function scan(database: string, folder: string, batchSize = 4): Promise<ScanSummary> {
  const library = Library.open({ database });
  try {
    return await library.startScan({ folders: [folder], modelPath, batchSize }).done;
  } finally {
    await library.close();
  }
}

function rows<T>(database: string, sql: string, ...params: unknown[]): T[] {
  const library = Library.open({ database });
  try {
    return library.db.prepare(sql).all(...params) as T[];
  } finally {
    void library.close();
  }
}

describe('scan', () => {
  it('tags new photos with five labels each', async () => {
    const folder = join(root, 'new');
    await writeSeededPhotos(folder, 6);
    const database = join(root, 'new.sqlite');

    const summary = await scan(database, folder);

    expect(summary.tagged).toBe(6);
    expect(summary.failed).toBe(0);
    expect(summary.provider).toBe('cpu');
    const labels = rows<{ n: number; ranks: string }>(
      database,
      `SELECT count(*) AS n, group_concat(rank) AS ranks FROM labels GROUP BY photo_id`,
    );
    expect(labels).toHaveLength(6);
    for (const row of labels) expect(row.n).toBe(5);
    const photos = rows<{ status: string; hash: string; width: number; thumbnail: string }>(
      database,
      'SELECT status, hash, width, thumbnail FROM photos',
    );
    for (const photo of photos) {
      expect(photo.status).toBe('tagged');
      expect(photo.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(photo.width).toBe(48);
      expect(
        existsSync(
          join(
            `${database.replace(/\.sqlite$/, '')}-thumbnails`,
            photo.thumbnail.slice(0, 2),
            `${photo.thumbnail}.jpg`,
          ),
        ),
      ).toBe(true);
    }
  });

  it('rescan of unchanged folder decodes nothing', async () => {
    const folder = join(root, 'unchanged');
    await writeSeededPhotos(folder, 5);
    const database = join(root, 'unchanged.sqlite');
    await scan(database, folder);

    const again = await scan(database, folder);

    expect(again.unchanged).toBe(5);
    expect(again.tagged).toBe(0);
    // The model is loaded only when something needs decoding.
    expect(again.provider).toBe('none');
  });

  it('moved photo keeps its labels and manual tags', async () => {
    const folder = join(root, 'moves');
    const [first] = await writeSeededPhotos(folder, 3);
    const database = join(root, 'moves.sqlite');
    await scan(database, folder);
    const library = Library.open({ database });
    const id = library.db
      .prepare('SELECT id FROM photos WHERE path = ?')
      .pluck()
      .get(first) as number;
    library.db
      .prepare(
        `INSERT INTO labels (photo_id, source, tag, verdict, created_at) VALUES (?, 'manual', 'holiday', 'added', 0)`,
      )
      .run(id);
    await library.close();

    const target = join(folder, 'sub', 'renamed.jpg');
    await mkdir(join(folder, 'sub'));
    await rename(first, target);
    const summary = await scan(database, folder);

    expect(summary.moved).toBe(1);
    expect(summary.missing).toBe(0);
    expect(summary.tagged).toBe(0);
    const moved = rows<{ id: number; status: string }>(
      database,
      'SELECT id, status FROM photos WHERE path = ?',
      target,
    );
    expect(moved[0]?.id).toBe(id);
    expect(moved[0]?.status).toBe('tagged');
    const tags = rows<{ tag: string }>(
      database,
      `SELECT tag FROM labels WHERE photo_id = ? AND source = 'manual'`,
      id,
    );
    expect(tags.map((row) => row.tag)).toEqual(['holiday']);
    const modelLabels = rows(
      database,
      `SELECT 1 FROM labels WHERE photo_id = ? AND source = 'model'`,
      id,
    );
    expect(modelLabels).toHaveLength(5);
    expect(rows(database, 'SELECT 1 FROM photos')).toHaveLength(3);
  });

  it('photo missing since an earlier scan returns as a move', async () => {
    const folder = join(root, 'returns');
    const [first, second] = await writeSeededPhotos(folder, 3);
    const database = join(root, 'returns.sqlite');
    await scan(database, folder);
    const kept = join(root, 'returns-kept.jpg');
    await rename(first, kept);
    const gone = await scan(database, folder);
    expect(gone.missing).toBe(1);

    // The first photo comes back under a new name while the second one goes missing.
    await rename(kept, join(folder, 'back.jpg'));
    await rm(second);
    const summary = await scan(database, folder);

    expect(summary.moved).toBe(1);
    expect(summary.missing).toBe(1);
    expect(summary.tagged).toBe(0);
  });

  it('deleted and changed photos are detected', async () => {
    const folder = join(root, 'changes');
    const [first, second] = await writeSeededPhotos(folder, 3);
    const database = join(root, 'changes.sqlite');
    await scan(database, folder);

    await rm(first);
    await writeSeededPhoto(second, 99, 64);
    const summary = await scan(database, folder);

    expect(summary.missing).toBe(1);
    expect(summary.tagged).toBe(1);
    expect(summary.unchanged).toBe(1);
    const statuses = rows<{ path: string; status: string; width: number }>(
      database,
      'SELECT path, status, width FROM photos ORDER BY path',
    );
    expect(statuses.map((row) => row.status)).toEqual(['missing', 'tagged', 'tagged']);
    expect(statuses[1]?.width).toBe(64);
  });

  it('skips hidden and system folders and survives link loops', async () => {
    const folder = join(root, 'walk');
    await writeSeededPhotos(folder, 2);
    for (const hidden of ['.thumbnails', '@eaDir', '$RECYCLE.BIN', '.git']) {
      await writeSeededPhotos(join(folder, hidden), 1, 50);
    }
    await writeSeededPhoto(join(folder, '.hidden.jpg'), 60);
    await mkdir(join(folder, 'loop'));
    await symlink(folder, join(folder, 'loop', 'back'));
    await writeFile(join(folder, 'notes.txt'), 'not a photo');
    const database = join(root, 'walk.sqlite');

    const summary = await scan(database, folder);

    expect(summary.tagged).toBe(2);
    expect(summary.failed).toBe(0);
  });

  it('finds images by their bytes when the extension is unknown', async () => {
    const folder = join(root, 'sniff');
    await writeSeededPhoto(join(folder, 'scan.jpg'), 1);
    await rename(join(folder, 'scan.jpg'), join(folder, 'IMG_0001'));
    await writeFile(join(folder, 'README'), 'plain text, not an image');
    const database = join(root, 'sniff.sqlite');

    const summary = await scan(database, folder);

    expect(summary.tagged).toBe(1);
    expect(summary.failed).toBe(0);
  });

  it('stores unusual file names exactly', async () => {
    const folder = join(root, 'names');
    const names = [
      'caf\u00e9.jpg', // NFC
      'cafe\u0301.jpg', // NFD
      '\u5199\u771f\u306e\u732b.jpg',
      'a, b.jpg',
      'say "cheese".jpg',
      'two\nlines.jpg',
    ];
    for (const [index, name] of names.entries()) await writeSeededPhoto(join(folder, name), index);
    const database = join(root, 'names.sqlite');

    const summary = await scan(database, folder);

    expect(summary.tagged).toBe(names.length);
    const stored = rows<{ name: string }>(database, 'SELECT name FROM photos').map(
      (row) => row.name,
    );
    expect(stored.sort()).toEqual([...names].sort());
  });
});

describe('scan model choice', () => {
  it('uses the only installed model and makes it active', async () => {
    const folder = join(root, 'choice');
    await writeSeededPhotos(folder, 2);
    const modelsDir = join(root, 'models-one');
    await mkdir(modelsDir);
    await writeDeitOnnx(join(modelsDir, 'only-model.onnx'), TINY_TEST_SPEC);
    const library = Library.open({ database: join(root, 'choice.sqlite'), modelsDir });
    try {
      const summary = await library.startScan({ folders: [folder] }).done;

      expect(summary.model).toBe('only-model');
      expect(summary.tagged).toBe(2);
      expect(library.activeModel()).toBe('only-model');
      expect(library.folders()).toEqual([folder]);
    } finally {
      await library.close();
    }
  });

  it('without a model names the commands to get one', async () => {
    const folder = join(root, 'no-model');
    await writeSeededPhotos(folder, 1);
    const library = Library.open({
      database: join(root, 'no-model.sqlite'),
      modelsDir: join(root, 'models-none'),
    });
    try {
      expect(() => library.startScan({ folders: [folder] })).toThrow(
        /models download .*models import/,
      );
    } finally {
      await library.close();
    }
  });
});

describe('scan edge cases', () => {
  it('tags identical photos side by side', async () => {
    const folder = join(root, 'twins');
    await writeSeededPhoto(join(folder, 'a.jpg'), 5);
    for (const name of ['b.jpg', 'c.jpg', 'd.jpg'])
      await copyFile(join(folder, 'a.jpg'), join(folder, name));

    const summary = await scan(join(root, 'twins.sqlite'), folder);

    expect(summary.tagged).toBe(4);
    expect(summary.failed).toBe(0);
  });

  it('ignores its thumbnail cache inside a scanned folder', async () => {
    const folder = join(root, 'inside');
    await writeSeededPhotos(folder, 3);
    const database = join(folder, 'tags.sqlite');
    await scan(database, folder);

    const again = await scan(database, folder);

    expect(again.unchanged).toBe(3);
    expect(again.tagged).toBe(0);
    expect(rows(database, 'SELECT 1 FROM photos')).toHaveLength(3);
  });

  it('warns about files it cannot tag', async () => {
    const folder = join(root, 'odd-files');
    await writeSeededPhotos(folder, 1);
    execFileSync('mkfifo', [join(folder, 'pipe.jpg')]);
    await symlink(join(folder, 'nowhere.jpg'), join(folder, 'dangling.jpg'));
    await symlink('/dev/zero', join(folder, 'zero.jpg'));

    const summary = await scan(join(root, 'odd-files.sqlite'), folder);

    expect(summary.tagged).toBe(1);
    const warnings = summary.warnings.join('\n');
    expect(warnings).toContain(`${join(folder, 'pipe.jpg')}: not a regular file`);
    expect(warnings).toContain(`${join(folder, 'dangling.jpg')}: broken symbolic link`);
    expect(warnings).toContain(
      `${join(folder, 'zero.jpg')}: the link points at something that is not a file`,
    );
  });

  it('refuses files over the size limit', async () => {
    const folder = join(root, 'huge');
    await writeSeededPhotos(folder, 1);
    // A sparse file: it takes no disk space but reports its full size.
    await writeFile(join(folder, 'huge.jpg'), '');
    await truncate(join(folder, 'huge.jpg'), 600 * 2 ** 20);

    const summary = await scan(join(root, 'huge.sqlite'), folder);

    expect(summary.tagged).toBe(1);
    expect(summary.failed).toBe(1);
    const error = rows<{ error: string }>(
      join(root, 'huge.sqlite'),
      `SELECT error FROM photos WHERE status = 'failed'`,
    );
    expect(error[0]?.error).toBe('file too large: 600 MiB (the limit is 512 MiB)');
  });
});
