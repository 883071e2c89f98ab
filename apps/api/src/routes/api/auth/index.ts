import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { WindowCounter } from '../../../lib/window-counter';
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
  argon2ParamsFromConfig,
  createAccountLimiter,
  createAuthService,
  createPasswordHasher,
  type Caller,
} from '../../../services/auth/index';

/**
 * /api/auth: register, login, refresh (rotating, with reuse detection), logout, forgot/reset
 * password and me. The credential routes have per-IP limits (@fastify/rate-limit, checked before
 * the body is read); the service adds per-account ones (services/auth/account-limiter.ts).
 */
const auth: FastifyPluginAsyncTypebox = async (app) => {
  const { config, database, redis, queues } = app.deps;
  const service = createAuthService({
    config,
    database,
    queues,
    // Computes the dummy hash for unknown-email logins once, now, with the configured cost.
    hasher: await createPasswordHasher(argon2ParamsFromConfig(config)),
    limiter: createAccountLimiter(new WindowCounter(redis, app.log), {
      keyPrefix: config.REDIS_KEY_PREFIX,
      max: config.AUTH_RATE_LIMIT_MAX,
      windowMs: config.AUTH_RATE_LIMIT_WINDOW_MS,
      slowdownAfter: config.AUTH_ACCOUNT_SLOWDOWN_AFTER,
    }),
    revocations: app.sessionRevocations,
    signAccessToken: (claims) => app.jwt.sign(claims),
  });
  app.addHook('preClose', () => service.drain());

  const perIpLimit = {
    rateLimit: {
      max: config.AUTH_RATE_LIMIT_MAX,
      timeWindow: config.AUTH_RATE_LIMIT_WINDOW_MS,
      keyGenerator: (request: FastifyRequest) => request.ip,
    },
  };
  const caller = (request: FastifyRequest): Caller => ({ log: request.log, ip: request.ip, requestId: request.id });

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
    async (request, reply) => reply.status(201).send(await service.register(request.body, caller(request))),
  );

  app.post(
    '/login',
    {
      config: perIpLimit,
      schema: {
        tags: ['auth'],
        summary: 'Log in with email and password',
        description:
          'Failed logins are limited per account and client address (429); many failures for one account ' +
          'from all addresses slow every further attempt down instead of locking the owner out.',
        body: LoginBody,
        response: { 200: AuthSession, ...errorResponses },
      },
    },
    async (request) => service.login(request.body, caller(request)),
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
    async (request) => service.refresh(request.body.refreshToken, caller(request)),
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
      await service.logout(request.body.refreshToken, caller(request));
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
      await service.forgotPassword(request.body.email, caller(request));
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
      await service.resetPassword(request.body.token, request.body.password, caller(request));
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
    async (request) => service.me(request.user.sub),
  );
};

export default auth;
