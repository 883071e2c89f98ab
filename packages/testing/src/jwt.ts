import { createHmac, randomUUID } from 'node:crypto';

/**
 * Signs an access token the way the API does (HS256, iss/aud), for tests that talk to a real API
 * process over HTTP and cannot call `app.jwt.sign`.
 */
export function signTestAccessToken(
  env: { JWT_SECRET: string; JWT_ISSUER?: string; JWT_AUDIENCE?: string },
  claims: { sub: string; role: 'customer' | 'admin'; sid?: string },
  expiresInSeconds = 900,
): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'HS256', typ: 'JWT' });
  const payload = encode({
    sid: randomUUID(), // a login of its own, unless the test names one
    ...claims,
    iat: now,
    exp: now + expiresInSeconds,
    iss: env.JWT_ISSUER ?? 'simple-shop',
    aud: env.JWT_AUDIENCE ?? 'simple-shop-api',
  });
  const signature = createHmac('sha256', env.JWT_SECRET).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
