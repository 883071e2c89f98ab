/**
 * Every query shape the code issues has a supporting index (a pure check of QUERY_SHAPES against
 * INDEXES), the check itself rejects indexes that do not serve a shape, and the indexes exist on
 * the server after ensureIndexes. On a real MongoDB the planner is also asked (`explain`): each
 * shape's winning plan is an index scan with no in-memory sort. The stand-in has no `explain`.
 */
import { randomBytes } from 'node:crypto';
import { MongoClient, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureIndexes, INDEXES } from './indexes';
import { indexSupports, QUERY_SHAPES, supportingIndex, type QueryShape } from './query-shapes';

const label = (shape: QueryShape) => `${shape.collection}: ${shape.source}`;

describe('QUERY_SHAPES', () => {
  it.each(QUERY_SHAPES.map((shape) => [label(shape), shape] as const))('%s has a supporting index', (_, shape) => {
    expect(supportingIndex(shape, INDEXES), JSON.stringify(shape)).toBeDefined();
  });

  it('covers the queries once found without an index: unfiltered admin orders, category with price/name sorts, the dead-letter tiebreak', () => {
    const expectations: [QueryShape, string][] = [
      [{ collection: 'orders', source: '', sort: { createdAt: -1, _id: -1 } }, 'created_desc'],
      [
        { collection: 'products', source: '', equality: ['active', 'category'], sort: { price: -1, _id: -1 } },
        'active_category_price',
      ],
      [
        { collection: 'products', source: '', equality: ['category', 'active'], sort: { name: 1, _id: 1 } },
        'active_category_name',
      ],
      [{ collection: 'failed-webhooks', source: '', sort: { failedAt: -1, _id: -1 } }, 'failed_newest'],
    ];
    const fields = (s: QueryShape) =>
      JSON.stringify([s.collection, [...(s.equality ?? [])].sort(), Object.keys(s.sort ?? {})]);
    for (const [shape, name] of expectations) {
      expect(supportingIndex(shape, INDEXES)?.name).toBe(name);
      expect(QUERY_SHAPES.map(fields), `${name} is listed`).toContain(fields(shape));
    }
  });
});

describe('indexSupports', () => {
  const index = { key: { status: 1, createdAt: -1, _id: -1 } };
  const shape = (partial: Partial<QueryShape>): QueryShape => ({ collection: 'orders', source: 'test', ...partial });

  it('accepts equality then sort, forwards or reversed, and range fields after the equality prefix', () => {
    expect(indexSupports(index, shape({ equality: ['status'], sort: { createdAt: -1, _id: -1 } }))).toBe(true);
    expect(indexSupports(index, shape({ equality: ['status'], sort: { createdAt: 1, _id: 1 } }))).toBe(true);
    expect(indexSupports(index, shape({ equality: ['status'], range: ['createdAt'] }))).toBe(true);
    expect(indexSupports(index, shape({ equality: ['status'] }))).toBe(true);
  });

  it('rejects a missing equality prefix, a sort in the wrong order or mixed directions, an unindexed range, a partial index', () => {
    expect(indexSupports(index, shape({ sort: { createdAt: -1, _id: -1 } }))).toBe(false);
    expect(indexSupports(index, shape({ equality: ['userId'] }))).toBe(false);
    expect(indexSupports(index, shape({ equality: ['status'], sort: { _id: -1, createdAt: -1 } }))).toBe(false);
    expect(indexSupports(index, shape({ equality: ['status'], sort: { createdAt: -1, _id: 1 } }))).toBe(false);
    expect(indexSupports(index, shape({ equality: ['status'], sort: { createdAt: -1, _id: -1, total: 1 } }))).toBe(
      false,
    );
    expect(indexSupports(index, shape({ equality: ['status'], range: ['expiresAt'] }))).toBe(false);
    expect(
      indexSupports(
        { ...index, partialFilterExpression: { status: { $exists: true } } },
        shape({ equality: ['status'] }),
      ),
    ).toBe(false);
  });
});

describe('on the server', () => {
  let client: MongoClient;
  const dbName = `t_shapes_${randomBytes(5).toString('hex')}`;
  beforeAll(async () => {
    client = new MongoClient(inject('mongoUri'), { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    await ensureIndexes(client.db(dbName));
  });
  afterAll(async () => {
    await client?.close();
  });

  it('ensureIndexes creates every index in INDEXES', async () => {
    for (const [collection, indexes] of Object.entries(INDEXES)) {
      const names = (await client.db(dbName).collection(collection).listIndexes().toArray()).map((i) => i.name);
      expect(names, collection).toEqual(expect.arrayContaining(indexes.map((i) => i.name)));
    }
  });

  // Registered only on a real server: the stand-in answers `explain` with "no such command", and a
  // skipped entry would suggest a transaction-isolation gap where there is none.
  if (!inject('mongoIsStandIn')) {
    it.each(QUERY_SHAPES.map((shape) => [label(shape), shape] as const))(
      '[needs real MongoDB: explain] %s is planned as an index scan without an in-memory sort',
      async (_, shape) => {
        const filter: Document = {};
        for (const field of shape.equality ?? []) filter[field] = 'x';
        for (const field of shape.range ?? []) filter[field] = { $gt: 0 };
        const explained = await client
          .db(dbName)
          .collection(shape.collection)
          .find(filter)
          .sort(shape.sort ?? {})
          .explain('queryPlanner');
        const plan = JSON.stringify(explained.queryPlanner.winningPlan);
        expect(plan).toContain('IXSCAN');
        expect(plan).not.toContain('COLLSCAN');
        if (shape.sort) expect(plan).not.toMatch(/"stage":"SORT"/);
      },
    );
  }
});
