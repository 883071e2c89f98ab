/**
 * Every BullMQ job ID the shop makes, in one place. A job ID is how a producer makes "queue this"
 * idempotent: BullMQ ignores an add whose ID already exists (while the job is kept), so each ID
 * names the one piece of work it stands for. BullMQ refuses custom IDs containing `:` (its key
 * separator), so none of these may contain one.
 */

/** A recorded Stripe webhook event: one job per event, whichever API replica received it. */
export function webhookJobId(eventId: string): string {
  return eventId;
}

/**
 * A dead-lettered event replayed by an operator: one job per replay. The replay number is also on
 * the job's data (`replay`), which is how the worker recognises a replay, not by parsing this ID.
 */
export function webhookReplayJobId(eventId: string, replay: number): string {
  return `${eventId}.replay.${replay}`;
}

/** "Ask Stripe about this Checkout Session and complete its order if paid" (verify-session, reconciliation). */
export function sessionJobId(sessionId: string): string {
  return `session.${sessionId}`;
}

/** An outbox email: one job per outbox document (its ID's `:` becomes `.`). */
export function emailJobId(outboxId: string): string {
  return `email.${outboxId.replaceAll(':', '.')}`;
}
