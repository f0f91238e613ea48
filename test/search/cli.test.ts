import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runExport } from '../../electron/cli/commands/export.js';
import { runSearch } from '../../electron/cli/commands/search.js';
import { runTag } from '../../electron/cli/commands/tag.js';
import { UsageError, type CliIO } from '../../electron/cli/io.js';
import { lookupClass } from '../../electron/core/labels/classes.js';
import { addPhoto, createLibrary, type TestLibrary } from './library.js';

const [BEAGLE] = lookupClass('beagle');
const [TABBY] = lookupClass('tabby');

interface Captured extends CliIO {
  out: string;
  err: string;
}

function capture(): Captured {
  const io: Captured = {
    out: '',
    err: '',
    isTTY: false,
    stdout: (text) => {
      io.out += text;
    },
    stderr: (text) => {
      io.err += text;
    },
  };
  return io;
}

let library: TestLibrary;
let dbPath: string;

beforeEach(() => {
  library = createLibrary();
  dbPath = join(library.dir, 'library.sqlite');
  addPhoto(library.db, {
    path: '/lib/p1.jpg',
    labels: [
      [BEAGLE, 0.9],
      [TABBY, 0.05],
    ],
  });
  addPhoto(library.db, { path: '/lib/p2.jpg', labels: [[TABBY, 0.8]] });
});
afterEach(() => library.close());

describe('search command', () => {
  it('prints JSON hits', async () => {
    const io = capture();
    expect(await runSearch(['dog', '--db', dbPath, '--json'], io)).toBe(0);
    expect(JSON.parse(io.out)).toEqual([
      {
        path: '/lib/p1.jpg',
        labels: [
          { label: 'beagle', wnid: 'n02088364', score: 0.9, source: 'model' },
          { label: 'tabby', wnid: 'n02123045', score: 0.05, source: 'model' },
        ],
      },
    ]);
  });

  it('prints one line per photo', async () => {
    const io = capture();
    await runSearch(['tabby', '--db', dbPath, '--min-score', '0.5'], io);
    expect(io.out).toBe('/lib/p2.jpg\ttabby 0.80\n');
  });

  it('escapes control characters in paths', async () => {
    const hostile = '/lib/\u001b]0;PWNED\u0007\u001b[2J\u001b[31mred.jpg';
    const split = '/lib/tab\there\nnext\rline.jpg';
    addPhoto(library.db, { path: hostile, labels: [[TABBY, 0.9]] });
    addPhoto(library.db, { path: split, labels: [[TABBY, 0.7]] });
    const io = capture();
    await runSearch(['tabby', '--db', dbPath, '--min-score', '0.5'], io);

    const lines = io.out.split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('/lib/\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[31mred.jpg\ttabby 0.90');
    expect(lines[1]).toBe('/lib/p2.jpg\ttabby 0.80');
    expect(lines[2]).toBe('/lib/tab\\there\\nnext\\rline.jpg\ttabby 0.70');

    const json = capture();
    await runSearch(['tabby', '--db', dbPath, '--min-score', '0.5', '--json'], json);
    const paths = (JSON.parse(json.out) as Array<{ path: string }>).map((hit) => hit.path);
    expect(paths).toEqual([hostile, '/lib/p2.jpg', split]);
  });

  it('prints an empty JSON array when nothing matches', async () => {
    const io = capture();
    await runSearch(['lion', '--db', dbPath, '--json'], io);
    expect(JSON.parse(io.out)).toEqual([]);
  });

  it('reads -word arguments as excluded query words', async () => {
    addPhoto(library.db, { path: '/lib/p3.jpg', labels: [[BEAGLE, 0.7]] });
    const lines = async (args: string[]): Promise<string[]> => {
      const io = capture();
      expect(await runSearch(['--db', dbPath, ...args], io)).toBe(0);
      return io.out
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('\t')[0]);
    };
    // p1's tabby scores 0.05 at rank 2, below the default minimum: -cat keeps p1.
    expect(await lines(['-cat'])).toEqual(['/lib/p3.jpg', '/lib/p1.jpg']);
    expect(await lines(['-dog'])).toEqual(['/lib/p2.jpg']);
    expect(await lines(['dog', '-beagle'])).toEqual([]);
    expect(await lines(['cat -tabby'])).toEqual([]);
    expect(await lines(['--', '-dog'])).toEqual(['/lib/p2.jpg']);
    expect(await lines(['-cat', '--min-score', '0'])).toEqual(['/lib/p3.jpg']);
    const help = capture();
    await runSearch(['-h'], help);
    expect(help.out).toContain('Usage: deit-tagger search');
  });

  it('rejects an empty query', async () => {
    for (const text of ['', '"', '  ', '""']) {
      await expect(runSearch([text, '--db', dbPath], capture()), text).rejects.toThrow(
        'search needs a QUERY',
      );
    }
  });

  it('rejects a query with too many terms', async () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`);
    const attempt = runSearch([...words, '--db', dbPath], capture());
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow('the query has 40 terms; the maximum is 32');
  });

  it('rejects bad options', async () => {
    await expect(runSearch(['dog', '--dbx', dbPath], capture())).rejects.toThrow(/dbx/);
    await expect(runSearch(['dog', '--db', dbPath, '--sort', 'size'], capture())).rejects.toThrow(
      UsageError,
    );
    await expect(runSearch(['dog', '--db', dbPath, '--limit', '0'], capture())).rejects.toThrow(
      UsageError,
    );
    await expect(
      runSearch(['dog', '--db', join(library.dir, 'none.sqlite')], capture()),
    ).rejects.toThrow(/library not found/);
  });
});

describe('tag command', () => {
  it('rejects a label so search no longer finds it', async () => {
    const io = capture();
    expect(await runTag(['/lib/p1.jpg', '--reject', 'beagle', '--db', dbPath], io)).toBe(0);
    expect(io.out).toBe('rejected beagle on 1 photo\n');
    const search = capture();
    await runSearch(['dog', '--db', dbPath, '--json'], search);
    expect(JSON.parse(search.out)).toEqual([]);
  });

  it('adds a free-text tag to several photos', async () => {
    const io = capture();
    await runTag(['/lib/p1.jpg', '/lib/p2.jpg', '--add', 'garden party', '--db', dbPath], io);
    expect(io.out).toBe('added "garden party" on 2 photos\n');
    const search = capture();
    await runSearch(['party', '--db', dbPath], search);
    expect(search.out.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('escapes control characters in a tag', async () => {
    const io = capture();
    await runTag(['/lib/p1.jpg', '--add', 'x\u001b[2Jy', '--db', dbPath], io);
    expect(io.out).toBe('added "x\\x1b[2Jy" on 1 photo\n');
  });

  it('names unknown photos and ambiguous labels', async () => {
    await expect(
      runTag(['/lib/nope.jpg', '--add', 'x', '--db', dbPath], capture()),
    ).rejects.toThrow(/not in the library: \/lib\/nope.jpg/);
    await expect(
      runTag(['/lib/p1.jpg', '--reject', 'crane', '--db', dbPath], capture()),
    ).rejects.toThrow(/n02012849/);
    await expect(
      runTag(['/lib/p1.jpg', '--add', 'x', '--reject', 'beagle', '--db', dbPath], capture()),
    ).rejects.toThrow(UsageError);
  });
});

describe('export command', () => {
  it('writes CSV for a query', async () => {
    const out = join(library.dir, 'dogs.csv');
    const io = capture();
    expect(await runExport(['--out', out, '--db', dbPath, '--query', 'dog'], io)).toBe(0);
    expect(io.out).toContain('wrote 1 photos, 2 rows');
    const lines = readFileSync(out, 'utf8').split('\r\n');
    expect(lines[0]).toBe('path,label,wnid,class_index,score,rank,source,model');
    expect(lines[1]).toMatch(/^\/lib\/p1.jpg,beagle,n02088364,/);
  });

  it('picks JSON from the file name and writes to standard output with -', async () => {
    const out = join(library.dir, 'all.json');
    await runExport(['--out', out, '--db', dbPath], capture());
    expect(JSON.parse(readFileSync(out, 'utf8'))).toHaveLength(2);

    const io = capture();
    await runExport(['--out', '-', '--db', dbPath, '--format', 'json'], io);
    expect(JSON.parse(io.out)).toHaveLength(2);
  });

  it('escapes control characters in the summary', async () => {
    const folder = join(library.dir, 'out\u001b[2J');
    mkdirSync(folder);
    const io = capture();
    await runExport(['--out', join(folder, 'x.csv'), '--db', dbPath], io);
    expect(io.out).toContain('out\\x1b[2J');
    expect(io.out).not.toContain('\u001b');
  });

  it('refuses to overwrite the database', async () => {
    await expect(runExport(['--out', dbPath, '--db', dbPath], capture())).rejects.toThrow(
      /is the library database/,
    );
    const io = capture();
    expect(await runSearch(['dog', '--db', dbPath], io)).toBe(0);
    expect(io.out).toContain('/lib/p1.jpg');
  });

  it('requires --out', async () => {
    await expect(runExport(['--db', dbPath], capture())).rejects.toThrow(UsageError);
  });
});
