import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

/**
 * Child processes started by this package (and by @simple-shop/testing) must not outlive the parent.
 * Every tracked child is killed when the parent emits `exit`, or receives SIGINT/SIGTERM/SIGHUP.
 * That is best effort: a parent killed with SIGKILL cannot clean up.
 *
 * The registry lives on `globalThis` so that several copies of this module (vitest loads a module
 * once per project) share one set of signal handlers.
 */
interface Tracked {
  child: ChildProcess;
  /** Kill the whole process group (child was spawned `detached`). */
  group: boolean;
}

interface Registry {
  children: Set<Tracked>;
  signalsInstalled: boolean;
  exitInstalled: boolean;
}

const REGISTRY_KEY = Symbol.for('simple-shop.dev-services.child-registry');
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  let r = g[REGISTRY_KEY];
  if (!r) {
    r = { children: new Set(), signalsInstalled: false, exitInstalled: false };
    g[REGISTRY_KEY] = r;
  }
  return r;
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Sends `signal` to the child (or its process group); never throws. */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals, group = false): void {
  if (!isAlive(child) || child.pid === undefined) return;
  try {
    if (group) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function killAll(signal: NodeJS.Signals): void {
  for (const t of registry().children) signalChild(t.child, signal, t.group);
}

const onExit = (): void => killAll('SIGTERM');

const onSignal = (signal: NodeJS.Signals): void => {
  killAll('SIGTERM');
  uninstallSignalHandlers();
  // Adding a listener disables Node's default "terminate on signal"; restore it when nobody else
  // (e.g. a framework) handles the signal.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
};

function installHandlers(): void {
  const r = registry();
  if (!r.exitInstalled) {
    process.on('exit', onExit);
    r.exitInstalled = true;
  }
  if (!r.signalsInstalled) {
    for (const s of SIGNALS) process.on(s, onSignal);
    r.signalsInstalled = true;
  }
}

function uninstallSignalHandlers(): void {
  const r = registry();
  if (!r.signalsInstalled) return;
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  r.signalsInstalled = false;
}

/**
 * Registers `child` so it is killed when the parent exits or is interrupted.
 * Signal handlers are only installed while at least one tracked child is alive.
 * Pass `group: true` when the child was spawned with `detached: true` (kills its whole group,
 * e.g. a process and the servers it started).
 */
export function trackChildProcess(child: ChildProcess, opts: { group?: boolean } = {}): void {
  const r = registry();
  const tracked: Tracked = { child, group: opts.group ?? false };
  r.children.add(tracked);
  installHandlers();
  child.once('exit', () => {
    r.children.delete(tracked);
    if (r.children.size === 0) uninstallSignalHandlers();
  });
  child.once('error', () => {
    if (!isAlive(child) || child.pid === undefined) {
      r.children.delete(tracked);
      if (r.children.size === 0) uninstallSignalHandlers();
    }
  });
}

/** Splits a stream into lines and calls `onLine` for each (a final partial line is flushed on end). */
export function onLines(stream: Readable | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let index: number;
    while ((index = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, index).replace(/\r$/, '');
      buffer = buffer.slice(index + 1);
      onLine(line);
    }
  });
  stream.on('end', () => {
    if (buffer) onLine(buffer);
    buffer = '';
  });
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  /** Last lines of output (stdout and stderr interleaved, stderr lines marked). */
  tail(): string;
  /** SIGTERM, wait for exit, SIGKILL after `timeoutMs`. Resolves once the process has exited. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface StartManagedOptions<T> {
  /** Human-readable name used in errors, e.g. `jongodb`. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Default 15 s. */
  readyTimeoutMs?: number;
  /** Called for each output line; return a value (not undefined) to signal readiness. */
  readyFromLine?: (line: string, stream: 'stdout' | 'stderr') => T | undefined;
  /** Polled every `pollIntervalMs` (default 25 ms); return a value (not undefined) to signal readiness. */
  readyFromPoll?: () => Promise<T | undefined>;
  pollIntervalMs?: number;
  /** Extra hint appended to the error when the command is not found (ENOENT). */
  notFoundHint?: string;
}

const TAIL_LINES = 40;

/**
 * Spawns a long-running server process, waits until it is ready, and tracks it so it is killed with
 * the parent. Fails with a clear error (including the output tail) when the process cannot be spawned,
 * exits early, or is not ready within the timeout. After readiness the child is unref'd: a forgotten
 * `stop()` does not keep the parent alive, and the exit hook still kills it.
 */
export function startManagedProcess<T>(opts: StartManagedOptions<T>): Promise<{ value: T; proc: ManagedProcess }> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 15_000;
  const lines: string[] = [];
  const remember = (line: string, stream: 'stdout' | 'stderr'): void => {
    lines.push(stream === 'stderr' ? `[stderr] ${line}` : line);
    if (lines.length > TAIL_LINES) lines.shift();
  };
  const tail = (): string => (lines.length ? lines.join('\n') : '(no output)');

  const child = spawn(opts.command, opts.args, {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => {
      if (child.pid === undefined) resolve({ code: null, signal: null });
    });
  });

  const proc: ManagedProcess = {
    name: opts.name,
    get pid() {
      return child.pid ?? -1;
    },
    child,
    exited,
    tail,
    async stop(timeoutMs = 5_000) {
      if (!isAlive(child) || child.pid === undefined) {
        await exited;
        return;
      }
      signalChild(child, 'SIGTERM');
      const timer = setTimeout(() => signalChild(child, 'SIGKILL'), timeoutMs);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };

  return new Promise((resolve, reject) => {
    let settled = false;
    let pollTimer: NodeJS.Timeout | undefined;
    const finish = (error: Error | undefined, value?: T): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      if (pollTimer) clearTimeout(pollTimer);
      if (error) {
        signalChild(child, 'SIGKILL');
        reject(error);
        return;
      }
      child.unref();
      (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
      (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
      resolve({ value: value as T, proc });
    };

    const timeout = setTimeout(() => {
      finish(
        new Error(
          `${opts.name} did not become ready within ${readyTimeoutMs} ms (${opts.command} ${opts.args.join(' ')}).\n` +
            `Last output:\n${tail()}`,
        ),
      );
    }, readyTimeoutMs);

    child.once('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'ENOENT' && opts.notFoundHint ? ` ${opts.notFoundHint}` : '';
      finish(new Error(`${opts.name} could not be started (${opts.command}): ${error.message}.${hint}`));
    });
    child.once('exit', (code, signal) => {
      // Let buffered output arrive before reporting.
      setImmediate(() =>
        finish(
          new Error(
            `${opts.name} exited before it was ready (code ${code ?? 'null'}, signal ${signal ?? 'none'}).\n` +
              `Last output:\n${tail()}`,
          ),
        ),
      );
    });

    const handleLine = (stream: 'stdout' | 'stderr') => (line: string) => {
      remember(line, stream);
      if (settled || !opts.readyFromLine) return;
      let value: T | undefined;
      try {
        value = opts.readyFromLine(line, stream);
      } catch (error) {
        finish(error as Error);
        return;
      }
      if (value !== undefined) finish(undefined, value);
    };
    onLines(child.stdout, handleLine('stdout'));
    onLines(child.stderr, handleLine('stderr'));

    if (child.pid !== undefined) trackChildProcess(child);

    if (opts.readyFromPoll) {
      const poll = opts.readyFromPoll;
      const interval = opts.pollIntervalMs ?? 25;
      const tick = async (): Promise<void> => {
        if (settled) return;
        try {
          const value = await poll();
          if (value !== undefined) {
            finish(undefined, value);
            return;
          }
        } catch {
          // not ready yet
        }
        if (!settled) pollTimer = setTimeout(() => void tick(), interval);
      };
      pollTimer = setTimeout(() => void tick(), interval);
    }
  });
}
