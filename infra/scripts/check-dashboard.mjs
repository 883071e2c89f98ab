// Checks the Grafana dashboards and their provisioning:
//   tsx infra/scripts/check-dashboard.mjs [--rules-out <file>]
// JSON parses; unique panel ids; every non-row panel has a Prometheus target with an expression and unique
// refIds; panels fit the 24-column grid without overlapping; the datasource is the provisioned one (or the
// dashboard's `datasource` variable); the panels the issue asks for are there (requests per second by route,
// error rate, p50/p95/p99 latency, payment success rate, webhook lag, queue depth, dead letters, low stock).
// With --rules-out it writes every expression as a recording rule (Grafana's $__ variables replaced), so
// `promtool check rules` validates the PromQL syntax of the dashboard too.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml, repoRoot, reporter } from './lib/common.mjs';

const r = reporter('grafana dashboards');
const rulesOut = process.argv.includes('--rules-out')
  ? process.argv[process.argv.indexOf('--rules-out') + 1]
  : undefined;
const dir = join(repoRoot, 'infra/grafana/dashboards');
const datasources =
  parseYaml(readFileSync(join(repoRoot, 'infra/grafana/provisioning/datasources/prometheus.yml'), 'utf8'))
    .datasources ?? [];
const provisionedUids = new Set(datasources.map((d) => d.uid));
const recording = [];

export function grafanaToPromQL(expr) {
  return expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '1h')
    .replace(/\$\{?[a-zA-Z_]+\}?/g, 'x');
}

const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
r.check(files.length > 0, 'no dashboard JSON in infra/grafana/dashboards');
const uids = new Set();
for (const file of files) {
  let dashboard;
  try {
    dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  } catch (error) {
    r.fail(`${file}: not JSON: ${error.message}`);
    continue;
  }
  r.check(dashboard.uid && !uids.has(dashboard.uid), `${file}: missing or duplicate uid`);
  uids.add(dashboard.uid);
  r.check(dashboard.title, `${file}: missing title`);
  r.check(Number.isInteger(dashboard.schemaVersion), `${file}: missing schemaVersion`);
  const variables = new Set((dashboard.templating?.list ?? []).map((v) => v.name));
  const panels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
  r.check(panels.length > 0, `${file}: no panels`);
  const ids = new Set();
  const boxes = [];
  const exprs = [];
  for (const panel of panels) {
    const name = `${file} panel ${panel.id} "${panel.title}"`;
    r.check(Number.isInteger(panel.id) && !ids.has(panel.id), `${name}: missing or duplicate id`);
    ids.add(panel.id);
    const g = panel.gridPos ?? {};
    r.check(
      g.w > 0 && g.h > 0 && g.x >= 0 && g.x + g.w <= 24 && g.y >= 0,
      `${name}: gridPos outside the 24-column grid`,
    );
    for (const box of boxes) {
      const overlap = g.x < box.x + box.w && box.x < g.x + g.w && g.y < box.y + box.h && box.y < g.y + g.h;
      r.check(!overlap, `${name}: overlaps panel ${box.id}`);
    }
    boxes.push({ ...g, id: panel.id });
    if (panel.type === 'row') continue;
    r.check(panel.title, `${file} panel ${panel.id}: no title`);
    const targets = panel.targets ?? [];
    r.check(targets.length > 0, `${name}: no targets`);
    const refIds = new Set();
    for (const target of targets) {
      r.check(typeof target.expr === 'string' && target.expr.trim(), `${name}: target ${target.refId} has no expr`);
      r.check(target.refId && !refIds.has(target.refId), `${name}: missing or duplicate refId`);
      refIds.add(target.refId);
      const ds = target.datasource ?? panel.datasource;
      const uid = ds?.uid;
      const viaVariable =
        typeof uid === 'string' && /^\$\{?(\w+)\}?$/.test(uid) && variables.has(uid.replace(/[${}]/g, ''));
      r.check(
        ds?.type === 'prometheus' && (provisionedUids.has(uid) || viaVariable),
        `${name}: datasource must be the provisioned Prometheus (uid ${[...provisionedUids]}) or a datasource variable`,
      );
      if (target.expr) {
        exprs.push({ panel: panel.title, expr: target.expr });
        recording.push({
          record: `dashboard:panel_${panel.id}_${target.refId}`.toLowerCase(),
          expr: grafanaToPromQL(target.expr),
        });
      }
    }
  }
  const has = (re) => exprs.some((e) => re.test(e.expr));
  r.check(has(/sum by \(route\) \(rate\(http_request_total/), `${file}: needs requests per second by route`);
  r.check(has(/http_request_total\{status_code=~"5\.\."/), `${file}: needs the 5xx error rate`);
  for (const q of ['0.5', '0.95', '0.99'])
    r.check(
      has(
        new RegExp(
          `histogram_quantile\\(${q.replace('.', '\\.')}, sum by \\(le\\) \\(rate\\(http_request_duration_seconds_bucket`,
        ),
      ),
      `${file}: needs latency p${Number(q) * 100}`,
    );
  r.check(has(/payments_total\{outcome="succeeded"\}.*\/.*payments_total/), `${file}: needs the payment success rate`);
  r.check(has(/webhook_event_age_seconds_bucket/), `${file}: needs webhook lag`);
  r.check(has(/queue_depth/), `${file}: needs queue depth`);
  r.check(has(/dead_letter_size/), `${file}: needs dead letters`);
  r.check(has(/stock_remaining/), `${file}: needs low-stock products`);
}

if (rulesOut) {
  writeFileSync(rulesOut, JSON.stringify({ groups: [{ name: 'dashboard-expressions', rules: recording }] }, null, 2));
  console.log(`wrote ${recording.length} dashboard expressions as recording rules to ${rulesOut}`);
}
r.done();
