/**
 * Generates models/imagenet-classes.json and models/noun-plurals.json from WordNet 3.0.
 *
 * Input: models/imagenet-1k-wnids.txt (the 1000 ImageNet-1k WordNet ids in model output order)
 * and the WordNet 3.0 database files `data.noun` and `noun.exc` (Debian's wordnet-base installs
 * them under /usr/share/wordnet). A wnid is `n` + the 8-digit byte offset of the synset's line in
 * `data.noun`, so WordNet 3.1 or any other version gives wrong synsets: the script checks that
 * every offset starts a line that carries that offset.
 *
 * Run: npx tsx models/scripts/generate-classes.ts [--wordnet DIR]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface Synset {
  offset: string;
  names: string[];
  /** Offsets of the hypernyms and instance hypernyms (pointer symbols `@` and `@i`). */
  parents: string[];
}

export interface ClassRecord {
  index: number;
  wnid: string;
  names: string[];
  hypernyms: string[];
  hypernymIds: string[];
}

const modelsDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * Hypernym edges WordNet 3.0 lacks, added so that a plain word finds what users call by it.
 * Keys and values are data.noun offsets, and each edge gives its reason. Add an edge only where WordNet
 * truly misses the relation, never to widen a word past its everyday meaning.
 */
export const EXTRA_PARENTS: Readonly<Record<string, { parent: string; reason: string }>> = {
  // bus.n.01 sits under "public transport" only, so "vehicle" and "motor vehicle" missed school
  // bus, trolleybus and minibus.
  '02924116': { parent: '03791235', reason: 'a bus is a motor vehicle' },
  // sailboat.n.01 ("a small sailing vessel") sits under "sailing vessel" only, so "boat" missed
  // catamaran and trimaran.
  '04128499': { parent: '02858304', reason: 'a sailboat is a boat' },
};

/** Parses one `data.noun` line: offset, lex file, type, word count (hex), words, pointers. */
export function parseSynsetLine(line: string): Synset {
  const fields = line.split(' ');
  const offset = fields[0] ?? '';
  const wordCount = parseInt(fields[3] ?? '', 16);
  if (!/^\d{8}$/.test(offset) || !Number.isInteger(wordCount)) {
    throw new Error(`data.noun: malformed synset line: ${line.slice(0, 80)}`);
  }

  const names: string[] = [];
  let at = 4;
  for (let i = 0; i < wordCount; i++, at += 2) {
    names.push((fields[at] ?? '').replace(/_/g, ' '));
  }

  const pointerCount = parseInt(fields[at] ?? '', 10);
  at += 1;
  const parents: string[] = [];
  for (let i = 0; i < pointerCount; i++, at += 4) {
    const symbol = fields[at];
    const target = fields[at + 1] ?? '';
    const pos = fields[at + 2];
    if ((symbol === '@' || symbol === '@i') && pos === 'n') parents.push(target);
  }
  return { offset, names: unique(names), parents };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Reads the synset at a byte offset of data.noun, checking that the offset starts its line. */
function synsetAt(data: Buffer, offset: string, cache: Map<string, Synset>): Synset {
  const cached = cache.get(offset);
  if (cached) return cached;

  const start = Number(offset);
  const end = data.indexOf(0x0a, start);
  const validStart = start > 0 && start < data.length && data[start - 1] === 0x0a;
  const line = validStart ? data.toString('latin1', start, end < 0 ? data.length : end) : '';
  if (!line.startsWith(`${offset} `)) {
    throw new Error(
      `data.noun: no synset starts at offset ${offset}; the file must be WordNet 3.0, not 3.1`,
    );
  }

  const synset = parseSynsetLine(line);
  const extra = EXTRA_PARENTS[offset];
  if (extra && !synset.parents.includes(extra.parent)) synset.parents.push(extra.parent);
  cache.set(offset, synset);
  return synset;
}

/** Collects every ancestor of a synset over all hypernym paths, nearest first (breadth first). */
function ancestors(data: Buffer, start: Synset, cache: Map<string, Synset>): Synset[] {
  const seen = new Set<string>([start.offset]);
  const order: Synset[] = [];
  let frontier = start.parents;
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const offset of frontier) {
      if (seen.has(offset)) continue;
      seen.add(offset);
      const synset = synsetAt(data, offset, cache);
      order.push(synset);
      next.push(...synset.parents);
    }
    frontier = next;
  }
  return order;
}

export function buildClasses(wnids: string[], dataNoun: Buffer): ClassRecord[] {
  const cache = new Map<string, Synset>();
  return wnids.map((wnid, index) => {
    if (!/^n\d{8}$/.test(wnid))
      throw new Error(`imagenet-1k-wnids.txt line ${index + 1}: invalid wnid ${wnid}`);
    const synset = synsetAt(dataNoun, wnid.slice(1), cache);
    const parents = ancestors(dataNoun, synset, cache);
    return {
      index,
      wnid,
      names: synset.names,
      hypernyms: unique(parents.flatMap((parent) => parent.names)),
      hypernymIds: parents.map((parent) => `n${parent.offset}`),
    };
  });
}

/**
 * Returns the irregular plurals from `noun.exc` ("wolves wolf") whose base form is a word of the
 * class vocabulary, lower-cased, so that a search for "wolves" finds the wolf classes.
 */
export function irregularPlurals(classes: ClassRecord[], nounExc: string): Record<string, string> {
  const vocabulary = new Set<string>();
  for (const record of classes) {
    for (const name of [...record.names, ...record.hypernyms]) {
      for (const word of name.toLowerCase().split(' ')) vocabulary.add(word);
    }
  }

  const plurals: Record<string, string> = {};
  for (const line of nounExc.split('\n')) {
    const [inflected, base] = line.trim().split(' ');
    if (!inflected || !base || inflected === base) continue;
    const plural = inflected.replace(/_/g, ' ');
    const singular = base.replace(/_/g, ' ');
    if (vocabulary.has(singular) && !(plural in plurals)) plurals[plural] = singular;
  }
  return plurals;
}

function main(): void {
  const { values } = parseArgs({
    options: { wordnet: { type: 'string', default: '/usr/share/wordnet' } },
  });
  const wordnetDir = values.wordnet;
  const wnidsFile = join(modelsDir, 'imagenet-1k-wnids.txt');
  const wnids = readFileSync(wnidsFile, 'utf8').split('\n').filter(Boolean);
  if (wnids.length !== 1000)
    throw new Error(`${wnidsFile}: expected 1000 wnids, found ${wnids.length}`);

  const classes = buildClasses(wnids, readFileSync(join(wordnetDir, 'data.noun')));
  const plurals = irregularPlurals(classes, readFileSync(join(wordnetDir, 'noun.exc'), 'latin1'));

  // One class per line keeps diffs of a regenerated file readable.
  const json = `[\n${classes.map((c) => `  ${JSON.stringify(c)}`).join(',\n')}\n]\n`;
  writeFileSync(join(modelsDir, 'imagenet-classes.json'), json);
  writeFileSync(join(modelsDir, 'noun-plurals.json'), `${JSON.stringify(plurals, null, 1)}\n`);
  console.log(`wrote ${classes.length} classes and ${Object.keys(plurals).length} plurals`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
