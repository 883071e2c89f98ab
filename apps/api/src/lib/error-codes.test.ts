/**
 * Every error code the API can answer with is asserted by some test. The codes are the one list in
 * error-codes.ts (`HttpError` takes nothing else, so typecheck keeps the list complete); this reads
 * the test files and fails, naming the code, when one is asserted nowhere: a code added without a
 * test, or a test removed. "Asserted" means the quoted code stands in an `expect(...)` statement
 * (`.toBe('CODE')`, `code: 'CODE'` inside `toEqual`/`toMatchObject`, `[status, code]` pairs...).
 * A static check, so it does not depend on which test files run, in which order or in which fork.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_ERROR_CODES } from './error-codes';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const thisFile = fileURLToPath(import.meta.url);

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, keep));
    else if (keep(entry.name)) out.push(path);
  }
  return out;
}

const codeDirs = ['apps', 'packages', 'soak'].map((d) => join(root, d));
const testFiles = codeDirs
  .flatMap((dir) => filesUnder(dir, (name) => name.endsWith('.test.ts')))
  .filter((path) => path !== thisFile);
const sourceFiles = [
  join(root, 'apps/api/src'),
  join(root, 'packages/orders/src'),
  join(root, 'packages/order-outcomes/src'),
]
  .flatMap((dir) =>
    filesUnder(dir, (name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.includes('test-support')),
  )
  .filter((path) => !path.endsWith('error-codes.ts'));

/** How far before the quoted code the `expect` of its statement may start. */
const EXPECT_WINDOW = 400;

/** The test files that assert `code`, as paths relative to the repository. */
function filesAsserting(code: string, files: { path: string; text: string }[]): string[] {
  const quoted = new RegExp(`['"\`]${code}['"\`]`, 'g');
  return files
    .filter(({ text }) =>
      [...text.matchAll(quoted)].some((m) =>
        /\bexpect\b|\.rejects\b/.test(text.slice(Math.max(0, m.index - EXPECT_WINDOW), m.index)),
      ),
    )
    .map(({ path }) => relative(root, path));
}

describe('API error codes', () => {
  const tests = testFiles.map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  const sources = sourceFiles.map((path) => ({ path, text: readFileSync(path, 'utf8') }));

  it('the list is unique and every code in it is produced somewhere in the sources', () => {
    expect(new Set(API_ERROR_CODES).size).toBe(API_ERROR_CODES.length);
    const unused = API_ERROR_CODES.filter((code) => !sources.some(({ text }) => text.includes(`'${code}'`)));
    expect(unused, 'codes in error-codes.ts that no source file produces').toEqual([]);
  });

  it('every code the sources produce is in the list', () => {
    const produced = new Set<string>();
    const patterns = [
      /new HttpError\(\s*\d{3},\s*'([A-Z][A-Z0-9_]+)'/g,
      /\bcode: '([A-Z][A-Z0-9_]+)'/g,
      /(?:OrderError|OutcomeConflictError|super)\(\s*'([A-Z][A-Z0-9_]+)'/g,
      /return '([A-Z][A-Z0-9_]+)';/g,
    ];
    for (const { text } of sources)
      for (const pattern of patterns) for (const m of text.matchAll(pattern)) produced.add(m[1]!);
    expect([...produced].filter((code) => !(API_ERROR_CODES as readonly string[]).includes(code)).sort()).toEqual([]);
  });

  it('every code is asserted by at least one test', () => {
    expect(tests.length).toBeGreaterThan(50);
    const untested = API_ERROR_CODES.filter((code) => filesAsserting(code, tests).length === 0);
    expect(untested, 'error codes no test asserts (add a test whose expect names the code)').toEqual([]);
  });

  it('the check itself: a quoted code in an expect counts, a code only in a test name does not', () => {
    const file = (text: string) => [{ path: join(root, 'x.test.ts'), text }];
    expect(filesAsserting('CART_FULL', file(`expect(res.json().error.code).toBe('CART_FULL');`))).toEqual([
      'x.test.ts',
    ]);
    expect(
      filesAsserting(
        'CART_FULL',
        file(`expect(res.json()).toEqual({\n  error: { code: 'CART_FULL', message: 'x' },\n});`),
      ),
    ).toEqual(['x.test.ts']);
    expect(filesAsserting('CART_FULL', file(`it('answers CART_FULL', () => {});`))).toEqual([]);
    expect(filesAsserting('CART_FULL', file(`const code = 'CART_FULL';`))).toEqual([]);
  });
});
