import type { Config } from '@simple-shop/config';
import Stripe from 'stripe';

/**
 * The Stripe API version the shop speaks, pinned rather than left to the account's default, so
 * responses keep the shape the code (and the SDK's typings) expect. It is the version of the
 * installed `stripe` SDK's typings: upgrading the SDK fails `pnpm typecheck` here until the new
 * version is written in, and the webhook endpoint must be created with the same version
 * (docs/operations.md, "Stripe API version"). The worker counts events stamped otherwise.
 */
export const STRIPE_API_VERSION = '2026-10-28.endive' satisfies Stripe.LatestApiVersion;

/**
 * The Stripe SDK, configured once. With `STRIPE_API_BASE` (the local simulator) the SDK talks
 * to that host; without it, real `sk_test_`/`sk_live_` keys talk to api.stripe.com unchanged.
 * No key → payments are disabled (null), and payment routes answer 503.
 */
export function createStripeClient(config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE'>): Stripe | null {
  if (!config.STRIPE_SECRET_KEY) return null;
  const options: Stripe.StripeConfig = {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 2,
    timeout: 10_000,
    appInfo: { name: 'simple-shop', version: '0.1.0' },
  };
  if (config.STRIPE_API_BASE) {
    const base = new URL(config.STRIPE_API_BASE);
    options.host = base.hostname;
    options.port = Number(base.port || (base.protocol === 'https:' ? 443 : 80));
    options.protocol = base.protocol === 'https:' ? 'https' : 'http';
  }
  return new Stripe(config.STRIPE_SECRET_KEY, options);
}

export { Stripe };
