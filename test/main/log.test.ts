import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';

import {
  createFileLogger,
  createLogger,
  fileLabel,
  redactHome,
  RotatingFile,
  type LogLevel,
  type LogRecord,
} from '../../electron/main/log.js';
import { temporaryFolder } from '../helpers/tmp.js';

function readRecords(file: string): LogRecord[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogRecord);
}

describe('RotatingFile', () => {
  it('rotates past maxBytes and keeps maxFiles', async () => {
    const dir = await temporaryFolder('log-rotate');
    const file = join(dir, 'logs', 'main.log');
    const rotating = new RotatingFile({ file, maxBytes: 100, maxFiles: 3 });
    const line = (n: number): string => `${String(n).padStart(3, '0')} ${'x'.repeat(35)}\n`;

    // 40-byte lines: two fit in 100 bytes, the third starts a new file.
    for (let n = 0; n < 9; n++) rotating.write(line(n));

    expect(readFileSync(file, 'utf8')).toBe(line(8));
    expect(readFileSync(`${file}.1`, 'utf8')).toBe(line(6) + line(7));
    expect(readFileSync(`${file}.2`, 'utf8')).toBe(line(4) + line(5));
    expect(existsSync(`${file}.3`)).toBe(false);
  });

  it('continues the size of an existing file', async () => {
    const dir = await temporaryFolder('log-reopen');
    const file = join(dir, 'main.log');
    new RotatingFile({ file, maxBytes: 50, maxFiles: 2 }).write('a'.repeat(40) + '\n');

    // A restarted app must rotate a file that a previous run already filled.
    new RotatingFile({ file, maxBytes: 50, maxFiles: 2 }).write('b'.repeat(20) + '\n');

    expect(readFileSync(file, 'utf8')).toBe('b'.repeat(20) + '\n');
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('a'.repeat(40) + '\n');
  });

  it('writes a line longer than maxBytes whole', async () => {
    const dir = await temporaryFolder('log-long');
    const file = join(dir, 'main.log');
    const rotating = new RotatingFile({ file, maxBytes: 10, maxFiles: 2 });
    rotating.write('y'.repeat(30));
    expect(readFileSync(file, 'utf8')).toBe('y'.repeat(30));
  });

  it('rejects sizes below one', () => {
    expect(() => new RotatingFile({ file: 'x.log', maxBytes: 0, maxFiles: 1 })).toThrow(/maxBytes/);
    expect(() => new RotatingFile({ file: 'x.log', maxBytes: 1, maxFiles: 0 })).toThrow(/maxFiles/);
  });
});

describe('createLogger', () => {
  const fixedNow = (): Date => new Date('2026-01-02T03:04:05.678Z');

  it('writes JSON lines with module and fields', async () => {
    const dir = await temporaryFolder('log-json');
    const file = new RotatingFile({ file: join(dir, 'main.log'), maxBytes: 1e6, maxFiles: 2 });
    const log = createLogger({ file, console: null, now: fixedNow }).child('scan');

    log.info('scan started', { folders: 2, job: 'abc' });

    expect(readRecords(join(dir, 'main.log'))).toEqual([
      {
        time: '2026-01-02T03:04:05.678Z',
        level: 'info',
        module: 'scan',
        message: 'scan started',
        folders: 2,
        job: 'abc',
      },
    ]);
  });

  it('drops records below the level', async () => {
    const dir = await temporaryFolder('log-level');
    const path = join(dir, 'main.log');
    const file = new RotatingFile({ file: path, maxBytes: 1e6, maxFiles: 2 });
    const log = createLogger({ file, console: null, level: 'warn' });

    log.debug('hidden');
    log.info('hidden');
    log.warn('shown');
    log.error('shown too');

    expect(readRecords(path).map((record) => record.level)).toEqual(['warn', 'error']);
  });

  it('serializes errors with their stack', async () => {
    const dir = await temporaryFolder('log-error');
    const path = join(dir, 'main.log');
    const file = new RotatingFile({ file: path, maxBytes: 1e6, maxFiles: 2 });
    createLogger({ file, console: null }).error('failed', { error: new TypeError('bad value') });

    const [record] = readRecords(path);
    const error = record?.error as { name: string; message: string; stack: string };
    expect(error.name).toBe('TypeError');
    expect(error.message).toBe('bad value');
    expect(error.stack).toContain('log.test.ts');
  });

  it('replaces the home folder with ~', async () => {
    const dir = await temporaryFolder('log-home');
    const path = join(dir, 'main.log');
    const file = new RotatingFile({ file: path, maxBytes: 1e6, maxFiles: 2 });
    const lines: string[] = [];
    const log = createLogger({ file, console: (_level, line) => lines.push(line) });
    const photo = join(homedir(), 'Pictures', 'cat.jpg');

    log.warn(`cannot read ${photo}`, { path: photo, error: new Error(`EACCES ${photo}`) });

    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(homedir());
    expect(text).toContain(join('~', 'Pictures', 'cat.jpg'));
    expect(lines[0]).not.toContain(homedir());
  });

  it('prints readable lines to the console', () => {
    const lines: Array<[LogLevel, string]> = [];
    const log = createLogger({
      console: (level, line) => lines.push([level, line]),
      now: fixedNow,
    });

    log.child('ipc').warn('rejected', { request: 'photos.get' });

    expect(lines).toEqual([
      ['warn', '2026-01-02T03:04:05.678Z WARN  ipc rejected request="photos.get"'],
    ]);
  });

  it('keeps going when the file cannot be written', async () => {
    const dir = await temporaryFolder('log-broken');
    // A folder where the log file should be makes every append fail.
    const file = new RotatingFile({ file: dir, maxBytes: 1e6, maxFiles: 2 });
    const lines: string[] = [];
    const log = createLogger({ file, console: (_level, line) => lines.push(line) });

    expect(() => log.info('still running')).not.toThrow();
    expect(lines.some((line) => line.startsWith('log file write failed'))).toBe(true);
    expect(lines.some((line) => line.includes('still running'))).toBe(true);
  });
});

describe('path helpers', () => {
  it('fileLabel keeps the last segment', () => {
    expect(fileLabel(join('/home', 'ada', 'Pictures', 'library.sqlite'))).toBe('library.sqlite');
  });

  it('redactHome leaves other paths alone', () => {
    expect(redactHome('/srv/photos/a.jpg', '/home/ada')).toBe('/srv/photos/a.jpg');
    expect(redactHome('/home/ada/a.jpg and /home/ada/b.jpg', '/home/ada')).toBe(
      '~/a.jpg and ~/b.jpg',
    );
  });
});

describe('createFileLogger', () => {
  it('writes main.log in the logs folder', async () => {
    const dir = await temporaryFolder('log-app');
    createFileLogger(join(dir, 'logs'), 'info').child('ipc').info('ready');
    const [record] = readRecords(join(dir, 'logs', 'main.log'));
    expect(record?.module).toBe('ipc');
    expect(record?.message).toBe('ready');
  });

  it('falls back to the console when the folder fails', async () => {
    const dir = await temporaryFolder('log-app-broken');
    // A file where the logs folder belongs makes creating the folder fail.
    await writeFile(join(dir, 'logs'), 'not a folder');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);

    const log = createFileLogger(join(dir, 'logs'));

    expect(() => log.info('still running')).not.toThrow();
    expect(errors).toHaveBeenCalledWith(expect.stringContaining('cannot create the log file'));
    errors.mockRestore();
  });
});
