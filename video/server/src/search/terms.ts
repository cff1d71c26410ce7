/**
 * One tokenisation for documents and queries on both engines: Unicode-normalise, drop
 * accents, lowercase, split on anything that is not a letter or a digit. Documents are
 * stored already folded (words joined by spaces), so SQLite's unicode61 tokenizer and
 * PostgreSQL's `simple` configuration both see plain lowercase words and agree on what
 * a word is, and `café` finds `cafe` on either engine (PostgreSQL would need the
 * unaccent extension otherwise). No stemming: search-as-you-type prefixes cover plurals.
 */

export const MAX_TERMS = 8;
export const MAX_TERM_LENGTH = 64;

/** The words of `text`, folded. */
export function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** `text` folded to space-separated words: what the index stores. */
export function foldText(text: string): string {
  return words(text).join(' ');
}

/** The terms relevance scores: all of them, or all but a trailing prefix (see SearchQuery.prefix). */
export function scoredTerms(query: { readonly terms: readonly string[]; readonly prefix: boolean }): readonly string[] {
  return query.prefix ? query.terms.slice(0, -1) : query.terms;
}

/** The query's terms (distinct, in order, truncated); empty when the text has no word. */
export function queryTerms(text: string): string[] {
  return [...new Set(words(text).map((w) => w.slice(0, MAX_TERM_LENGTH)))].slice(0, MAX_TERMS);
}
