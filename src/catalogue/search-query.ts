// The search box language, parsed into an FTS5 MATCH expression in which every
// term is quoted: what the user typed never reaches FTS5 as syntax.
//
//   diffusion model        both words (stemmed: "models" finds "model")
//   "world model"          the words next to each other
//   token*                 words starting with "token"
//   -survey  -"user study" leave out papers with the word / phrase
//   video OR audio         either word (binds tighter than the implicit AND)
//   title:agent  author:"yann lecun"  org:nvidia  abstract:benchmark
//
// Anything else is read as plain words: punctuation separates words
// (so GPT-4 is the phrase "gpt 4"), unbalanced quotes close at the end, and
// lone operators are ignored.

export class SearchSyntaxError extends Error {}

export const MAX_QUERY_LENGTH = 500;
export const MAX_TERMS = 32;
/** Known words one `prefix*` adds to the search at most. */
export const MAX_PREFIX_WORDS = 64;
/**
 * Known words all the prefixes of one search add together at most: each term
 * costs FTS5 a doclist to read, and 32 prefixes of 64 words each made one
 * search of 2,080 terms (4.7 s on 4,216 papers).
 */
export const MAX_EXPANDED_WORDS = 64;

const FIELDS = { title: 'title', abstract: 'abstract', author: 'authors', org: 'organization' } as const;
type Column = (typeof FIELDS)[keyof typeof FIELDS];

interface Term {
  /** Words of one phrase (one word for a plain term). */
  words: string[];
  prefix: boolean;
  column: Column | null;
  negated: boolean;
}

/** Words as the index sees them: runs of letters and digits. */
const wordsOf = (text: string): string[] => text.match(/[\p{L}\p{N}]+/gu) ?? [];

/** The distinct words of a text as the unstemmed word list keeps them: lower-case, accents removed. */
export function searchableWords(text: string): Set<string> {
  return new Set(wordsOf(text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()));
}

/** The known whole words that start with a prefix (for `prefix*`). */
export type PrefixExpander = (prefix: string) => string[];

const quote = (word: string): string => `"${word.replaceAll('"', '""')}"`;

/** Renders terms, sharing MAX_EXPANDED_WORDS among the prefixes in the order they come. */
function renderer(expand: PrefixExpander): (term: Term) => string {
  let expansion = MAX_EXPANDED_WORDS;
  return (term) => {
    // FTS5 writes a phrase as "a" + "b", a prefix as "a" *, a column filter as {col} : (…).
    let body = `${term.words.map(quote).join(' + ')}${term.prefix ? ' *' : ''}`;
    // The index is stemmed: "tokeniz" * finds no "token"; the whole words it
    // starts (tokenizer, tokenization…) do, through the same stemming.
    if (term.prefix && term.words.length === 1 && expansion > 0) {
      const words = expand(term.words[0]!).slice(0, Math.min(MAX_PREFIX_WORDS, expansion));
      expansion -= words.length;
      body = [body, ...words.map(quote)].join(' OR ');
    }
    return term.column ? `{${term.column}} : (${body})` : `(${body})`;
  };
}

// One token of the input: an optional "-", an optional field, then a quoted
// phrase (closing quote optional) or a bare run of non-space characters.
const TOKEN = /(-?)(?:([A-Za-z]+):)?(?:"([^"]*)"?|(\S+))/gu;

/** The terms of a search: clauses ANDed, the terms of a clause ORed, and the excluded ones. Throws SearchSyntaxError. */
function parse(input: string): { clauses: Term[][]; excluded: Term[] } {
  if (input.length > MAX_QUERY_LENGTH) {
    throw new SearchSyntaxError(`is ${input.length} characters long; at most ${MAX_QUERY_LENGTH} are allowed`);
  }
  // Clauses are ANDed; the terms of one clause are ORed.
  const clauses: Term[][] = [];
  const excluded: Term[] = [];
  let pendingOr = false;
  for (const match of input.matchAll(TOKEN)) {
    const [, minus, fieldName, quoted, bare] = match;
    if (bare === 'OR' && !minus && !fieldName) {
      pendingOr = clauses.length > 0;
      continue;
    }
    const field = fieldName ? FIELDS[fieldName.toLowerCase() as keyof typeof FIELDS] : undefined;
    // An unknown "field:" is just a word followed by punctuation.
    const text = field || !fieldName ? (quoted ?? bare ?? '') : `${fieldName} ${quoted ?? bare ?? ''}`;
    const words = wordsOf(text);
    if (words.length === 0) continue;
    const term: Term = {
      words,
      prefix: quoted === undefined && /[\p{L}\p{N}]\*$/u.test(text),
      column: field ?? null,
      negated: minus === '-',
    };
    if (term.negated) excluded.push(term);
    else if (pendingOr) clauses.at(-1)!.push(term);
    else clauses.push([term]);
    pendingOr = false;
  }
  const count = clauses.flat().length + excluded.length;
  if (count > MAX_TERMS) throw new SearchSyntaxError(`has ${count} terms; at most ${MAX_TERMS} are allowed`);
  if (clauses.length === 0) {
    throw new SearchSyntaxError(
      excluded.length > 0 ? 'only excludes words: add at least one word to search for' : 'contains no words to search for',
    );
  }
  return { clauses, excluded };
}

/**
 * What a search asks of FTS5, for its cost (src/http/admission.ts counts it
 * before the search runs): its terms, the prefixes among them as the word
 * list sees them (each reads the index of every word it starts), and its
 * words as typed. Nothing for a search that is refused anyway.
 */
export function searchTerms(input: string): { terms: number; prefixes: string[]; words: string[] } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(input);
  } catch {
    return { terms: 0, prefixes: [], words: [] };
  }
  const terms = [...parsed.clauses.flat(), ...parsed.excluded];
  // The `*` is the last word's (`based-a*` is the phrase "based" "a*"): that word is read for every known word it starts.
  const prefixes = terms.filter((term) => term.prefix).flatMap((term) => [...searchableWords(term.words.at(-1) ?? '')].slice(-1));
  return { terms: terms.length, prefixes, words: terms.flatMap((term) => term.words) };
}

/** Parses a search into an FTS5 MATCH expression, or throws SearchSyntaxError saying what is wrong. */
export function toMatchExpression(input: string, expand: PrefixExpander = () => []): string {
  const { clauses, excluded } = parse(input);
  const show = renderer(expand);
  let expression = clauses.map((clause) => `(${clause.map(show).join(' OR ')})`).join(' AND ');
  for (const term of excluded) expression = `(${expression}) NOT ${show(term)}`;
  return expression;
}

/** The weight each field has in PostgreSQL's `search` tsvector (src/db/pg-schema.ts). */
const WEIGHTS: Record<Column, 'A' | 'B' | 'C' | 'D'> = { title: 'A', authors: 'B', organization: 'C', abstract: 'D' };

/**
 * Parses a search into a PostgreSQL tsquery, for `to_tsquery('catalogue', …)` (English stemming, no stop words)
 * over the weighted `search` tsvector, or throws SearchSyntaxError: the same
 * language as toMatchExpression, rendered for PostgreSQL. Every word is quoted,
 * as `fold` spells it (the index's accent folding, which may split a word in
 * two), a phrase is `<->`, a field its weight, and a prefix is expanded to the
 * whole words it starts, as for FTS5, since the index is stemmed.
 */
export function toTsQuery(input: string, expand: PrefixExpander = () => [], fold: (word: string) => string = (word) => word): string {
  const { clauses, excluded } = parse(input);
  let expansion = MAX_EXPANDED_WORDS;
  const show = (term: Term): string => {
    const weight = term.column ? WEIGHTS[term.column] : '';
    const lexeme = (word: string, prefix: boolean) => `'${fold(word).replace(/['\\]/gu, '$&$&')}'${prefix || weight ? `:${prefix ? '*' : ''}${weight}` : ''}`;
    const last = term.words.length - 1;
    const alternatives = [term.words.map((word, i) => lexeme(word, term.prefix && i === last)).join(' <-> ')];
    if (term.prefix && term.words.length === 1 && expansion > 0) {
      const words = expand(term.words[0]!).slice(0, Math.min(MAX_PREFIX_WORDS, expansion));
      expansion -= words.length;
      alternatives.push(...words.map((word) => lexeme(word, false)));
    }
    return `(${alternatives.join(' | ')})`;
  };
  let expression = clauses.map((clause) => `(${clause.map(show).join(' | ')})`).join(' & ');
  for (const term of excluded) expression = `(${expression}) & !${show(term)}`;
  return expression;
}

/** The words of a name search (authors, organizations) for type-ahead, each a prefix of a word of the name: at most MAX_TERMS. */
export const namePrefixWords = (input: string): string[] => wordsOf(input).slice(0, MAX_TERMS);

/** A name search as an FTS5 expression: every word, as a prefix. */
export const toNamePrefixExpression = (words: readonly string[]): string => words.map((w) => `${quote(w)} *`).join(' ');
