import { describe, expect, it } from 'vitest';
import { alertRules, githubSlug, readRepoFile } from './infra.test-support';

/**
 * Every alert in infra/prometheus/alerts.yml has a runbook: a `## <AlertName>` section of docs/runbooks.md
 * with the same name, that says what it means, how to look and how to fix it; and its runbook_url points
 * at that section.
 */
const runbooks = readRepoFile('docs/runbooks.md');
const sections = new Map<string, string>();
{
  const parts = runbooks.split(/^## /m).slice(1);
  for (const part of parts) {
    const [heading, ...body] = part.split('\n');
    sections.set(heading!.trim(), body.join('\n'));
  }
}
const alerts = alertRules();

describe('docs/runbooks.md', () => {
  it('the alert rules file has alerts', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
  });

  it.each(alerts.map((a) => [a.alert!, a] as const))('%s has a runbook section of the same name', (name, rule) => {
    expect([...sections.keys()]).toContain(name);
    const body = sections.get(name)!;
    for (const part of ['What it means', 'How to look', 'How to fix']) expect(body).toContain(`**${part}.**`);
    expect(rule.annotations?.runbook_url).toBe(`docs/runbooks.md#${githubSlug(name)}`);
    expect(rule.labels?.severity).toMatch(/^(critical|warning|info)$/);
  });

  it('has no section for an alert that does not exist (renamed alerts keep their runbook in step)', () => {
    const names = new Set(alerts.map((a) => a.alert));
    const orphans = [...sections.keys()].filter((h) => /^[A-Z][A-Za-z0-9]+$/.test(h) && !names.has(h));
    expect(orphans).toEqual([]);
  });
});
