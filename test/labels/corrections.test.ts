import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lookupClass } from '../../electron/core/labels/classes.js';
import {
  addTag,
  clearCorrection,
  confirmLabel,
  LabelLookupError,
  PhotoNotFoundError,
  rejectLabel,
  resolveLabel,
} from '../../electron/core/labels/corrections.js';
import { photoLabels } from '../../electron/core/search/labels.js';
import { addPhoto, createLibrary, writeModelLabels, type TestLibrary } from '../search/library.js';

const [BEAGLE] = lookupClass('beagle');
const [TABBY] = lookupClass('tabby');
const [ESPRESSO] = lookupClass('espresso');

let library: TestLibrary;
let photo: number;
let other: number;

beforeEach(() => {
  library = createLibrary();
  photo = addPhoto(library.db, {
    path: '/lib/a.jpg',
    labels: [
      [BEAGLE, 0.7],
      [TABBY, 0.2],
    ],
  });
  other = addPhoto(library.db, { path: '/lib/b.jpg', labels: [[TABBY, 0.9]] });
});
afterEach(() => library.close());

const verdictOf = (id: number, label: string): string | null | undefined =>
  photoLabels(library.db, id).find((l) => l.label === label)?.verdict;

describe('corrections', () => {
  it('rejects a model label and keeps it through a re-tag', () => {
    expect(rejectLabel(library.db, [photo], BEAGLE)).toBe(1);
    expect(verdictOf(photo, 'beagle')).toBe('rejected');

    writeModelLabels(library.db, photo, [
      [TABBY, 0.5],
      [BEAGLE, 0.4],
    ]);
    const labels = photoLabels(library.db, photo);
    expect(labels.map((l) => l.label)).toEqual(['tabby', 'beagle']);
    expect(labels[1]).toMatchObject({ source: 'model', score: 0.4, verdict: 'rejected' });
  });

  it('shows a rejection whose model label is gone as a manual row', () => {
    rejectLabel(library.db, [photo], BEAGLE);
    writeModelLabels(library.db, photo, [[TABBY, 0.5]]);
    const labels = photoLabels(library.db, photo);
    expect(labels.at(-1)).toMatchObject({ label: 'beagle', source: 'manual', verdict: 'rejected' });
  });

  it('confirms and clears a verdict', () => {
    confirmLabel(library.db, [photo], TABBY);
    expect(verdictOf(photo, 'tabby')).toBe('confirmed');
    rejectLabel(library.db, [photo], TABBY);
    expect(verdictOf(photo, 'tabby')).toBe('rejected');
    expect(clearCorrection(library.db, [photo], { classIndex: TABBY })).toBe(1);
    expect(verdictOf(photo, 'tabby')).toBeNull();
  });

  it('adds a class and a free-text tag to a selection', () => {
    expect(addTag(library.db, [photo, other], { classIndex: ESPRESSO })).toBe(2);
    expect(addTag(library.db, [photo, other], { tag: '  Grandma  Birthday ' })).toBe(2);
    for (const id of [photo, other]) {
      const manual = photoLabels(library.db, id).filter((l) => l.source === 'manual');
      expect(manual.map((l) => [l.label, l.verdict, l.score, l.rank])).toEqual([
        ['espresso', 'added', null, null],
        ['Grandma Birthday', 'added', null, null],
      ]);
    }
  });

  it('adding twice changes nothing and keeps a confirmation', () => {
    confirmLabel(library.db, [photo], TABBY);
    expect(addTag(library.db, [photo], { classIndex: TABBY })).toBe(0);
    expect(verdictOf(photo, 'tabby')).toBe('confirmed');
    addTag(library.db, [photo], { tag: 'x' });
    expect(addTag(library.db, [photo], { tag: 'x' })).toBe(0);
  });

  it('writes nothing when a photo of the selection is unknown', () => {
    expect(() => rejectLabel(library.db, [photo, 9999], BEAGLE)).toThrow(PhotoNotFoundError);
    expect(verdictOf(photo, 'beagle')).toBeNull();
  });

  it('keeps class counts in step', () => {
    const count = (): number =>
      library.db
        .prepare<[number], { photos: number }>(
          `SELECT photos FROM class_counts WHERE model = '' AND class_index = ?`,
        )
        .get(ESPRESSO)?.photos ?? 0;
    addTag(library.db, [photo, other], { classIndex: ESPRESSO });
    expect(count()).toBe(2);
    rejectLabel(library.db, [photo], ESPRESSO);
    expect(count()).toBe(1);
    clearCorrection(library.db, [other], { classIndex: ESPRESSO });
    expect(count()).toBe(0);
  });

  it('validates tags and class indices', () => {
    expect(() => addTag(library.db, [photo], { tag: '   ' })).toThrow(LabelLookupError);
    expect(() => addTag(library.db, [photo], { tag: 'x'.repeat(201) })).toThrow(LabelLookupError);
    expect(() => rejectLabel(library.db, [photo], 1000)).toThrow(RangeError);
  });
});

describe('resolveLabel', () => {
  it('resolves names, wnids and free text', () => {
    expect(resolveLabel('Beagle', { freeText: false })).toEqual({ classIndex: BEAGLE });
    expect(resolveLabel('n02088364', { freeText: false })).toEqual({ classIndex: BEAGLE });
    expect(resolveLabel('my trip', { freeText: true })).toEqual({ tag: 'my trip' });
    expect(() => resolveLabel('my trip', { freeText: false })).toThrow(LabelLookupError);
  });

  it('names the wnids of an ambiguous name', () => {
    expect(() => resolveLabel('crane', { freeText: true })).toThrow(/n02012849.*n03126707/);
  });
});
