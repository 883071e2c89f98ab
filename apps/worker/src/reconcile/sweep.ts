import type { Collection, Document, Filter, Sort, WithId } from 'mongodb';
import type { SweepCursorDoc } from '@simple-shop/db';
import type { FulfilmentContext } from '../fulfilment/context';

/**
 * One paging sweep of reconciliation. A sweep walks the documents matching `filter` in the order
 * of an index (`sortField`, then `_id`), a page at a time, and remembers where it stopped in
 * `sweep-cursors`: the next run resumes there, and after the last page it starts over. So every
 * matching document is reached, however many stay matching run after run (a pending order that is
 * not due yet, say), and a run does bounded work (`maxItems`).
 *
 * One bad document never stops a run: its error is logged and counted
 * (`reconcile_items_total{result="failed"}`), and the sweep goes on with the next.
 */
export interface SweepSpec<T extends Document, P = undefined> {
  name: string;
  collection: Collection<T>;
  filter: Filter<T>;
  /** Indexed field the sweep pages by (with `_id` as the tiebreak), or `_id` alone. */
  sortField: string;
  /** Loads what a whole page needs in one query (say, the orders of a page of reservations). */
  loadPage?(docs: WithId<T>[]): Promise<P>;
  /** Returns true when it changed something. */
  handle(doc: WithId<T>, page: P): Promise<boolean>;
  pageSize?: number;
  maxItems?: number;
}

export interface SweepRun {
  seen: number;
  changed: number;
  failed: number;
  /** True when this run reached the end and the next starts from the beginning. */
  wrapped: boolean;
}

export async function runSweep<T extends Document, P = undefined>(
  ctx: FulfilmentContext,
  spec: SweepSpec<T, P>,
): Promise<SweepRun> {
  const cursors = ctx.deps.database.collections.sweepCursors;
  const pageSize = spec.pageSize ?? 100;
  const maxItems = spec.maxItems ?? 1000;
  const run: SweepRun = { seen: 0, changed: 0, failed: 0, wrapped: false };
  let after = (await cursors.findOne({ _id: spec.name }))?.after;
  const byId = spec.sortField === '_id';
  const sort = (byId ? { _id: 1 } : { [spec.sortField]: 1, _id: 1 }) as Sort;

  while (run.seen < maxItems) {
    const page = await spec.collection
      .find({ $and: [spec.filter, resumeAfter(spec.sortField, after)] } as Filter<T>)
      .sort(sort)
      .limit(Math.min(pageSize, maxItems - run.seen))
      .toArray();
    const loaded = spec.loadPage ? await spec.loadPage(page) : (undefined as P);
    for (const doc of page) {
      run.seen += 1;
      try {
        const changed = await spec.handle(doc, loaded);
        if (changed) run.changed += 1;
        ctx.metrics.sweepItems.inc({ sweep: spec.name, result: changed ? 'changed' : 'unchanged' });
      } catch (error) {
        run.failed += 1;
        ctx.metrics.sweepItems.inc({ sweep: spec.name, result: 'failed' });
        ctx.log.warn(
          { err: error, sweep: spec.name, id: String(doc._id) },
          'reconciliation could not handle a document',
        );
      }
    }
    const last = page.at(-1);
    const reachedEnd = page.length < Math.min(pageSize, maxItems - (run.seen - page.length));
    after = reachedEnd || !last ? undefined : byId ? [last._id] : [(last as Document)[spec.sortField], last._id];
    await saveCursor(cursors, spec.name, after);
    if (reachedEnd) {
      run.wrapped = true;
      break;
    }
  }
  return run;
}

function resumeAfter(field: string, after: unknown[] | undefined): Document {
  if (!after) return {};
  if (field === '_id') return { _id: { $gt: after[0] } };
  return { $or: [{ [field]: { $gt: after[0] } }, { [field]: after[0], _id: { $gt: after[1] } }] };
}

async function saveCursor(cursors: Collection<SweepCursorDoc>, name: string, after: unknown[] | undefined) {
  await cursors.updateOne(
    { _id: name },
    after ? { $set: { after, updatedAt: new Date() } } : { $set: { updatedAt: new Date() }, $unset: { after: '' } },
    { upsert: true },
  );
}
