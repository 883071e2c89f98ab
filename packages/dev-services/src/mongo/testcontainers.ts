import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * Cheap check (no network, no spawning) for a reason to believe a container runtime may exist:
 * DOCKER_HOST / TESTCONTAINERS_HOST_OVERRIDE set, ~/.testcontainers.properties present, or a docker
 * socket file in one of the places testcontainers looks. Returns the reason, or undefined.
 */
export function containerRuntimeHint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.DOCKER_HOST) return `DOCKER_HOST=${env.DOCKER_HOST}`;
  const props = join(homedir(), '.testcontainers.properties');
  if (existsSync(props)) return props;
  let uid: number | undefined;
  try {
    uid = userInfo().uid;
  } catch {
    uid = undefined;
  }
  const sockets = [
    '/var/run/docker.sock',
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'docker.sock') : undefined,
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
    uid !== undefined ? `/run/user/${uid}/docker.sock` : undefined,
  ];
  return sockets.find((s): s is string => s !== undefined && existsSync(s));
}

/**
 * Whether a container runtime actually answers. Returns `{ ok: true }` or the reason it does not.
 * Only loads testcontainers (a heavy import) when `containerRuntimeHint` found something.
 */
export async function probeContainerRuntime(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 3_000,
): Promise<{ ok: true; info: string } | { ok: false; reason: string }> {
  const hint = containerRuntimeHint(env);
  if (!hint) return { ok: false, reason: 'no container runtime (DOCKER_HOST unset, no docker socket)' };
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await Promise.race([
      getContainerRuntimeClient(),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, info: `${client.info.containerRuntime.host} via ${hint}` };
  } catch (error) {
    return { ok: false, reason: `container runtime at ${hint} does not answer: ${(error as Error).message}` };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Starts `mongo:8` as a single-node replica set via @testcontainers/mongodb (Ryuk removes it if we die). */
export async function startMongoContainer(image = 'mongo:8'): Promise<{ uri: string; stop(): Promise<void> }> {
  const { MongoDBContainer } = await import('@testcontainers/mongodb');
  const container = await new MongoDBContainer(image).start();
  // The replica set advertises the container's hostname, so connect directly to the mapped port.
  return {
    uri: `${container.getConnectionString()}/?directConnection=true`,
    stop: async () => {
      await container.stop();
    },
  };
}
