import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { Library } from '../../electron/core/library.js';
import { TINY_TEST_SPEC, writeDeitOnnx } from '../fixtures/deit-onnx.js';
import { writeBadInputsFolder, writeOrientationSet, writeTestPhotos } from '../fixtures/images.js';
import { temporaryFolder } from '../helpers/tmp.js';

let root: string;
let modelPath: string;

beforeAll(async () => {
  root = await temporaryFolder('bad-inputs');
  modelPath = join(root, 'tiny.onnx');
  await writeDeitOnnx(modelPath, TINY_TEST_SPEC);
});

it('scan stores each bad file with its cause and tags the rest', async () => {
  const folder = join(root, 'photos');
  const cases = await writeBadInputsFolder(folder);
  const orientations = await writeOrientationSet(join(folder, 'orientation'));
  const good = await writeTestPhotos(join(folder, 'good'), 4, 7);
  const database = join(root, 'library.sqlite');

  const library = Library.open({ database });
  try {
    const summary = await library.startScan({ folders: [folder], modelPath }).done;
    const failing = cases.filter((entry) => entry.expect !== 'ok');

    expect(summary.cancelled).toBe(false);
    expect(summary.failed).toBe(failing.length);
    expect(summary.tagged).toBe(cases.length - failing.length + orientations.length + good.length);
    expect(summary.failures.reduce((sum, entry) => sum + entry.count, 0)).toBe(failing.length);

    for (const entry of cases) {
      const row = library.db
        .prepare('SELECT status, error FROM photos WHERE path = ?')
        .get(join(folder, entry.name)) as { status: string; error: string | null } | undefined;
      expect(row, entry.name).toBeDefined();
      if (entry.expect === 'ok') {
        expect(row?.status, entry.name).toBe('tagged');
      } else {
        expect(row?.status, entry.name).toBe('failed');
        expect(row?.error, entry.name).toMatch(entry.expect);
      }
    }
    const untagged = library.db
      .prepare(
        `SELECT count(*) FROM photos WHERE status = 'tagged' AND id NOT IN (SELECT photo_id FROM labels)`,
      )
      .pluck()
      .get();
    expect(untagged).toBe(0);
  } finally {
    await library.close();
  }
});

it('rescan keeps failures without decoding again', async () => {
  const folder = join(root, 'again');
  const cases = await writeBadInputsFolder(folder);
  const database = join(root, 'again.sqlite');
  const library = Library.open({ database });
  try {
    await library.startScan({ folders: [folder], modelPath }).done;
    const again = await library.startScan({ folders: [folder], modelPath }).done;

    expect(again.unchanged).toBe(cases.length);
    expect(again.failed).toBe(0);
    expect(again.provider).toBe('none');
    expect(library.failures().length).toBe(cases.filter((entry) => entry.expect !== 'ok').length);
  } finally {
    await library.close();
  }
});
