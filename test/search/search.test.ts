import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findClasses, lookupClass } from '../../electron/core/labels/classes.js';
import { addTag, rejectLabel } from '../../electron/core/labels/corrections.js';
import {
  DEFAULT_MIN_SCORE,
  InvalidCursorError,
  searchPhotos,
  type SearchQuery,
} from '../../electron/core/search/search.js';
import { MAX_QUERY_TERMS, SearchQueryError } from '../../electron/core/search/query.js';
import { suggest } from '../../electron/core/search/suggest.js';
import {
  addPhoto,
  createLibrary,
  setActiveModel,
  writeModelLabels,
  type TestLibrary,
} from './library.js';

const classOf = (name: string): number => {
  const found = lookupClass(name);
  if (found.length !== 1) throw new Error(`test needs one class named ${name}`);
  return found[0];
};

const TABBY = classOf('tabby');
const LION = classOf('lion');
const BEAGLE = classOf('beagle');
const SEASHORE = classOf('seashore');
const ESPRESSO = classOf('espresso');
const HOTDOG = classOf('hotdog');
const DOGS = findClasses('dog');
const TERRIERS = findClasses('terrier');

let library: TestLibrary;
const paths = (query: SearchQuery): string[] =>
  searchPhotos(library.db, { limit: 1000, ...query }).hits.map((hit) => hit.path);

beforeEach(() => {
  library = createLibrary();
});
afterEach(() => library.close());

describe('searchPhotos by class', () => {
  beforeEach(() => {
    const db = library.db;
    DOGS.forEach((breed, i) =>
      addPhoto(db, {
        path: `/lib/dogs/${i}.jpg`,
        labels: [
          [breed, 0.9],
          [ESPRESSO, 0.05],
        ],
      }),
    );
    addPhoto(db, { path: '/lib/cats/tabby.jpg', labels: [[TABBY, 0.8]] });
    addPhoto(db, { path: '/lib/cats/lion.jpg', labels: [[LION, 0.7]] });
    addPhoto(db, { path: '/lib/food/hotdog.jpg', labels: [[HOTDOG, 0.9]] });
    addPhoto(db, {
      path: '/lib/beach/beagle.jpg',
      labels: [
        [SEASHORE, 0.6],
        [BEAGLE, 0.3],
      ],
    });
  });

  it('finds every dog breed and no cat for "dog"', () => {
    const found = paths({ text: 'dog' });
    expect(found).toHaveLength(DOGS.length + 1);
    for (let i = 0; i < DOGS.length; i++) expect(found).toContain(`/lib/dogs/${i}.jpg`);
    expect(found).toContain('/lib/beach/beagle.jpg');
    expect(found).not.toContain('/lib/cats/tabby.jpg');
    expect(found).not.toContain('/lib/food/hotdog.jpg');
  });

  it('finds domestic and wild cats for "cat"', () => {
    expect(paths({ text: 'cats' }).sort()).toEqual(['/lib/cats/lion.jpg', '/lib/cats/tabby.jpg']);
  });

  it('reads adjacent words as a class name', () => {
    expect(paths({ text: 'hot dog' })).toEqual(['/lib/food/hotdog.jpg']);
  });

  it('narrows with a second term', () => {
    expect(paths({ text: 'dog seashore' })).toEqual(['/lib/beach/beagle.jpg']);
    expect(paths({ text: 'seashore dog' })).toEqual(['/lib/beach/beagle.jpg']);
  });

  it('excludes a negated term', () => {
    // Espresso scores 0.05 at rank 2 on the dog photos: only a minimum score of 0 counts it.
    const found = paths({ text: 'espresso -terrier', minScore: 0 });
    expect(found).toHaveLength(DOGS.length - TERRIERS.length);
    expect(paths({ text: '-dog' }).sort()).toEqual([
      '/lib/cats/lion.jpg',
      '/lib/cats/tabby.jpg',
      '/lib/food/hotdog.jpg',
    ]);
  });

  it('sorts by the best matching score', () => {
    const hits = searchPhotos(library.db, { text: 'dog', limit: 1000 }).hits;
    const scores = hits.map((hit) => hit.score ?? -1);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(hits.at(-1)?.path).toBe('/lib/beach/beagle.jpg');
    expect(hits.at(-1)?.score).toBeCloseTo(0.3);
  });

  it('applies the minimum score', () => {
    expect(paths({ text: 'dog', minScore: 0.5 })).not.toContain('/lib/beach/beagle.jpg');
    expect(paths({ text: 'dog', minScore: 0.5 })).toHaveLength(DOGS.length);
  });

  it('counts a label below the default minimum score only as the top label', () => {
    const db = library.db;
    addPhoto(db, {
      path: '/lib/zebra.jpg',
      labels: [
        [classOf('zebra'), 0.97],
        [TABBY, DEFAULT_MIN_SCORE / 2],
      ],
    });
    addPhoto(db, {
      path: '/lib/unsure.jpg',
      labels: [
        [classOf('Persian cat'), DEFAULT_MIN_SCORE / 2],
        [classOf('zebra'), DEFAULT_MIN_SCORE / 3],
      ],
    });
    addPhoto(db, {
      path: '/lib/espresso-tabby.jpg',
      labels: [
        [ESPRESSO, 0.6],
        [TABBY, DEFAULT_MIN_SCORE],
      ],
    });

    const cats = paths({ text: 'cat' });
    expect(cats).toContain('/lib/unsure.jpg');
    expect(cats).toContain('/lib/espresso-tabby.jpg');
    expect(cats).not.toContain('/lib/zebra.jpg');
    expect(paths({ text: 'cat', minScore: 0 })).toContain('/lib/zebra.jpg');
    // A minimum score the query sets applies to the top label too.
    expect(paths({ text: 'cat', minScore: 0.08 })).not.toContain('/lib/unsure.jpg');

    // Exclusions follow the same rule: the zebra's tabby does not count, so it stays.
    const notCats = paths({ text: 'zebra -cat' });
    expect(notCats).toEqual(['/lib/zebra.jpg']);
    expect(paths({ text: 'zebra -cat', minScore: 0 })).toEqual([]);
    expect(paths({ text: '-cat' })).toContain('/lib/zebra.jpg');
    expect(paths({ text: '-cat' })).not.toContain('/lib/unsure.jpg');
  });

  it('returns labels with display names', () => {
    const hit = searchPhotos(library.db, { text: 'seashore' }).hits[0];
    expect(hit.labels.map((label) => label.label)).toEqual(['seashore', 'beagle']);
    expect(hit.labels[1]).toMatchObject({ wnid: 'n02088364', rank: 2, source: 'model' });
  });

  it('counts the hits on the first page', () => {
    const first = searchPhotos(library.db, { text: 'dog', limit: 10 });
    expect(first.total).toBe(DOGS.length + 1);
    const second = searchPhotos(library.db, { text: 'dog', limit: 10, cursor: first.nextCursor });
    expect(second.total).toBeUndefined();
    expect(searchPhotos(library.db, { text: 'dog seashore', limit: 1 }).total).toBe(1);
    expect(searchPhotos(library.db, { text: 'espresso', minScore: 0, limit: 5 }).total).toBe(
      DOGS.length,
    );
    expect(searchPhotos(library.db, { text: 'cat', limit: 5 }).total).toBe(2);
  });

  it('returns nothing for an unknown word', () => {
    expect(paths({ text: 'qwertyuiop' })).toEqual([]);
  });
});

describe('searchPhotos paging', () => {
  beforeEach(() => {
    // Equal scores and dates on purpose: ties must not repeat or drop photos across pages.
    for (let i = 0; i < 40; i++) {
      addPhoto(library.db, {
        path: `/lib/p${i}.jpg`,
        takenAt: 1_000 * (i % 7),
        labels: [
          [DOGS[i % DOGS.length], 0.1 * (i % 5)],
          [DOGS[(i + 1) % DOGS.length], 0.01],
        ],
      });
    }
  });

  for (const sort of ['score', 'date'] as const) {
    it(`returns each photo once, in order, by ${sort}`, () => {
      const all = searchPhotos(library.db, { text: 'dog', sort, limit: 1000 }).hits;
      expect(all).toHaveLength(40);
      const paged: number[] = [];
      let cursor: string | null = null;
      do {
        const page = searchPhotos(library.db, { text: 'dog', sort, limit: 7, cursor });
        paged.push(...page.hits.map((hit) => hit.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(paged).toEqual(all.map((hit) => hit.id));
    });
  }

  it('orders by date, newest first', () => {
    const hits = searchPhotos(library.db, { text: 'dog', sort: 'date', limit: 1000 }).hits;
    const dates = hits.map((hit) => hit.takenAt);
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
  });

  it('rejects a cursor of another sort order', () => {
    const page = searchPhotos(library.db, { text: 'dog', sort: 'date', limit: 5 });
    expect(() =>
      searchPhotos(library.db, { text: 'dog', sort: 'score', cursor: page.nextCursor }),
    ).toThrow(InvalidCursorError);
    expect(() => searchPhotos(library.db, { text: 'dog', cursor: 'garbage' })).toThrow(
      InvalidCursorError,
    );
  });

  it('names the sort order of a wrong cursor', () => {
    const page = searchPhotos(library.db, { text: 'dog', sort: 'date', limit: 5 });
    expect(() =>
      searchPhotos(library.db, { text: 'dog', sort: 'score', cursor: page.nextCursor }),
    ).toThrow(
      'invalid cursor: it belongs to a search sorted by date, and this one is sorted by score',
    );
  });

  it('limits the number of query terms', () => {
    const words = (count: number): string =>
      Array.from({ length: count }, (_, i) => `word${i}`).join(' ');
    expect(searchPhotos(library.db, { text: words(MAX_QUERY_TERMS) }).hits).toEqual([]);
    expect(() => searchPhotos(library.db, { text: words(MAX_QUERY_TERMS + 1) })).toThrow(
      SearchQueryError,
    );

    const started = performance.now();
    expect(() => searchPhotos(library.db, { text: words(30_000) })).toThrow(
      `the query has 30000 terms; the maximum is ${MAX_QUERY_TERMS}`,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('rejects an invalid limit', () => {
    expect(() => searchPhotos(library.db, { text: 'dog', limit: 0 })).toThrow(RangeError);
  });
});

describe('searchPhotos with corrections and sources', () => {
  it('ignores a rejected label, also after a re-tag', () => {
    const id = addPhoto(library.db, {
      path: '/lib/a.jpg',
      labels: [
        [BEAGLE, 0.9],
        [TABBY, 0.1],
      ],
    });
    expect(paths({ text: 'dog' })).toEqual(['/lib/a.jpg']);
    rejectLabel(library.db, [id], BEAGLE);
    expect(paths({ text: 'dog' })).toEqual([]);
    expect(paths({ text: 'tabby' })).toEqual(['/lib/a.jpg']);

    writeModelLabels(library.db, id, [
      [BEAGLE, 0.95],
      [TABBY, 0.02],
    ]);
    expect(paths({ text: 'dog' })).toEqual([]);
    expect(paths({ text: 'beagle' })).toEqual([]);
  });

  it('matches manual classes and free-text tags', () => {
    const id = addPhoto(library.db, { path: '/lib/b.jpg', labels: [[ESPRESSO, 0.9]] });
    addTag(library.db, [id], { classIndex: BEAGLE });
    addTag(library.db, [id], { tag: 'Grandma Birthday' });
    expect(paths({ text: 'dog' })).toEqual(['/lib/b.jpg']);
    expect(paths({ text: 'birthday' })).toEqual(['/lib/b.jpg']);
    expect(paths({ text: 'birthday', source: 'model' })).toEqual([]);
    expect(paths({ text: 'espresso', source: 'manual' })).toEqual([]);
    expect(searchPhotos(library.db, { text: 'dog' }).hits[0]?.score).toBeNull();
  });

  it('matches file and folder names', () => {
    addPhoto(library.db, { path: '/lib/Summer Holiday/IMG_0001.jpg', labels: [[ESPRESSO, 0.9]] });
    addPhoto(library.db, { path: '/lib/other/holiday_beach.png', labels: [[TABBY, 0.9]] });
    expect(paths({ text: 'holiday' }).sort()).toEqual([
      '/lib/Summer Holiday/IMG_0001.jpg',
      '/lib/other/holiday_beach.png',
    ]);
    expect(paths({ text: 'img_0001' })).toEqual(['/lib/Summer Holiday/IMG_0001.jpg']);
    expect(paths({ text: 'holiday espresso' })).toEqual(['/lib/Summer Holiday/IMG_0001.jpg']);
    // No class is named, so no photo has a score and the order is by date.
    const hits = searchPhotos(library.db, { text: 'holiday', sort: 'score' }).hits;
    expect(hits.map((hit) => hit.score)).toEqual([null, null]);
  });

  it('counts only the active model', () => {
    addPhoto(library.db, { path: '/lib/old.jpg', model: 'old', labels: [[BEAGLE, 0.9]] });
    addPhoto(library.db, { path: '/lib/new.jpg', model: 'new', labels: [[TABBY, 0.9]] });
    expect(paths({ text: 'dog' })).toEqual([]);
    setActiveModel(library.db, 'old');
    expect(paths({ text: 'dog' })).toEqual(['/lib/old.jpg']);
  });

  it('leaves out missing photos', () => {
    addPhoto(library.db, { path: '/lib/gone.jpg', status: 'missing', labels: [[BEAGLE, 0.9]] });
    addPhoto(library.db, { path: '/lib/here.jpg', labels: [[BEAGLE, 0.8]] });
    expect(paths({ text: 'dog' })).toEqual(['/lib/here.jpg']);
    expect(paths({ text: '' })).toEqual(['/lib/here.jpg']);
  });

  it('filters by folder and its subfolders', () => {
    addPhoto(library.db, { path: '/lib/a/x.jpg', labels: [[BEAGLE, 0.9]] });
    addPhoto(library.db, { path: '/lib/a/b/y.jpg', labels: [[BEAGLE, 0.8]] });
    addPhoto(library.db, { path: '/lib/ab/z.jpg', labels: [[BEAGLE, 0.7]] });
    expect(paths({ text: 'dog', folder: '/lib/a' })).toEqual(['/lib/a/x.jpg', '/lib/a/b/y.jpg']);
  });
});

describe('suggest', () => {
  it('suggests terms with photo counts', () => {
    addPhoto(library.db, {
      path: '/lib/1.jpg',
      labels: [
        [BEAGLE, 0.9],
        [TABBY, 0.1],
      ],
    });
    addPhoto(library.db, { path: '/lib/2.jpg', labels: [[DOGS[0], 0.9]] });
    addPhoto(library.db, { path: '/lib/3.jpg', labels: [[ESPRESSO, 0.9]] });

    const dog = suggest(library.db, 'do').find((s) => s.text === 'dog');
    expect(dog).toEqual({ text: 'dog', kind: 'hypernym', count: 2 });
    expect(suggest(library.db, 'esp')).toContainEqual({
      text: 'espresso',
      kind: 'class',
      count: 1,
    });
    expect(suggest(library.db, 'esp').map((s) => s.text)).not.toContain('espresso maker');
  });

  it('counts each photo once, by the default rule', () => {
    const db = library.db;
    const dogCount = (): number | undefined =>
      suggest(db, 'do').find((s) => s.text === 'dog')?.count;
    addPhoto(db, {
      path: '/lib/two-breeds.jpg',
      labels: [
        [BEAGLE, 0.5],
        [DOGS[0], 0.4],
      ],
    });
    addPhoto(db, {
      path: '/lib/espresso.jpg',
      labels: [
        [ESPRESSO, 0.9],
        [BEAGLE, 0.05],
      ],
    });
    expect(dogCount()).toBe(1);
    expect(paths({ text: 'dog' })).toHaveLength(1);

    const gone = addPhoto(db, { path: '/lib/gone.jpg', status: 'missing', labels: [[BEAGLE, 1]] });
    const rejected = addPhoto(db, { path: '/lib/rejected.jpg', labels: [[DOGS[1], 0.8]] });
    expect(dogCount()).toBe(2);
    rejectLabel(db, [rejected], DOGS[1]);
    expect(dogCount()).toBe(1);
    db.prepare(`UPDATE photos SET status = 'tagged' WHERE id = ?`).run(gone);
    expect(dogCount()).toBe(2);
    expect(paths({ text: 'dog' })).toHaveLength(2);
  });

  it('estimates the count of a broad term in a large library', () => {
    const db = library.db;
    // 30,000 photos with ids spread over 60,000; two in three show two dog breeds.
    const photo = db.prepare(
      `INSERT INTO photos (id, path, folder, name, size, mtime_ms, taken_at, status)
       VALUES (?, ?, '/lib', ?, 1, 0, 0, 'tagged')`,
    );
    const label = db.prepare(
      `INSERT INTO labels (photo_id, source, model, class_index, score, rank, created_at)
       VALUES (?, 'model', ?, ?, ?, ?, 0)`,
    );
    db.transaction(() => {
      for (let i = 0; i < 30_000; i++) {
        const id = 2 * i + 1;
        photo.run(id, `/lib/${id}.jpg`, `${id}.jpg`);
        if (i % 3 === 2) {
          label.run(id, 'deit-test', ESPRESSO, 0.9, 1);
        } else {
          label.run(id, 'deit-test', DOGS[i % 7], 0.5, 1);
          label.run(id, 'deit-test', DOGS[7 + (i % 5)], 0.3, 2);
        }
      }
    })();

    const dog = suggest(db, 'dog').find((s) => s.text === 'dog');
    expect(dog?.approximate).toBe(true);
    expect(dog?.count).toBeGreaterThan(20_000 * 0.95);
    expect(dog?.count).toBeLessThan(20_000 * 1.05);
    expect(suggest(db, 'espresso')[0]).toEqual({ text: 'espresso', kind: 'class', count: 10_000 });
    // A term with many label rows leaves the total of a full first page unset.
    expect(searchPhotos(db, { text: 'espresso', limit: 10 }).total).toBeUndefined();
  });

  it('suggests free-text tags', () => {
    const id = addPhoto(library.db, { path: '/lib/1.jpg' });
    addTag(library.db, [id], { tag: 'Grandma Birthday' });
    expect(suggest(library.db, 'bir')).toContainEqual({
      text: 'Grandma Birthday',
      kind: 'tag',
      count: 1,
    });
  });
});

describe('searchPhotos strategies', () => {
  it('gives the same pages whether it gathers or scans', () => {
    // A seeded random library where photos carry several breeds, tags and rejections.
    let state = 7;
    const next = (): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const pool = [...DOGS.slice(0, 12), TABBY, LION, SEASHORE, ESPRESSO];
    for (let i = 0; i < 120; i++) {
      const picks = [...new Set([0, 1, 2].map(() => pool[Math.floor(next() * pool.length)]))];
      const id = addPhoto(library.db, {
        path: `/lib/${i % 3 === 0 ? 'dog walks' : 'misc'}/p${i}.jpg`,
        takenAt: Math.floor(next() * 5) * 1000,
        status: i % 17 === 0 ? 'missing' : 'tagged',
        labels: picks.map((c) => [c, Math.round(next() * 10) / 10] as [number, number]),
      });
      if (i % 11 === 0) rejectLabel(library.db, [id], picks[0]);
      if (i % 13 === 0) addTag(library.db, [id], { classIndex: BEAGLE });
    }

    const queries: SearchQuery[] = [
      { text: 'dog' },
      { text: 'dog', sort: 'date' },
      { text: 'dog seashore' },
      { text: 'dog -beagle', sort: 'date' },
      { text: 'cat', minScore: 0.3 },
      { text: 'walks' },
    ];
    for (const query of queries) {
      const collect = (plan: 'gather' | 'scan'): number[] => {
        const ids: number[] = [];
        let cursor: string | null = null;
        do {
          const page = searchPhotos(library.db, { ...query, limit: 4, cursor }, { plan });
          ids.push(...page.hits.map((hit) => hit.id));
          cursor = page.nextCursor;
        } while (cursor);
        return ids;
      };
      const gathered = collect('gather');
      expect(gathered.length, query.text).toBeGreaterThan(0);
      expect(new Set(gathered).size, query.text).toBe(gathered.length);
      expect(collect('scan'), query.text).toEqual(gathered);
    }
  });
});
