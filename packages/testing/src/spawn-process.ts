import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { basename, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { onLines, signalChild, trackChildProcess, type ExitInfo } from '@simple-shop/dev-services';

export type { ExitInfo };

export interface SpawnProcessOptions {
  /** Working directory; also the base for a relative `entry`. Default `process.cwd()` (the repo root under vitest). */
  cwd?: string;
  /** Extra arguments after the entry file. */
  args?: string[];
  /** Merge `env` over `process.env` (PATH, HOME…). Default true. */
  inheritEnv?: boolean;
  /** Copy the child's output to this process's stderr. Default: when TEST_ECHO_CHILD=1. */
  echo?: boolean;
  /** Label used in echo and errors. Default: the entry's file name. */
  name?: string;
}

export interface WaitForLineOptions {
  /** Only consider lines printed after this call (default: also lines already printed). */
  fromNow?: boolean;
  /** Which stream to watch. Default both. */
  stream?: 'stdout' | 'stderr' | 'both';
}

export interface SpawnedProcess {
  readonly name: string;
  readonly pid: number;
  /** Lines printed so far. */
  readonly stdout: readonly string[];
  readonly stderr: readonly string[];
  /** All output so far, interleaved, stderr lines prefixed `[stderr] `. */
  output(): string;
  /**
   * Resolves with the first line matching `pattern` (already printed or future), e.g.
   * `const line = await p.waitForLine(/listening/); const port = Number(/:(\d+)/.exec(line)?.[1]);`
   * Rejects with the output tail when the process exits first or `timeoutMs` (default 15 s) passes.
   */
  waitForLine(pattern: RegExp, timeoutMs?: number, opts?: WaitForLineOptions): Promise<string>;
  /** Sends `signal` (default SIGTERM) to the process group (the node process and anything it started). */
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM, then SIGKILL after `timeoutMs` (default 5 s); resolves with the exit. Safe to call twice. */
  stop(timeoutMs?: number): Promise<ExitInfo>;
}

const require = createRequire(import.meta.url);

/**
 * tsx as a loader in the one node process (`node --import tsx`), not its CLI: the CLI is a second
 * process that relays signals and, if the child does not confirm a signal within 30 ms (easily missed
 * on a loaded 2-core CI machine), SIGKILLs it and exits 143 — a graceful shutdown test then fails.
 */
function tsxLoader(): string {
  try {
    return pathToFileURL(require.resolve('tsx')).href;
  } catch {
    throw new Error('spawnProcess: cannot resolve tsx; add tsx to the devDependencies');
  }
}

interface Waiter {
  pattern: RegExp;
  stream: 'stdout' | 'stderr' | 'both';
  resolve(line: string): void;
}

/**
 * Runs a TypeScript entry (e.g. `apps/api/src/main.ts`) as a real process with tsx:
 * `node --import tsx <entry> ...args`, in its own process group so that stopping it also stops
 * anything it starts. The child is killed if this process exits; callers should still
 * `onTestFinished(() => proc.stop())` or stop it in afterAll.
 */
export function spawnProcess(
  entry: string,
  env: Record<string, string | undefined>,
  opts: SpawnProcessOptions = {},
): SpawnedProcess {
  const cwd = opts.cwd ?? process.cwd();
  const entryPath = resolvePath(cwd, entry);
  const name = opts.name ?? basename(entryPath);
  const echo = opts.echo ?? process.env.TEST_ECHO_CHILD === '1';
  const childEnv = opts.inheritEnv === false ? { ...env } : { ...process.env, ...env };

  const child = spawn(process.execPath, ['--import', tsxLoader(), entryPath, ...(opts.args ?? [])], {
    cwd,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group: kill(-pid) also reaches anything the entry starts
  });
  if (child.pid !== undefined) trackChildProcess(child, { group: true });

  const stdout: string[] = [];
  const stderr: string[] = [];
  const all: string[] = [];
  const waiters = new Set<Waiter>();

  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      // Let the last output arrive: wait for the pipes to close, but not for long.
      const done = (): void => resolve({ code, signal });
      const timer = setTimeout(done, 100);
      child.once('close', () => {
        clearTimeout(timer);
        done();
      });
    });
    child.once('error', (error) => {
      all.push(`[spawn error] ${error.message}`);
      if (child.pid === undefined) resolve({ code: null, signal: null });
    });
  });

  const handle = (stream: 'stdout' | 'stderr') => (line: string) => {
    (stream === 'stdout' ? stdout : stderr).push(line);
    all.push(stream === 'stderr' ? `[stderr] ${line}` : line);
    if (echo) process.stderr.write(`[${name}${stream === 'stderr' ? ' stderr' : ''}] ${line}\n`);
    for (const waiter of waiters) {
      if (waiter.stream !== 'both' && waiter.stream !== stream) continue;
      waiter.pattern.lastIndex = 0;
      if (waiter.pattern.test(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  };
  onLines(child.stdout, handle('stdout'));
  onLines(child.stderr, handle('stderr'));

  const tail = (): string => (all.length ? all.slice(-40).join('\n') : '(no output)');

  const kill = (signal: NodeJS.Signals = 'SIGTERM'): void => signalChild(child, signal, true);

  let stopping: Promise<ExitInfo> | undefined;

  return {
    name,
    get pid() {
      return child.pid ?? -1;
    },
    stdout,
    stderr,
    output: () => all.join('\n'),
    exited,
    kill,
    stop(timeoutMs = 5_000) {
      stopping ??= (async () => {
        kill('SIGTERM');
        const timer = setTimeout(() => kill('SIGKILL'), timeoutMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
    waitForLine(pattern, timeoutMs = 15_000, waitOpts = {}) {
      const stream = waitOpts.stream ?? 'both';
      if (!waitOpts.fromNow) {
        const seen = stream === 'stdout' ? stdout : stream === 'stderr' ? stderr : all;
        for (const raw of seen) {
          const line = stream === 'both' ? raw.replace(/^\[stderr\] /, '') : raw;
          pattern.lastIndex = 0;
          if (pattern.test(line)) return Promise.resolve(line);
        }
      }
      return new Promise<string>((resolve, reject) => {
        let done = false;
        const waiter: Waiter = {
          pattern,
          stream,
          resolve: (line) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            resolve(line);
          },
        };
        const fail = (message: string): void => {
          if (done) return;
          done = true;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(new Error(`${message}\nOutput of ${name}:\n${tail()}`));
        };
        const timer = setTimeout(() => fail(`${name}: no line matching ${pattern} within ${timeoutMs} ms`), timeoutMs);
        waiters.add(waiter);
        void exited.then(({ code, signal }) =>
          fail(
            `${name} exited (code ${code ?? 'null'}, signal ${signal ?? 'none'}) before printing a line matching ${pattern}`,
          ),
        );
      });
    },
  };
}
