import type { Role } from '@simple-shop/db';
import type { HttpMetrics, Registry } from '@simple-shop/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDependencies } from './deps';

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDependencies;
    metricsRegistry: Registry;
    httpMetrics: HttpMetrics;
    /** preHandler: requires a valid access token; sets request.user. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** preHandler: requires a valid access token of an admin. */
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string; role: Role };
    user: { sub: string; role: Role };
  }
}
