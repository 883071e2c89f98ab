import { createHash } from 'node:crypto';
import { connectDatabase, type Collections, type Database } from '@simple-shop/db';
import { testEnv } from '@simple-shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../lib/http-error';
import { parseIdempotencyKey, requestHashOf, withIdempotency, type StoredResponse } from './idempotency';

/**
 * What "the same request" is under one Idempotency-Key, which keys are accepted, and what a
 * finished, refused or failed first request leaves for its retries (real MongoDB-protocol server).
 */
let database: Database;
let collections: Collections;
beforeAll(async () => {
  const env = testEnv();
  database = await connectDatabase({
    uri: env.MONGODB_URI,
    dbName: env.MONGODB_DB,
    appName: 'idempotency-replay-test',
  });
  collections = database.collections;
});
afterAll(async () => database?.close());

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
let keys = 0;
const scope = (body: unknown = { sku: 'a' }) => ({ route: 'test.replay', userId: 'u7', key: `k-${(keys += 1)}`, body });
const options = { leaseMs: 60_000 };
const answer = (id: string): StoredResponse => ({ statusCode: 201, body: { id } });

describe('request identity', () => {
  it('hashes canonical JSON: keys sorted at every depth, undefined fields dropped, array order kept', () => {
    const body = { b: 1, a: [1, { d: 2, c: null, e: undefined }], z: 'x' };
    expect(requestHashOf(body)).toBe(sha256('{"a":[1,{"c":null,"d":2}],"b":1,"z":"x"}'));
    expect(requestHashOf({ z: 'x', a: [1, { c: null, d: 2 }], b: 1 })).toBe(requestHashOf(body));
    expect(requestHashOf([2, 1])).not.toBe(requestHashOf([1, 2]));
    expect(requestHashOf({ a: '1' })).not.toBe(requestHashOf({ a: 1 }));
    expect(requestHashOf(undefined)).toBe(sha256('null'));
    expect(requestHashOf(null)).toBe(sha256('null'));
    expect(requestHashOf({})).toBe(sha256('{}'));
    expect(requestHashOf([])).toBe(sha256('[]'));
    expect(requestHashOf('text')).toBe(sha256('"text"'));
    expect(requestHashOf({ b: 1, a: 1, c: 1, B: 1 })).toBe(sha256('{"B":1,"a":1,"b":1,"c":1}'));
  });
});

describe('Idempotency-Key header', () => {
  it('accepts 1–255 characters of [A-Za-z0-9_.:-], the first of repeated headers, and no header', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('order-1_a.b:C')).toBe('order-1_a.b:C');
    expect(parseIdempotencyKey(['first', 'second'])).toBe('first');
    expect(parseIdempotencyKey('k'.repeat(255))).toBe('k'.repeat(255));
    for (const bad of ['', 'k'.repeat(256), 'two words', ' leading', 'trail ', 'slash/', 'ünïcode', 'semi;colon']) {
      let caught: unknown;
      try {
        parseIdempotencyKey(bad);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(bad)).toBeInstanceOf(HttpError);
      expect(caught).toMatchObject({
        statusCode: 400,
        code: 'INVALID_IDEMPOTENCY_KEY',
        message: 'Idempotency-Key must be 1-255 characters of [A-Za-z0-9_.:-]',
      });
    }
    expect(() => parseIdempotencyKey([])).toThrow(HttpError);
  });
});

describe('what a first request leaves behind', () => {
  it('without a key the request just runs, every time, and nothing is stored', async () => {
    let runs = 0;
    const run = () => Promise.resolve(answer(`run-${(runs += 1)}`));
    const noKey = { ...scope(), key: undefined };
    expect(await withIdempotency(collections, noKey, run, options)).toEqual({ ...answer('run-1'), replayed: false });
    expect(await withIdempotency(collections, noKey, run, options)).toEqual({ ...answer('run-2'), replayed: false });
    expect(await collections.idempotencyKeys.findOne({ _id: 'test.replay:u7:undefined' })).toBeNull();
  });

  it('a completed answer is stored under route, user and key for 24 h and replayed without running again', async () => {
    const s = scope();
    const before = Date.now();
    expect(await withIdempotency(collections, s, () => Promise.resolve(answer('one')), options)).toEqual({
      ...answer('one'),
      replayed: false,
    });
    const stored = await collections.idempotencyKeys.findOne({ _id: `test.replay:u7:${s.key}` });
    expect(stored).toMatchObject({ status: 'completed', response: answer('one'), requestHash: requestHashOf(s.body) });
    expect(stored!.expiresAt.getTime() - stored!.createdAt.getTime()).toBe(24 * 3600 * 1000);
    expect(stored!.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(stored!.leaseExpiresAt!.getTime() - stored!.createdAt.getTime()).toBe(60_000);

    let runs = 0;
    const again = await withIdempotency(
      collections,
      { ...s, body: { sku: 'a' } },
      () => Promise.resolve(answer(`again-${(runs += 1)}`)),
      options,
    );
    expect(again).toEqual({ ...answer('one'), replayed: true });
    expect(runs).toBe(0);
    // The same key of another user or route is another request.
    const otherUser = await withIdempotency(
      collections,
      { ...s, userId: 'u8' },
      () => Promise.resolve(answer('u8')),
      options,
    );
    expect(otherUser).toEqual({ ...answer('u8'), replayed: false });
    const otherRoute = await withIdempotency(
      collections,
      { ...s, route: 'test.other' },
      () => Promise.resolve(answer('r')),
      options,
    );
    expect(otherRoute.replayed).toBe(false);
  });

  it('a 4xx refusal is stored with its code and details, and replayed as that answer', async () => {
    const s = scope();
    const refusal = new HttpError(409, 'INSUFFICIENT_STOCK', 'Not enough stock', { items: [{ productId: 'p1' }] });
    await expect(withIdempotency(collections, s, () => Promise.reject(refusal), options)).rejects.toBe(refusal);
    const stored = await collections.idempotencyKeys.findOne({ _id: `test.replay:u7:${s.key}` });
    expect(stored).toMatchObject({
      status: 'completed',
      response: {
        statusCode: 409,
        body: {
          error: { code: 'INSUFFICIENT_STOCK', message: 'Not enough stock', details: { items: [{ productId: 'p1' }] } },
        },
      },
    });
    const replay = await withIdempotency(collections, s, () => Promise.resolve(answer('never')), options);
    expect(replay).toEqual({
      statusCode: 409,
      body: {
        error: { code: 'INSUFFICIENT_STOCK', message: 'Not enough stock', details: { items: [{ productId: 'p1' }] } },
      },
      replayed: true,
    });

    const plain = scope();
    await expect(
      withIdempotency(collections, plain, () => Promise.reject(new HttpError(400, 'BAD_REQUEST', 'no')), options),
    ).rejects.toThrow('no');
    const body = (await collections.idempotencyKeys.findOne({ _id: `test.replay:u7:${plain.key}` }))!.response!.body;
    expect(body).toEqual({ error: { code: 'BAD_REQUEST', message: 'no' } });
  });

  it('a 5xx or an unexpected exception frees the key, so the retry runs', async () => {
    for (const failure of [new HttpError(500, 'INTERNAL_ERROR', 'boom'), new Error('crash')]) {
      const s = scope();
      await expect(withIdempotency(collections, s, () => Promise.reject(failure), options)).rejects.toBe(failure);
      expect(await collections.idempotencyKeys.findOne({ _id: `test.replay:u7:${s.key}` })).toBeNull();
      expect(await withIdempotency(collections, s, () => Promise.resolve(answer('retry')), options)).toEqual({
        ...answer('retry'),
        replayed: false,
      });
    }
  });

  it('a duplicate arriving while the first runs waits for its answer and replays it', async () => {
    const s = scope();
    let release: () => void = () => undefined;
    const first = withIdempotency(
      collections,
      s,
      () => new Promise<StoredResponse>((resolve) => (release = () => resolve(answer('slow')))),
      options,
    );
    const id = `test.replay:u7:${s.key}`;
    while (!(await collections.idempotencyKeys.findOne({ _id: id }))) await new Promise((r) => setTimeout(r, 10));
    let runs = 0;
    const duplicate = withIdempotency(collections, s, () => Promise.resolve(answer(`dup-${(runs += 1)}`)), {
      ...options,
      waitMs: 60_000,
    });
    // Whether the duplicate is already polling or not yet looked: it must not run, and gets the first answer.
    release();
    expect(await first).toEqual({ ...answer('slow'), replayed: false });
    expect(await duplicate).toEqual({ ...answer('slow'), replayed: true });
    expect(runs).toBe(0);
  });
});
