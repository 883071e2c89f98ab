/**
 * Helpers for the API's own tests: a real app on the per-file database and Redis prefix the
 * harness hands out (no mocks), and tokens signed the way the auth routes sign them.
 */
import { randomUUID } from 'node:crypto';
import type { Role } from '@simple-shop/db';
import { testConfig } from '@simple-shop/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';

export async function buildTestApp(overrides: Record<string, string> = {}): Promise<FastifyInstance> {
  return buildApp({ config: testConfig(overrides) });
}

/** An access token for `user`, on a login (`sid`) of its own unless one is given. */
export function bearer(
  app: FastifyInstance,
  user: { sub: string; role: Role; sid?: string },
): { authorization: string } {
  return { authorization: `Bearer ${app.jwt.sign({ sid: randomUUID(), ...user })}` };
}

export const TEST_STRIPE_KEY = 'sk_test_simulator';
export const TEST_WEBHOOK_SECRET = 'whsec_test_simple_shop_secret';

/**
 * A Stripe simulator on a free port and the config overrides that point the app at it.
 * `webhookUrl` may be set later (e.g. once an API listens) with `sim.setWebhookUrl`.
 */
export async function startTestStripe(options: { webhookUrl?: string } = {}) {
  const { startStripeSimulator } = await import('@simple-shop/stripe-simulator');
  const sim = await startStripeSimulator({
    apiKeys: [TEST_STRIPE_KEY],
    webhookSecret: TEST_WEBHOOK_SECRET,
    retry: { baseDelayMs: 50, maxAttempts: 5, factor: 2 },
    ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
  });
  return {
    sim,
    env: {
      STRIPE_SECRET_KEY: TEST_STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      STRIPE_API_BASE: sim.url,
    },
  };
}
