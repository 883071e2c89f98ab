import fp from 'fastify-plugin';
import { HttpError } from '../../lib/http-error';
import { BOARD_SESSION_TTL_SECONDS } from '../../services/auth/board-tokens';
import { createSessionRevocations } from '../../services/auth/session-revocations';

/**
 * Route guards. Any token problem (missing, expired, tampered, wrong key, wrong alg, wrong
 * iss/aud, a login that was ended) is the same 401 to the caller; the reason goes to the log only.
 */
export default fp(
  async (app) => {
    const { config, redis } = app.deps;
    const revocations = createSessionRevocations({
      redis,
      keyPrefix: config.REDIS_KEY_PREFIX,
      // A revocation must outlast every token carrying the sid: access tokens and board tokens.
      longestTokenTtlSeconds: Math.max(config.ACCESS_TOKEN_TTL_SECONDS, BOARD_SESSION_TTL_SECONDS),
    });
    app.decorate('sessionRevocations', revocations);

    app.decorate('authenticate', async (request, reply) => {
      const unauthorized = (reason: string) => {
        request.log.info({ reason }, 'access token rejected');
        return new HttpError(401, 'UNAUTHORIZED', 'Missing or invalid access token');
      };
      try {
        await request.jwtVerify();
      } catch (error) {
        throw unauthorized((error as Error).message);
      }
      if (await revocations.isRevoked(request.user.sid, request.log)) throw unauthorized('session ended');
      // Every later line of this request names the user (the request logger already has requestId);
      // reply.log is a separate reference and writes the per-request summary line.
      const log = request.log.child({ userId: request.user.sub });
      request.log = log;
      reply.log = log;
    });

    app.decorate('requireAdmin', async (request, reply) => {
      await app.authenticate(request, reply);
      if (request.user.role !== 'admin') throw new HttpError(403, 'FORBIDDEN', 'Admin role required');
    });
  },
  { name: 'authenticate', dependencies: ['deps', 'jwt'] },
);
