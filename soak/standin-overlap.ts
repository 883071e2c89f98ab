/**
 * Minimal, isolated reproduction of the stand-in flaw the soak has to live with, using exactly
 * the product's operations on a product document:
 *
 * 1. plain-vs-transaction: a fulfilment-style transaction consumes order A's hold
 *    (`$unset holds.A`, as `consumeHolds` does) while the API takes a hold for order B with a plain
 *    guarded update (`takeHolds`), starting from stock 9, holds {A: 1}. Correct result (real
 *    MongoDB: the plain write waits for the commit): stock 8, holds {B: 1}. jongodb: the commit
 *    writes back its snapshot, erasing B's hold and its stock decrement (stock 9, holds {}).
 * 2. transaction-vs-transaction from two processes (two clients; the product serialises
 *    transactions only within one process): the API restocks a refunded order (`$inc stock +1`)
 *    while the worker consumes a hold, from stock 10, holds {A: 1}. Correct: stock 11, holds {}.
 *    jongodb: one of the two is lost (measured: the consumed hold A reappears).
 *
 * Each case runs directly against jongodb and through `mongo-tx-proxy` (which makes a transaction
 * exclusive): the proxy must give the correct result. `pnpm exec tsx soak/standin-overlap.ts`.
 */
import { fileURLToPath } from 'node:url';
import { startJongodb } from '@simple-shop/dev-services';
import { createMongoClient, ObjectId } from '@simple-shop/db';
import { startTxProxy, upstreamOf } from './mongo-tx-proxy';

export interface OverlapCase {
  name: string;
  expected: string;
  direct: string;
  proxied: string;
}

type MongoClient = ReturnType<typeof createMongoClient>;
const client = (uri: string): MongoClient => createMongoClient({ uri, appName: 'standin-overlap', maxPoolSize: 4 });

interface ProductLike {
  _id: ObjectId;
  stock: number;
  holds?: Record<string, number>;
}

const show = (doc: ProductLike | null) => `stock ${doc?.stock} holds ${JSON.stringify(doc?.holds ?? {})}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function plainVsTransaction(uri: string): Promise<string> {
  const api = client(uri);
  const worker = client(uri);
  await Promise.all([api.connect(), worker.connect()]);
  try {
    const db = worker.db(`overlap_${new ObjectId().toHexString()}`);
    const products = db.collection<ProductLike>('products');
    const id = new ObjectId();
    await products.insertOne({ _id: id, stock: 9, holds: { A: 1 } });
    const apiProducts = api.db(db.databaseName).collection<ProductLike>('products');
    const session = worker.startSession();
    let plain: Promise<unknown> = Promise.resolve();
    try {
      await session.withTransaction(async () => {
        await products.updateOne({ _id: id, 'holds.A': 1 }, { $unset: { 'holds.A': '' } }, { session });
        // The API takes a hold for order B while the transaction is open.
        plain = apiProducts.updateOne(
          { _id: id, stock: { $gte: 1 }, 'holds.B': { $exists: false } },
          { $inc: { stock: -1 }, $set: { 'holds.B': 1 } },
        );
        await sleep(50);
      });
    } finally {
      await session.endSession();
    }
    await plain;
    return show(await products.findOne({ _id: id }));
  } finally {
    await Promise.all([api.close(), worker.close()]);
  }
}

async function transactionVsTransaction(uri: string): Promise<string> {
  const apiClient = client(uri);
  const workerClient = client(uri);
  await Promise.all([apiClient.connect(), workerClient.connect()]);
  try {
    const dbName = `overlap_${new ObjectId().toHexString()}`;
    const id = new ObjectId();
    await workerClient
      .db(dbName)
      .collection<ProductLike>('products')
      .insertOne({ _id: id, stock: 10, holds: { A: 1 } });
    const run = async (client: MongoClient, update: object, filter: object) => {
      const products = client.db(dbName).collection<ProductLike>('products');
      const session = client.startSession();
      try {
        await session.withTransaction(async () => {
          await products.updateOne({ _id: id, ...filter }, update, { session });
          await sleep(50);
        });
      } finally {
        await session.endSession();
      }
    };
    await Promise.all([
      run(workerClient, { $unset: { 'holds.A': '' } }, { 'holds.A': 1 }), // worker: consume A's hold
      run(apiClient, { $inc: { stock: 1 } }, {}), // API: restock a refunded order
    ]);
    return show(await workerClient.db(dbName).collection<ProductLike>('products').findOne({ _id: id }));
  } finally {
    await Promise.all([apiClient.close(), workerClient.close()]);
  }
}

/** Runs both cases on `jongodbUri` directly and through a fresh tx proxy. */
export async function measureStandInOverlap(jongodbUri: string): Promise<OverlapCase[]> {
  const proxy = await startTxProxy(upstreamOf(jongodbUri));
  const direct = jongodbUri;
  try {
    return [
      {
        name: 'transaction consumes hold A while a plain guarded update takes hold B (same product)',
        expected: 'stock 8 holds {"B":1}',
        direct: await plainVsTransaction(direct),
        proxied: await plainVsTransaction(proxy.uri),
      },
      {
        name: 'two processes: transaction consumes hold A while another restocks +1 (same product)',
        expected: 'stock 11 holds {}',
        direct: await transactionVsTransaction(direct),
        proxied: await transactionVsTransaction(proxy.uri),
      },
    ];
  } finally {
    await proxy.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const jongodb = await startJongodb();
  try {
    for (const c of await measureStandInOverlap(jongodb.uri)) {
      console.log(`${c.name}\n  expected: ${c.expected}\n  jongodb:  ${c.direct}\n  proxied:  ${c.proxied}`);
    }
  } finally {
    await jongodb.stop();
  }
}
