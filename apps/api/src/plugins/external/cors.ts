import cors from '@fastify/cors';
import fp from 'fastify-plugin';

/** CORS from the configured allow-list only; a storefront origin not on it gets no CORS headers. */
export default fp(
  async (app) => {
    const allowed = new Set(app.deps.config.corsOrigins);
    await app.register(cors, {
      origin: (origin, callback) => callback(null, origin === undefined || allowed.has(origin)),
      credentials: true,
      methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
      exposedHeaders: [
        'X-Request-Id',
        'Retry-After',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
      ],
      maxAge: 600,
    });
  },
  { name: 'cors', dependencies: ['deps'] },
);
