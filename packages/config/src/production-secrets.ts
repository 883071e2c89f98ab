import type { Env } from './schema';

/**
 * Secrets that are published in this repository (development, test, bench, soak and smoke values). A
 * deployment that runs with one of them can be impersonated by anyone who has read the code, so with
 * NODE_ENV=production start-up stops on them. `production-secrets.test.ts` scans the repository and fails when
 * a new JWT or webhook secret literal is committed that this check would not refuse.
 */
export const PUBLISHED_JWT_SECRETS: readonly string[] = [
  'dev-only-jwt-secret-change-me-0123456789abcdefghijkl',
  'dev-only-jwt-secret-change-me-0123456789abcdef',
  'test-only-jwt-secret-0123456789abcdefghijklmnopq',
  'bench-only-jwt-secret-0123456789abcdefghijklmnop',
  'soak-only-jwt-secret-0123456789abcdefghijklmnopqrs',
  'smoke-test-only-secret-0123456789abcdefghijklmnop',
  'not-the-secret-0123456789-0123456789',
  'another-secret-another-secret-another-secret-00',
];

/** A published JWT secret, or one that says of itself that it is not meant for production. */
const SELF_DECLARED_TEST_SECRET = /(?:^|[-_])(?:dev|test|bench|soak|smoke|demo|example)-only(?:[-_]|$)|change-?me/i;

/** The Stripe simulator's API key (`packages/stripe-simulator`, compose, `pnpm dev`, bench, soak). */
export const SIMULATOR_STRIPE_KEY = 'sk_test_simulator';

/**
 * Real Stripe endpoint secrets are `whsec_` followed by at least 32 characters; every webhook secret in this
 * repository is shorter. A short one in production is a copied development value.
 */
const MIN_REAL_WEBHOOK_SECRET_CHARS = 32;

export interface SecretProblem {
  variable: string;
  message: string;
}

/**
 * With NODE_ENV=production: refuses published secrets and the Stripe simulator. `ALLOW_STRIPE_SIMULATOR=true`
 * (a demo deployment that takes no real money) lets the simulator's key, its webhook secrets and
 * STRIPE_API_BASE through; a published JWT secret is refused always, since it signs admin tokens.
 * Messages never contain the value.
 */
export function productionSecretProblems(env: Env): SecretProblem[] {
  if (env.NODE_ENV !== 'production') return [];
  const problems: SecretProblem[] = [];
  if (PUBLISHED_JWT_SECRETS.includes(env.JWT_SECRET) || SELF_DECLARED_TEST_SECRET.test(env.JWT_SECRET)) {
    problems.push({
      variable: 'JWT_SECRET',
      message: 'is a development secret published in the repository; generate one (openssl rand -base64 48)',
    });
  }
  if (env.ALLOW_STRIPE_SIMULATOR) return problems;
  const hint = 'set ALLOW_STRIPE_SIMULATOR=true only for a demo deployment that takes no real payments';
  if (env.STRIPE_SECRET_KEY === SIMULATOR_STRIPE_KEY) {
    problems.push({ variable: 'STRIPE_SECRET_KEY', message: `is the Stripe simulator's key; ${hint}` });
  }
  if (env.STRIPE_API_BASE !== undefined) {
    problems.push({ variable: 'STRIPE_API_BASE', message: `points the Stripe SDK away from Stripe; ${hint}` });
  }
  const webhookSecrets = env.STRIPE_WEBHOOK_SECRET?.split(',') ?? [];
  if (webhookSecrets.some((secret) => secret.length < 'whsec_'.length + MIN_REAL_WEBHOOK_SECRET_CHARS)) {
    problems.push({
      variable: 'STRIPE_WEBHOOK_SECRET',
      message: `is not a Stripe endpoint secret (development values are published in the repository); ${hint}`,
    });
  }
  return problems;
}
