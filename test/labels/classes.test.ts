import { describe, expect, it } from 'vitest';
import {
  classes,
  displayName,
  findClasses,
  lookupClass,
  suggest,
  wnidOf,
} from '../../electron/core/labels/classes.js';

const dogBreeds = classes.filter((c) => c.index >= 151 && c.index <= 268).map((c) => c.index);

describe('ImageNet classes', () => {
  it('loads 1000 classes in output order', () => {
    expect(classes).toHaveLength(1000);
    classes.forEach((c, i) => expect(c.index).toBe(i));
    expect(new Set(classes.map((c) => c.wnid)).size).toBe(1000);
  });

  it('gives WordNet display names', () => {
    expect(displayName(281)).toBe('tabby');
    expect(classes[281]?.names).toEqual(['tabby', 'tabby cat']);
    expect(wnidOf(281)).toBe('n02123045');
    expect(() => displayName(1000)).toThrow(RangeError);
  });

  it('keeps both classes of a shared lemma', () => {
    expect(lookupClass('crane')).toHaveLength(2);
    expect(lookupClass('maillot')).toHaveLength(2);
  });

  it('includes all hypernym paths', () => {
    const chihuahua = classes[151];
    expect(chihuahua.hypernyms.slice(0, 3)).toEqual(['toy dog', 'toy', 'dog']);
    expect(chihuahua.hypernyms).toContain('domestic animal');
    expect(chihuahua.hypernyms).toContain('carnivore');
    expect(chihuahua.hypernyms.at(-1)).toBe('entity');
  });
});

describe('findClasses', () => {
  it('finds every dog breed for "dog"', () => {
    expect(findClasses('dog')).toEqual(dogBreeds);
    expect(dogBreeds).toHaveLength(118);
  });

  it('folds plurals and case', () => {
    expect(findClasses('Dogs')).toEqual(dogBreeds);
    expect(findClasses('wolves')).toEqual(findClasses('wolf'));
    expect(findClasses('wolf').length).toBeGreaterThan(0);
  });

  it('finds domestic and wild cats for "cat"', () => {
    const names = findClasses('cat').map(displayName);
    expect(names).toContain('tabby');
    expect(names).toContain('Siamese cat');
    expect(names).toContain('lion');
    expect(names).toContain('cheetah');
    expect(names).not.toContain('Chihuahua');
  });

  it('finds vehicles and fruit through hypernyms', () => {
    const vehicles = findClasses('vehicle').map(displayName);
    // Buses come through the curated edge bus -> motor vehicle; WordNet has public transport only.
    for (const name of ['school bus', 'trolleybus', 'minibus', 'sports car', 'mountain bike']) {
      expect(vehicles).toContain(name);
    }
    expect(vehicles).toContain('canoe');
    const fruit = findClasses('fruit').map(displayName);
    for (const name of ['orange', 'lemon', 'banana', 'strawberry']) expect(fruit).toContain(name);
  });

  it('finds domestic and wild cats', () => {
    const cats = findClasses('cat').map(displayName);
    const expected = ['tabby', 'tiger cat', 'Persian cat', 'Siamese cat', 'Egyptian cat'];
    for (const name of [...expected, 'lion', 'tiger', 'jaguar', 'cougar', 'lynx']) {
      expect(cats).toContain(name);
    }
  });

  it('finds everyday words through WordNet and the curated edges', () => {
    const expectations: Record<string, string[]> = {
      bird: ['robin', 'bald eagle', 'flamingo'],
      fish: ['goldfish', 'great white shark', 'puffer'],
      car: ['sports car', 'cab', 'convertible'],
      boat: ['canoe', 'speedboat', 'catamaran', 'trimaran'],
      flower: ['daisy'],
      food: ['pizza', 'cheeseburger', 'banana'],
      truck: ['fire engine', 'pickup', 'tow truck'],
      monkey: ['baboon', 'macaque', 'spider monkey'],
      snake: ['king snake', 'Indian cobra', 'rock python'],
    };
    for (const [word, names] of Object.entries(expectations)) {
      const found = findClasses(word).map(displayName);
      for (const name of names) expect(found, word).toContain(name);
    }
    expect(findClasses('boat').map(displayName)).not.toContain('schooner');
    expect(findClasses('car').map(displayName)).not.toContain('school bus');
  });

  it('prefers exact lemmas over words inside names', () => {
    expect(findClasses('dog').map(displayName)).not.toContain('hotdog');
    expect(findClasses('hot dog').map(displayName)).toEqual(['hotdog']);
  });

  it('falls back to whole words inside names', () => {
    const names = findClasses('golf').map(displayName);
    expect(names).toContain('golf ball');
    expect(names).toContain('golfcart');
    expect(findClasses('olf')).toEqual([]);
  });

  it('returns nothing for blank or unknown terms', () => {
    expect(findClasses('  ')).toEqual([]);
    expect(findClasses('qwertyuiop')).toEqual([]);
  });
});

describe('lookupClass', () => {
  it('accepts a wnid, an index or a name', () => {
    expect(lookupClass('n02123045')).toEqual([281]);
    expect(lookupClass('281')).toEqual([281]);
    expect(lookupClass('Tabby Cat')).toEqual([281]);
    expect(lookupClass('dog')).toEqual([]);
    expect(lookupClass('1000')).toEqual([]);
  });
});

describe('suggest', () => {
  it('lists prefix matches before inner-word matches', () => {
    const texts = suggest('do', 500).map((e) => e.text);
    expect(texts).toContain('dog');
    expect(texts.indexOf('dog')).toBeLessThan(
      texts.indexOf('hotdog') === -1 ? Infinity : texts.indexOf('hotdog'),
    );
    expect(suggest('esp').map((e) => e.text)).toContain('espresso');
    expect(suggest('')).toEqual([]);
  });
});
