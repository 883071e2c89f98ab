/**
 * The soak's summary: printed after every run, and (with `--write-report`) written into
 * docs/reliability.md between markers, one block per isolation mode, so the hand-written parts
 * of that page stay as they are.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { SoakResult } from './soak';

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function table(rows: (string | number)[][]): string {
  const [head, ...body] = rows;
  return [
    `| ${head!.join(' | ')} |`,
    `| ${head!.map(() => '---').join(' | ')} |`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

const esc = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function formatSummary(result: SoakResult): string {
  const { options, ledger } = result;
  const lines: string[] = [];
  lines.push(
    `Run of ${result.startedAt}: ${s(options.durationMs)} of traffic (seed ${options.seed}, ${options.virtualUsers} shoppers, ` +
      `${options.workers} workers), MongoDB: ${options.mongoKind}${options.mongoIsStandIn ? ' (jongodb stand-in)' : ''}, ` +
      `transactions: ${options.isolateTransactions ? 'isolated by `soak/mongo-tx-proxy.ts`' : 'direct (no isolation on the stand-in)'}.`,
  );
  lines.push(
    `Traffic ran ${s(result.trafficMs)}; convergence ${result.convergence.converged ? 'reached' : 'NOT reached'} in ${s(result.convergence.ms)}; whole run ${s(result.totalMs)}. ` +
      `**Result: ${result.ok ? 'all invariants hold' : `${result.invariants.filter((i) => !i.ok).length} invariant(s) FAILED`}.**`,
  );
  lines.push('');
  lines.push('**Invariants**');
  lines.push('');
  lines.push(
    table([
      ['invariant', 'result', 'checked', 'what it checks'],
      ...result.invariants.map((i) => [
        `\`${i.name}\``,
        i.ok ? 'pass' : `**FAIL (${i.failureCount})**`,
        i.checked,
        esc(i.description),
      ]),
    ]),
  );
  for (const i of result.invariants.filter((x) => !x.ok)) {
    lines.push('');
    lines.push(`Failures of \`${i.name}\` (first ${i.failures.length} of ${i.failureCount}):`);
    for (const f of i.failures) lines.push(`- ${f}`);
  }
  const evidence = Object.entries(result.evidence);
  if (evidence.length > 0) {
    lines.push('');
    lines.push('Evidence (process log lines about the failing subjects):');
    for (const [subject, found] of evidence) {
      lines.push(`- \`${subject}\`:`);
      for (const line of found) lines.push(`  - ${esc(line)}`);
    }
  }
  lines.push('');
  lines.push('**Operations** (HTTP requests to the API by operation, and simulator actions)');
  lines.push('');
  const ops = Object.entries(ledger.ops).sort(([a], [b]) => a.localeCompare(b));
  lines.push(
    table([
      ['operation', 'count', 'answers', 'mean ms', 'max ms'],
      ...ops.map(([name, st]) => [
        name,
        st.count,
        Object.entries(st.byStatus)
          .map(([k, v]) => `${k}×${v}`)
          .join(' '),
        Math.round(st.totalMs / Math.max(1, st.count)),
        st.maxMs,
      ]),
    ]),
  );
  lines.push('');
  lines.push(
    `Scenarios: ${Object.entries(ledger.scenarios)
      .sort(([, a], [, b]) => b - a)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
  );
  lines.push(`Orders created: ${ledger.orders.size}; final statuses: ${JSON.stringify(result.orderStatuses)}.`);
  lines.push(
    `Webhook events recorded: ${Object.values(result.eventStatuses).reduce((a, b) => a + b, 0)} ${JSON.stringify(result.eventStatuses)}; by type ${JSON.stringify(result.eventTypes)}; dead letters: ${result.deadLetters.length}.`,
  );
  lines.push(
    `Stripe simulator: ${result.stripe.sessions} sessions (${result.stripe.paid} paid), ${result.stripe.refunds} refunds, ${result.stripe.events} events, ` +
      `${result.stripe.deliveries} delivery attempts (${result.stripe.failedDeliveries} not 2xx).`,
  );
  lines.push(
    `Emails received by the SMTP catcher: ${result.emails.received}; outbox sent by kind ${JSON.stringify(result.emails.byKind)}.`,
  );
  lines.push(
    `Chaos actions: ${Object.entries(result.chaosCounts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
  );
  if (result.proxy) {
    const p = result.proxy;
    lines.push(
      `Transaction proxy: ${p.transactions} transactions, ${p.commands} commands, ${p.delayedCommands} commands and ${p.delayedTransactions} transactions delayed, ` +
        `${p.abandoned} transactions of killed processes aborted (${p.abandonedButAlive} of them were alive: must be 0), ${p.expired} aborted past the 60 s lifetime (${p.expiredButAlive} later commands answered NoSuchTransaction).`,
    );
  }
  if (result.standInOverlap) {
    lines.push('');
    lines.push('Stand-in check (`soak/standin-overlap.ts`, same jongodb, run after the soak):');
    for (const c of result.standInOverlap) {
      lines.push(
        `- ${c.name}: expected \`${c.expected}\`; jongodb direct \`${c.direct}\`; through the proxy \`${c.proxied}\``,
      );
    }
  }
  const unexpected = ledger.anomalies.filter((a) => a.status > 0 && a.status < 500);
  if (ledger.anomalyCount > 0) {
    lines.push('');
    lines.push(
      `Answers outside the expected set: ${ledger.anomalyCount} (5xx/network within Redis outages are allowed by \`api-no-5xx\`; 4xx listed for review):`,
    );
    for (const a of ledger.anomalies.slice(0, 15))
      lines.push(`- ${new Date(a.at).toISOString()} ${a.op} ${a.status}: ${esc(a.detail)}`);
    if (unexpected.length === 0 && ledger.anomalies.length > 15) lines.push(`- … ${ledger.anomalies.length - 15} more`);
  }
  if (ledger.notes.length > 0) {
    lines.push('');
    lines.push('Notes:');
    for (const n of ledger.notes.slice(0, 15)) lines.push(`- ${esc(n)}`);
  }
  return lines.join('\n');
}

export function chaosTimeline(result: SoakResult): string {
  const t0 = result.ledger.startedAt;
  return result.ledger.chaos
    .map(
      (c) =>
        `+${((c.at - t0) / 1000).toFixed(1)} s (${new Date(c.at).toISOString().slice(11, 23)}) ${c.action}: ${c.detail}`,
    )
    .join('\n');
}

/** Replaces the block between `<!-- soak:<mode>:begin -->` and `<!-- soak:<mode>:end -->`. */
export function writeReport(path: string, mode: 'isolated' | 'direct', body: string): void {
  const begin = `<!-- soak:${mode}:begin -->`;
  const end = `<!-- soak:${mode}:end -->`;
  const block = `${begin}\n${body}\n${end}`;
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? `${current.slice(0, from)}${block}${current.slice(to + end.length)}`
      : `${current}${current.endsWith('\n') || current === '' ? '' : '\n'}\n${block}\n`;
  writeFileSync(path, next);
}
