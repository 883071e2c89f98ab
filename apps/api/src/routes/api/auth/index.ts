import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
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

/**
 * /api/auth: register, login, refresh (rotating, with reuse detection), logout, forgot/reset
 * password and me. The credential routes have per-IP limits (@fastify/rate-limit, checked before
 * the body is read); the service adds per-account ones (services/auth/account-limiter.ts). The service
 * and the per-IP limit are shared with Bull Board's operator login (plugins/app/credentials.ts).
 */
const auth: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.authService;
  const perIpLimit = app.authPerIpLimit;
  const caller = app.callerOf;

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
