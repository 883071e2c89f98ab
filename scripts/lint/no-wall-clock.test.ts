/**
 * No test asserts on elapsed wall-clock time (the rule and its heuristic: no-wall-clock.ts). The check
 * catches each example of no-wall-clock.fixtures.ts, leaves the allowed ones alone, and finds nothing
 * in the repository's tests.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALLOWED, EXACT, FLAGGED } from './no-wall-clock.fixtures';
import { findWallClockAssertions } from './no-wall-clock';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the wall-clock check', () => {
  it.each(FLAGGED)('flags: $name', ({ code }) => {
    expect(findWallClockAssertions(code)).not.toEqual([]);
  });

  it.each(ALLOWED)('allows: $name', ({ code }) => {
    expect(findWallClockAssertions(code)).toEqual([]);
  });

  it('reports the statement and its line', () => {
    expect(findWallClockAssertions(EXACT.code)).toEqual([EXACT.finding]);
  });
});

describe('the test suite', () => {
  it('has no test that asserts on elapsed wall-clock time', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.test.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean);
    expect(files.length).toBeGreaterThan(50);
    const findings = files.flatMap((file) =>
      findWallClockAssertions(readFileSync(`${root}/${file}`, 'utf8')).map(
        (f) => `${file}:${f.line} ${f.reason}: ${f.statement}`,
      ),
    );
    expect(findings).toEqual([]);
  });
});
