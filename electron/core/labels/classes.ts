import { readFileSync } from 'node:fs';

/** One ImageNet-1k class with its WordNet 3.0 synset data. */
export interface ImageNetClass {
  /** Position in the model's 1000 outputs. */
  index: number;
  /** WordNet 3.0 noun id: `n` and the synset's 8-digit offset. */
  wnid: string;
  /** Lemmas of the synset; the first is the display name. */
  names: string[];
  /** Lemmas of every ancestor synset over all hypernym paths, nearest first. */
  hypernyms: string[];
  /** WordNet ids of the ancestors, nearest first. */
  hypernymIds: string[];
}

export type VocabularyKind = 'class' | 'synonym' | 'hypernym';

export interface VocabularyEntry {
  /** The lemma as WordNet spells it ("Chihuahua", "tabby cat"). */
  text: string;
  kind: VocabularyKind;
  /** Indices of the classes this lemma names or is an ancestor of, ascending. */
  classes: number[];
}

// Both paths resolve from electron/core/labels/ in the sources and from
// out/electron/core/labels/ after `tsc -p tsconfig.build.json`, which copies models/*.json.
const CLASSES_URL = new URL('../../../models/imagenet-classes.json', import.meta.url);
const PLURALS_URL = new URL('../../../models/noun-plurals.json', import.meta.url);

function readJson(url: URL): unknown {
  try {
    return JSON.parse(readFileSync(url, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot read ImageNet class data ${url.pathname}: ${reason}`, { cause: error });
  }
}

function loadClasses(): readonly ImageNetClass[] {
  const data = readJson(CLASSES_URL);
  if (!Array.isArray(data) || data.length !== 1000) {
    throw new Error(`invalid ImageNet class data ${CLASSES_URL.pathname}: expected 1000 classes`);
  }
  return Object.freeze(data as ImageNetClass[]);
}

/** The 1000 ImageNet-1k classes in model output order. */
export const classes: readonly ImageNetClass[] = loadClasses();

const irregularPlurals = readJson(PLURALS_URL) as Record<string, string>;

/** Lower-cases and normalises a name or search term so that both compare equal. */
export function normalizeTerm(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Returns the display name of a class: its first WordNet lemma ("tabby" for 281). */
export function displayName(index: number): string {
  const record = classes[index];
  if (!record) throw new RangeError(`class index out of range 0..999: ${index}`);
  return record.names[0] ?? record.wnid;
}

const KIND_PRIORITY: Record<VocabularyKind, number> = { class: 0, synonym: 1, hypernym: 2 };

function buildVocabulary(): Map<string, VocabularyEntry> {
  const entries = new Map<string, VocabularyEntry>();
  const add = (text: string, kind: VocabularyKind, index: number): void => {
    const key = normalizeTerm(text);
    const entry = entries.get(key);
    if (!entry) {
      entries.set(key, { text, kind, classes: [index] });
      return;
    }
    if (KIND_PRIORITY[kind] < KIND_PRIORITY[entry.kind]) entry.kind = kind;
    if (entry.classes.at(-1) !== index) entry.classes.push(index);
  };

  for (const record of classes) {
    record.names.forEach((name, i) => add(name, i === 0 ? 'class' : 'synonym', record.index));
    for (const name of record.hypernyms) add(name, 'hypernym', record.index);
  }
  return entries;
}

/** Every lemma of the classes and their ancestors, keyed by its normalised form. */
export const vocabulary: ReadonlyMap<string, VocabularyEntry> = buildVocabulary();
const vocabularyList = [...vocabulary.entries()];

/** Returns the term and the singular forms it may be the plural of ("wolves": "wolf", "wolve"...). */
export function termForms(term: string): string[] {
  const forms = [term];
  const irregular = irregularPlurals[term];
  if (irregular) forms.push(irregular);
  if (term.endsWith('ies') && term.length > 4) forms.push(`${term.slice(0, -3)}y`);
  if (term.endsWith('es') && term.length > 3) forms.push(term.slice(0, -2));
  if (term.endsWith('s') && !term.endsWith('ss') && term.length > 2) forms.push(term.slice(0, -1));
  return forms;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Returns the indices of the classes a search term names, ascending. A term that equals a
 * lemma matches exactly the classes of that lemma: a class name, synonym or ancestor name, in
 * any case, singular or plural. Only a term that equals no lemma falls back to whole-word
 * matches inside lemmas. That keeps "dog" to the 118 breeds instead of adding "hot dog", while
 * "golf" still finds "golf ball" and "golfcart, golf cart".
 */
export function findClasses(term: string): number[] {
  const forms = termForms(normalizeTerm(term)).filter(Boolean);
  if (forms.length === 0) return [];

  const exact = new Set<number>();
  for (const form of forms) {
    for (const index of vocabulary.get(form)?.classes ?? []) exact.add(index);
  }
  if (exact.size > 0) return [...exact].sort((a, b) => a - b);

  const patterns = forms.map(
    (form) => new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(form)}($|[^\\p{L}\\p{N}])`, 'u'),
  );
  const found = new Set<number>();
  for (const [key, entry] of vocabularyList) {
    if (patterns.some((pattern) => pattern.test(key))) {
      for (const index of entry.classes) found.add(index);
    }
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * Returns the lemmas that start with a prefix, then those with a later word that starts with
 * it ("dog" then "hot dog" for "do"), shorter lemmas first within each group.
 */
export function suggest(prefix: string, limit = 50): VocabularyEntry[] {
  const key = normalizeTerm(prefix);
  if (!key) return [];

  const starts: Array<[string, VocabularyEntry]> = [];
  const inner: Array<[string, VocabularyEntry]> = [];
  for (const item of vocabularyList) {
    if (item[0].startsWith(key)) starts.push(item);
    else if (item[0].includes(` ${key}`) || item[0].includes(`-${key}`)) inner.push(item);
  }

  const byLength = (a: [string, VocabularyEntry], b: [string, VocabularyEntry]): number =>
    a[0].length - b[0].length || a[0].localeCompare(b[0]);
  return [...starts.sort(byLength), ...inner.sort(byLength)].slice(0, limit).map((item) => item[1]);
}

const byWnid = new Map(classes.map((record) => [record.wnid, record.index]));

/**
 * Resolves a label the user typed to classes: a wnid ("n02123045"), a class index ("281"), or a
 * class name or synonym in any case ("Tabby Cat"). Returns every class with that name, so
 * "crane" gives both the bird and the machine; ancestor names ("dog") resolve to nothing.
 */
export function lookupClass(label: string): number[] {
  const text = label.trim();
  const wnidIndex = byWnid.get(text.toLowerCase());
  if (wnidIndex !== undefined) return [wnidIndex];
  if (/^\d{1,3}$/.test(text)) {
    const index = Number(text);
    return index < classes.length ? [index] : [];
  }

  const key = normalizeTerm(text);
  return classes
    .filter((record) => record.names.some((name) => normalizeTerm(name) === key))
    .map((record) => record.index);
}

/** Returns the WordNet id of a class, or throws for an index outside 0..999. */
export function wnidOf(index: number): string {
  const record = classes[index];
  if (!record) throw new RangeError(`class index out of range 0..999: ${index}`);
  return record.wnid;
}
