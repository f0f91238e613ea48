import { findClasses, normalizeTerm, termForms, vocabulary } from '../labels/classes.js';

/** One search term after parsing: a word or phrase, maybe negated with a leading `-`. */
export interface QueryTerm {
  text: string;
  negated: boolean;
  /** ImageNet classes the term names, through names, synonyms or ancestor names. */
  classes: number[];
  /** FTS5 query over file and folder names, or null when the term has no word characters. */
  words: string | null;
  /**
   * Lookup method for the words of each photo: 'set' reads the matching photo ids once (few
   * matches), 'probe' queries the full-text index per photo (many matches).
   */
  wordsLookup?: 'set' | 'probe';
}

/**
 * Maximum number of terms in a query, far more than a person types. Each term adds conditions to
 * the search's SQL, so thousands of words take seconds and, past SQLite's maximum expression
 * depth (SQLITE_MAX_EXPR_DEPTH), fail with "Expression tree is too large".
 */
export const MAX_QUERY_TERMS = 32;

/** A query that cannot be run as written, such as one with too many terms. */
export class SearchQueryError extends Error {
  override name = 'SearchQueryError';
}

/** Maximum number of adjacent words tried as one class name ("golden retriever", "hot dog"). */
const MAX_PHRASE_WORDS = 4;

interface RawTerm {
  text: string;
  negated: boolean;
  quoted: boolean;
}

function tokenize(text: string): RawTerm[] {
  const terms: RawTerm[] = [];
  const pattern = /(-?)(?:"([^"]*)"?|(\S+))/g;
  for (const match of text.matchAll(pattern)) {
    const negated = match[1] === '-';
    const quoted = match[2] !== undefined;
    const body = normalizeTerm(match[2] ?? match[3] ?? '');
    if (body) terms.push({ text: body, negated, quoted });
  }
  return terms;
}

function isLemma(text: string): boolean {
  return termForms(text).some((form) => vocabulary.has(form));
}

/** Joins adjacent plain words that together form a lemma, longest first. */
function joinPhrases(raw: RawTerm[]): RawTerm[] {
  const joined: RawTerm[] = [];
  let i = 0;
  while (i < raw.length) {
    const first = raw[i];
    let wordsUsed = 1;
    if (!first.quoted && !first.negated) {
      for (let n = Math.min(MAX_PHRASE_WORDS, raw.length - i); n > 1; n--) {
        const run = raw.slice(i, i + n);
        if (run.some((term) => term.quoted || term.negated)) continue;
        const phrase = run.map((term) => term.text).join(' ');
        if (isLemma(phrase)) {
          joined.push({ text: phrase, negated: false, quoted: true });
          wordsUsed = n;
          break;
        }
      }
    }
    if (wordsUsed === 1) joined.push(first);
    i += wordsUsed;
  }
  return joined;
}

/** Builds an FTS5 query that matches names containing every word of the term as a prefix. */
export function wordsQuery(text: string): string | null {
  const words = text.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  if (words.length === 0) return null;
  return words.map((word) => `"${word.replace(/"/g, '""')}"*`).join(' AND ');
}

/**
 * Parses search text into terms. Words AND together, `-word` excludes, `"two words"` is one
 * phrase, and adjacent words that form a class name ("sports car") are read as that phrase.
 * Throws SearchQueryError for more than MAX_QUERY_TERMS terms.
 */
export function parseQuery(text: string): QueryTerm[] {
  const raw = tokenize(text);
  // Checked before joining phrases too, whose cost grows with the number of words.
  if (raw.length > MAX_QUERY_TERMS * MAX_PHRASE_WORDS) throw tooManyTerms(raw.length);
  const terms = joinPhrases(raw);
  if (terms.length > MAX_QUERY_TERMS) throw tooManyTerms(terms.length);

  return terms.map((term) => ({
    text: term.text,
    negated: term.negated,
    classes: findClasses(term.text),
    words: wordsQuery(term.text),
  }));
}

function tooManyTerms(count: number): SearchQueryError {
  return new SearchQueryError(
    `the query has ${count} terms; the maximum is ${MAX_QUERY_TERMS}, so leave out some words`,
  );
}

/**
 * Returns true when a free-text tag contains the term (or its singular) as whole words, case
 * and accents as typed aside. Registered as the SQL function `deit_tag_matches`.
 */
export function tagMatches(tag: string | null, term: string): boolean {
  if (tag === null) return false;
  const text = ` ${normalizeTerm(tag).replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
  return termForms(term).some((form) => {
    const words = form.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
    return words !== '' && text.includes(` ${words} `);
  });
}
