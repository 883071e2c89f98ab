import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, PUBLISHED_JWT_SECRETS, SIMULATOR_STRIPE_KEY } from './index';

/**
 * Security finding: development secrets ran in production unchallenged (infra/compose/dev.env set
 * NODE_ENV=production next to the published JWT secret, the simulator's key and its webhook secret).
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const production = {
  NODE_ENV: 'production',
  MONGODB_URI: 'mongodb://127.0.0.1:1/?replicaSet=rs0',
  REDIS_URL: 'redis://127.0.0.1:1',
  JWT_SECRET: 'Zr1x0bq6Vd8pQmN3sT7uW2yA5cE9gH4jK6lO8iU1',
};
const REAL_LOOKING_WHSEC = `whsec_${'A1b2C3d4'.repeat(4)}`;

function refused(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    for (const value of Object.values(env).filter((v) => v.length > 8))
      expect((error as Error).message).not.toContain(value);
    return (error as ConfigError).problems.map((p) => p.variable);
  }
}

/** Every secret-shaped literal committed to the repository. */
function repositorySecrets(): { jwt: Set<string>; webhook: Set<string> } {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  const jwt = new Set<string>();
  const webhook = new Set<string>();
  for (const file of files) {
    if (!/\.(ts|mjs|js|json|ya?ml|env|sh|md|conf)$|(^|\/)\.env[^/]*$|Dockerfile/.test(file)) continue;
    let text: string;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue;
    }
    for (const match of text.matchAll(/\b[a-z]+(?:-[a-z]+)*-secret-[A-Za-z0-9-]{16,}/g)) jwt.add(match[0]);
    for (const match of text.matchAll(/whsec_[A-Za-z0-9_]+/g)) webhook.add(match[0]);
  }
  return { jwt, webhook };
}

describe('production refuses published secrets and the Stripe simulator', () => {
  it('accepts a production config with real-looking secrets (the check is not a blanket refusal)', () => {
    expect(
      refused({ ...production, STRIPE_SECRET_KEY: 'sk_live_abc123', STRIPE_WEBHOOK_SECRET: REAL_LOOKING_WHSEC }),
    ).toEqual([]);
  });

  it("refuses every JWT and webhook secret literal found in the repository, and the compose file's values", () => {
    const { jwt, webhook } = repositorySecrets();
    // The scan finds what it is meant to find (so an empty scan cannot pass).
    expect([...jwt]).toEqual(expect.arrayContaining([...PUBLISHED_JWT_SECRETS]));
    expect(webhook).toContain('whsec_dev_simple_shop_local');
    for (const secret of [...jwt].filter((s) => s.length >= 32))
      expect(refused({ ...production, JWT_SECRET: secret }), secret).toEqual(['JWT_SECRET']);
    for (const secret of webhook)
      expect(refused({ ...production, STRIPE_WEBHOOK_SECRET: secret }), secret).toEqual(['STRIPE_WEBHOOK_SECRET']);
  });

  it('refuses the simulator key and STRIPE_API_BASE unless ALLOW_STRIPE_SIMULATOR=true; never a published JWT secret', () => {
    const simulator = {
      ...production,
      STRIPE_SECRET_KEY: SIMULATOR_STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: 'whsec_dev_simple_shop_local',
      STRIPE_API_BASE: 'http://stripe-sim:12111',
    };
    expect(refused(simulator).sort()).toEqual(['STRIPE_API_BASE', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']);
    expect(refused({ ...simulator, ALLOW_STRIPE_SIMULATOR: 'true' })).toEqual([]);
    expect(refused({ ...simulator, ALLOW_STRIPE_SIMULATOR: 'true', JWT_SECRET: PUBLISHED_JWT_SECRETS[0]! })).toEqual([
      'JWT_SECRET',
    ]);
    // Development and test keep working with the published values.
    expect(refused({ ...simulator, NODE_ENV: 'development', JWT_SECRET: PUBLISHED_JWT_SECRETS[0]! })).toEqual([]);
  });

  it.each([
    ['api', 'apps/api/src/server.ts'],
    ['worker', 'apps/worker/src/main.ts'],
  ])('the %s process exits 78 naming the variable on the compose dev values', (_name, entry) => {
    const devEnv = Object.fromEntries(
      readFileSync(join(root, 'infra/compose/dev.env'), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const result = spawnSync(process.execPath, ['--import', 'tsx', entry], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        ...devEnv,
        ...production,
        JWT_SECRET: PUBLISHED_JWT_SECRETS[0],
        ALLOW_STRIPE_SIMULATOR: '',
      },
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(/JWT_SECRET: is a development secret/);
    expect(result.stderr).toMatch(/STRIPE_SECRET_KEY: is the Stripe simulator's key/);
    expect(result.stderr).not.toContain(PUBLISHED_JWT_SECRETS[0]);
  });
});
