/**
 * Child processes of a bench run: spawned with their output in `.bench/logs/<name>.log`, tracked
 * so that they die with the bench (normal end, failure, Ctrl-C), and stopped in reverse order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signalChild, trackChildProcess, type ExitInfo } from '@simple-shop/dev-services';
import { benchPids } from './sysload';

export const BENCH_DIR = '.bench';
export const LOG_DIR = join(BENCH_DIR, 'logs');

export interface BenchProcess {
  name: string;
  pid: number;
  logFile: string;
  exited: Promise<ExitInfo>;
  /** SIGTERM (the API writes its CPU profile on a clean exit), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<ExitInfo>;
  /** Last lines of its log, for error messages. */
  tail(lines?: number): string;
}

const running = new Set<BenchProcess>();

export function spawnNode(
  name: string,
  args: string[],
  env: Record<string, string | undefined>,
  opts: { cwd?: string } = {},
): BenchProcess {
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: opts.cwd ?? process.cwd(),
    env: { ...process.env, ...env },
    // The child writes its logs straight to the file: the bench process spends no CPU on them.
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not be spawned`);
  trackChildProcess(child);
  benchPids.add(child.pid);
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let stopping: Promise<ExitInfo> | undefined;
  const proc: BenchProcess = {
    name,
    pid: child.pid,
    logFile,
    exited,
    stop(timeoutMs = 8_000) {
      stopping ??= (async () => {
        signalChild(child, 'SIGTERM');
        const timer = setTimeout(() => signalChild(child, 'SIGKILL'), timeoutMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
          running.delete(proc);
        }
      })();
      return stopping;
    },
    tail(lines = 30) {
      try {
        return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '(no log)';
      }
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** Stops every process still running, newest first. */
export async function stopAll(): Promise<void> {
  const procs = [...running].reverse();
  for (const proc of procs) await proc.stop().catch(() => undefined);
}

/** Polls `url` until it answers 2xx; fails early when `proc` exits, or after `timeoutMs`. */
export async function waitForHttp(url: string, proc: BenchProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: ExitInfo | undefined;
  void proc.exited.then((info) => {
    exited = info;
  });
  let last = '';
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(
        `${proc.name} exited (code ${exited.code}, signal ${exited.signal}) before ${url} answered. Log tail:\n${proc.tail()}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name}: ${url} did not answer within ${timeoutMs} ms (${last}). Log tail:\n${proc.tail()}`);
}
