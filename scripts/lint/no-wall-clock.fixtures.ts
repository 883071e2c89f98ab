/**
 * Examples for the wall-clock check (no-wall-clock.test.ts): test code it must flag, taken from
 * assertions this suite used to make, and test code it must leave alone. Plain strings: never run.
 */
export const FLAGGED: { name: string; code: string }[] = [
  {
    name: 'a time limit per request',
    code: `it('x', async () => {
  const started = Date.now();
  const res = await post(app, url, payload);
  expect(res.statusCode).toBe(400);
  expect(Date.now() - started).toBeLessThan(1000);
});`,
  },
  {
    name: 'gaps between timestamps',
    code: `const gap1 = receiver.received[1]!.at - receiver.received[0]!.at;
expect(gap1).toBeGreaterThanOrEqual(35);`,
  },
  {
    name: 'medians of timed calls',
    code: `const time = async (email: string) => {
  const started = process.hrtime.bigint();
  await post(app, '/api/auth/login', { email, password: 'wrong' });
  return Number(process.hrtime.bigint() - started) / 1e6;
};
const known = [await time('a@example.com')];
const unknown: number[] = [];
for (let i = 0; i < 6; i += 1) unknown.push(await time(\`ghost\${i}@example.com\`));
expect(median(unknown)).toBeGreaterThan(median(known) * 0.6);`,
  },
  {
    name: 'gaps derived from a list of timestamps',
    code: `const gaps = dead.attempts.slice(1).map((a, i) => a.at.getTime() - dead.attempts[i]!.at.getTime());
gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(200 * 2 ** i * 0.5 - 20));`,
  },
  {
    name: 'a duration reported by the code under test',
    code: `const first = await seedDatabase(database);
expect(first.ms).toBeLessThan(10_000);`,
  },
  {
    name: 'a duration by its name',
    code: `expect(elapsedMs).toBeLessThanOrEqual(200);`,
  },
  {
    name: 'performance.now() difference inline',
    code: `expect(performance.now() - t0, 'fast enough').toBeLessThan(5);`,
  },
];

export const ALLOWED: { name: string; code: string }[] = [
  {
    name: 'timestamps in the past',
    code: `await orders.updateOne({ _id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
expect(await count()).toBeGreaterThan(0);`,
  },
  {
    name: 'counts and sizes',
    code: `expect(page.items.length).toBeLessThan(100);
expect(res.body.length).toBeGreaterThan(100);
expect(config.JOB_LOCK_MS).toBeGreaterThan(0);`,
  },
  {
    name: 'scheduled delays compared exactly',
    code: `expect(sim.deliveries().map((d) => d.delayMs)).toEqual([0, 40, 80]);`,
  },
  {
    name: 'an opted-out bound about the product',
    code: `expect(Date.now() - started).toBeLessThan(60_000); // wall-clock-ok: the configured 60 s lease`,
  },
];

/** One flagged statement, with the line and text the check must report. */
export const EXACT = {
  code: `it('x', async () => {\n  const started = Date.now();\n  await work();\n  expect(Date.now() - started).toBeLessThan(1000);\n});`,
  finding: {
    line: 4,
    statement: 'expect(Date.now() - started).toBeLessThan(1000)',
    reason: 'compares an elapsed-time expression',
  },
};
