import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { UserDoc } from '@simple-shop/db';
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../../../lib/http-error';
import {
  Accepted,
  AuthSession,
  ForgotPasswordBody,
  LoginBody,
  LogoutBody,
  PublicUser,
  RefreshBody,
  RegisterBody,
  ResetPasswordBody,
  TokenPair,
} from '../../../schemas/auth';
import { errorResponses } from '../../../schemas/error';
import {
  EMAIL_MAX_LENGTH,
  PASSWORD_MAX_BYTES,
  argon2ParamsFromConfig,
  completePasswordReset,
  createAccountLimiter,
  createPasswordHasher,
  createUser,
  findRefreshToken,
  findUserById,
  issueRefreshToken,
  normaliseEmail,
  revokeFamily,
  rotateRefreshToken,
  startPasswordReset,
  toPublicUser,
  validationError,
  type IssuedRefreshToken,
} from '../../../services/auth/index';

/**
 * /api/auth: register, login, refresh (rotating, with reuse detection), logout, forgot/reset
 * password and me. The credential routes have per-IP limits (@fastify/rate-limit, checked before
 * the body is read) and per-account limits (Redis counter on the normalised email, or on the
 * token family for refresh).
 */
const auth: FastifyPluginAsyncTypebox = async (app) => {
  const { config, database, redis, queues } = app.deps;
  const { collections } = database;
  // Computes the dummy hash for unknown-email logins once, now, with the configured cost.
  const hasher = await createPasswordHasher(argon2ParamsFromConfig(config));
  const accountLimiter = createAccountLimiter({
    redis,
    keyPrefix: config.REDIS_KEY_PREFIX,
    max: config.AUTH_RATE_LIMIT_MAX,
    windowMs: config.AUTH_RATE_LIMIT_WINDOW_MS,
  });
  const perIpLimit = {
    rateLimit: {
      max: config.AUTH_RATE_LIMIT_MAX,
      timeWindow: config.AUTH_RATE_LIMIT_WINDOW_MS,
      keyGenerator: (request: FastifyRequest) => request.ip,
    },
  };

  // Password-reset emails are prepared after the 202 is sent (same answer time for known and
  // unknown emails); closing the app waits for the ones in flight.
  const background = new Set<Promise<unknown>>();
  app.addHook('preClose', async () => {
    await Promise.allSettled([...background]);
  });

  const emailOf = (raw: string): string => {
    const email = normaliseEmail(raw);
    if (email.length > EMAIL_MAX_LENGTH)
      throw validationError('body/email', `must be at most ${EMAIL_MAX_LENGTH} characters`);
    return email;
  };

  const session = (user: UserDoc, issued: IssuedRefreshToken) => ({
    accessToken: app.jwt.sign({ sub: user._id.toHexString(), role: user.role, sid: issued.doc.familyId }),
    refreshToken: issued.token,
    tokenType: 'Bearer' as const,
    expiresIn: config.ACCESS_TOKEN_TTL_SECONDS,
  });

  const newSession = async (user: UserDoc) => {
    const issued = await issueRefreshToken(collections, { userId: user._id, ttlDays: config.REFRESH_TOKEN_TTL_DAYS });
    return { user: toPublicUser(user), ...session(user, issued) };
  };

  app.post(
    '/register',
    {
      config: perIpLimit,
      schema: {
        tags: ['auth'],
        summary: 'Create a customer account and log in',
        body: RegisterBody,
        response: { 201: AuthSession, ...errorResponses },
      },
    },
    async (request, reply) => {
      const email = emailOf(request.body.email);
      await accountLimiter.hit('register', email, request.log);
      const user = await createUser({ users: collections.users, hasher }, { ...request.body, email });
      request.log.info({ event: 'user_registered', userId: user._id.toHexString() }, 'user registered');
      return reply.status(201).send(await newSession(user));
    },
  );

  app.post(
    '/login',
    {
      config: perIpLimit,
      schema: {
        tags: ['auth'],
        summary: 'Log in with email and password',
        body: LoginBody,
        response: { 200: AuthSession, ...errorResponses },
      },
    },
    async (request) => {
      const email = emailOf(request.body.email);
      const { password } = request.body;
      if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES)
        throw validationError('body/password', `must be at most ${PASSWORD_MAX_BYTES} bytes (UTF-8)`);
      await accountLimiter.hit('login', email, request.log);
      const user = await collections.users.findOne({ email });
      // An unknown email costs one full argon2 verification too, so timing does not tell.
      const valid = user ? await hasher.verify(user.passwordHash, password) : await hasher.verifyDummy(password);
      if (!user || !valid) {
        request.log.info({ event: 'login_failed', userId: user?._id.toHexString() }, 'login failed');
        throw new HttpError(401, 'INVALID_CREDENTIALS', 'Invalid email or password');
      }
      if (hasher.needsRehash(user.passwordHash)) {
        // The configured cost changed: upgrade the stored hash while the password is at hand.
        const passwordHash = await hasher.hash(password);
        await collections.users.updateOne(
          { _id: user._id, passwordHash: user.passwordHash },
          { $set: { passwordHash, updatedAt: new Date() } },
        );
      }
      return newSession(user);
    },
  );

  app.post(
    '/refresh',
    {
      config: perIpLimit,
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new access token and refresh token',
        description:
          'The presented refresh token is spent. Presenting a spent token again revokes every token of its login (family). Clients must not refresh concurrently with the same token.',
        body: RefreshBody,
        response: { 200: TokenPair, ...errorResponses },
      },
    },
    async (request) => {
      const invalid = () => new HttpError(401, 'INVALID_REFRESH_TOKEN', 'Invalid or expired refresh token');
      const presented = await findRefreshToken(collections, request.body.refreshToken);
      if (!presented) throw invalid();
      // Spent or revoked tokens go straight to reuse handling: a limit must not delay a revocation.
      if (!presented.usedAt && !presented.revokedAt)
        await accountLimiter.hit('refresh', presented.familyId, request.log);
      const result = await rotateRefreshToken(collections, presented, {
        ttlDays: config.REFRESH_TOKEN_TTL_DAYS,
        log: request.log,
      });
      if (!result.ok) {
        request.log.info({ reason: result.reason, familyId: presented.familyId }, 'refresh refused');
        // The family was revoked just now: its access tokens (the thief's and the victim's) end too.
        if (result.reason === 'reused' || result.reason === 'user-gone')
          await app.sessionRevocations.revoke([presented.familyId], request.log);
        throw invalid();
      }
      return session(result.user, result.issued);
    },
  );

  app.post(
    '/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log out: revoke the refresh token and every token of its login',
        description: 'Answers 204 whether or not the token was known or still valid.',
        body: LogoutBody,
        response: { 204: { type: 'null', description: 'Logged out' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const presented = await findRefreshToken(collections, request.body.refreshToken);
      if (presented) {
        await revokeFamily(collections, presented.familyId, 'logout');
        await app.sessionRevocations.revoke([presented.familyId], request.log);
      }
      return reply.status(204).send();
    },
  );

  app.post(
    '/forgot-password',
    {
      config: perIpLimit,
      schema: {
        tags: ['auth'],
        summary: 'Email a password-reset link (valid 30 minutes, single use)',
        description: 'The same 202 answer whether or not an account exists for the email.',
        body: ForgotPasswordBody,
        response: { 202: Accepted, ...errorResponses },
      },
    },
    async (request, reply) => {
      const email = emailOf(request.body.email);
      await accountLimiter.hit('forgot', email, request.log);
      const user = await collections.users.findOne({ email });
      if (user) {
        // Started on the next turn of the event loop, after the answer has been written.
        const work = new Promise((resolve) => setImmediate(resolve))
          .then(() =>
            startPasswordReset(
              { collections, emails: queues.emails, publicAppUrl: config.PUBLIC_APP_URL },
              user,
              request.id,
            ),
          )
          .then(({ outboxId }) =>
            request.log.info(
              { event: 'password_reset_requested', userId: user._id.toHexString(), outboxId },
              'reset email queued',
            ),
          )
          .catch((error: unknown) =>
            request.log.error({ err: error, userId: user._id.toHexString() }, 'reset email could not be queued'),
          )
          .finally(() => background.delete(work));
        background.add(work);
      }
      return reply.status(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/reset-password',
    {
      config: perIpLimit,
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with a reset token; logs out every session',
        body: ResetPasswordBody,
        response: { 204: { type: 'null', description: 'Password changed' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { endedSessions } = await completePasswordReset(
        { collections, hasher, log: request.log },
        request.body.token,
        request.body.password,
      );
      await app.sessionRevocations.revoke(endedSessions, request.log);
      return reply.status(204).send();
    },
  );

  app.get(
    '/me',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['auth'],
        summary: 'The logged-in user',
        security: [{ bearerAuth: [] }],
        response: { 200: PublicUser, ...errorResponses },
      },
    },
    async (request) => {
      const user = await findUserById(collections.users, request.user.sub);
      if (!user) throw new HttpError(401, 'UNAUTHORIZED', 'Missing or invalid access token');
      return toPublicUser(user);
    },
  );
};

export default auth;
