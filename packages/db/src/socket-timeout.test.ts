/**
 * A MongoDB server that stops answering without closing its connections (a network partition, a
 * frozen host) must not hold a request forever: with `socketTimeoutMS` the command fails with a
 * network timeout, which the apps treat as "database unavailable" (API 503, worker retry). The
 * server here is a private stand-in frozen with SIGSTOP: its sockets stay open and say nothing.
 * The driver's monitor would also notice, but only after its next heartbeat; the URI sets that a
 * minute away, so only the socket timeout can end the command within the test.
 */
import { readFileSync } from 'node:fs';
import { startJongodb, type StartedJongodb } from '@simple-shop/dev-services';
import { waitFor } from '@simple-shop/testing';
import { MongoNetworkTimeoutError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './availability';
import { connectDatabase, type Database } from './connect';

let server: StartedJongodb;
let database: Database;
let frozen = false;

beforeAll(async () => {
  server = await startJongodb();
  database = await connectDatabase({
    uri: `${server.uri}&heartbeatFrequencyMS=60000`,
    dbName: 'socket-timeout',
    appName: 'socket-timeout-test',
    socketTimeoutMS: 500,
  });
});
afterAll(async () => {
  if (frozen) process.kill(server.pid, 'SIGCONT');
  await database?.close();
  await server?.stop();
});

describe('socketTimeoutMS', () => {
  it('fails a command whose server went silent with a network timeout the apps treat as unavailable', async () => {
    await database.collections.products.findOne({});

    process.kill(server.pid, 'SIGSTOP');
    frozen = true;
    // The signal is delivered asynchronously: wait until the kernel reports the process stopped.
    await waitFor(() => expect(readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]?.[0]).toBe('T'));
    const error = await database.collections.products.findOne({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoNetworkTimeoutError);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });
});
