import type { Stripe } from '@simple-shop/payments';

const CACHE_MS = 30_000;

/**
 * Readiness probe for Stripe: one cheap authenticated read, remembered for 30 s so probes every few
 * seconds from every replica do not turn into Stripe API traffic. Stripe is optional for
 * readiness (browsing and carts work without it), so a failure only makes the API `degraded`.
 */
export function stripeProbe(stripe: Stripe | null): () => Promise<void | { skipped: string }> {
  let last: { at: number; error?: Error } | undefined;
  return async () => {
    if (!stripe) return { skipped: 'STRIPE_SECRET_KEY not set: payments disabled' };
    if (!last || Date.now() - last.at > CACHE_MS) {
      try {
        await stripe.checkout.sessions.list({ limit: 1 });
        last = { at: Date.now() };
      } catch (error) {
        last = { at: Date.now(), error: error as Error };
      }
    }
    if (last.error) throw last.error;
  };
}
