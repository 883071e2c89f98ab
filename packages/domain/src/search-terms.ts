/**
 * The search vocabulary of a product: the lower-cased, accent-folded words of its name and category,
 * stored in `searchTerms` (a multikey index). A query matches when every one of its words is the
 * prefix of some term: `{ searchTerms: { $all: [/^word1/, /^word2/] } }`. An anchored, case-sensitive
 * prefix regex on an indexed field is answered from index bounds on a real MongoDB, so search costs
 * index lookups, not a collection scan (no `$text`: the offline stand-in lacks it).
 */

/** Longest `q` accepted (characters). */
export const MAX_QUERY_LENGTH = 100;
/** Most distinct words in one query: each is one more `$all` clause. */
export const MAX_QUERY_WORDS = 8;

const WORD = /[\p{L}\p{N}]+/gu;
const COMBINING_MARKS = /\p{M}+/gu;

/** `"Café-Table  XL"` → `['cafe', 'table', 'xl']`: letters and digits only, so a word is regex-safe. */
export function words(text: string): string[] {
  return text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase().match(WORD) ?? [];
}

/** The terms stored on a product; recomputed on every write that touches name or category. */
export function searchTermsFor(name: string, category: string): string[] {
  return [...new Set([...words(name), ...words(category)])];
}

/** Escapes every regex metacharacter, so user text is always matched literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * The distinct words of a query, in order. Punctuation is not searchable (it is not indexed
 * either), so `q=.*` or `q=(` has no words and matches nothing.
 */
export function queryWords(q: string): string[] {
  return [...new Set(words(q))];
}

/** `['red', 'app']` → `[/^red/, /^app/]`, escaped even though words hold no metacharacters. */
export function prefixPatterns(terms: readonly string[]): RegExp[] {
  return terms.map((term) => new RegExp(`^${escapeRegex(term)}`));
}
