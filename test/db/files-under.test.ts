import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/db/database.js';
import { PhotoStore } from '../../electron/core/db/photos.js';

function storeWith(paths: string[]): PhotoStore {
  const store = new PhotoStore(openDatabase(':memory:'));
  store.transaction(() => {
    for (const path of paths) {
      store.saveFailed({ path, size: 1, mtimeMs: 0, hash: null, error: 'test row' }, 0);
    }
  });
  return store;
}

describe('PhotoStore.filesUnder', () => {
  const paths = [
    '/data/photos/a.jpg',
    '/data/photos/trip/b.jpg',
    '/data/Photos/c.jpg',
    '/data/photos2/d.jpg',
    '/data/photos.old/e.jpg',
    '/data/photos%/f.jpg',
    '/other/g.jpg',
  ];

  it('lists the files below a folder', () => {
    const files = storeWith(paths).filesUnder('/data/photos');
    expect([...files.keys()].sort()).toEqual(['/data/photos/a.jpg', '/data/photos/trip/b.jpg']);
  });

  it('accepts a folder with a trailing separator', () => {
    const files = storeWith(paths).filesUnder('/data/photos/');
    expect(files.size).toBe(2);
  });

  it('matches folder names case-sensitively', () => {
    const files = storeWith(paths).filesUnder('/data/Photos');
    expect([...files.keys()]).toEqual(['/data/Photos/c.jpg']);
  });

  it('treats LIKE wildcards as plain characters', () => {
    const files = storeWith(paths).filesUnder('/data/photos%');
    expect([...files.keys()]).toEqual(['/data/photos%/f.jpg']);
  });

  it('lists everything below the root', () => {
    expect(storeWith(paths).filesUnder('/').size).toBe(paths.length);
  });
});
