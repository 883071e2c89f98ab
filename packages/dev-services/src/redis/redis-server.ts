import { tmpdir } from 'node:os';
import { startManagedProcess, type ManagedProcess } from '../child-process';
import { findOnPath } from '../find-on-path';
import { freePort } from '../free-port';
import { pingRedis } from './ping';

export interface StartedRedisServer {
  /** `redis://127.0.0.1:PORT` */
  url: string;
  port: number;
  pid: number;
  /** SIGTERM and wait until the process has exited (the port is then free for a restart). */
  stop(): Promise<void>;
}

export const REDIS_INSTALL_HINT =
  'redis-server is not installed (not found on PATH). Install it with `apt-get install -y redis-server` ' +
  '(macOS: `brew install redis`) or set REDIS_URL to a running Redis.';

/** Our running servers by port, shared across module copies (vitest loads modules per project). */
const RUNNING_KEY = Symbol.for('simple-shop.dev-services.redis-servers');
function running(): Map<number, ManagedProcess> {
  const g = globalThis as unknown as Record<symbol, Map<number, ManagedProcess> | undefined>;
  return (g[RUNNING_KEY] ??= new Map());
}

async function spawnOn(port: number, command: string): Promise<ManagedProcess> {
  const { proc } = await startManagedProcess<true>({
    name: `redis-server on port ${port}`,
    command,
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--dir',
      tmpdir(),
      '--maxmemory-policy',
      'noeviction',
    ],
    notFoundHint: REDIS_INSTALL_HINT,
    readyFromPoll: async () => ((await pingRedis('127.0.0.1', port, 250)).ok ? true : undefined),
  });
  return proc;
}

/**
 * Starts a dedicated, throwaway `redis-server` (no persistence) on 127.0.0.1, on `port` or a free one.
 * For tests that must stop/restart Redis. Starting again on a port whose server we started and
 * which is still running stops that one first (a restart). Killed with the parent, best effort.
 */
export async function startRedisServer(opts: { port?: number } = {}): Promise<StartedRedisServer> {
  const command = findOnPath('redis-server');
  if (!command) throw new Error(REDIS_INSTALL_HINT);

  const previous = opts.port !== undefined ? running().get(opts.port) : undefined;
  if (previous) await previous.stop();

  let proc: ManagedProcess | undefined;
  let port = opts.port ?? 0;
  for (let attempt = 1; !proc; attempt++) {
    if (opts.port === undefined) port = await freePort();
    try {
      proc = await spawnOn(port, command);
    } catch (error) {
      // A free port can be taken between probing and binding: retry with another one.
      const inUse = /address already in use/i.test((error as Error).message);
      if (opts.port !== undefined || !inUse || attempt >= 3) throw error;
    }
  }

  const started = proc;
  running().set(port, started);
  void started.exited.then(() => {
    if (running().get(port) === started) running().delete(port);
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: started.pid,
    stop: () => started.stop(),
  };
}
