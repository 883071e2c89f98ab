/**
 * A TCP forwarder for MongoDB wire messages, for the proxy's tests: it can hold the commands a
 * predicate picks (a commit the server is "still applying") until released, and it can be killed
 * (every connection destroyed at once, as the kernel does to the sockets of a SIGKILLed process).
 * Like the proxy, it names itself instead of its target in replies (same length), so drivers that
 * discover the replica set stay behind it.
 */
import net from 'node:net';
import { framer, listenSameWidth, parseMessage } from './mongo-tx-proxy';

export interface WireForwarder {
  port: number;
  /** The target's address with the forwarder's port (same options). */
  upstream: { host: string; port: number; replicaSet?: string; query?: string };
  /** Commands held so far (released or not). */
  held(): number;
  /** Forwards every held command and stops holding. */
  release(): void;
  /** Destroys every connection and stops listening. */
  kill(): Promise<void>;
}

export async function startWireForwarder(
  target: { host: string; port: number; replicaSet?: string; query?: string },
  hold: (command: string | undefined) => boolean = () => false,
): Promise<WireForwarder> {
  const sockets = new Set<net.Socket>();
  let holding = true;
  let heldCount = 0;
  const waiting: (() => void)[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    let chain: Promise<void> = Promise.resolve();
    client.on(
      'data',
      framer((msg) => {
        const copy = Buffer.from(msg);
        chain = chain.then(async () => {
          if (holding && hold(parseMessage(copy).command)) {
            heldCount += 1;
            await new Promise<void>((resolve) => waiting.push(resolve));
          }
          if (!upstream.destroyed) upstream.write(copy);
        });
      }),
    );
    upstream.on(
      'data',
      framer((reply) => {
        const msg = Buffer.from(reply);
        for (let at = msg.indexOf(rewrite.from); at >= 0; at = msg.indexOf(rewrite.from, at + rewrite.to.length)) {
          rewrite.to.copy(msg, at);
        }
        if (!client.destroyed) client.write(msg);
      }),
    );
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close);
    client.on('error', close);
    upstream.on('close', close);
    upstream.on('error', close);
  });
  const rewrite = { from: Buffer.from(`${target.host}:${target.port}`), to: Buffer.alloc(0) };
  const port = await listenSameWidth(server, target.port);
  rewrite.to = Buffer.from(`${target.host}:${port}`);
  return {
    port,
    upstream: { ...target, port },
    held: () => heldCount,
    release: () => {
      holding = false;
      for (const resolve of waiting.splice(0)) resolve();
    },
    kill: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
