#!/usr/bin/env node
// Dependency audit for CI: `pnpm audit --prod --audit-level high`. Fails on a high or critical advisory
// for a production dependency unless .ci/audit-allowlist.json accepts it with a reason. When the registry
// does not offer the audit API (some mirrors and proxies answer 405), says so and passes: the audit then
// has to run where the public registry is reachable.
//
//   node scripts/ci/audit.mjs                   run pnpm audit
//   node scripts/ci/audit.mjs --report <file>   judge a saved `pnpm audit --json` output instead
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const BLOCKING = new Set(['high', 'critical']);

function loadAllowList() {
  const file = join(root, '.ci/audit-allowlist.json');
  const { accepted } = JSON.parse(readFileSync(file, 'utf8'));
  for (const entry of accepted) {
    if (!entry.id || typeof entry.reason !== 'string' || entry.reason.trim().length < 10)
      throw new Error(`${file}: every accepted advisory needs an id and a reason (got ${JSON.stringify(entry)})`);
  }
  return new Map(accepted.map((entry) => [String(entry.id), entry.reason]));
}

function runAudit() {
  const args = ['audit', '--prod', '--audit-level', 'high', '--json'];
  const result = spawnSync('pnpm', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return result.stdout || result.stderr || '';
}

const reportFlag = process.argv.indexOf('--report');
const output = reportFlag > 0 ? readFileSync(process.argv[reportFlag + 1], 'utf8') : runAudit();
let report;
try {
  report = JSON.parse(output);
} catch {
  console.error(`dependency audit: unreadable output from pnpm audit:\n${output.slice(0, 2000)}`);
  process.exit(1);
}

if (report.error) {
  const message = String(report.error.message ?? report.error.code ?? '');
  if (/responded with (404|405|501)/.test(message)) {
    console.log(
      'dependency audit: NOT RUN. The registry refused the audit request ' +
        `(${message.match(/responded with \d+/)?.[0]}): its audit API is not available from this network, so ` +
        'advisories cannot be checked here. ' +
        'Run `node scripts/ci/audit.mjs` where registry.npmjs.org is reachable (e.g. a hosted CI runner).',
    );
    process.exit(0);
  }
  console.error(`dependency audit failed: ${message}`);
  process.exit(1);
}

const allowed = loadAllowList();
const advisories = Object.values(report.advisories ?? {});
const blocking = [];
for (const advisory of advisories) {
  if (!BLOCKING.has(advisory.severity)) continue;
  const ids = [advisory.github_advisory_id, advisory.id].filter(Boolean).map(String);
  const reason = ids.map((id) => allowed.get(id)).find(Boolean);
  const line = `${advisory.severity} ${ids.join(' / ')} ${advisory.module_name} ${advisory.vulnerable_versions}: ${advisory.title}`;
  if (reason) console.log(`accepted: ${line}\n  reason: ${reason}`);
  else blocking.push(line);
}
console.log(
  `dependency audit: ${advisories.length} advisories for production dependencies, ${blocking.length} blocking`,
);
if (blocking.length > 0) {
  console.error(blocking.map((line) => `  ${line}`).join('\n'));
  console.error('Upgrade the dependency, or accept the advisory in .ci/audit-allowlist.json with a reason.');
  process.exit(1);
}
