import { describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError, loadConfig } from './index';

const valid = {
  MONGODB_URI: 'mongodb://127.0.0.1:27017/?replicaSet=rs0',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWT_SECRET: 's'.repeat(40),
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => p.variable);
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('applies defaults and converts types', () => {
    const config = loadConfig({
      ...valid,
      PORT: '8080',
      TRUST_PROXY: 'true',
      CORS_ORIGINS: 'https://a.test, https://b.test',
    });
    expect(config.PORT).toBe(8080);
    expect(config.trustProxy).toBe(true);
    expect(config.WORKER_PORT).toBe(5001);
    expect(config.ACCESS_TOKEN_TTL_SECONDS).toBe(900);
    expect(config.corsOrigins).toEqual(['https://a.test', 'https://b.test']);
  });

  it('TRUST_PROXY: off by default; true or proxy addresses/CIDRs; anything else stops start-up', () => {
    expect(loadConfig(valid).trustProxy).toBe(false);
    expect(loadConfig({ ...valid, TRUST_PROXY: 'FALSE' }).trustProxy).toBe(false);
    expect(loadConfig({ ...valid, TRUST_PROXY: '10.0.0.0/8, 192.168.1.10,::1,fd00::/8' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.10',
      '::1',
      'fd00::/8',
    ]);
    for (const bad of ['yes', '1', '2', '-1', '1.5', '10.0.0.0/33', '10.0.0.300', 'fd00::/129', '10.0.0.0/8/1', ',']) {
      expect(problemsOf({ ...valid, TRUST_PROXY: bad }), bad).toEqual(['TRUST_PROXY']);
    }
  });

  it('names a variable with a bad value, without echoing the value', () => {
    try {
      loadConfig({ ...valid, PORT: 'eighty' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).not.toMatch(/eighty/);
    }
  });

  it('names every missing required variable', () => {
    expect(problemsOf({}).sort()).toEqual(['JWT_SECRET', 'MONGODB_URI', 'REDIS_URL']);
  });

  it('rejects weak or malformed values', () => {
    expect(problemsOf({ ...valid, JWT_SECRET: 'short' })).toEqual(['JWT_SECRET']);
    expect(problemsOf({ ...valid, MONGODB_URI: 'localhost:27017' })).toEqual(['MONGODB_URI']);
    expect(problemsOf({ ...valid, LOG_LEVEL: 'loud' })).toEqual(['LOG_LEVEL']);
    expect(problemsOf({ ...valid, ARGON2_MEMORY_KIB: '1024' })).toEqual(['ARGON2_MEMORY_KIB']);
    expect(problemsOf({ ...valid, PORT: '70000' })).toEqual(['PORT']);
  });

  // The real entry (apps/api/src/server.ts) loads through tsx, which can take many seconds on a loaded
  // machine: the test waits for the process to exit (no kill timer that would turn a slow start into
  // exit 143) and runs one node process (`--import tsx`), not tsx's CLI and its child.
  it('stops the real process with exit code 78 and the variable name', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/server.ts'], {
      env: { PATH: process.env.PATH, ...valid, REDIS_URL: 'not-a-url' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
    expect(exit).toEqual({ code: 78, signal: null });
    expect(stderr).toMatch(/REDIS_URL/);
  }, 300_000);
});

describe('.env.example', () => {
  it('documents exactly the variables of the schema', async () => {
    const { readFile } = await import('node:fs/promises');
    const { EnvSchema } = await import('./schema');
    const text = await readFile(new URL('../../../.env.example', import.meta.url), 'utf8');
    const documented = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(EnvSchema.properties).sort());
  });
});
