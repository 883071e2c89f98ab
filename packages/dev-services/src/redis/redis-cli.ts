import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findOnPath } from '../find-on-path';

const run = promisify(execFile);

/** Runs `redis-cli` (shipped with Debian's redis-server package) and returns its stdout. */
export async function redisCli(args: string[], timeoutMs = 30_000): Promise<string> {
  const command = findOnPath('redis-cli');
  if (!command) throw new Error('redis-cli is not installed (it comes with `apt-get install -y redis-server`)');
  const { stdout } = await run(command, args, { timeout: timeoutMs, encoding: 'utf8' });
  return stdout;
}

/** One command against 127.0.0.1:port, e.g. `['CLUSTER', 'INFO']`. */
export function redisCommand(port: number, args: string[], timeoutMs = 5_000): Promise<string> {
  return redisCli(['-h', '127.0.0.1', '-p', String(port), ...args], timeoutMs);
}
