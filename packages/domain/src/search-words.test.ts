import { describe, expect, it } from 'vitest';
import { queryWords, searchTermsFor, words } from './search-terms';

describe('search words', () => {
  it('keeps runs of letters and digits whole, mixed or not', () => {
    expect(words('Table42 XL 2000w')).toEqual(['table42', 'xl', '2000w']);
    expect(words('42')).toEqual(['42']);
    expect(words('abc')).toEqual(['abc']);
  });

  it('drops every combining mark of a decomposed letter, not only the first', () => {
    // "ṩ" decomposes to s + two combining marks (dot below, dot above).
    expect(words('ṩ')).toEqual(['s']);
    expect(words('e\u0301\u0300te')).toEqual(['ete']);
  });

  it('has no words in an empty or punctuation-only text', () => {
    expect(words('')).toEqual([]);
    expect(words(' -- ')).toEqual([]);
    expect(queryWords('')).toEqual([]);
    expect(searchTermsFor('', '')).toEqual([]);
  });
});
