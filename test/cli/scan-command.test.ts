import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TINY_TEST_SPEC, writeDeitOnnx } from '../fixtures/deit-onnx.js';
import { writeTruncatedJpeg } from '../fixtures/images.js';
import { runCli } from '../helpers/cli.js';
import { writeSeededPhotos } from '../helpers/photos.js';
import { temporaryFolder } from '../helpers/tmp.js';

let root: string;
let modelPath: string;
let folder: string;

beforeAll(async () => {
  root = await temporaryFolder('scan-command');
  modelPath = join(root, 'tiny.onnx');
  folder = join(root, 'photos');
  await writeDeitOnnx(modelPath, TINY_TEST_SPEC);
  await writeSeededPhotos(folder, 3);
  await writeTruncatedJpeg(folder);
});

describe('scan command', () => {
  it('prints a summary and the failed files', async () => {
    const database = join(root, 'summary.sqlite');

    const result = await runCli(['scan', folder, '--db', database, '--model', modelPath]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/tagged +3/);
    expect(result.stdout).toMatch(/failed +1/);
    expect(result.stdout).toMatch(/1 × truncated JPEG/);
    expect(result.stdout).toContain(`Failed files:\n  ${folder}`);

    const again = await runCli(['scan', folder, '--db', database, '--model', modelPath]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/unchanged +4/);
  });

  it('escapes control characters in paths', async () => {
    const hostile = join(root, 'photos\u001b]0;PWNED\u0007');
    await mkdir(hostile);
    await writeFile(join(hostile, 'bad\u001b[2J\nname.jpg'), 'not a JPEG');
    const database = join(root, 'hostile.sqlite');

    const scan = await runCli(['scan', hostile, '--db', database, '--model', modelPath]);
    expect(scan.code).toBe(0);
    expect(scan.stdout).toContain('photos\\x1b]0;PWNED\\x07/bad\\x1b[2J\\nname.jpg: ');
    expect(scan.stdout).not.toContain('\u001b');

    const info = await runCli(['info', '--db', database, '--model', modelPath]);
    expect(info.code).toBe(0);
    expect(info.stdout).toContain('photos\\x1b]0;PWNED\\x07');
    expect(info.stdout).not.toContain('\u001b');
  });

  it('info reports the library after a scan', async () => {
    const database = join(root, 'summary.sqlite');

    const result = await runCli(['info', '--db', database, '--json', '--model', modelPath]);

    expect(result.code).toBe(0);
    const info = JSON.parse(result.stdout) as {
      photos: number;
      tagged: number;
      failed: number;
      folders: string[];
      providers: { provider: string };
    };
    expect(info.photos).toBe(4);
    expect(info.tagged).toBe(3);
    expect(info.failed).toBe(1);
    expect(info.folders).toEqual([folder]);
    expect(info.providers.provider).toBe('cpu');
  });

  it.each([
    [
      'a missing folder',
      () => ['scan', join(root, 'nope'), '--model', modelPath],
      /folder not found/,
    ],
    [
      'a missing model',
      () => ['scan', folder, '--model', join(root, 'nope.onnx')],
      /model file not found/,
    ],
    ['no folder', () => ['scan', '--model', modelPath], /needs at least one FOLDER/],
  ])('fails clearly for %s', async (_case, args, message) => {
    const result = await runCli([...args(), '--db', join(root, 'errors.sqlite')]);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it('fails clearly for a file that is not a database', async () => {
    const database = join(root, 'not-a-database.sqlite');
    await writeFile(database, 'this is not SQLite, just text that is long enough to fill a header');

    const result = await runCli(['scan', folder, '--db', database, '--model', modelPath]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot open database ${database}`);
  });
});
