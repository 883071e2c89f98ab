/**
 * Finds tests that assert on elapsed wall-clock time. On a shared, loaded machine such an assertion
 * either fails for no reason or is loosened until it proves nothing; a test proves speed-independent
 * facts by counting (commands, argon2 operations), by the order of events, or by waiting on an
 * observable end. Speed belongs to `pnpm bench`.
 *
 * The heuristic works per statement (text up to the next `;`) of a test file. A statement is flagged
 * when it calls a numeric comparison matcher (`toBeLessThan`, `toBeLessThanOrEqual`, `toBeGreaterThan`,
 * `toBeGreaterThanOrEqual`) and its `expect(...)` involves time:
 *   1. an elapsed-time expression: `Date.now() - x`, `performance.now() - x`, `process.hrtime…`,
 *      `x.getTime() - y`, `a.at - b.at` (a timestamp difference);
 *   2. a name assigned from such an expression anywhere in the file (`const gap = b.at - a.at`), or a
 *      function whose body computes one (`const time = async () => { … hrtime … }`), and what is
 *      derived from those (`const y = …x…`, `list.push(…x…)`, the `gap` of `gaps.forEach((gap`);
 *   3. a name that says it is a duration: `elapsed…`, `…duration…`, `…latency…`, `…Ms`, `.ms`.
 * Timestamps in the past (`new Date(Date.now() - 60_000)`) are not comparisons and are not flagged.
 * A statement can opt out with a `wall-clock-ok: <reason>` comment inside it (for a bound that is
 * about the product, not the machine, e.g. a configured timeout); none is needed today.
 */

const COMPARATOR = /\.(?:toBeLessThan|toBeLessThanOrEqual|toBeGreaterThan|toBeGreaterThanOrEqual)\(/;
const ELAPSED =
  /(?:Date\.now\(\)|performance\.now\(\)|\.getTime\(\))\s*-\s*[\w$.!()[\]]+|process\.hrtime|\b[\w$]+(?:\[[^\]]*\])?!?\.at\s*-\s*[\w$]/;
const DURATION_NAME = /\b[\w$]*(?:[eE]lapsed|[dD]uration|[lL]atency)[\w$]*\b|\b[a-z][\w$]*Ms\b|\.ms\b/;
const OPT_OUT = /wall-clock-ok:/;

export interface WallClockFinding {
  line: number;
  statement: string;
  reason: string;
}

/** Names bound to an elapsed-time expression, or to a function whose body computes one. */
function timingNames(source: string): Set<string> {
  const names = new Set<string>();
  const assignment = /\b(?:const|let|var)\s+([\w$]+)\s*=\s*([^;]*)/g;
  for (const match of source.matchAll(assignment)) {
    const [, name, value] = match;
    if (!name || value === undefined) continue;
    if (ELAPSED.test(value)) names.add(name);
    // A function: look at its body (up to its closing line at the same indentation, roughly 40 lines).
    if (/=>|function\b/.test(value)) {
      const body = source
        .slice(match.index, match.index + 2000)
        .split('\n')
        .slice(0, 40)
        .join('\n');
      const end = body.search(/\n\s{0,4}\};?\n/);
      if (ELAPSED.test(end > 0 ? body.slice(0, end) : body)) names.add(name);
    }
  }
  // Propagate to fixpoint: `const y = …x…`, `ys.push(…x…)`, and the callback parameter of
  // `xs.forEach((x` / `.map((x` / `.every((x` / `.some((x` (a gap taken from a list of gaps).
  const mentions = (text: string) =>
    [...names].some((n) => new RegExp(`(?<![\\w$.])${n.replace('$', '\\$')}\\b`).test(text));
  for (let changed = true; changed;) {
    changed = false;
    const add = (name: string | undefined) => {
      if (name && !names.has(name)) {
        names.add(name);
        changed = true;
      }
    };
    for (const [, name, value] of source.matchAll(/\b(?:const|let|var)\s+([\w$]+)\s*=\s*([^;]*)/g))
      if (value !== undefined && mentions(value)) add(name);
    for (const [, list, value] of source.matchAll(/\b([\w$]+)\.push\(([^;]*)\)/g))
      if (value !== undefined && mentions(value)) add(list);
    for (const [, list, param] of source.matchAll(/\b([\w$]+)\.(?:forEach|map|every|some)\(\s*\(?\s*([\w$]+)/g))
      if (list && names.has(list)) add(param);
  }
  return names;
}

/** The `expect(...)` argument text of a statement (balanced parentheses), or null. */
function expectArgument(statement: string): string | null {
  const start = statement.indexOf('expect(');
  if (start < 0) return null;
  let depth = 0;
  for (let i = start + 'expect'.length; i < statement.length; i += 1) {
    if (statement[i] === '(') depth += 1;
    else if (statement[i] === ')') {
      depth -= 1;
      if (depth === 0) return statement.slice(start + 'expect('.length, i);
    }
  }
  return null;
}

export function findWallClockAssertions(source: string): WallClockFinding[] {
  const names = timingNames(source);
  const findings: WallClockFinding[] = [];
  let offset = 0;
  for (const piece of source.split(';')) {
    const statement = piece;
    const at = offset;
    offset += piece.length + 1;
    // The opt-out comment may sit inside the statement or after its `;` on the same line.
    const restOfLine = source.slice(offset).split('\n', 1)[0] ?? '';
    if (!COMPARATOR.test(statement) || OPT_OUT.test(statement) || OPT_OUT.test(restOfLine)) continue;
    const argument = expectArgument(statement);
    if (argument === null) continue;
    const named = [...names].find((name) => new RegExp(`(?<![\\w$.])${name.replace('$', '\\$')}\\b`).test(argument));
    const reason = ELAPSED.test(argument)
      ? 'compares an elapsed-time expression'
      : named
        ? `compares ${named}, which is computed from elapsed time`
        : DURATION_NAME.test(argument)
          ? 'compares a value named as a duration'
          : null;
    if (!reason) continue;
    const indent = statement.length - statement.trimStart().length;
    findings.push({
      line: source.slice(0, at + indent).split('\n').length,
      statement: statement.trim().replace(/\s+/g, ' '),
      reason,
    });
  }
  return findings;
}
