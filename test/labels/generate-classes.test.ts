import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildClasses, EXTRA_PARENTS } from '../../models/scripts/generate-classes.js';

const WORDNET = '/usr/share/wordnet/data.noun';
const modelsDir = new URL('../../models/', import.meta.url);

describe.skipIf(!existsSync(WORDNET))('generate-classes', () => {
  const wnids = readFileSync(new URL('imagenet-1k-wnids.txt', modelsDir), 'utf8')
    .split('\n')
    .filter(Boolean);
  const built = buildClasses(wnids, readFileSync(WORDNET));

  it('matches the committed class file', () => {
    const committed: unknown = JSON.parse(
      readFileSync(new URL('imagenet-classes.json', modelsDir), 'utf8'),
    );
    expect(built).toEqual(committed);
  });

  it('adds the curated hypernym edges', () => {
    expect(Object.keys(EXTRA_PARENTS).length).toBeGreaterThan(0);
    const schoolBus = built.find((c) => c.names.includes('school bus'));
    expect(schoolBus?.hypernymIds).toContain('n03791235');
    expect(schoolBus?.hypernyms).toContain('vehicle');
    const catamaran = built.find((c) => c.names.includes('catamaran'));
    expect(catamaran?.hypernyms).toContain('boat');
  });
});
