/**
 * `pnpm soak [--duration 3m] [--seed N] [--shoppers N] [--workers N] [--max-orders N]
 *            [--converge-stall 120s] [--converge-timeout 600s] [--isolation auto|on|off] [--write-report]`
 *
 * Mixed traffic plus a chaos loop (worker SIGKILLs, Redis restarts, duplicate/reordered/delayed
 * and re-sent webhooks) against real API and worker processes on loopback, then convergence and
 * invariants. Exits 1 when an invariant fails, 2 when the run itself breaks.
 *
 * MongoDB: MONGODB_URI, else an embedded one (jongodb offline), resolved like the tests do.
 * `--isolation auto` (default) routes the processes through soak/mongo-tx-proxy.ts when MongoDB is
 * the jongodb stand-in (it has no transaction isolation; see docs/reliability.md) and connects
 * directly to a real MongoDB; `off` shows what the stand-in alone does.
 */
import { join } from 'node:path';
import { resolveMongo } from '@simple-shop/dev-services';
import { chaosTimeline, formatSummary, writeReport } from './report';
import { runSoak } from './soak';

const log = (line: string) => process.stdout.write(`${line}\n`);

function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new Error(`bad duration: ${text} (e.g. 30s, 3m, 90000)`);
  const n = Number(match[1]);
  return Math.round(match[2] === 'm' ? n * 60_000 : match[2] === 's' ? n * 1000 : n);
}

function parseArgs(argv: string[]) {
  const args = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument: ${arg}`);
    const [key, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (key === 'write-report' || key === 'help') flags.add(key);
    else if (inline !== undefined) args.set(key, inline);
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`--${key} needs a value`);
      args.set(key, value);
    }
  }
  return { args, flags };
}

async function main(): Promise<number> {
  const { args, flags } = parseArgs(process.argv.slice(2));
  if (flags.has('help')) {
    log(
      'pnpm soak [--duration 3m] [--seed N] [--shoppers 8] [--workers 2] [--max-orders 2000] [--converge-stall 120s] [--converge-timeout 600s] [--isolation auto|on|off] [--write-report]',
    );
    return 0;
  }
  const durationMs = args.has('duration')
    ? parseDuration(args.get('duration')!)
    : process.env.SOAK_DURATION_MS
      ? Number(process.env.SOAK_DURATION_MS)
      : 180_000;
  if (!(durationMs > 0 && durationMs <= 3_600_000)) throw new Error('duration must be within 1 ms .. 1 h');
  const seed = Number(args.get('seed') ?? process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const isolation = args.get('isolation') ?? 'auto';
  if (!['auto', 'on', 'off'].includes(isolation)) throw new Error('--isolation is auto, on or off');

  const mongo = await resolveMongo({ log: (line) => log(`[deps] ${line}`) });
  try {
    const isolateTransactions = isolation === 'on' || (isolation === 'auto' && mongo.isStandIn);
    const result = await runSoak({
      mongoUri: mongo.uri,
      mongoKind: mongo.kind,
      mongoIsStandIn: mongo.isStandIn,
      isolateTransactions,
      durationMs,
      seed,
      virtualUsers: Number(args.get('shoppers') ?? 8),
      workers: Number(args.get('workers') ?? 2),
      maxOrders: Number(args.get('max-orders') ?? 2000),
      chaosIntervalMs: [3000, 7000],
      convergeStallMs: args.has('converge-stall') ? parseDuration(args.get('converge-stall')!) : 120_000,
      convergeTimeoutMs: args.has('converge-timeout') ? parseDuration(args.get('converge-timeout')!) : 600_000,
      log,
    });
    const summary = formatSummary(result);
    log('');
    log(summary);
    log('');
    log('Chaos timeline:');
    log(chaosTimeline(result));
    if (!result.ok) {
      for (const [name, tail] of Object.entries(result.processTails)) {
        if (tail.trim()) log(`\n--- last lines of ${name} ---\n${tail}`);
      }
    }
    if (flags.has('write-report')) {
      const path = join(process.cwd(), 'docs', 'reliability.md');
      writeReport(path, isolateTransactions ? 'isolated' : 'direct', summary);
      log(`\nwrote the summary to ${path}`);
    }
    return result.ok ? 0 : 1;
  } finally {
    await mongo.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
