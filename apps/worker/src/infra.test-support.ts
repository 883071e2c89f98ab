/**
 * Helpers of the tests that hold the infrastructure files (infra/prometheus, infra/grafana, docs/runbooks.md)
 * to the running processes: reading those files, the metric names a PromQL expression uses, and
 * Prometheus' text exposition of a `/metrics` answer.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const readRepoFile = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

interface YamlModule {
  parse(text: string, options?: Record<string, unknown>): unknown;
}

/**
 * The `yaml` package is not a dependency of any workspace package, but the workspace installs it (vite and
 * tsup use it): load it from pnpm's store, like infra/scripts/lib/common.mjs does.
 */
function yamlModule(): YamlModule {
  for (const base of [join(repoRoot, 'package.json'), join(repoRoot, 'node_modules/.pnpm/_')]) {
    try {
      return createRequire(base)('yaml') as YamlModule;
    } catch {
      // next
    }
  }
  throw new Error('the yaml package is not installed (pnpm install)');
}

export function readRepoYaml<T>(path: string): T {
  return yamlModule().parse(readRepoFile(path), { merge: true }) as T;
}

export interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const doc = readRepoYaml<{ groups: { rules: AlertRule[] }[] }>('infra/prometheus/alerts.yml');
  return doc.groups.flatMap((g) => g.rules).filter((r) => r.alert);
}

export interface DashboardTarget {
  panel: string;
  expr: string;
}

export function dashboardTargets(): DashboardTarget[] {
  interface Panel {
    title?: string;
    type?: string;
    panels?: Panel[];
    targets?: { expr?: string }[];
  }
  const dashboard = JSON.parse(readRepoFile('infra/grafana/dashboards/simple-shop.json')) as { panels: Panel[] };
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  return panels.flatMap((p) =>
    (p.targets ?? []).filter((t) => t.expr).map((t) => ({ panel: p.title ?? '?', expr: t.expr! })),
  );
}

/** Grafana's built-in variables replaced by durations, so the expression is plain PromQL. */
export function grafanaToPromQL(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s').replaceAll('$__range', '5m');
}

const KEYWORDS = new Set([
  ...['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset'],
  ...['inf', 'nan'],
  // Aggregations may be followed by `by (...)` rather than `(`.
  ...['sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values'],
  ...['group', 'limitk', 'limit_ratio'],
]);

export interface Selector {
  metric: string;
  /** Label names used in the selector's matchers. */
  labels: Map<string, string>;
}

/**
 * The metric selectors of a PromQL expression: identifiers that are not functions or aggregations (not
 * followed by `(`), not keywords, not inside a label matcher `{...}`, a range `[...]`, a string, or a
 * `by (...)`-style label list; with the labels their matchers name.
 */
export function promqlSelectors(expr: string): Selector[] {
  const text = grafanaToPromQL(expr);
  const selectors: Selector[] = [];
  let i = 0;
  const skipString = (quote: string) => {
    i += 1;
    while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
    i += 1;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'" || ch === '`') {
      skipString(ch);
      continue;
    }
    if (ch === '[') {
      i = text.indexOf(']', i) + 1;
      continue;
    }
    if (ch === '{') {
      // A selector without a name: `{__name__="x"}` is not used here.
      i = text.indexOf('}', i) + 1;
      continue;
    }
    const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text.slice(i));
    if (!ident) {
      i += 1;
      continue;
    }
    const word = ident[0];
    i += word.length;
    const rest = text.slice(i);
    const next = /^\s*(.)/.exec(rest)?.[1];
    if (['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'].includes(word) && next === '(') {
      i = text.indexOf(')', i) + 1;
      continue;
    }
    if (KEYWORDS.has(word.toLowerCase()) || next === '(') continue;
    if (/^\d/.test(word)) continue;
    const labels = new Map<string, string>();
    if (/^\s*\{/.test(rest)) {
      const start = text.indexOf('{', i);
      let j = start + 1;
      let body = '';
      while (j < text.length && text[j] !== '}') {
        if (text[j] === '"') {
          const from = j;
          j += 1;
          while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
          body += text.slice(from, j + 1);
          j += 1;
          continue;
        }
        body += text[j];
        j += 1;
      }
      for (const m of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
        labels.set(m[1]!, `${m[2]}${m[3]}`);
      }
      i = j + 1;
    }
    selectors.push({ metric: word, labels });
  }
  return selectors;
}

export interface ExposedMetric {
  type: string;
  /** Label sets of the samples, by sample name (`x_bucket`, `x_sum`, `x`...). */
  samples: Map<string, Record<string, string>[]>;
}

/** Prometheus text exposition → metric families by every sample name they may be queried by. */
export function parseExposition(text: string): Map<string, ExposedMetric> {
  const families = new Map<string, ExposedMetric>();
  const byName = new Map<string, ExposedMetric>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const family: ExposedMetric = { type: type[2]!, samples: new Map() };
      families.set(type[1]!, family);
      const suffixes = ['histogram', 'summary'].includes(type[2]!) ? ['', '_bucket', '_sum', '_count'] : [''];
      for (const suffix of suffixes) byName.set(`${type[1]}${suffix}`, family);
      continue;
    }
    if (!line || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(line);
    if (!sample) continue;
    const family = byName.get(sample[1]!);
    if (!family) continue;
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    const list = family.samples.get(sample[1]!) ?? [];
    list.push(labels);
    family.samples.set(sample[1]!, list);
  }
  return byName;
}

/** Sum of the samples of `name` whose labels include `match`, from a `/metrics` text. */
export function sumSamples(text: string, name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!sample || sample[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) total += Number(sample[3]);
  }
  return total;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}
