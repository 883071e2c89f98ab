/**
 * Signed Stripe webhook deliveries made by the bench. Signatures are computed exactly as Stripe
 * (and the simulator) do, over the exact bytes sent, and are valid for the API's 300 s tolerance,
 * so they are made right before each scenario.
 */
import { randomBytes } from 'node:crypto';
import { SIMULATED_API_VERSION, signPayload } from '@simple-shop/stripe-simulator';

export interface SignedEvent {
  id: string;
  payload: string;
  signature: string;
}

let sequence = 0;
const run = randomBytes(4).toString('hex');

/**
 * A `customer.created` event: a real Stripe type that the shop does not handle, so the worker only
 * marks it `ignored` (one read, one write). The API's ingest path does not look at the type —
 * verify, insert, enqueue, mark queued — so its cost per event is the same as for a payment event.
 */
export function ignoredEvent(secret: string): SignedEvent {
  sequence += 1;
  const id = `evt_bench_${run}_${sequence}`;
  const payload = JSON.stringify({
    id,
    object: 'event',
    // The pinned version (the simulator's is the shop's): another one adds the worker's version warning.
    api_version: SIMULATED_API_VERSION,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'customer.created',
    data: {
      object: {
        id: `cus_bench_${run}_${sequence}`,
        object: 'customer',
        email: `shopper-${sequence}@example.test`,
        created: Math.floor(Date.now() / 1000),
        livemode: false,
        metadata: {},
      },
    },
  });
  return { id, payload, signature: signPayload(payload, secret) };
}

/** Signs an event payload as it is (e.g. one the Stripe simulator emitted). */
export function signed(id: string, payload: string, secret: string): SignedEvent {
  return { id, payload, signature: signPayload(payload, secret) };
}

export const webhookHeaders = (event: SignedEvent) => ({
  'content-type': 'application/json',
  'stripe-signature': event.signature,
});
