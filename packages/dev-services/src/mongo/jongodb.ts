import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { startManagedProcess } from '../child-process';

const BIN_PACKAGE = '@jongodb/memory-server-bin-linux-x64-gnu';

export interface StartedJongodb {
  /** e.g. `mongodb://127.0.0.1:40123/?replicaSet=rs0&serverMonitoringMode=poll` (no database in the path: pick one per test file). */
  uri: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Path of the jongodb native binary: `JONGODB_BINARY` if set, else the binary shipped in the optional
 * dependency `@jongodb/memory-server-bin-linux-x64-gnu` (Linux x64 glibc only).
 */
export function jongodbBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.JONGODB_BINARY;
  if (override) {
    if (!existsSync(override)) throw new Error(`JONGODB_BINARY=${override} does not exist`);
    return override;
  }
  const require = createRequire(import.meta.url);
  let packageJsonPath: string;
  try {
    packageJsonPath = require.resolve(`${BIN_PACKAGE}/package.json`);
  } catch {
    throw new Error(
      `The jongodb binary is not installed: ${BIN_PACKAGE} is an optional dependency of ` +
        `@simple-shop/dev-services and only exists for Linux x64 (glibc) (this is ${process.platform}-${process.arch}). ` +
        `Set MONGODB_URI to a real MongoDB replica set instead.`,
    );
  }
  const pkg = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as {
    jongodb?: { binary?: string };
    bin?: string | Record<string, string>;
  };
  const relative =
    pkg.jongodb?.binary ??
    (typeof pkg.bin === 'string' ? pkg.bin : pkg.bin ? Object.values(pkg.bin)[0] : undefined) ??
    'bin/jongodb';
  const binary = join(dirname(packageJsonPath), relative);
  if (!existsSync(binary)) throw new Error(`jongodb binary missing at ${binary}; reinstall ${BIN_PACKAGE}`);
  return binary;
}

/**
 * `mongodb://h:p/test?replicaSet=rs0` → `mongodb://h:p/?replicaSet=rs0&serverMonitoringMode=poll`.
 * Polling heartbeats: jongodb breaks the driver's streaming heartbeat under load ("Server ended
 * moreToCome unexpectedly") and the driver then drops its whole pool about once a second
 * (measured: 9 pool resets and 438 new connections per 2,000 commands; 0 and 49 with polling).
 */
function clientUri(uri: string): string {
  return `${uri.replace(/^(mongodb:\/\/[^/?]+)\/[^?]*/, '$1/')}&serverMonitoringMode=poll`;
}

/**
 * Starts a fresh jongodb (in-memory MongoDB stand-in) as a single-node replica set `rs0` on a free port.
 * Ready in ~50 ms. The process is killed by `stop()` and, best effort, when this process exits.
 */
export async function startJongodb(
  opts: {
    env?: NodeJS.ProcessEnv;
    readyTimeoutMs?: number;
    /** A fixed port instead of a free one: failover tests restart the "database" where a client expects it. */
    port?: number;
  } = {},
): Promise<StartedJongodb> {
  const binary = jongodbBinaryPath(opts.env);
  const { value: uri, proc } = await startManagedProcess<string>({
    name: 'jongodb',
    command: binary,
    args: [
      '--host=127.0.0.1',
      `--port=${opts.port ?? 0}`,
      '--topology-profile=singleNodeReplicaSet',
      '--replica-set-name=rs0',
    ],
    readyTimeoutMs: opts.readyTimeoutMs ?? 15_000,
    readyFromLine: (line, stream) => {
      if (stream !== 'stdout') return undefined;
      const match = /JONGODB_URI=(mongodb:\/\/\S+)/.exec(line);
      return match?.[1] ? clientUri(match[1]) : undefined;
    },
  });
  return { uri, pid: proc.pid, stop: () => proc.stop() };
}
