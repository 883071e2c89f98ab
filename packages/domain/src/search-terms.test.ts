import { describe, expect, it } from 'vitest';
import { escapeRegex, prefixPatterns, queryWords, searchTermsFor, words } from './search-terms';

describe('search terms', () => {
  it('lower-cases, folds accents and splits on anything that is not a letter or digit', () => {
    expect(words('Crème Brûlée — USB-C (2m)')).toEqual(['creme', 'brulee', 'usb', 'c', '2m']);
    expect(words('ÉLAN Ñandú 東京')).toEqual(['elan', 'nandu', '東京']);
    expect(words('.*()[]{}^$|\\+?')).toEqual([]);
  });

  it('stores the distinct words of name and category', () => {
    expect(searchTermsFor('Tea Tea Pot', 'home-kitchen')).toEqual(['tea', 'pot', 'home', 'kitchen']);
  });

  it('query words are distinct and regex-safe; patterns are anchored prefixes', () => {
    expect(queryWords('Red red  APPLE')).toEqual(['red', 'apple']);
    expect(prefixPatterns(['red', 'app']).map(String)).toEqual(['/^red/', '/^app/']);
    expect(escapeRegex('a.b*c(d)[e]{f}^$|\\+?/-')).toBe('a\\.b\\*c\\(d\\)\\[e\\]\\{f\\}\\^\\$\\|\\\\\\+\\?\\/\\-');
    expect(new RegExp(`^${escapeRegex('.*')}`).test('anything')).toBe(false);
    expect(new RegExp(`^${escapeRegex('.*')}`).test('.*x')).toBe(true);
  });
});
