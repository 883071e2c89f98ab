import { findOnPath } from '../find-on-path';

/** The `mongod` binary mongodb-memory-server may use: `MONGOMS_SYSTEM_BINARY`, else `mongod` on PATH. */
export function findSystemMongod(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.MONGOMS_SYSTEM_BINARY || findOnPath('mongod', env);
}

/**
 * Starts a one-member replica set (wiredTiger) with mongodb-memory-server using an existing `mongod`.
 * Never downloads: the caller passes the system binary.
 */
export async function startMemoryServerReplSet(systemBinary: string): Promise<{ uri: string; stop(): Promise<void> }> {
  const { MongoMemoryReplSet } = await import('mongodb-memory-server-core');
  const replSet = await MongoMemoryReplSet.create({
    replSet: { count: 1, storageEngine: 'wiredTiger' },
    binary: { systemBinary },
  });
  return {
    uri: replSet.getUri(),
    stop: async () => {
      await replSet.stop({ doCleanup: true, force: true });
    },
  };
}
