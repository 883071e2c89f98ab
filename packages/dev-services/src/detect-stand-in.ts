import { MongoClient } from 'mongodb';

/** Connects to `uri` and returns the server's `buildInfo.version` (e.g. `8.0.4` or `8.0.0-jongodb`). */
export async function mongoServerVersion(uri: string, opts: { timeoutMs?: number } = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    maxPoolSize: 1,
  });
  try {
    await client.connect();
    const info = await client.db('admin').command({ buildInfo: 1 });
    return String(info.version ?? '');
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** True when a MongoDB version string is the jongodb stand-in's. */
export function isStandInVersion(version: string): boolean {
  return version.toLowerCase().includes('jongodb');
}

/**
 * Connects to `uri`, runs `buildInfo` and returns true when the server is the jongodb stand-in
 * (its version contains `jongodb`, e.g. `8.0.0-jongodb`); false for a real MongoDB.
 * Throws the driver's error when the server cannot be reached within `timeoutMs` (default 5 s).
 */
export async function isMongoStandIn(uri: string, opts: { timeoutMs?: number } = {}): Promise<boolean> {
  return isStandInVersion(await mongoServerVersion(uri, opts));
}
