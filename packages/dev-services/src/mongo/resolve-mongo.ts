import { isStandInVersion, mongoServerVersion } from '../detect-stand-in';
import { defaultLog, type LogFn } from '../log';
import { once } from '../once';
import { redactUri } from '../uri';
import { startJongodb } from './jongodb';
import { findSystemMongod, startMemoryServerReplSet } from './memory-server';
import { probeContainerRuntime, startMongoContainer } from './testcontainers';

export type MongoKind = 'env' | 'testcontainers' | 'mongodb-memory-server' | 'jongodb';

export interface ResolvedMongo {
  kind: MongoKind;
  /** Connection string without a database name (choose one with MONGODB_DB / per test file). */
  uri: string;
  /** true for jongodb: no transaction isolation (see /work/shared/ENVIRONMENT.md). */
  isStandIn: boolean;
  /** One human-readable line: what is used, where (password redacted), and caveats. */
  description: string;
  /** Stops what the resolver started (no-op for `env`). Idempotent. */
  stop(): Promise<void>;
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Receives unprefixed lines; default prints them with a `[deps]` prefix. */
  log?: LogFn;
}

export const STAND_IN_WARNING =
  'in-memory stand-in: data is lost when it stops, concurrent transactions are NOT isolated; ' +
  'set MONGODB_URI to a real MongoDB replica set for production-like behaviour';

/**
 * Finds a MongoDB for dev and tests, in this order (each skip is logged with its reason):
 * 1. `MONGODB_URI` from the environment (checked with buildInfo; may itself be a jongodb);
 * 2. testcontainers `mongo:8` (replica set) — only when a container runtime answers;
 * 3. mongodb-memory-server replica set — only with `MONGOMS_SYSTEM_BINARY` or `mongod` on PATH (never downloads);
 * 4. jongodb, the in-memory stand-in shipped as an npm binary.
 */
export async function resolveMongo(opts: ResolveOptions = {}): Promise<ResolvedMongo> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? defaultLog;

  // 1. MONGODB_URI
  const envUri = env.MONGODB_URI?.trim();
  if (envUri) {
    let version: string;
    try {
      version = await mongoServerVersion(envUri);
    } catch (error) {
      throw new Error(
        `MONGODB_URI is set (${redactUri(envUri)}) but the server does not answer: ${(error as Error).message}. ` +
          'Start it, fix the URI, or unset MONGODB_URI to use an embedded MongoDB.',
      );
    }
    const isStandIn = isStandInVersion(version);
    const description = isStandIn
      ? `MONGODB_URI ${redactUri(envUri)} is jongodb ${version} (${STAND_IN_WARNING})`
      : `MONGODB_URI ${redactUri(envUri)} (MongoDB ${version})`;
    log(`MongoDB: using ${description}`);
    return { kind: 'env', uri: envUri, isStandIn, description, stop: async () => undefined };
  }
  log('MongoDB: MONGODB_URI not set; looking for an embedded MongoDB');

  // 2. testcontainers
  const runtime = await probeContainerRuntime(env);
  if (runtime.ok) {
    try {
      log(`MongoDB: container runtime answers (${runtime.info}); starting mongo:8 with testcontainers…`);
      const started = await startMongoContainer('mongo:8');
      const description = `testcontainers mongo:8 replica set at ${started.uri}`;
      log(`MongoDB: using ${description}`);
      return { kind: 'testcontainers', uri: started.uri, isStandIn: false, description, stop: once(started.stop) };
    } catch (error) {
      log(`MongoDB: skipped testcontainers: mongo:8 did not start: ${(error as Error).message}`);
    }
  } else {
    log(`MongoDB: skipped testcontainers: ${runtime.reason}`);
  }

  // 3. mongodb-memory-server with a system mongod
  const systemBinary = findSystemMongod(env);
  if (systemBinary) {
    try {
      const started = await startMemoryServerReplSet(systemBinary);
      const description = `mongodb-memory-server replica set (${systemBinary}) at ${started.uri}`;
      log(`MongoDB: using ${description}`);
      return {
        kind: 'mongodb-memory-server',
        uri: started.uri,
        isStandIn: false,
        description,
        stop: once(started.stop),
      };
    } catch (error) {
      log(`MongoDB: skipped mongodb-memory-server: ${systemBinary} did not start: ${(error as Error).message}`);
    }
  } else {
    log(
      'MongoDB: skipped mongodb-memory-server: no mongod binary (MONGOMS_SYSTEM_BINARY unset, mongod not on PATH; it would try to download)',
    );
  }

  // 4. jongodb
  const jongodb = await startJongodb({ env });
  const description = `jongodb at ${jongodb.uri} (pid ${jongodb.pid}; ${STAND_IN_WARNING})`;
  log(`MongoDB: using ${description}`);
  return { kind: 'jongodb', uri: jongodb.uri, isStandIn: true, description, stop: once(jongodb.stop) };
}
