import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../app.test-support';

/**
 * The per-IP limits (here 2 requests a minute) are keyed on the client address Fastify derives
 * from TRUST_PROXY. Each request arrives through a proxy at 10.0.0.1 that *appends* the address it saw
 * to X-Forwarded-For, after whatever the client put there itself.
 */
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/**
 * Both per-IP classes key on the same client address: the general limit (here `GET /docs/json`) and
 * the catalog reads' own class (`GET /api/products`).
 */
const CLASSES = [
  { name: 'general limit', url: '/docs/json', passes: 200, env: { RATE_LIMIT_MAX: '2' } },
  { name: 'catalog reads', url: '/api/products?limit=1', passes: 200, env: { CATALOG_RATE_LIMIT_MAX: '2' } },
] as const;

describe.each(CLASSES)('per-IP rate limit behind proxies (TRUST_PROXY): $name', ({ url, passes, env }) => {
  const through = (instance: FastifyInstance, forwardedFor: string, remoteAddress = '10.0.0.1') =>
    instance.inject({ method: 'GET', url, headers: { 'x-forwarded-for': forwardedFor }, remoteAddress });

  /** Three requests from one real client, each with a different address the client made up. */
  async function spoofingClient(instance: FastifyInstance, realAddress: string): Promise<number[]> {
    const codes: number[] = [];
    for (let i = 1; i <= 3; i += 1) codes.push((await through(instance, `198.18.0.${i}, ${realAddress}`)).statusCode);
    return codes;
  }

  it('proxy CIDRs: the first untrusted hop from the right is the client; an untrusted peer is not believed', async () => {
    app = await buildTestApp({ TRUST_PROXY: '10.0.0.0/8', ...env });
    expect(await spoofingClient(app, '203.0.113.9')).toEqual([passes, passes, 429]);
    // Another real client behind the same proxy has its own budget.
    expect((await through(app, '198.18.0.1, 203.0.113.8')).statusCode).toBe(passes);
    // A direct connection from outside the proxies' range: its X-Forwarded-For is ignored entirely.
    const direct = (i: number) => through(app!, `198.18.1.${i}`, '198.51.100.1');
    expect([(await direct(1)).statusCode, (await direct(2)).statusCode, (await direct(3)).statusCode]).toEqual([
      passes,
      passes,
      429,
    ]);
  });

  it('true trusts every hop, so behind an appending proxy the client-chosen address is the key', async () => {
    // Why `true` needs an edge that overwrites the header (docs/security.md): here nothing is limited.
    app = await buildTestApp({ TRUST_PROXY: 'true', ...env });
    expect(await spoofingClient(app, '203.0.113.10')).toEqual([passes, passes, passes]);
  });
});
