import { createHmac } from 'node:crypto';

/**
 * Builds a `Stripe-Signature` header exactly like Stripe: `t=<unix seconds>,v1=<hex>`
 * where v1 is HMAC-SHA256 of `${t}.${payload}` keyed with the endpoint's
 * signing secret (the whole `whsec_...` string, not a decoded form).
 */
export function signPayload(
  payload: string,
  secret: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}
