import { linkSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lookupClass } from '../../electron/core/labels/classes.js';
import { addTag, rejectLabel } from '../../electron/core/labels/corrections.js';
import {
  CSV_COLUMNS,
  csvChunks,
  exportLibrary,
  neutralizeFormula,
} from '../../electron/core/export/export.js';
import { ExportPathError } from '../../electron/core/export/out-path.js';
import type { ExportPhoto } from '../../electron/core/export/rows.js';
import { addPhoto, createLibrary, MODEL, type TestLibrary } from '../search/library.js';

const [BEAGLE] = lookupClass('beagle');
const [TABBY] = lookupClass('tabby');

// Names that break naive CSV writers and Unicode handling.
const AWKWARD_PATHS = [
  '/photos/Cafe\u0301 cre\u0300me.jpg', // NFD: e + combining accents
  '/photos/写真/東京タワー.jpg',
  '/photos/a, b.jpg',
  '/photos/say "cheese".jpg',
  '/photos/line\nbreak.jpg',
  '/photos/cr\r\nlf.jpg',
];

let library: TestLibrary;
beforeEach(() => {
  library = createLibrary();
});
afterEach(() => library.close());

function parseCsv(text: string): string[][] {
  const rows: unknown = parse(text, { bom: true });
  return rows as string[][];
}

describe('CSV export', () => {
  it('round-trips awkward paths byte for byte', () => {
    for (const path of AWKWARD_PATHS) addPhoto(library.db, { path, labels: [[TABBY, 0.5]] });
    const out = join(library.dir, 'labels.csv');
    const summary = exportLibrary(library.db, out, { format: 'csv' });
    expect(summary).toEqual({ photos: AWKWARD_PATHS.length, rows: AWKWARD_PATHS.length });

    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const paths = rows.slice(1).map((row) => row[0]);
    expect(paths.map((p) => Buffer.from(p).toString('hex'))).toEqual(
      AWKWARD_PATHS.map((p) => Buffer.from(p).toString('hex')),
    );
  });

  it('quotes cells with a bare CR or LF', () => {
    const paths = ['/photos/nl\nname.jpg', '/photos/cr\rname.jpg'];
    for (const path of paths) addPhoto(library.db, { path, labels: [[TABBY, 0.5]] });
    for (const wide of [false, true]) {
      const out = join(library.dir, wide ? 'wide.csv' : 'long.csv');
      exportLibrary(library.db, out, { format: 'csv', wide });
      const text = readFileSync(out, 'utf8');

      const rows = parseCsv(text);
      expect(rows.slice(1).map((row) => row[0])).toEqual(paths);
      for (const path of paths) expect(text).toContain(`"${path}",`);
      // With every CR or LF inside a quoted cell, each record ends at a CRLF.
      expect(text.split('\r\n')).toHaveLength(paths.length + 2);
    }
  });

  it('writes one row per label without rejected ones', () => {
    const id = addPhoto(library.db, {
      path: '/photos/dog.jpg',
      labels: [
        [BEAGLE, 0.75],
        [TABBY, 0.125],
      ],
    });
    rejectLabel(library.db, [id], TABBY);
    addTag(library.db, [id], { tag: 'garden' });
    const out = join(library.dir, 'labels.csv');
    exportLibrary(library.db, out, { format: 'csv' });

    expect(parseCsv(readFileSync(out, 'utf8')).slice(1)).toEqual([
      ['/photos/dog.jpg', 'beagle', 'n02088364', String(BEAGLE), '0.75', '1', 'model', MODEL],
      ['/photos/dog.jpg', 'garden', '', '', '', '', 'manual', ''],
    ]);
  });

  it('neutralises formulas but not numbers', () => {
    const id = addPhoto(library.db, { path: '/photos/x.jpg' });
    for (const tag of ['=SUM(A1)', '+1', '-1', '@cmd', '\tx', 'plain']) {
      addTag(library.db, [id], { tag });
    }
    const out = join(library.dir, 'labels.csv');
    exportLibrary(library.db, out, { format: 'csv' });
    const labels = parseCsv(readFileSync(out, 'utf8'))
      .slice(1)
      .map((row) => row[1]);
    // The tab tag is stored trimmed to "x", since tags collapse white space.
    expect(labels).toEqual(["'=SUM(A1)", "'+1", "'-1", "'@cmd", 'x', 'plain']);
    expect(neutralizeFormula('\tx')).toBe("'\tx");
    expect(neutralizeFormula('\rx')).toBe("'\rx");

    const photo: ExportPhoto = {
      id: 1,
      path: '/p.jpg',
      status: 'tagged',
      error: null,
      takenAt: 0,
      width: null,
      height: null,
      labels: [
        {
          classIndex: 1,
          label: 'goldfish',
          wnid: 'n01443537',
          score: -0.5,
          rank: 1,
          source: 'model',
          verdict: null,
          model: 'm',
        },
      ],
    };
    const text = [...csvChunks([photo], {})].join('');
    expect(parseCsv(text)[1]?.[4]).toBe('-0.5');
  });

  it('writes a byte order mark when asked', () => {
    addPhoto(library.db, { path: '/photos/a.jpg', labels: [[TABBY, 0.5]] });
    const out = join(library.dir, 'labels.csv');
    exportLibrary(library.db, out, { format: 'csv', bom: true });
    expect(readFileSync(out).subarray(0, 3).toString('hex')).toBe('efbbbf');
    exportLibrary(library.db, out, { format: 'csv' });
    expect(readFileSync(out).subarray(0, 4).toString()).toBe('path');
  });

  it('writes one row per photo in the wide format', () => {
    addPhoto(library.db, {
      path: '/photos/a.jpg',
      labels: [
        [BEAGLE, 0.75],
        [TABBY, 0.125],
      ],
    });
    addPhoto(library.db, { path: '/photos/pending.jpg', status: 'pending' });
    const out = join(library.dir, 'wide.csv');
    exportLibrary(library.db, out, { format: 'csv', wide: true });
    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows.slice(1)).toEqual([
      [
        '/photos/a.jpg',
        'beagle; tabby',
        'n02088364; n02123045',
        `${BEAGLE}; ${TABBY}`,
        '0.75; 0.125',
        'model; model',
        MODEL,
      ],
      ['/photos/pending.jpg', '', '', '', '', '', ''],
    ]);
  });

  it('exports a search result in its order', () => {
    addPhoto(library.db, { path: '/photos/cat.jpg', labels: [[TABBY, 0.9]] });
    addPhoto(library.db, { path: '/photos/dog1.jpg', labels: [[BEAGLE, 0.4]] });
    addPhoto(library.db, { path: '/photos/dog2.jpg', labels: [[BEAGLE, 0.8]] });
    const out = join(library.dir, 'dogs.csv');
    const summary = exportLibrary(library.db, out, { format: 'csv', query: { text: 'dog' } });
    expect(summary.photos).toBe(2);
    const paths = parseCsv(readFileSync(out, 'utf8'))
      .slice(1)
      .map((row) => row[0]);
    expect(paths).toEqual(['/photos/dog2.jpg', '/photos/dog1.jpg']);
  });
});

describe('JSON export', () => {
  it('includes each photo with status and error', () => {
    addPhoto(library.db, { path: '/photos/ok.jpg', takenAt: 0, labels: [[TABBY, 0.5]] });
    addPhoto(library.db, {
      path: '/photos/bad.jpg',
      status: 'failed',
      error: 'truncated JPEG',
    });
    const out = join(library.dir, 'labels.json');
    exportLibrary(library.db, out, { format: 'json' });
    const records = JSON.parse(readFileSync(out, 'utf8')) as Array<Record<string, unknown>>;
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      path: '/photos/ok.jpg',
      status: 'tagged',
      error: null,
      takenAt: '1970-01-01T00:00:00.000Z',
      labels: [{ label: 'tabby', wnid: 'n02123045', score: 0.5, rank: 1, source: 'model' }],
    });
    expect(records[1]).toMatchObject({ status: 'failed', error: 'truncated JPEG', labels: [] });
  });

  it('writes an empty array for an empty library', () => {
    const out = join(library.dir, 'empty.json');
    exportLibrary(library.db, out, { format: 'json' });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual([]);
  });
});

describe('export destination', () => {
  it('rejects the database and its side files', () => {
    addPhoto(library.db, { path: '/photos/a.jpg', labels: [[TABBY, 0.5]] });
    const database = join(library.dir, 'library.sqlite');
    symlinkSync(database, join(library.dir, 'link.sqlite'));
    linkSync(database, join(library.dir, 'hard.sqlite'));
    const targets = [
      database,
      `${database}-wal`,
      `${database}-shm`,
      join(library.dir, 'link.sqlite'),
      join(library.dir, 'hard.sqlite'),
      join(library.dir, '.', 'library.sqlite'),
    ];
    for (const target of targets) {
      expect(() => exportLibrary(library.db, target, { format: 'csv' }), target).toThrow(
        ExportPathError,
      );
    }
    const [row] = library.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM photos').all();
    expect(row.n).toBe(1);
  });

  it('names a missing folder', () => {
    const out = join(library.dir, 'missing', 'x.csv');
    expect(() => exportLibrary(library.db, out, { format: 'csv' })).toThrow(
      `folder not found: ${join(library.dir, 'missing')}`,
    );
  });

  it('rejects a folder as the file', () => {
    const folder = join(library.dir, 'out');
    mkdirSync(folder);
    expect(() => exportLibrary(library.db, folder, { format: 'csv' })).toThrow(/is a folder/);
  });
});
