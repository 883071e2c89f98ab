import type { Config } from '@simple-shop/config';
import type { Database, UserDoc } from '@simple-shop/db';
import type { AppQueues } from '@simple-shop/queue';
import type { FastifyBaseLogger } from 'fastify';
import { HttpError } from '../../lib/http-error';
import type { AccountLimiter } from './account-limiter';
import { verifyCredentials } from './credentials';
import { completePasswordReset, startPasswordReset } from './password-reset';
import { PASSWORD_MAX_BYTES, type PasswordHasher } from './passwords';
import {
  findRefreshToken,
  issueRefreshToken,
  revokeFamily,
  rotateRefreshToken,
  type IssuedRefreshToken,
} from './refresh-tokens';
import type { SessionRevocations } from './session-revocations';
import {
  createUser,
  EMAIL_MAX_LENGTH,
  findUserById,
  normaliseEmail,
  toPublicUser,
  validationError,
  type PublicUser,
} from './users';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}
export type AuthSession = TokenPair & { user: PublicUser };

/** Who is asking: the request's logger, client address and id (for correlation of queued emails). */
export interface Caller {
  log: FastifyBaseLogger;
  ip: string;
  requestId: string;
}

export interface AuthServiceDeps {
  config: Pick<Config, 'ACCESS_TOKEN_TTL_SECONDS' | 'REFRESH_TOKEN_TTL_DAYS' | 'PUBLIC_APP_URL'>;
  database: Database;
  queues: Pick<AppQueues, 'emails'>;
  hasher: PasswordHasher;
  limiter: AccountLimiter;
  revocations: SessionRevocations;
  /** Signs an access token (the JWT plugin's signer). */
  signAccessToken(claims: { sub: string; role: UserDoc['role']; sid: string }): string;
}

/**
 * The account flows behind /api/auth: register, login, refresh (rotating, with reuse detection), logout,
 * forgot/reset password and "me". Routes parse and reply; everything else happens here.
 */
export function createAuthService(deps: AuthServiceDeps) {
  const { config, database, hasher, limiter } = deps;
  const { collections } = database;
  // Reset emails are prepared after the 202 is sent (same answer time for known and unknown emails);
  // `drain` waits for the ones in flight.
  const background = new Set<Promise<unknown>>();

  const emailOf = (raw: string): string => {
    const email = normaliseEmail(raw);
    if (email.length > EMAIL_MAX_LENGTH)
      throw validationError('body/email', `must be at most ${EMAIL_MAX_LENGTH} characters`);
    return email;
  };

  const tokenPair = (user: UserDoc, issued: IssuedRefreshToken): TokenPair => ({
    accessToken: deps.signAccessToken({ sub: user._id.toHexString(), role: user.role, sid: issued.doc.familyId }),
    refreshToken: issued.token,
    tokenType: 'Bearer',
    expiresIn: config.ACCESS_TOKEN_TTL_SECONDS,
  });

  const newSession = async (user: UserDoc): Promise<AuthSession> => {
    const issued = await issueRefreshToken(collections, { userId: user._id, ttlDays: config.REFRESH_TOKEN_TTL_DAYS });
    return { user: toPublicUser(user), ...tokenPair(user, issued) };
  };

  /**
   * The password check of every login form (this API's and Bull Board's operator form): the same
   * limits and failure counting, so a second way in is no way around them. The user, or 400/401/429.
   */
  const verifyLogin = async (input: { email: string; password: string }, caller: Caller): Promise<UserDoc> => {
    const email = emailOf(input.email);
    if (Buffer.byteLength(input.password, 'utf8') > PASSWORD_MAX_BYTES)
      throw validationError('body/password', `must be at most ${PASSWORD_MAX_BYTES} bytes (UTF-8)`);
    await limiter.beforeLogin(email, caller.ip, caller.log);
    const user = await verifyCredentials({ users: collections.users, hasher }, email, input.password);
    if (!user) {
      await limiter.loginFailed(email, caller.ip);
      caller.log.info({ event: 'login_failed' }, 'login failed');
      throw new HttpError(401, 'INVALID_CREDENTIALS', 'Invalid email or password');
    }
    return user;
  };

  const invalidRefresh = () => new HttpError(401, 'INVALID_REFRESH_TOKEN', 'Invalid or expired refresh token');

  return {
    verifyLogin,

    async register(input: { email: string; password: string; name: string }, caller: Caller): Promise<AuthSession> {
      const email = emailOf(input.email);
      await limiter.hit('register', email, caller.log);
      const user = await createUser({ users: collections.users, hasher }, { ...input, email });
      caller.log.info({ event: 'user_registered', userId: user._id.toHexString() }, 'user registered');
      return newSession(user);
    },

    async login(input: { email: string; password: string }, caller: Caller): Promise<AuthSession> {
      return newSession(await verifyLogin(input, caller));
    },

    async refresh(refreshToken: string, caller: Caller): Promise<TokenPair> {
      const presented = await findRefreshToken(collections, refreshToken);
      if (!presented) throw invalidRefresh();
      // Spent or revoked tokens go straight to reuse handling: a limit must not delay a revocation.
      if (!presented.usedAt && !presented.revokedAt) await limiter.hit('refresh', presented.familyId, caller.log);
      const result = await rotateRefreshToken(collections, presented, {
        ttlDays: config.REFRESH_TOKEN_TTL_DAYS,
        log: caller.log,
      });
      if (!result.ok) {
        caller.log.info({ reason: result.reason, familyId: presented.familyId }, 'refresh refused');
        // The family was revoked just now: its access tokens (the thief's and the victim's) end too.
        if (result.reason === 'reused' || result.reason === 'user-gone')
          await deps.revocations.revoke([presented.familyId], caller.log);
        throw invalidRefresh();
      }
      return tokenPair(result.user, result.issued);
    },

    /** Revokes the token's whole login; silent when the token is unknown. */
    async logout(refreshToken: string, caller: Caller): Promise<void> {
      const presented = await findRefreshToken(collections, refreshToken);
      if (!presented) return;
      await revokeFamily(collections, presented.familyId, 'logout');
      await deps.revocations.revoke([presented.familyId], caller.log);
    },

    /** Never reveals whether the account exists: the email is prepared after the caller has its answer. */
    async forgotPassword(rawEmail: string, caller: Caller): Promise<void> {
      const email = emailOf(rawEmail);
      if (!(await limiter.allowResetEmail(email, caller.ip, caller.log))) return;
      const user = await collections.users.findOne({ email });
      if (!user) return;
      const userId = user._id.toHexString();
      const work = new Promise((resolve) => setImmediate(resolve))
        .then(() =>
          startPasswordReset(
            { collections, emails: deps.queues.emails, publicAppUrl: config.PUBLIC_APP_URL },
            user,
            caller.requestId,
          ),
        )
        .then(({ outboxId }) =>
          caller.log.info({ event: 'password_reset_requested', userId, outboxId }, 'reset email queued'),
        )
        .catch((error: unknown) => caller.log.error({ err: error, userId }, 'reset email could not be queued'))
        .finally(() => background.delete(work));
      background.add(work);
    },

    async resetPassword(token: string, password: string, caller: Caller): Promise<void> {
      const { endedSessions } = await completePasswordReset({ collections, hasher, log: caller.log }, token, password);
      await deps.revocations.revoke(endedSessions, caller.log);
    },

    async me(userId: string): Promise<PublicUser> {
      const user = await findUserById(collections.users, userId);
      if (!user) throw new HttpError(401, 'UNAUTHORIZED', 'Missing or invalid access token');
      return toPublicUser(user);
    },

    /** Waits for reset emails still being prepared (on shutdown). */
    async drain(): Promise<void> {
      await Promise.allSettled([...background]);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
