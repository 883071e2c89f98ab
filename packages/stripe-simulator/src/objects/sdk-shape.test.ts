import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { typecheck } from '../typecheck';

const FIXTURE = fileURLToPath(new URL('../../type-fixtures/incomplete-objects.ts', import.meta.url));

it('a simulator object missing a required SDK field, or with an undocumented enum value, fails to compile', () => {
  const expected = readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .flatMap((source, i) => {
      const text = /; \/\/ error: (.+)$/.exec(source)?.[1];
      return text ? [{ line: i + 1, text }] : [];
    });
  expect(expected).toHaveLength(3);

  const errors = typecheck([FIXTURE]);

  // Exactly the marked lines fail (so the complete object and the builders themselves compile),
  // each for the reason the marker names.
  expect(errors.map((e) => ({ file: e.file, line: e.line }))).toEqual(
    expected.map(({ line }) => ({ file: FIXTURE, line })),
  );
  for (const [i, { text }] of expected.entries()) expect(errors[i]?.message).toContain(text);
});
