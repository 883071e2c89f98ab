import fp from 'fastify-plugin';
import { HttpError } from '../../lib/http-error';

/**
 * Route guards. Any token problem (missing, expired, tampered, wrong key, wrong alg, wrong
 * iss/aud) is the same 401 to the caller; the reason goes to the log only.
 */
export default fp(
  async (app) => {
    app.decorate('authenticate', async (request, reply) => {
      try {
        await request.jwtVerify();
      } catch (error) {
        request.log.info({ reason: (error as Error).message }, 'access token rejected');
        throw new HttpError(401, 'UNAUTHORIZED', 'Missing or invalid access token');
      }
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
  { name: 'authenticate', dependencies: ['jwt'] },
);
