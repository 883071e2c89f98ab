/**
 * The paging sweep every reconciliation step runs on, driven directly with small pages so each
 * page boundary, the stored resume point and the wrap to the beginning can be asserted exactly,
 * against real MongoDB (its own collection) and the worker's real metrics.
 */
import { ObjectId } from '@simple-shop/db';
import type { Collection } from 'mongodb';
import type { StripeSimulator } from '@simple-shop/stripe-simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WorkerDependencies } from '../deps';
import type { FulfilmentContext } from '../fulfilment/context';
import { captureLogs, startReconcileHarness, type CapturedLogs } from './reconcile.test-support';
import { runSweep, type SweepSpec } from './sweep';

interface Item {
  _id: ObjectId;
  rank: number;
  due: boolean;
  label: string;
}

let sim: StripeSimulator;
let deps: WorkerDependencies;
let ctx: FulfilmentContext;
let logs: CapturedLogs;
let items: Collection<Item>;

beforeAll(async () => {
  ({ sim, deps, ctx } = await startReconcileHarness('whsec_sweep_test'));
  items = deps.database.db.collection<Item>('sweep-test-items');
});
afterAll(async () => {
  await deps?.close();
  await sim?.close();
});
beforeEach(async () => {
  await items.deleteMany({});
  await deps.database.collections.sweepCursors.deleteMany({});
  logs = captureLogs();
  ctx = { ...ctx, log: logs.logger };
});

/** Items with increasing ids; `ranks[i]` is the sort value of the i-th one. */
async function seed(ranks: number[], extra: Partial<Item> = {}): Promise<Item[]> {
  const docs = ranks.map((rank, i) => ({ _id: new ObjectId(), rank, due: true, label: `item ${i}`, ...extra }));
  if (docs.length > 0) await items.insertMany(docs);
  return docs;
}

/** A sweep that records what it was handed; `changes` says which labels count as changed. */
function recording(name: string, spec: Partial<SweepSpec<Item>> = {}, changes: (item: Item) => boolean = () => true) {
  const handled: string[] = [];
  const full: SweepSpec<Item> = {
    name,
    collection: items,
    filter: { due: true },
    sortField: 'rank',
    handle: async (item) => {
      handled.push(item.label);
      return changes(item);
    },
    ...spec,
  };
  return { handled, spec: full };
}

const cursorOf = async (name: string) => deps.database.collections.sweepCursors.findOne({ _id: name });

const sweepMetric = async (sweep: string) => {
  const values = (await ctx.metrics.registry.getSingleMetric('reconcile_items_total')!.get()).values;
  return Object.fromEntries(values.filter((v) => v.labels.sweep === sweep).map((v) => [v.labels.result, v.value]));
};

describe('runSweep', () => {
  it('pages by the sort field then _id, stops at maxItems with a resume point, and the next run resumes there and wraps', async () => {
    // The fifth and sixth items share their rank, so the resume point falls inside a tie.
    const docs = await seed([1, 1, 2, 2, 3, 3, 4]);
    await seed([0, 5], { due: false });
    const { handled, spec } = recording('paged', { pageSize: 2, maxItems: 5 });

    expect(await runSweep(ctx, spec)).toEqual({ seen: 5, changed: 5, failed: 0, wrapped: false });
    expect(handled).toEqual(['item 0', 'item 1', 'item 2', 'item 3', 'item 4']);
    expect((await cursorOf('paged'))?.after).toEqual([3, docs[4]!._id]);

    expect(await runSweep(ctx, spec)).toEqual({ seen: 2, changed: 2, failed: 0, wrapped: true });
    expect(handled.slice(5)).toEqual(['item 5', 'item 6']);
    const wrapped = await cursorOf('paged');
    expect(wrapped).not.toBeNull();
    expect(wrapped).not.toHaveProperty('after');
    expect(wrapped!.updatedAt).toBeInstanceOf(Date);

    // After the wrap the next run starts from the first item again.
    expect(await runSweep(ctx, spec)).toEqual({ seen: 5, changed: 5, failed: 0, wrapped: false });
    expect(handled.slice(7)).toEqual(['item 0', 'item 1', 'item 2', 'item 3', 'item 4']);
  });

  it('sorts by the sort field, not by insertion: a later-inserted item with a lower value comes first', async () => {
    await seed([3, 2, 1]);
    const { handled, spec } = recording('sorted', { pageSize: 2, maxItems: 2 });
    const pages: number[] = [];
    spec.loadPage = async (page) => {
      pages.push(page.length);
      return undefined;
    };
    await runSweep(ctx, spec);
    expect(handled).toEqual(['item 2', 'item 1']);
    expect((await runSweep(ctx, spec)).wrapped).toBe(true);
    expect(handled).toEqual(['item 2', 'item 1', 'item 0']);
    // A short page is the end: no further (empty) page is read.
    expect(pages).toEqual([2, 1]);
  });

  it('a sweep by _id alone resumes after the last _id it handled', async () => {
    const docs = await seed([9, 8, 7, 6, 5]);
    const { handled, spec } = recording('by-id', { sortField: '_id', pageSize: 2, maxItems: 3 });

    expect(await runSweep(ctx, spec)).toEqual({ seen: 3, changed: 3, failed: 0, wrapped: false });
    expect(handled).toEqual(['item 0', 'item 1', 'item 2']);
    expect((await cursorOf('by-id'))?.after).toEqual([docs[2]!._id]);
    expect(await runSweep(ctx, spec)).toEqual({ seen: 2, changed: 2, failed: 0, wrapped: true });
    expect(handled.slice(3)).toEqual(['item 3', 'item 4']);
  });

  it('a full last page is not the end: the run reads one more (empty) page and then wraps', async () => {
    await seed([1, 2, 3, 4]);
    const { handled, spec } = recording('exact', { pageSize: 2, maxItems: 10 });
    expect(await runSweep(ctx, spec)).toEqual({ seen: 4, changed: 4, failed: 0, wrapped: true });
    expect(handled).toEqual(['item 0', 'item 1', 'item 2', 'item 3']);
    // The first run of this sweep wrapped: its resume point is written all the same, without `after`.
    const cursor = await cursorOf('exact');
    expect(cursor).not.toHaveProperty('after');
    expect(cursor?.updatedAt).toBeInstanceOf(Date);
  });

  it('exactly maxItems matching items: the run stops with a resume point, the next finds nothing and wraps', async () => {
    const docs = await seed([1, 2, 3]);
    const { handled, spec } = recording('limit', { pageSize: 2, maxItems: 3 });
    expect(await runSweep(ctx, spec)).toEqual({ seen: 3, changed: 3, failed: 0, wrapped: false });
    expect((await cursorOf('limit'))?.after).toEqual([3, docs[2]!._id]);
    expect(await runSweep(ctx, spec)).toEqual({ seen: 0, changed: 0, failed: 0, wrapped: true });
    expect(handled).toEqual(['item 0', 'item 1', 'item 2']);
  });

  it('without page size or limit, one run reads 100 per page up to 1,000 items', async () => {
    await items.insertMany(
      Array.from({ length: 1001 }, (_, i) => ({ _id: new ObjectId(), rank: i, due: true, label: `item ${i}` })),
    );
    const { handled, spec } = recording('defaults');
    const pages: number[] = [];
    spec.loadPage = async (page) => {
      pages.push(page.length);
      return undefined;
    };
    expect(await runSweep(ctx, spec)).toEqual({ seen: 1000, changed: 1000, failed: 0, wrapped: false });
    expect(pages).toEqual(Array.from({ length: 10 }, () => 100));
    expect(handled.at(-1)).toBe('item 999');
    expect(await runSweep(ctx, spec)).toEqual({ seen: 1, changed: 1, failed: 0, wrapped: true });
    expect(handled.at(-1)).toBe('item 1000');
  });

  it('loads what a page needs once per page and hands it to every item of that page', async () => {
    await seed([1, 2, 3]);
    const loads: string[][] = [];
    const seenWith: [string, string][] = [];
    const spec: SweepSpec<Item, string> = {
      name: 'loaded',
      collection: items,
      filter: { due: true },
      sortField: 'rank',
      pageSize: 2,
      loadPage: async (page) => {
        loads.push(page.map((d) => d.label));
        return `page of ${page.length}`;
      },
      handle: async (item, page) => {
        seenWith.push([item.label, page]);
        return false;
      },
    };
    expect(await runSweep(ctx, spec)).toEqual({ seen: 3, changed: 0, failed: 0, wrapped: true });
    expect(loads).toEqual([['item 0', 'item 1'], ['item 2']]);
    expect(seenWith).toEqual([
      ['item 0', 'page of 2'],
      ['item 1', 'page of 2'],
      ['item 2', 'page of 1'],
    ]);
  });

  it('one item that throws is counted and logged, and the items after it (on later pages too) are still handled', async () => {
    const docs = await seed([1, 2, 3, 4, 5]);
    const { handled, spec } = recording('faulty', { pageSize: 2 }, (item) => {
      if (item.label === 'item 1') throw new Error('bad item');
      return item.label !== 'item 3';
    });

    expect(await runSweep(ctx, spec)).toEqual({ seen: 5, changed: 3, failed: 1, wrapped: true });
    expect(handled).toEqual(['item 0', 'item 1', 'item 2', 'item 3', 'item 4']);
    expect(await sweepMetric('faulty')).toEqual({ changed: 3, unchanged: 1, failed: 1 });
    expect(logs.lines().map((l) => [l.level, l.msg, l.sweep, l.id, (l.err as { message?: string })?.message])).toEqual([
      [40, 'reconciliation could not handle a document', 'faulty', docs[1]!._id.toHexString(), 'bad item'],
    ]);
  });

  it('keeps one resume point per sweep name', async () => {
    await seed([1, 2, 3]);
    const a = recording('sweep-a', { pageSize: 1, maxItems: 1 });
    const b = recording('sweep-b', { pageSize: 1, maxItems: 2 });
    await runSweep(ctx, a.spec);
    await runSweep(ctx, b.spec);
    await runSweep(ctx, a.spec);
    expect([a.handled, b.handled]).toEqual([
      ['item 0', 'item 1'],
      ['item 0', 'item 1'],
    ]);
    expect((await cursorOf('sweep-a'))?.after?.[0]).toBe(2);
    expect((await cursorOf('sweep-b'))?.after?.[0]).toBe(2);
  });
});
