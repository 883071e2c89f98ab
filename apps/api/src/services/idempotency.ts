import { createHash, randomUUID } from 'node:crypto';
import type { Collections } from '@simple-shop/db';
import { HttpError } from '../lib/http-error';

/**
 * `Idempotency-Key` support for POSTs that create things (orders, checkout sessions): the first
 * request with a key runs; a retry with the same key and the same body gets the stored answer;
 * the same key with another body is a 422. Keys are scoped per user and route, kept 24 h.
 * Only completed answers (2xx/4xx) are stored; an exception frees the key so a retry can run.
 *
 * The claim a running request holds is a lease (IDEMPOTENCY_LEASE_SECONDS, ~60 s), not a lock for
 * the key's whole 24 h: a process that dies mid-request cannot free its claim, so once the lease is
 * over a retry with the same body takes the claim over and runs. The lease must outlast the
 * slowest legitimate request; a request that outlives it can no longer store its answer.
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

/** What identifies "the same request" under one key: a hash of the canonical body. */
export function requestHashOf(body: unknown): string {
  return createHash('sha256').update(canonical(body)).digest('hex');
}

export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || !KEY_PATTERN.test(key)) {
    throw new HttpError(400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-255 characters of [A-Za-z0-9_.:-]');
  }
  return key;
}

export interface IdempotencyOptions {
  /** How long a claim stays reserved for the request that made it. */
  leaseMs: number;
  /** How long a concurrent duplicate waits for the first request's answer before a 409. */
  waitMs?: number;
  /** The clock leases are measured with (tests move it forward instead of waiting). */
  now?: () => Date;
}

type Claim = { claimed: true } | { claimed: false; response: StoredResponse };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Claims `id` for `owner`, or returns the stored answer of an earlier request with the same body.
 * A duplicate of a running request waits up to `waitMs` for its answer; a claim whose lease is
 * over is taken over, guarded on the lease it was seen with so two retries cannot both win.
 */
async function claimKey(
  collections: Collections,
  claim: { id: string; requestHash: string; owner: string },
  options: IdempotencyOptions,
): Promise<Claim> {
  const now = options.now ?? (() => new Date());
  const waitUntil = Date.now() + (options.waitMs ?? 5000);
  for (;;) {
    const at = now();
    const leaseExpiresAt = new Date(at.getTime() + options.leaseMs);
    try {
      await collections.idempotencyKeys.insertOne({
        _id: claim.id,
        requestHash: claim.requestHash,
        status: 'in_progress',
        owner: claim.owner,
        leaseExpiresAt,
        createdAt: at,
        expiresAt: new Date(at.getTime() + TTL_MS),
      });
      return { claimed: true };
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
    const existing = await collections.idempotencyKeys.findOne({ _id: claim.id });
    if (!existing) continue; // freed by a failed first attempt in between: claim it again
    if (existing.requestHash !== claim.requestHash) {
      throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request body');
    }
    if (existing.status === 'completed' && existing.response) return { claimed: false, response: existing.response };
    // Claims written before leases existed count from their creation.
    const leaseEnd = existing.leaseExpiresAt ?? new Date(existing.createdAt.getTime() + options.leaseMs);
    if (leaseEnd.getTime() <= at.getTime()) {
      const takeover = await collections.idempotencyKeys.updateOne(
        {
          _id: claim.id,
          status: 'in_progress',
          leaseExpiresAt: existing.leaseExpiresAt ?? { $exists: false },
        },
        { $set: { owner: claim.owner, leaseExpiresAt } },
      );
      if (takeover.modifiedCount === 1) return { claimed: true };
      continue; // another retry took it first: wait for that one
    }
    if (Date.now() >= waitUntil) {
      throw new HttpError(409, 'IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still in progress');
    }
    await sleep(25);
  }
}

/** What a failed request leaves behind: 4xx answers are kept (a retry gets the same one), anything else frees the key. */
async function settleFailure(collections: Collections, mine: { _id: string; owner: string }, error: unknown) {
  if (error instanceof HttpError && error.statusCode < 500) {
    const body = {
      error: {
        code: error.code,
        message: error.message,
        ...(error.details === undefined ? {} : { details: error.details }),
      },
    };
    await collections.idempotencyKeys.updateOne(mine, {
      $set: { status: 'completed', response: { statusCode: error.statusCode, body } },
    });
  } else {
    await collections.idempotencyKeys.deleteOne(mine);
  }
}

export async function withIdempotency(
  collections: Collections,
  scope: { route: string; userId: string; key: string | undefined; body: unknown },
  run: () => Promise<StoredResponse>,
  options: IdempotencyOptions,
): Promise<StoredResponse & { replayed: boolean }> {
  if (!scope.key) return { ...(await run()), replayed: false };
  const id = `${scope.route}:${scope.userId}:${scope.key}`;
  const requestHash = requestHashOf(scope.body);
  // Completing or freeing is guarded on the owner: a request that outlived its lease and lost the
  // claim to a retry must not overwrite or delete the retry's claim.
  const mine = { _id: id, owner: randomUUID() };
  const claim = await claimKey(collections, { id, requestHash, owner: mine.owner }, options);
  if (!claim.claimed) return { ...claim.response, replayed: true };

  let response: StoredResponse;
  try {
    response = await run();
  } catch (error) {
    await settleFailure(collections, mine, error);
    throw error;
  }
  await collections.idempotencyKeys.updateOne(mine, { $set: { status: 'completed', response } });
  return { ...response, replayed: false };
}
