/**
 * A MongoDB wire-protocol proxy that gives the offline stand-in (jongodb) the one guarantee it
 * lacks and the product relies on: a transaction does not overlap other reads/writes.
 *
 * jongodb has no isolation: a transaction writes back its snapshot of every document it touched
 * when it commits, silently erasing plain writes made to those documents in the meantime, and two
 * concurrent transactions on one document both commit (see ENVIRONMENT.md and
 * `soak/standin-overlap.ts`, which reproduces both). A real replica set makes the plain write
 * wait for the transaction and makes one of two conflicting transactions retry (WriteConflict).
 *
 * This proxy sits between every process and jongodb and serialises with a readers-writer lock:
 * - CRUD commands outside a transaction are readers (many at once, held until their reply);
 * - a transaction is the writer, from its first command (`startTransaction: true`) until the
 *   reply to its `commitTransaction`/`abortTransaction` (or until it has been silent for
 *   `idleMs`: its process was SIGKILLed mid-transaction and will never commit);
 * - a waiting transaction blocks new readers (no starvation).
 * So no transaction ever overlaps another command on the stand-in: its outcome is one a real
 * MongoDB could produce. It only delays requests; the one change to the bytes: replies that name
 * the upstream's `host:port` (hello's `hosts`, `me`, `primary`) name the proxy instead (same
 * length, so no BSON sizes change), so replica-set discovery keeps drivers behind the proxy.
 * Clients use `mongodb://127.0.0.1:<proxy port>/?replicaSet=<set>` (see `uri`).
 */
import net from 'node:net';

const OP_MSG = 2013;
const OP_COMPRESSED = 2012;

/** Commands that read or write documents: they must not overlap a transaction. */
const CRUD = new Set([
  'find',
  'aggregate',
  'count',
  'distinct',
  'insert',
  'update',
  'delete',
  'findAndModify',
  'findandmodify',
  'bulkWrite',
  'getMore',
  'createIndexes',
]);

export interface TxProxyStats {
  connections: number;
  commands: number;
  transactions: number;
  /** Commands that had to wait because a transaction held the lock (or was waiting for it). */
  delayedCommands: number;
  /** Transactions that waited for in-flight commands or another transaction. */
  delayedTransactions: number;
  /**
   * Locks released because the owning transaction sent nothing for `idleMs` (its process was
   * killed mid-transaction). The proxy aborts such a transaction on the server before releasing
   * the lock, so even a transaction that was only slow cannot commit a stale snapshot later.
   */
  releasedIdle: number;
  /** Of those, transactions that sent commands after being aborted (alive, just slow; they retried). */
  abortedButAlive: number;
  /** Locks released after `maxHoldMs` without commit/abort — the isolation guarantee was broken. */
  forcedReleases: number;
  compressedMessages: number;
}

export interface TxProxy {
  port: number;
  /** URI for clients (no database name; add `MONGODB_DB`). */
  uri: string;
  stats(): TxProxyStats;
  close(): Promise<void>;
}

interface Parsed {
  opCode: number;
  requestId: number;
  command?: string;
  txnKey?: string;
  startTransaction?: boolean;
  endsTransaction?: boolean;
}

/** Reads the top-level keys of the OP_MSG body we care about (no full BSON decoding). */
function parseMessage(buf: Buffer): Parsed {
  const requestId = buf.readInt32LE(4);
  const opCode = buf.readInt32LE(12);
  const parsed: Parsed = { opCode, requestId };
  if (opCode !== OP_MSG) return parsed;
  let offset = 20; // header (16) + flagBits (4)
  while (offset < buf.length) {
    const kind = buf[offset]!;
    offset += 1;
    const size = buf.readInt32LE(offset);
    if (kind === 0) {
      scanBody(buf, offset, offset + size, parsed);
      return parsed;
    }
    offset += size; // kind 1: document sequence (size includes itself)
  }
  return parsed;
}

function cstringEnd(buf: Buffer, start: number): number {
  const end = buf.indexOf(0, start);
  if (end < 0) throw new Error('bad cstring');
  return end;
}

/** Size of an element's value, for the BSON types a command body can contain. */
function valueSize(buf: Buffer, type: number, at: number): number {
  switch (type) {
    case 0x01: // double
    case 0x09: // datetime
    case 0x11: // timestamp
    case 0x12: // int64
      return 8;
    case 0x02: // string
    case 0x0d: // javascript
    case 0x0e: // symbol
      return 4 + buf.readInt32LE(at);
    case 0x03: // document
    case 0x04: // array
    case 0x0f: // code with scope
      return buf.readInt32LE(at);
    case 0x05: // binary
      return 4 + 1 + buf.readInt32LE(at);
    case 0x06: // undefined
    case 0x0a: // null
    case 0x7f: // max key
    case 0xff: // min key
      return 0;
    case 0x07: // ObjectId
      return 12;
    case 0x08: // bool
      return 1;
    case 0x0b: {
      // regex: two cstrings
      const first = cstringEnd(buf, at);
      return cstringEnd(buf, first + 1) + 1 - at;
    }
    case 0x0c: // DBPointer
      return 4 + buf.readInt32LE(at) + 12;
    case 0x10: // int32
      return 4;
    case 0x13: // decimal128
      return 16;
    default:
      throw new Error(`unknown BSON type 0x${type.toString(16)}`);
  }
}

function scanBody(buf: Buffer, start: number, end: number, out: Parsed): void {
  let offset = start + 4;
  let lsid: string | undefined;
  let txnNumber: string | undefined;
  let autocommitFalse = false;
  while (offset < end - 1) {
    const type = buf[offset]!;
    if (type === 0) break;
    const nameEnd = cstringEnd(buf, offset + 1);
    const name = buf.toString('utf8', offset + 1, nameEnd);
    const valueAt = nameEnd + 1;
    const size = valueSize(buf, type, valueAt);
    if (out.command === undefined) out.command = name;
    if (name === 'lsid' && type === 0x03) lsid = buf.toString('hex', valueAt, valueAt + size);
    else if (name === 'txnNumber') txnNumber = buf.toString('hex', valueAt, valueAt + size);
    else if (name === 'autocommit' && type === 0x08) autocommitFalse = buf[valueAt] === 0;
    else if (name === 'startTransaction' && type === 0x08) out.startTransaction = buf[valueAt] === 1;
    offset = valueAt + size;
  }
  if (autocommitFalse && lsid && txnNumber) out.txnKey = `${lsid}:${txnNumber}`;
  out.endsTransaction = out.command === 'commitTransaction' || out.command === 'abortTransaction';
}

/** Splits a byte stream into whole wire messages (length-prefixed). */
function framer(onMessage: (msg: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 4) {
      const length = pending.readInt32LE(0);
      if (pending.length < length) break;
      onMessage(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
  };
}

class TxLock {
  readers = 0;
  owner: string | null = null;
  ownerSince = 0;
  lastActivity = 0;
  private waitingWriters: { key: string; resolve: () => void }[] = [];
  private waitingReaders: (() => void)[] = [];

  /** Resolves once a plain command may run (no transaction holds or waits for the lock). */
  acquireRead(): Promise<void> | null {
    if (this.owner === null && this.waitingWriters.length === 0) {
      this.readers += 1;
      return null;
    }
    return new Promise((resolve) => {
      this.waitingReaders.push(() => {
        this.readers += 1;
        resolve();
      });
    });
  }

  releaseRead(): void {
    this.readers -= 1;
    this.pump();
  }

  acquireWrite(key: string): Promise<void> | null {
    if (this.owner === null && this.readers === 0 && this.waitingWriters.length === 0) {
      this.take(key);
      return null;
    }
    return new Promise((resolve) => this.waitingWriters.push({ key, resolve }));
  }

  private take(key: string): void {
    this.owner = key;
    this.ownerSince = Date.now();
    this.lastActivity = this.ownerSince;
  }

  releaseWrite(key: string): boolean {
    if (this.owner !== key) return false;
    this.owner = null;
    this.pump();
    return true;
  }

  private pump(): void {
    if (this.owner !== null) return;
    if (this.waitingWriters.length > 0) {
      if (this.readers > 0) return;
      const next = this.waitingWriters.shift()!;
      this.take(next.key);
      next.resolve();
      return;
    }
    const readers = this.waitingReaders.splice(0);
    for (const wake of readers) wake();
  }
}

/** `{abortTransaction: 1, lsid, txnNumber, autocommit: false, $db: 'admin'}` as an OP_MSG. */
function abortMessage(txnKey: string, requestId: number): Buffer {
  const [lsidHex, txnHex] = txnKey.split(':') as [string, string];
  const cstring = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
  const int32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return b;
  };
  const elements = Buffer.concat([
    Buffer.from([0x10]),
    cstring('abortTransaction'),
    int32(1),
    Buffer.from([0x03]),
    cstring('lsid'),
    Buffer.from(lsidHex, 'hex'),
    Buffer.from([0x12]),
    cstring('txnNumber'),
    Buffer.from(txnHex, 'hex'),
    Buffer.from([0x08]),
    cstring('autocommit'),
    Buffer.from([0x00]),
    Buffer.from([0x02]),
    cstring('$db'),
    int32(6),
    cstring('admin'),
  ]);
  const doc = Buffer.concat([int32(elements.length + 5), elements, Buffer.from([0])]);
  const body = Buffer.concat([int32(0), Buffer.from([0]), doc]); // flagBits, section kind 0
  const header = Buffer.concat([int32(16 + body.length), int32(requestId), int32(0), int32(OP_MSG)]);
  return Buffer.concat([header, body]);
}

/** Aborts a transaction on the server from a connection of our own; resolves when answered. */
function abortUpstream(upstream: { host: string; port: number }, txnKey: string, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(upstream.port, upstream.host);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    socket.once('error', done);
    socket.on('data', framer(done));
    socket.write(abortMessage(txnKey, 0x7ab0_0001));
  });
}

/** Listens on a free port with as many digits as `digitsOf` (so host strings keep their length). */
async function listenSameWidth(server: net.Server, digitsOf: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as net.AddressInfo;
    if (String(port).length === String(digitsOf).length) return port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  throw new Error(`tx-proxy: no free port with ${String(digitsOf).length} digits`);
}

export async function startTxProxy(
  upstream: { host: string; port: number; replicaSet?: string; query?: string },
  options: { idleMs?: number; maxHoldMs?: number; log?: (line: string) => void } = {},
): Promise<TxProxy> {
  const idleMs = options.idleMs ?? 5_000;
  const maxHoldMs = options.maxHoldMs ?? 30_000;
  const log = options.log ?? (() => undefined);
  const lock = new TxLock();
  const stats: TxProxyStats = {
    connections: 0,
    commands: 0,
    transactions: 0,
    delayedCommands: 0,
    delayedTransactions: 0,
    releasedIdle: 0,
    abortedButAlive: 0,
    forcedReleases: 0,
    compressedMessages: 0,
  };
  const sockets = new Set<net.Socket>();
  /** The upstream's `host:port` in replies, and the proxy's (set once listening). */
  const rewrite: { from?: Buffer; to?: Buffer } = {};

  // Connections are no sign of life: drivers close pooled connections at any time (jongodb's
  // streaming hello makes the driver clear its pool every few seconds) and a transaction goes on
  // over another connection. A transaction that sends nothing for `idleMs` belonged to a killed
  // process; one that lasts beyond `maxHoldMs` is broken — both are released and counted.
  const aborted = new Set<string>();
  let aborting = false;
  const watchdog = setInterval(() => {
    if (lock.owner === null || aborting) return;
    const now = Date.now();
    if (now - lock.lastActivity > idleMs) {
      const owner = lock.owner;
      stats.releasedIdle += 1;
      aborted.add(owner);
      aborting = true;
      void abortUpstream(upstream, owner).then(() => {
        aborting = false;
        log(
          `tx-proxy: transaction silent for ${Date.now() - lock.lastActivity} ms (its process died?); aborted, lock released`,
        );
        lock.releaseWrite(owner);
      });
    } else if (now - lock.ownerSince > maxHoldMs) {
      stats.forcedReleases += 1;
      log(`tx-proxy: transaction held the lock for over ${maxHoldMs} ms without commit/abort; released`);
      lock.releaseWrite(lock.owner);
    }
  }, 250);
  watchdog.unref();

  const server = net.createServer((client) => {
    stats.connections += 1;
    const server = net.connect(upstream.port, upstream.host);
    sockets.add(client);
    sockets.add(server);
    client.setNoDelay(true);
    server.setNoDelay(true);
    /** requestId → release function of plain commands awaiting their reply. */
    const inFlightReads = new Map<number, () => void>();
    /** requestId → transaction key of commit/abort commands awaiting their reply. */
    const inFlightEnds = new Map<number, string>();
    const touchedTxns = new Set<string>();
    let chain: Promise<void> = Promise.resolve();
    let closed = false;

    const forward = async (msg: Buffer): Promise<void> => {
      let parsed: Parsed;
      try {
        parsed = parseMessage(msg);
      } catch (error) {
        log(`tx-proxy: unparsable message passed through: ${(error as Error).message}`);
        parsed = { opCode: -1, requestId: msg.readInt32LE(4) };
      }
      if (parsed.opCode === OP_COMPRESSED) stats.compressedMessages += 1;
      stats.commands += 1;
      if (parsed.txnKey) {
        if (aborted.has(parsed.txnKey) && lock.owner !== parsed.txnKey) {
          stats.abortedButAlive += 1;
          aborted.delete(parsed.txnKey);
          log('tx-proxy: a transaction aborted for silence was alive (it will retry)');
        }
        if (touchedTxns.size > 64) touchedTxns.clear();
        touchedTxns.add(parsed.txnKey);
        if (parsed.startTransaction) {
          stats.transactions += 1;
          const wait = lock.acquireWrite(parsed.txnKey);
          if (wait) {
            stats.delayedTransactions += 1;
            await wait;
          }
          // The connection went away while the transaction waited: it will never run.
          if (closed) {
            lock.releaseWrite(parsed.txnKey);
            return;
          }
        }
        if (lock.owner === parsed.txnKey) lock.lastActivity = Date.now();
        if (parsed.endsTransaction) inFlightEnds.set(parsed.requestId, parsed.txnKey);
      } else if (parsed.command !== undefined && CRUD.has(parsed.command)) {
        const wait = lock.acquireRead();
        if (wait) {
          stats.delayedCommands += 1;
          await wait;
        }
        if (closed) {
          lock.releaseRead();
          return;
        }
        let released = false;
        inFlightReads.set(parsed.requestId, () => {
          if (released) return;
          released = true;
          lock.releaseRead();
        });
      }
      if (closed) return;
      server.write(msg);
    };

    client.on(
      'data',
      framer((msg) => {
        const copy = Buffer.from(msg);
        chain = chain.then(() => forward(copy)).catch((error: unknown) => log(`tx-proxy: ${String(error)}`));
      }),
    );
    server.on(
      'data',
      framer((reply) => {
        let msg: Buffer = reply;
        const responseTo = msg.readInt32LE(8);
        const release = inFlightReads.get(responseTo);
        if (release) {
          inFlightReads.delete(responseTo);
          release();
        }
        const { from: hostFrom, to: hostTo } = rewrite;
        if (hostFrom && hostTo && msg.indexOf(hostFrom) >= 0) {
          msg = Buffer.from(msg);
          for (let at = msg.indexOf(hostFrom); at >= 0; at = msg.indexOf(hostFrom, at + hostTo.length)) {
            hostTo.copy(msg, at);
          }
        }
        if (touchedTxns.size > 0 && lock.owner !== null && touchedTxns.has(lock.owner)) lock.lastActivity = Date.now();
        const ended = inFlightEnds.get(responseTo);
        if (ended !== undefined) {
          inFlightEnds.delete(responseTo);
          lock.releaseWrite(ended);
        }
        client.write(msg);
      }),
    );

    const teardown = () => {
      if (closed) return;
      closed = true;
      for (const release of inFlightReads.values()) release();
      inFlightReads.clear();
      client.destroy();
      server.destroy();
      sockets.delete(client);
      sockets.delete(server);
    };
    client.on('close', teardown);
    server.on('close', teardown);
    client.on('error', teardown);
    server.on('error', teardown);
  });

  const port = await listenSameWidth(server, upstream.port);
  rewrite.from = Buffer.from(`${upstream.host}:${upstream.port}`);
  rewrite.to = Buffer.from(`${upstream.host}:${port}`);
  const query = upstream.query
    ? `?${upstream.query}`
    : upstream.replicaSet
      ? `?replicaSet=${upstream.replicaSet}`
      : '?directConnection=true';
  return {
    port,
    uri: `mongodb://127.0.0.1:${port}/${query}`,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(watchdog);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * `mongodb://127.0.0.1:40123/?replicaSet=rs0&serverMonitoringMode=poll` → `{ host, port, replicaSet,
 * query }` for `startTxProxy` (the proxy's URI keeps the same options).
 */
export function upstreamOf(uri: string): { host: string; port: number; replicaSet?: string; query?: string } {
  const match = /^mongodb:\/\/([^/:?,]+):(\d+)\/?(?:[^?]*)(?:\?(.*))?$/.exec(uri);
  if (!match) throw new Error(`tx-proxy: unsupported MongoDB URI (one host:port expected): ${uri}`);
  const replicaSet = new URLSearchParams(match[3] ?? '').get('replicaSet') ?? undefined;
  return {
    host: match[1]!,
    port: Number(match[2]),
    ...(replicaSet ? { replicaSet } : {}),
    ...(match[3] ? { query: match[3] } : {}),
  };
}
