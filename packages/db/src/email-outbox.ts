import type { ClientSession } from 'mongodb';
import type { Collections } from './collections';
import type { EmailOutboxDoc } from './documents';

/**
 * The email outbox: a producer (the API, or the worker inside a payment transaction) writes the
 * email as a document, then queues a job that carries only its ID; the worker renders and sends
 * it. One document per (kind, subject) by construction, so recording the same email twice is
 * one email.
 *
 * Adding a kind (e.g. `order_confirmation`): add its data shape to `EmailDataByKind` and its
 * template to `apps/worker/src/email/templates.ts` (the compiler insists on one per kind). The
 * queue, the job and the outbox need no change.
 */
export interface EmailDataByKind {
  password_reset: { name: string; resetUrl: string };
  order_confirmation: OrderEmailData;
  payment_failed: OrderEmailData & { reason: string };
  /** `amount` is what this refund gave back (minor units); older records lack it (a full refund). */
  order_refunded: OrderEmailData & { reason: string; refundId: string; amount?: number };
  order_shipped: OrderEmailData & { carrier: string; trackingNumber: string; trackingUrl?: string };
}
export type EmailKind = keyof EmailDataByKind;

/** What every order email shows: the order snapshot, in integer minor units. */
export interface OrderEmailData {
  name: string;
  orderId: string;
  items: { name: string; quantity: number; unitPrice: number }[];
  total: number;
  currency: string;
}

export interface RecordEmailInput<K extends EmailKind = EmailKind> {
  kind: K;
  /** What the email is about (reset-token id, order id): with `kind` it makes the outbox ID. */
  subjectId: string;
  to: string;
  /** Shown to operators; the worker renders the subject it sends from the template. */
  subject: string;
  /** Template data. May hold secrets (a reset link): never log it. */
  data: EmailDataByKind[K];
}

/**
 * Template fields that are secrets (a reset link is a live credential until used or expired). They are
 * removed from the outbox document as soon as the email is sent or has failed for good: the database must
 * not keep a usable link after the worker no longer needs it.
 */
const SECRET_DATA_FIELDS: { [K in EmailKind]?: readonly (keyof EmailDataByKind[K] & string)[] } = {
  password_reset: ['resetUrl'],
};

/** The `$unset` that removes a kind's secret template fields; null when the kind has none. */
export function secretDataUnset(kind: string): Record<string, ''> | null {
  const fields = SECRET_DATA_FIELDS[kind as EmailKind];
  if (!fields || fields.length === 0) return null;
  return Object.fromEntries(fields.map((field) => [`data.${field}`, ''] as const));
}

/** Outbox documents are deleted this long after they were written (TTL index on `createdAt`). */
export const EMAIL_OUTBOX_RETENTION_SECONDS = 30 * 86_400;

export function outboxIdFor(kind: EmailKind, subjectId: string): string {
  return `${kind}:${subjectId}`;
}

/**
 * Writes the email to the outbox unless it is already there (`$setOnInsert` upsert, so a retried
 * producer cannot create a second email or reset a sent one). Pass `session` to make it part of a
 * transaction. Returns the outbox ID to queue.
 */
export async function recordEmail<K extends EmailKind>(
  collections: Pick<Collections, 'emailOutbox'>,
  input: RecordEmailInput<K>,
  session?: ClientSession,
  now: Date = new Date(),
): Promise<string> {
  const _id = outboxIdFor(input.kind, input.subjectId);
  const doc: Omit<EmailOutboxDoc, '_id'> = {
    kind: input.kind,
    subjectId: input.subjectId,
    to: input.to,
    subject: input.subject,
    data: input.data as Record<string, unknown>,
    status: 'pending',
    attempts: 0,
    createdAt: now,
  };
  try {
    await collections.emailOutbox.updateOne(
      { _id },
      { $setOnInsert: doc },
      { upsert: true, ...(session ? { session } : {}) },
    );
  } catch (error) {
    // Two concurrent upserts of the same new ID: one inserts, the other hits the unique _id. Outside
    // a transaction that loser's email exists, which is all it wanted. Inside one, the server has
    // already aborted the transaction: swallowing the error would let the callback carry on in a
    // dead transaction, so it is rethrown and `withTransaction` retries the whole callback.
    if (session || (error as { code?: unknown }).code !== 11000) throw error;
  }
  return _id;
}
