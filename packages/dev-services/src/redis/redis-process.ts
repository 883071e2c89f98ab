import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startManagedProcess, type ManagedProcess } from '../child-process';
import { findOnPath } from '../find-on-path';
import { freePort } from '../free-port';
import { pingRedis } from './ping';
import { REDIS_INSTALL_HINT } from './redis-server';

/** Settings every throwaway server shares: loopback only, no persistence, BullMQ's eviction policy. */
const THROWAWAY_ARGS = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];

export function redisServerCommand(): string {
  const command = findOnPath('redis-server');
  if (!command) throw new Error(REDIS_INSTALL_HINT);
  return command;
}

/** A scratch directory for one group of servers (cluster config files, sentinel configs, certificates). */
export function scratchDir(label: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `simple-shop-${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Starts one redis-server (or `--sentinel`) process on a free loopback port, ready once it answers
 * PING there. `extraArgs(port)` adds the role's arguments; a port taken between probing and binding
 * is retried with another.
 */
export async function spawnRedisProcess(opts: {
  name: string;
  dir: string;
  /** Arguments before the common ones, e.g. a sentinel config file (must come first). */
  leadingArgs?: (port: number) => string[];
  extraArgs?: (port: number) => string[];
  maxmemoryPolicy?: boolean;
  /** Another program than redis-server, e.g. redis-sentinel. */
  command?: string;
}): Promise<{ port: number; proc: ManagedProcess }> {
  const command = opts.command ?? redisServerCommand();
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      const { proc } = await startManagedProcess<true>({
        name: `${opts.name} on port ${port}`,
        command,
        args: [
          ...(opts.leadingArgs?.(port) ?? []),
          '--port',
          String(port),
          ...THROWAWAY_ARGS,
          '--dir',
          opts.dir,
          ...(opts.maxmemoryPolicy === false ? [] : ['--maxmemory-policy', 'noeviction']),
          ...(opts.extraArgs?.(port) ?? []),
        ],
        notFoundHint: REDIS_INSTALL_HINT,
        readyFromPoll: async () => ((await pingRedis('127.0.0.1', port, 250)).ok ? true : undefined),
      });
      return { port, proc };
    } catch (error) {
      const inUse = /address already in use/i.test((error as Error).message);
      if (!inUse || attempt >= 3) throw error;
    }
  }
}

/** Polls `check` every 50 ms until it returns true, or fails after `timeoutMs` naming `what`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `${what}: not reached within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`,
  );
}
