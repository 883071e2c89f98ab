import { createHash } from 'node:crypto';
import type { Collections } from '@simple-shop/db';
import { HttpError } from '../lib/http-error';

/**
 * `Idempotency-Key` support for POSTs that create things (orders, checkout sessions): the first
 * request with a key runs; a retry with the same key and the same body gets the stored answer;
 * the same key with another body is a 422. Keys are scoped per user and route, kept 24 h.
 * Only completed answers (2xx/4xx) are stored; an exception frees the key so a retry can run.
 */
const KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,255}$/;
const TTL_MS = 24 * 3600 * 1000;

export interface StoredResponse {
  statusCode: number;
  body: unknown;
}

/** Canonical JSON (sorted keys) so `{a,b}` and `{b,a}` are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || !KEY_PATTERN.test(key)) {
    throw new HttpError(400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-255 characters of [A-Za-z0-9_.:-]');
  }
  return key;
}

/** A concurrent duplicate waits briefly for the first request to finish and then replays it. */
async function waitForCompletion(collections: Collections, id: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const doc = await collections.idempotencyKeys.findOne({ _id: id });
    if (!doc || doc.status === 'completed' || Date.now() > deadline) return doc;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function withIdempotency(
  collections: Collections,
  scope: { route: string; userId: string; key: string | undefined; body: unknown },
  run: () => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  if (!scope.key) return { ...(await run()), replayed: false };
  const id = `${scope.route}:${scope.userId}:${scope.key}`;
  const requestHash = createHash('sha256').update(canonical(scope.body)).digest('hex');
  const now = new Date();
  try {
    await collections.idempotencyKeys.insertOne({
      _id: id,
      requestHash,
      status: 'in_progress',
      createdAt: now,
      expiresAt: new Date(now.getTime() + TTL_MS),
    });
  } catch (error) {
    if ((error as { code?: number }).code !== 11000) throw error;
    const existing = await waitForCompletion(collections, id);
    if (!existing) throw new HttpError(409, 'IDEMPOTENCY_CONFLICT', 'Retry the request');
    if (existing.requestHash !== requestHash) {
      throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request body');
    }
    if (existing.status !== 'completed' || !existing.response) {
      throw new HttpError(409, 'IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still in progress');
    }
    return { ...existing.response, replayed: true };
  }

  let response: StoredResponse;
  try {
    response = await run();
  } catch (error) {
    // 4xx outcomes are answers too: store them so a retry gets the same one.
    if (error instanceof HttpError && error.statusCode < 500) {
      const body = {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details === undefined ? {} : { details: error.details }),
        },
      };
      await collections.idempotencyKeys.updateOne(
        { _id: id },
        { $set: { status: 'completed', response: { statusCode: error.statusCode, body } } },
      );
    } else {
      await collections.idempotencyKeys.deleteOne({ _id: id });
    }
    throw error;
  }
  await collections.idempotencyKeys.updateOne({ _id: id }, { $set: { status: 'completed', response } });
  return { ...response, replayed: false };
}
