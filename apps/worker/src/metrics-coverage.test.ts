import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startStack, waitFor, type Stack } from '@simple-shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertProduct, orderWithSession } from './fulfilment/pipeline.test-support';
import {
  alertRules,
  dashboardTargets,
  grafanaToPromQL,
  parseExposition,
  promqlSelectors,
  readRepoFile,
  repoRoot,
  type ExposedMetric,
} from './infra.test-support';

/**
 * The Grafana dashboard and the alert rules read metrics by name: this scrapes a real API process and a
 * real worker process (after one order and payment, so labelled series exist) and checks that every metric
 * they reference is exported — by the process the query selects with `service=`, else by either — with
 * the labels the query filters on. Then, where a `prometheus` binary exists (CI installs it in "Validate
 * infra"), a real Prometheus scrapes both processes with alerts.yml loaded and evaluates every dashboard
 * and alert expression against the live data.
 */
const EXTERNAL = {
  up: 'Prometheus itself (target health)',
  redis_up: 'redis_exporter (observability profile / your Redis exporter)',
  mongodb_up: 'mongodb_exporter (observability profile / your MongoDB exporter)',
};
/**
 * Exported by apps/api/src/plugins/app/dependency-metrics.ts once app.ts registers it (a lead's change);
 * the alerts read it with `or`, so they work on the exporters alone until then.
 */
const PENDING_REGISTRATION = {
  dependency_up: { process: 'api' as const, file: 'apps/api/src/plugins/app/dependency-metrics.ts' },
};
/** Labels Prometheus adds to every scraped series (not on /metrics). */
const TARGET_LABELS = new Set(['job', 'instance', 'namespace', 'pod', 'node', '__name__']);

let stack: Stack;
let apiMetrics: Map<string, ExposedMetric>;
let workerMetrics: Map<string, ExposedMetric>;
let workerUrl: string;

beforeAll(async () => {
  stack = await startStack();
  const line = await stack.workers[0]!.waitForLine(/worker http listening/);
  workerUrl = `http://127.0.0.1:${new URL(String((JSON.parse(line) as { address: string }).address)).port}`;

  // A little traffic so that labelled series exist: an order, a paid checkout, an email.
  const product = await insertProduct(stack, { stock: 5, price: 1200 });
  await fetch(`${stack.url}/api/products?limit=1`);
  const { orderId, sessionId } = await orderWithSession(stack, product, 1);
  await stack.sim.pay(sessionId);
  await waitFor(
    async () => expect((await stack.database.collections.orders.findOne({ _id: orderId }))?.status).toBe('paid'),
    { timeoutMs: 15_000 },
  );
  await waitFor(() => expect(stack.smtp.messages()).toHaveLength(1), { timeoutMs: 10_000 });
  const scrape = async () => {
    const [api, worker] = await Promise.all([fetch(`${stack.url}/metrics`), fetch(`${workerUrl}/metrics`)]);
    return [parseExposition(await api.text()), parseExposition(await worker.text())] as const;
  };
  // The email job's metrics land when BullMQ reports it completed.
  await waitFor(
    async () => {
      [apiMetrics, workerMetrics] = await scrape();
      expect(workerMetrics.get('jobs_processed_total')?.samples.get('jobs_processed_total')?.length).toBe(3);
    },
    { timeoutMs: 10_000 },
  );
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

const sources = () => [
  ...dashboardTargets().map((t) => ({ where: `dashboard panel "${t.panel}"`, expr: t.expr })),
  ...alertRules().map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
];

describe('metrics referenced by the dashboard and the alerts', () => {
  it('parses the metric names out of the expressions', () => {
    const names = new Set(sources().flatMap((s) => promqlSelectors(s.expr).map((sel) => sel.metric)));
    // A sample of what must be there, so a broken parser cannot pass the next test vacuously.
    for (const name of [
      'http_request_total',
      'http_request_duration_seconds_bucket',
      'payments_total',
      'webhook_event_age_seconds_bucket',
      'queue_depth',
      'dead_letter_size',
      'stock_remaining',
      'up',
    ]) {
      expect(names).toContain(name);
    }
    expect(promqlSelectors('sum by (le) (rate(x_bucket{a="1", b=~"2|3"}[5m])) and on () vector(0) > 1')).toEqual([
      {
        metric: 'x_bucket',
        labels: new Map([
          ['a', '=1'],
          ['b', '=~2|3'],
        ]),
      },
    ]);
  });

  it('exist on the process they are read from, with the labels the queries filter on', () => {
    const problems: string[] = [];
    const checked = new Set<string>();
    for (const { where, expr } of sources()) {
      for (const { metric, labels } of promqlSelectors(expr)) {
        if (metric in EXTERNAL) continue;
        const pending = PENDING_REGISTRATION[metric as keyof typeof PENDING_REGISTRATION];
        if (pending) {
          expect(readRepoFile(pending.file)).toContain(`'${metric}'`);
          const registered = readRepoFile('apps/api/src/app.ts').includes('dependency-metrics');
          if (registered && !apiMetrics.has(metric))
            problems.push(`${where}: ${metric} is registered but not exported`);
          continue;
        }
        const service = labels.get('service')?.replace(/^=/, '');
        const candidates =
          service === 'api' ? [apiMetrics] : service === 'worker' ? [workerMetrics] : [apiMetrics, workerMetrics];
        const family = candidates.map((m) => m.get(metric)).find(Boolean);
        if (!family) {
          problems.push(`${where}: ${metric} is not exported by ${service ?? 'the API or the worker'}`);
          continue;
        }
        checked.add(metric);
        const samples = [...candidates.flatMap((m) => m.get(metric)?.samples.get(metric) ?? [])];
        for (const label of labels.keys()) {
          if (TARGET_LABELS.has(label)) continue;
          if (!samples.some((s) => label in s)) problems.push(`${where}: ${metric} has no label "${label}"`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked.size).toBeGreaterThanOrEqual(12);
  });

  it('every app metric carries the service label of the process that exports it', () => {
    for (const [metrics, service] of [
      [apiMetrics, 'api'],
      [workerMetrics, 'worker'],
    ] as const) {
      for (const [name, family] of metrics) {
        for (const sample of family.samples.get(name) ?? []) expect(sample.service, name).toBe(service);
      }
    }
  });
});

/** The `prometheus` binary: PATH, else Debian's (installed by infra/validate.sh). */
const prometheusBinary =
  [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin']
    .map((dir) => join(dir, 'prometheus'))
    .find((path) => {
      try {
        accessSync(path, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    }) ?? null;

describe.skipIf(!prometheusBinary)('a real Prometheus scraping the API and the worker', () => {
  let prometheus: ChildProcess | undefined;
  let prometheusUrl: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prom-'));
    const port = await freeTcpPort();
    const apiTarget = new URL(stack.url).host;
    const workerTarget = new URL(workerUrl).host;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${join(repoRoot, 'infra/prometheus/alerts.yml')}']`,
        'scrape_configs:',
        `  - { job_name: api, static_configs: [{ targets: ['${apiTarget}'] }] }`,
        `  - { job_name: worker, static_configs: [{ targets: ['${workerTarget}'] }] }`,
      ].join('\n'),
    );
    prometheus = spawn(
      prometheusBinary!,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    prometheusUrl = `http://127.0.0.1:${port}`;
    // Ready, both targets up, and a few scrapes so that rate() has two points.
    await waitFor(
      async () => {
        const body = await query('sum(up)');
        expect(Number(body.data.result[0]?.value[1])).toBe(2);
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    // Every target scraped at least three times (two points for rate(), and one to spare).
    await waitFor(
      async () => {
        const body = await query('min(count_over_time(up[5m]))');
        expect(Number(body.data.result[0]?.value[1] ?? 0)).toBeGreaterThanOrEqual(3);
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  }, 60_000);

  afterAll(() => {
    prometheus?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  interface QueryResult {
    status: string;
    error?: string;
    data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
  }
  async function query(expr: string): Promise<QueryResult> {
    const res = await fetch(`${prometheusUrl}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: expr }),
    });
    return (await res.json()) as QueryResult;
  }

  it('evaluates every dashboard expression, and the core panels have data', async () => {
    const empty: string[] = [];
    for (const target of dashboardTargets()) {
      const result = await query(grafanaToPromQL(target.expr));
      expect(result.status, `${target.panel}: ${target.expr}: ${result.error}`).toBe('success');
      if (result.data.result.length === 0) empty.push(target.panel);
    }
    // Without exporters and with a single payment some panels are legitimately empty; these are not.
    for (const panel of [
      'Requests per second by route',
      'Latency percentiles (p50 / p95 / p99)',
      'Queue depth by queue and state',
      'Dead letters (failed-webhooks)',
      'Low-stock products (20 lowest)',
      'Replicas up',
      'Webhook events by stage and result',
    ]) {
      expect(empty, panel).not.toContain(panel);
    }
  });

  it('loads alerts.yml and evaluates every rule without error; nothing fires on a healthy stack', async () => {
    type Rule = { name: string; health: string; lastError?: string; state?: string; lastEvaluation?: string };
    // Wait until every rule has been evaluated (Prometheus reports year 1 for a rule never evaluated).
    const rules = await waitFor(
      async () => {
        const res = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as {
          data: { groups: { rules: Rule[] }[] };
        };
        const all = res.data.groups.flatMap((g) => g.rules);
        expect(all.filter((r) => !r.lastEvaluation || r.lastEvaluation.startsWith('0001-')).map((r) => r.name)).toEqual(
          [],
        );
        return all;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(rules.map((r) => r.name).sort()).toEqual(
      alertRules()
        .map((r) => r.alert)
        .sort(),
    );
    for (const rule of rules) expect(rule.health, `${rule.name}: ${rule.lastError}`).toBe('ok');
    const firing = rules.filter((r) => r.state === 'firing' || r.state === 'pending').map((r) => r.name);
    // Redis/MongoDB exporters are not running here, so their alerts have no data (not firing).
    expect(firing).toEqual([]);
  });
});

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
