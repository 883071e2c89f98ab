/** Helpers shared by the auth route tests (not a test file itself). */
import { createHmac } from 'node:crypto';
import { loggerOptions, type Logger } from '@simple-shop/observability';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';

export const STRONG_PASSWORD = 'correct horse battery staple';

let counter = 0;
/** A fresh, valid registration body. */
export function newUser(overrides: Partial<{ email: string; password: string; name: string }> = {}) {
  counter += 1;
  return {
    email: `user${counter}-${Date.now().toString(36)}@example.com`,
    password: STRONG_PASSWORD,
    name: `User ${counter}`,
    ...overrides,
  };
}

export function post(
  app: FastifyInstance,
  url: string,
  payload: unknown,
  opts: { ip?: string; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url,
    payload: payload as Record<string, unknown>,
    ...(opts.ip ? { remoteAddress: opts.ip } : {}),
    ...(opts.headers ? { headers: opts.headers } : {}),
  });
}

export interface Session {
  user: { id: string; email: string; name: string; role: string };
  accessToken: string;
  refreshToken: string;
}

/** Registers a user and returns the session (asserting 201). */
export async function registered(app: FastifyInstance, body = newUser()): Promise<Session & { password: string }> {
  const res = await post(app, '/api/auth/register', body);
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return { ...(res.json() as Session), password: body.password };
}

export function me(app: FastifyInstance, accessToken: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${accessToken}` } });
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An HS256 (or `alg: none`) JWT built by hand, so each claim and the key can be chosen. */
export function craftJwt(
  payload: Record<string, unknown>,
  secret: string,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const signingInput = `${b64(header)}.${b64(payload)}`;
  if (header.alg === 'none') return `${signingInput}.`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

/**
 * Every document of the collections a rejected auth request must not touch, sorted by `_id`. Compare
 * a snapshot taken before the request with one taken after: an update or a replaced document shows,
 * which a count would miss.
 */
export async function writeSnapshot(app: FastifyInstance) {
  const c = app.deps.database.collections;
  const byId = { sort: { _id: 1 as const } };
  const [users, refreshTokens, resetTokens, outbox] = await Promise.all([
    c.users.find({}, byId).toArray(),
    c.refreshTokens.find({}, byId).toArray(),
    c.passwordResetTokens.find({}, byId).toArray(),
    c.emailOutbox.find({}, byId).toArray(),
  ]);
  return { users, refreshTokens, resetTokens, outbox };
}

/** argon2 operations the app has run so far (its `auth_argon2_operations_total` metric), by kind. */
export async function argon2Operations(
  app: FastifyInstance,
): Promise<{ hash: number; verify: number; verify_dummy: number }> {
  const metric = await app.metricsRegistry.getSingleMetric('auth_argon2_operations_total')?.get();
  if (!metric) throw new Error('auth_argon2_operations_total is not registered');
  const of = (operation: string) => metric.values.find((v) => v.labels.operation === operation)?.value ?? 0;
  return { hash: of('hash'), verify: of('verify'), verify_dummy: of('verify_dummy') };
}

/** The argon2 operations `work` cost (the app serves one request at a time in these tests). */
export async function argon2Spent(app: FastifyInstance, work: () => Promise<unknown>) {
  const before = await argon2Operations(app);
  await work();
  const after = await argon2Operations(app);
  return {
    hash: after.hash - before.hash,
    verify: after.verify - before.verify,
    verify_dummy: after.verify_dummy - before.verify_dummy,
  };
}

/** A logger configured like production (same redaction) whose lines the test can read. */
export function capturingLogger(): { logger: Logger; lines: string[]; records(): Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = pino(loggerOptions({ service: 'api', level: 'info' }), {
    write: (line: string) => {
      lines.push(line);
    },
  });
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
