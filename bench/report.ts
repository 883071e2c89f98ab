/** The results as a console table, `docs/benchmarks.json` and `docs/benchmarks.md`. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ProfileSummary } from './profile';
import type { ProcessCost, ScenarioResult, Settings } from './scenarios/types';

export interface Machine {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  node: string;
  os: string;
  mongo: { kind: string; version: string; isStandIn: boolean; description: string };
  redis: { kind: string; version: string };
  date: string;
  /** 1, 5 and 15 minute load averages when the run started (other work on the machine shows here). */
  loadAvgAtStart: number[];
}

export interface Budget {
  name: string;
  scenario: string;
  measured: string;
  limit: string;
  pass: boolean;
  detail: string;
}

export interface Target {
  name: string;
  scenario: string;
  target: string;
  measured: string;
  /** NO VERDICT: the machine was busy with other work during the run, so a ratio to the hello-world says nothing. */
  status: 'PASS' | 'MISS' | 'NOT RUN' | 'NO VERDICT';
  note: string;
}

export interface ProfileEntry {
  scenario: string;
  process: 'api' | 'worker';
  summary: ProfileSummary;
  /** Commands and CPU per operation of the profiled re-run (0 MongoDB for a cached read: it profiled the hits). */
  mongoPerOp?: number;
  redisPerOp?: number;
  cpuMsPerOp?: number;
}

export interface BenchReport {
  generatedAt: string;
  wallTimeSeconds: number;
  machine: Machine;
  run: { processes: string; logLevel: string; rateLimits: Record<string, string>; settings: Settings };
  helloWorldOpsPerSec: number;
  scenarios: (ScenarioResult & { ratioToHello: number | null })[];
  failures: { scenario: string; error: string }[];
  /** An earlier run (BENCH_BASELINE=<its benchmarks.json>) the cached reads are compared with. */
  baseline?: Baseline;
  budgets: Budget[];
  targets: Target[];
  profiles: ProfileEntry[];
  notes: string[];
}

/** What the before/after table needs of an earlier run's benchmarks.json. */
export interface Baseline {
  file: string;
  generatedAt: string;
  loadAvgAtStart: number[];
  helloWorldOpsPerSec: number;
  scenarios: Pick<ScenarioResult, 'id' | 'title' | 'opsPerSec' | 'latency' | 'api' | 'serverCpu' | 'machineLoad'>[];
}

/** Reads an earlier `docs/benchmarks.json` (any version of the bench that wrote one). */
export function readBaseline(file: string): Baseline {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<BenchReport>;
  if (!Array.isArray(raw.scenarios) || typeof raw.helloWorldOpsPerSec !== 'number') {
    throw new Error(`BENCH_BASELINE=${file} is not a benchmarks.json written by pnpm bench`);
  }
  return {
    file,
    generatedAt: String(raw.generatedAt ?? '?'),
    loadAvgAtStart: raw.machine?.loadAvgAtStart ?? [],
    helloWorldOpsPerSec: raw.helloWorldOpsPerSec,
    scenarios: raw.scenarios.map((s) => ({
      id: s.id,
      title: s.title,
      opsPerSec: s.opsPerSec,
      latency: s.latency,
      ...(s.api ? { api: s.api } : {}),
      ...(s.serverCpu ? { serverCpu: s.serverCpu } : {}),
      ...(s.machineLoad ? { machineLoad: s.machineLoad } : {}),
    })),
  };
}

/** The scenarios of #16 (cached reads), compared with the baseline run. */
const BEFORE_AFTER = ['hello-world', 'product-detail', 'product-list', 'search'];

const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const f3 = (n: number) => n.toFixed(3);
const pct = (n: number) => `${(n * 100).toFixed(n >= 0.9995 || n === 0 ? 0 : 2)} %`;
const ratio = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)} %`);

export function commandList(record: Record<string, number>): string {
  const entries = Object.entries(record).filter(([, v]) => v >= 0.005);
  if (entries.length === 0) return '—';
  return entries
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${f2(v)}`)
    .join(', ');
}

interface Column {
  head: string;
  cell: (s: BenchReport['scenarios'][number], i: number) => string;
}

const costCell = (c: ProcessCost | undefined, key: 'mongoPerOp' | 'redisPerOp' | 'cpuMsPerOp') =>
  c ? f2(c[key]) : '—';

const COLUMNS: Column[] = [
  { head: '#', cell: (_s, i) => String(i + 1) },
  { head: 'Scenario', cell: (s) => s.title },
  { head: 'Conns', cell: (s) => String(s.connections) },
  { head: 'Ops/s', cell: (s) => `${f0(s.opsPerSec)} ${s.unit === 'request' ? 'req' : s.unit}/s` },
  { head: '× hello', cell: (s) => ratio(s.ratioToHello) },
  { head: 'Mean ms', cell: (s) => f1(s.latency.mean) },
  { head: 'p95 ms', cell: (s) => f1(s.latency.p95) },
  { head: 'p99 ms', cell: (s) => f1(s.latency.p99) },
  { head: 'Success', cell: (s) => pct(s.successRate) },
  { head: 'Mongo/op API', cell: (s) => costCell(s.api, 'mongoPerOp') },
  { head: 'Mongo/op worker', cell: (s) => costCell(s.worker, 'mongoPerOp') },
  { head: 'Redis/op API', cell: (s) => costCell(s.api, 'redisPerOp') },
  { head: 'Redis/op worker', cell: (s) => costCell(s.worker, 'redisPerOp') },
  {
    head: 'API CPU ms/op',
    cell: (s) => (s.serverCpu ? f2(s.serverCpu.msPerOp) : costCell(s.api, 'cpuMsPerOp')),
  },
  { head: 'Bound by', cell: (s) => s.boundBy },
  { head: 'Load gen cores', cell: (s) => (s.machineLoad ? f2(s.machineLoad.loadGeneratorCores) : '—') },
  { head: 'Other load cores', cell: (s) => (s.machineLoad ? f2(s.machineLoad.otherCores) : '—') },
];

export function consoleTable(report: BenchReport): string {
  const rows = report.scenarios.map((s, i) => COLUMNS.map((c) => c.cell(s, i)));
  const heads = COLUMNS.map((c) => c.head);
  const widths = heads.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' │ ');
  const sep = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const out = [line(heads), sep, ...rows.map(line)];
  out.push('', 'Budgets:');
  for (const b of report.budgets)
    out.push(`  ${b.pass ? 'PASS' : 'FAIL'}  ${b.name}: ${b.measured} (limit ${b.limit})`);
  out.push('', 'Targets:');
  for (const t of report.targets) out.push(`  ${t.status.padEnd(10)}  ${t.name}: ${t.measured} (target ${t.target})`);
  const ba = beforeAfterRows(report);
  if (ba.length > 0) {
    out.push('', `Before/after (baseline ${report.baseline!.file}, ${report.baseline!.generatedAt}):`);
    for (const r of ba) {
      out.push(
        `  ${r[0]}: ${r[1]} → ${r[2]} req/s, × hello ${r[3]} → ${r[4]}, API CPU ${r[5]} → ${r[6]} ms/op (${r[7]}), ` +
          `p99 ${r[8]} → ${r[9]} ms, Redis/op ${r[10]} → ${r[11]}`,
      );
    }
  }
  return out.join('\n');
}

const md = (text: string) => text.replace(/\|/g, '\\|');

type Row = Pick<ScenarioResult, 'opsPerSec' | 'latency' | 'api' | 'serverCpu' | 'machineLoad'>;
const cpuOf = (s: Row | undefined) => (s?.serverCpu ? s.serverCpu.msPerOp : s?.api?.cpuMsPerOp);
const redisOf = (s: Row | undefined) => s?.api?.redisPerOp;
const opt = (n: number | undefined, f: (n: number) => string) => (n === undefined ? '—' : f(n));

/** Before/after rows of the cached reads (#16), or none without a baseline. */
export function beforeAfterRows(report: BenchReport): string[][] {
  const base = report.baseline;
  if (!base) return [];
  return BEFORE_AFTER.flatMap((id) => {
    const after = report.scenarios.find((s) => s.id === id);
    const before = base.scenarios.find((s) => s.id === id);
    if (!after && !before) return [];
    const shareOf = (s: Row | undefined, hello: number) => (s && hello > 0 ? s.opsPerSec / hello : undefined);
    const share = (r: number | undefined) => opt(r, (v) => `${(v * 100).toFixed(1)} %`);
    const change = (b: number | undefined, a: number | undefined) =>
      b !== undefined && a !== undefined && b > 0
        ? `${a >= b ? '+' : '−'}${Math.abs((100 * (a - b)) / b).toFixed(0)} %`
        : '—';
    return [
      [
        after?.title ?? before?.title ?? id,
        opt(before?.opsPerSec, f0),
        opt(after?.opsPerSec, f0),
        share(shareOf(before, base.helloWorldOpsPerSec)),
        share(shareOf(after, report.helloWorldOpsPerSec)),
        opt(cpuOf(before), (v) => v.toFixed(3)),
        opt(cpuOf(after), (v) => v.toFixed(3)),
        change(cpuOf(before), cpuOf(after)),
        opt(before?.latency.p99, f1),
        opt(after?.latency.p99, f1),
        opt(redisOf(before), f2),
        opt(redisOf(after), f2),
        `${opt(before?.machineLoad?.otherCores, f2)} / ${opt(after?.machineLoad?.otherCores, f2)}`,
      ],
    ];
  });
}

const BEFORE_AFTER_HEADS = [
  'Scenario',
  'Ops/s before',
  'Ops/s after',
  '× hello before',
  '× hello after',
  'API CPU ms/op before',
  'API CPU ms/op after',
  'CPU change',
  'p99 ms before',
  'p99 ms after',
  'Redis/op before',
  'Redis/op after',
  'Other load cores before / after',
];

function mdTable(heads: string[], rows: string[][]): string {
  return [
    `| ${heads.map(md).join(' | ')} |`,
    `| ${heads.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(md).join(' | ')} |`),
  ].join('\n');
}

export function markdown(report: BenchReport): string {
  const m = report.machine;
  const out: string[] = [];
  out.push('# Benchmarks');
  out.push('');
  out.push(
    `Latest \`pnpm bench\` run (${m.date}), written by \`bench/run.ts\`; machine-readable copy in ` +
      '[`benchmarks.json`](benchmarks.json). How to run and what each column means: [`bench/README.md`](../bench/README.md).',
  );
  out.push('');
  out.push('## Machine');
  out.push('');
  out.push(
    mdTable(
      ['CPU', 'Cores', 'RAM', 'Node', 'OS', 'MongoDB', 'Redis', 'Date', 'Load avg at start', 'Bench wall time'],
      [
        [
          m.cpuModel,
          String(m.cores),
          `${m.ramGiB.toFixed(1)} GiB`,
          m.node,
          m.os,
          `${m.mongo.isStandIn ? 'jongodb stand-in' : 'real MongoDB'} ${m.mongo.version} (${m.mongo.kind})`,
          `${m.redis.version} (${m.redis.kind})`,
          m.date,
          m.loadAvgAtStart.map(f2).join(' / '),
          `${f0(report.wallTimeSeconds)} s`,
        ],
      ],
    ),
  );
  out.push('');
  if (m.mongo.isStandIn) {
    out.push(
      '> **MongoDB is the jongodb in-memory stand-in.** Its writes cost time proportional to the collection size and ' +
        'it has no transaction isolation (the worker serialises its transactions on it). Every figure of a ' +
        'database-write-bound scenario below says "stand-in writes" in its *Bound by* column and is **not** a ' +
        'property of the product: rerun with `MONGODB_URI` pointing at a real replica set for those. The command ' +
        'counts per operation and the API CPU per operation do not depend on the server.',
    );
    out.push('');
  }
  out.push('## Results');
  out.push('');
  out.push(
    mdTable(
      COLUMNS.map((c) => c.head),
      report.scenarios.map((s, i) => COLUMNS.map((c) => c.cell(s, i))),
    ),
  );
  out.push('');
  out.push(
    '*Ops/s* counts successful operations; *× hello* is Ops/s as a share of the bare Fastify hello-world on the ' +
      'same machine. Latency is per HTTP request, except fulfilment (event sent → order seen paid). ' +
      "*Mongo/op* and *Redis/op* are commands per operation from the processes' `/metrics` " +
      '(`mongodb_commands_total`, `redis_commands_total`), diffed around the measured window. *API CPU ms/op* is the ' +
      "API process's CPU time (user + system) per operation. *Load gen cores* is the CPU of the bench process (autocannon). *Other load cores* is CPU used meanwhile by processes " +
      'that are not part of the bench (other builds and tests on a shared machine), from /proc: when it is not ' +
      'near 0, every figure of that row is pessimistic.',
  );
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(
    mdTable(
      ['Target', 'Measured', 'Status', 'Note'],
      report.targets.map((t) => [`${t.name} (${t.target})`, t.measured, t.status, t.note]),
    ),
  );
  out.push('');
  const ba = beforeAfterRows(report);
  if (ba.length > 0) {
    const base = report.baseline!;
    out.push('## Cached reads: before and after (#16)');
    out.push('');
    out.push(
      `Baseline: \`${base.file}\`, a \`pnpm bench\` run of ${base.generatedAt} (load average at its start ` +
        `${base.loadAvgAtStart.map(f2).join(' / ') || '?'}); after: this run. Each run's × hello divides by its own ` +
        'hello-world. *API CPU ms/op* is the figure that depends least on what else the machine was doing; ' +
        '*Other load cores* says how busy the machine was with work that is not the bench.',
    );
    out.push('');
    out.push(mdTable(BEFORE_AFTER_HEADS, ba));
    out.push('');
  }
  out.push('## Command budgets');
  out.push('');
  out.push(
    mdTable(
      ['Budget', 'Measured', 'Limit', 'Result', 'Detail'],
      report.budgets.map((b) => [b.name, b.measured, b.limit, b.pass ? 'PASS' : 'FAIL', b.detail]),
    ),
  );
  out.push('');
  out.push('## Commands per operation, by name');
  out.push('');
  out.push(
    mdTable(
      ['Scenario', 'API MongoDB', 'API Redis', 'Worker MongoDB', 'Worker Redis', 'API CPU'],
      report.scenarios
        .filter((s) => s.api)
        .flatMap((s) => {
          const rows = [
            [
              s.title,
              commandList(s.api!.mongo),
              commandList(s.api!.redis),
              commandList(s.worker?.mongo ?? {}),
              commandList(s.worker?.redis ?? {}),
              `${f2(s.api!.cpuMsPerOp)} ms/op (${f0(100 * s.api!.systemCpuShare)} % kernel), ${f2(s.api!.cpuCores)} cores`,
            ],
          ];
          if (s.workerEmail) {
            rows.push([
              `${s.title}: confirmation email job (per email)`,
              '—',
              '—',
              commandList(s.workerEmail.mongo),
              commandList(s.workerEmail.redis),
              '—',
            ]);
          }
          return rows;
        }),
    ),
  );
  out.push('');
  out.push(
    'Redis commands are counted as the client sends them: a MULTI/EXEC block counts each command in it although it ' +
      'is one round trip. `evalsha` is a Lua script: on the API requests other than catalog reads, one is the ' +
      '`@fastify/rate-limit` counter (its Redis store runs one script per request). Catalog reads (detail, list, ' +
      'search) make one script call per event-loop turn, shared by the reads that arrived in it: the per-IP counters ' +
      'of their limit class, the catalog generation and the cached bytes the process does not already hold at that ' +
      'generation (`apps/api/src/services/catalog/read-gate.ts`), so under load their Redis/op is well below 1.',
  );
  out.push('');
  const perOp = report.scenarios.filter((s) => s.extra && (s.extra.byOperation || s.extra.perRequest));
  if (perOp.length > 0) {
    out.push('## Latency by operation');
    out.push('');
    for (const s of perOp) {
      const by = (s.extra!.byOperation ?? s.extra!.perRequest) as Record<
        string,
        { responses: number; ok: number; latency: { mean: number; p95: number; p99: number } }
      >;
      out.push(`**${s.title}**`);
      out.push('');
      const total = Object.values(by).reduce((a, b) => a + b.responses, 0);
      out.push(
        mdTable(
          ['Operation', 'Share', 'Requests', 'Success', 'Mean ms', 'p95 ms', 'p99 ms'],
          Object.entries(by)
            .sort((a, b) => b[1].responses - a[1].responses)
            .map(([op, v]) => [
              op,
              pct(v.responses / Math.max(1, total)),
              f0(v.responses),
              pct(v.ok / Math.max(1, v.responses)),
              f1(v.latency.mean),
              f1(v.latency.p95),
              f1(v.latency.p99),
            ]),
        ),
      );
      out.push('');
    }
  }
  if (report.profiles.length > 0) {
    out.push('## CPU profiles of missed targets (and of targets without a verdict)');
    out.push('');
    out.push(
      'Each missed target was run again for a few seconds against a process started with ' +
        '`node --cpu-prof --cpu-prof-dir=.bench/profiles`; self time is summed per function over the measured window ' +
        '(bundle frames mapped to the TypeScript sources through the source map). Percentages are of the non-idle samples. ' +
        'V8 samples the main thread on a wall-clock timer, so a native socket-write frame (`writeBuffer`, ' +
        '`writeUtf8String`, `writev`) counts the syscall and also the time the thread lost the CPU to the process the ' +
        'write woke up (Redis, MongoDB, the load generator) on the 2 shared cores. *Mostly called from* names the ' +
        'nearest JavaScript caller outside Node itself; *Self time by package* charges native frames to it.',
    );
    out.push('');
    for (const p of report.profiles) {
      const s = p.summary;
      out.push(
        `**${p.scenario}** — ${p.process} process, \`${s.file}\`: ${f0(s.sampledMs)} ms sampled, idle ${f1(s.idlePct)} %, ` +
          `GC ${f1(s.gcPct)} % of busy${s.wholeProfile ? ' (whole profile: the window matched no sample)' : ''}` +
          (p.mongoPerOp === undefined
            ? ''
            : `; during the profiled run MongoDB ${f2(p.mongoPerOp)}/op, Redis ${f2(p.redisPerOp ?? 0)}/op, ` +
              `API CPU ${f3(p.cpuMsPerOp ?? 0)} ms/op (profiler included)`),
      );
      out.push('');
      out.push(
        mdTable(
          ['#', 'Function', 'Location', 'Mostly called from', 'Self ms', 'Self % of busy'],
          s.top.map((t, i) => [String(i + 1), t.function, t.location, t.via ?? '', f1(t.selfMs), f1(t.selfPct)]),
        ),
      );
      out.push('');
      out.push(`Self time by package: ${s.packages.map((p) => `${p.name} ${f1(p.selfPct)} %`).join(', ')}.`);
      out.push('');
    }
  }
  out.push('## How this run was made');
  out.push('');
  for (const note of report.notes) out.push(`- ${note}`);
  const seen = new Set<string>();
  for (const s of report.scenarios) {
    for (const note of s.notes) {
      if (seen.has(note)) continue;
      seen.add(note);
      out.push(`- ${s.title}: ${note}`);
    }
  }
  for (const f of report.failures) out.push(`- **${f.scenario} failed**: ${f.error}`);
  out.push('');
  return out.join('\n');
}

export function writeReport(report: BenchReport, jsonPath: string, mdPath: string): void {
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(mdPath, markdown(report));
}
