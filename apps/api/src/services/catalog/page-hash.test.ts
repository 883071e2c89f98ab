import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pageHash } from './product-cache';

const sha1 = (parts: readonly unknown[]) => createHash('sha1').update(JSON.stringify(parts)).digest('base64url');

/** Page hashes are remembered for the pages asked again; a remembered one must be the one computed. */
describe('pageHash', () => {
  it('is the SHA-1 of the request, the first time, when asked again, and after the memo starts over', () => {
    const page = (n: number) => ['search', 'relevance', 20, null, null, null, null, false, [`word${n}`]];
    expect(pageHash(page(0))).toBe(sha1(page(0)));
    expect(pageHash(page(0))).toBe(sha1(page(0)));
    expect(pageHash(page(1))).not.toBe(pageHash(page(0)));
    // More distinct pages than the memo holds: every answer is still each page's own hash.
    for (let n = 0; n < 5000; n += 1) expect(pageHash(page(n))).toBe(sha1(page(n)));
    expect(pageHash(page(0))).toBe(sha1(page(0)));
    expect(pageHash(['list', 'newest', 20, null, 'home', null, null, true, null])).toBe(
      sha1(['list', 'newest', 20, null, 'home', null, null, true, null]),
    );
  });
});
