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
 *   reply to its `commitTransaction`/`abortTransaction` — or until its process is gone (SIGKILLed
 *   mid-transaction: every connection that carried its commands closed and none of its commands
 *   is at the server), or it outlives a real server's transaction lifetime (60 s); then it is
 *   aborted on the server first, and its later commands are answered as a real server would;
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
   * Transactions aborted (on the server, then the lock released) because their process was gone:
   * every connection that carried their commands closed, nothing of theirs at the server.
   */
  abandoned: number;
  /** Transactions aborted for outliving `lifetimeMs`, as a real server does (60 s). */
  expired: number;
  /** Commands that came later from an abandoned transaction (the liveness signal was wrong; answered as aborted). */
  abandonedButAlive: number;
  /** Commands that came later from an expired transaction (answered NoSuchTransaction; it retries). */
  expiredButAlive: number;
  /** Watchdog passes (every 100 ms; lets tests wait on the watchdog, not on the clock). */
  watchdogChecks: number;
  compressedMessages: number;
}

export interface TxProxy {
  port: number;
  /** URI for clients (no database name; add `MONGODB_DB`). */
  uri: string;
  stats(): TxProxyStats;
  /**
   * Aborts the transaction holding the lock as soon as none of its commands is at the server, as a
   * real server does when a transaction outlives its lifetime; resolves true once it is aborted
   * (false when no transaction holds the lock). For tests.
   */
  expireOwner(): Promise<boolean>;
  close(): Promise<void>;
}

export interface Parsed {
  opCode: number;
  requestId: number;
  command?: string;
  /** The command's collection (its first element's string value), for diagnostics. */
  target?: string;
  txnKey?: string;
  startTransaction?: boolean;
  endsTransaction?: boolean;
}

/** Reads the top-level keys of the OP_MSG body we care about (no full BSON decoding). */
export function parseMessage(buf: Buffer): Parsed {
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
    if (out.command === undefined) {
      out.command = name;
      if (type === 0x02) out.target = buf.toString('utf8', valueAt + 4, valueAt + size - 1);
    }
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
export function framer(onMessage: (msg: Buffer) => void): (chunk: Buffer) => void {
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

const cstring = (text: string) => Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
};
const bsonString = (name: string, value: string) =>
  Buffer.concat([Buffer.from([0x02]), cstring(name), int32(Buffer.byteLength(value) + 1), cstring(value)]);
const bsonDocument = (elements: Buffer[]) => {
  const body = Buffer.concat(elements);
  return Buffer.concat([int32(body.length + 5), body, Buffer.from([0])]);
};

/** An OP_MSG with one body section. */
function opMsg(doc: Buffer, requestId: number, responseTo: number): Buffer {
  const body = Buffer.concat([int32(0), Buffer.from([0]), doc]); // flagBits, section kind 0
  return Buffer.concat([int32(16 + body.length), int32(requestId), int32(responseTo), int32(OP_MSG), body]);
}

/** `{abortTransaction: 1, lsid, txnNumber, autocommit: false, $db: 'admin'}` as an OP_MSG. */
function abortMessage(txnKey: string, requestId: number): Buffer {
  const [lsidHex, txnHex] = txnKey.split(':') as [string, string];
  const doc = bsonDocument([
    Buffer.concat([Buffer.from([0x10]), cstring('abortTransaction'), int32(1)]),
    Buffer.concat([Buffer.from([0x03]), cstring('lsid'), Buffer.from(lsidHex, 'hex')]),
    Buffer.concat([Buffer.from([0x12]), cstring('txnNumber'), Buffer.from(txnHex, 'hex')]),
    Buffer.concat([Buffer.from([0x08]), cstring('autocommit'), Buffer.from([0x00])]),
    bsonString('$db', 'admin'),
  ]);
  return opMsg(doc, requestId, 0);
}

/**
 * What a real server answers a command of a transaction it aborted: `NoSuchTransaction` (251),
 * labelled `TransientTransactionError` so `withTransaction` runs the callback again — also for
 * `commitTransaction` (no write concern error). jongodb labels the commit case
 * `UnknownTransactionCommitResult` instead, which makes the driver retry the commit, in vain, for
 * 120 s; so the proxy answers these itself. `abortTransaction` gets the error without the label.
 */
function noSuchTransactionReply(responseTo: number, command: string | undefined, requestId: number): Buffer {
  const elements = [
    Buffer.concat([Buffer.from([0x01]), cstring('ok'), Buffer.alloc(8)]), // double 0
    bsonString('errmsg', `Transaction has been aborted (${command ?? 'command'})`),
    Buffer.concat([Buffer.from([0x10]), cstring('code'), int32(251)]),
    bsonString('codeName', 'NoSuchTransaction'),
  ];
  if (command !== 'abortTransaction') {
    const labels = bsonDocument([bsonString('0', 'TransientTransactionError')]);
    elements.push(Buffer.concat([Buffer.from([0x04]), cstring('errorLabels'), labels]));
  }
  return opMsg(bsonDocument(elements), requestId, responseTo);
}

/** Aborts a transaction on the server from a connection of our own; resolves true once answered. */
function abortUpstream(upstream: { host: string; port: number }, txnKey: string, timeoutMs = 10_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(upstream.port, upstream.host);
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('error', () => done(false));
    socket.on(
      'data',
      framer(() => done(true)),
    );
    socket.write(abortMessage(txnKey, 0x7ab0_0001));
  });
}

/** Listens on a free port with as many digits as `digitsOf` (so host strings keep their length). */
export async function listenSameWidth(server: net.Server, digitsOf: number): Promise<number> {
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

/** A client connection as the liveness check sees it. */
interface ClientConnection {
  open: boolean;
}

/** What the proxy knows about a transaction that holds (or waits for) the lock. */
interface TxnState {
  startedAt: number;
  /** Client connections that carried its commands: while one is open, its process is alive. */
  connections: Set<ClientConnection>;
  /** Its commands sent to the server and not answered yet: the server is working on it. */
  inFlight: number;
  /** Since when it has had no open connection and nothing in flight. */
  orphanSince?: number;
  /** Its commands so far (`+ms command collection`, the last 16), named when it is aborted. */
  history: string[];
  lastCommandAt: number;
  expireRequested?: () => void;
}

export interface TxProxyOptions {
  /**
   * A transaction is abandoned (its process died: the kernel closed every connection that carried
   * its commands) once it has had no open connection and no command at the server for this long.
   */
  abandonGraceMs?: number;
  /**
   * A transaction older than this is aborted, as a real server does past
   * `transactionLifetimeLimitSeconds` (60 s) — never while one of its commands is at the server.
   */
  lifetimeMs?: number;
  log?: (line: string) => void;
}

export async function startTxProxy(
  upstream: { host: string; port: number; replicaSet?: string; query?: string },
  options: TxProxyOptions = {},
): Promise<TxProxy> {
  const abandonGraceMs = options.abandonGraceMs ?? 2_000;
  const lifetimeMs = options.lifetimeMs ?? 60_000;
  const log = options.log ?? (() => undefined);
  const lock = new TxLock();
  const stats: TxProxyStats = {
    connections: 0,
    commands: 0,
    transactions: 0,
    delayedCommands: 0,
    delayedTransactions: 0,
    abandoned: 0,
    expired: 0,
    abandonedButAlive: 0,
    expiredButAlive: 0,
    watchdogChecks: 0,
    compressedMessages: 0,
  };
  const sockets = new Set<net.Socket>();
  /** The upstream's `host:port` in replies, and the proxy's (set once listening). */
  const rewrite: { from?: Buffer; to?: Buffer } = {};
  const txns = new Map<string, TxnState>();
  /** Transactions the proxy aborted, and why; their later commands are answered by the proxy. */
  const aborted = new Map<string, 'abandoned' | 'expired'>();
  let replyRequestId = 0x7ab1_0000;
  let aborting = false;

  /**
   * Aborts the lock owner on the server, then releases the lock. Only ever called when none of its
   * commands is at the server (so no commit can be half-applied when the lock goes to others).
   */
  const abortOwner = (key: string, reason: 'abandoned' | 'expired') => {
    aborting = true;
    aborted.set(key, reason);
    if (aborted.size > 10_000) aborted.delete(aborted.keys().next().value!);
    void abortUpstream(upstream, key).then((answered) => {
      aborting = false;
      if (!answered) {
        log('tx-proxy: the server did not answer an abortTransaction; the lock stays held, retrying');
        return;
      }
      const state = txns.get(key);
      txns.delete(key);
      stats[reason] += 1;
      const seen = state
        ? ` Its commands: ${state.history.join(', ')}; the last ${Date.now() - state.lastCommandAt} ms ago; ` +
          `${[...state.connections].filter((c) => c.open).length} of its ${state.connections.size} connections open.`
        : '';
      log(
        (reason === 'abandoned'
          ? `tx-proxy: transaction abandoned (every connection of its process closed, nothing at the server for ${abandonGraceMs} ms); aborted, lock released.`
          : `tx-proxy: transaction older than ${lifetimeMs} ms (the server's transaction lifetime); aborted, lock released.`) +
          seen,
      );
      lock.releaseWrite(key);
      state?.expireRequested?.();
    });
  };

  // Silence is no sign of death: on a loaded machine a live process can send nothing for seconds,
  // and the server can take seconds to apply a commit. Aborting such a transaction and handing the
  // lock on lets other commands overlap a commit the stand-in is still applying (it then erases
  // their writes) — effects no real server produces. So a transaction is abandoned only when its
  // process is gone: every connection that carried its commands is closed (the kernel closes them
  // all when a process is killed) and none of its commands is at the server.
  const check = () => {
    stats.watchdogChecks += 1;
    const key = lock.owner;
    if (key === null || aborting) return;
    const state = txns.get(key);
    if (!state) return;
    if (state.inFlight > 0) return; // the server is working on it
    const now = Date.now();
    const connected = [...state.connections].some((c) => c.open);
    if (connected) {
      state.orphanSince = undefined;
      if (state.expireRequested || now - state.startedAt > lifetimeMs) abortOwner(key, 'expired');
      return;
    }
    state.orphanSince ??= now;
    if (state.expireRequested) abortOwner(key, 'expired');
    else if (now - state.orphanSince >= abandonGraceMs) abortOwner(key, 'abandoned');
  };
  const watchdog = setInterval(check, 100);
  watchdog.unref();

  const server = net.createServer((client) => {
    stats.connections += 1;
    const server = net.connect(upstream.port, upstream.host);
    sockets.add(client);
    sockets.add(server);
    client.setNoDelay(true);
    server.setNoDelay(true);
    const connection: ClientConnection = { open: true };
    /** requestId → release function of plain commands awaiting their reply. */
    const inFlightReads = new Map<number, () => void>();
    /** requestId → transaction of commands of a transaction awaiting their reply. */
    const inFlightTxn = new Map<number, { key: string; ends: boolean }>();
    let chain: Promise<void> = Promise.resolve();
    let upstreamOpen = true;

    const settleTxnCommand = (requestId: number) => {
      const entry = inFlightTxn.get(requestId);
      if (!entry) return;
      inFlightTxn.delete(requestId);
      const state = txns.get(entry.key);
      if (state) state.inFlight -= 1;
      if (entry.ends && lock.owner === entry.key) {
        txns.delete(entry.key);
        lock.releaseWrite(entry.key);
      }
    };
    /** A closed client's upstream stays open until the server has answered what it was sent. */
    const closeUpstreamWhenIdle = () => {
      if (!connection.open && upstreamOpen && inFlightReads.size === 0 && inFlightTxn.size === 0) server.destroy();
    };

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
      if (!connection.open || !upstreamOpen) return;
      const key = parsed.txnKey;
      if (key) {
        const abortedFor = parsed.startTransaction ? undefined : aborted.get(key);
        if (abortedFor) {
          // Alive after all. Answer as a real server answers a command of an aborted transaction.
          if (abortedFor === 'abandoned') stats.abandonedButAlive += 1;
          else stats.expiredButAlive += 1;
          log(
            `tx-proxy: a transaction aborted as ${abortedFor} sent ${parsed.command}; answered NoSuchTransaction (it retries)`,
          );
          client.write(noSuchTransactionReply(parsed.requestId, parsed.command, (replyRequestId += 1)));
          return;
        }
        if (parsed.startTransaction) {
          stats.transactions += 1;
          const state: TxnState = {
            startedAt: Date.now(),
            connections: new Set([connection]),
            inFlight: 0,
            history: [],
            lastCommandAt: Date.now(),
          };
          txns.set(key, state);
          const wait = lock.acquireWrite(key);
          if (wait) {
            stats.delayedTransactions += 1;
            await wait;
            state.startedAt = Date.now();
          }
          // The connection went away while the transaction waited: it will never run.
          if (!connection.open || !upstreamOpen) {
            txns.delete(key);
            lock.releaseWrite(key);
            return;
          }
        }
        const state = txns.get(key);
        if (state) {
          const now = Date.now();
          state.history.push(`+${now - state.startedAt}ms ${parsed.command ?? '?'}${parsed.target ? ` ${parsed.target}` : ''}`);
          if (state.history.length > 16) state.history.shift();
          state.lastCommandAt = now;
          state.connections.add(connection);
          state.orphanSince = undefined;
          state.inFlight += 1;
          inFlightTxn.set(parsed.requestId, { key, ends: parsed.endsTransaction === true });
        }
      } else if (parsed.command !== undefined && CRUD.has(parsed.command)) {
        const wait = lock.acquireRead();
        if (wait) {
          stats.delayedCommands += 1;
          await wait;
        }
        if (!connection.open || !upstreamOpen) {
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
        settleTxnCommand(responseTo);
        if (!connection.open) {
          closeUpstreamWhenIdle();
          return;
        }
        const { from: hostFrom, to: hostTo } = rewrite;
        if (hostFrom && hostTo && msg.indexOf(hostFrom) >= 0) {
          msg = Buffer.from(msg);
          for (let at = msg.indexOf(hostFrom); at >= 0; at = msg.indexOf(hostFrom, at + hostTo.length)) {
            hostTo.copy(msg, at);
          }
        }
        client.write(msg);
      }),
    );

    const clientGone = () => {
      if (!connection.open) return;
      connection.open = false;
      sockets.delete(client);
      client.destroy();
      closeUpstreamWhenIdle();
    };
    const upstreamGone = () => {
      if (!upstreamOpen) return;
      upstreamOpen = false;
      for (const release of inFlightReads.values()) release();
      inFlightReads.clear();
      for (const requestId of [...inFlightTxn.keys()]) settleTxnCommand(requestId);
      sockets.delete(server);
      server.destroy();
      clientGone();
    };
    client.on('close', clientGone);
    client.on('error', clientGone);
    server.on('close', upstreamGone);
    server.on('error', upstreamGone);
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
    expireOwner: () => {
      const key = lock.owner;
      const state = key === null ? undefined : txns.get(key);
      if (!state) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        state.expireRequested = () => resolve(true);
        check();
      });
    },
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
