/**
 * Failure kinds of Stripe event processing. A permanent failure cannot succeed by retrying (a
 * malformed event, an order reference that is not an id) and goes straight to the dead letters;
 * anything else is retried with backoff.
 */
export class PermanentError extends Error {
  override name = 'PermanentError';
}
