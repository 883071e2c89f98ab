import type { Role } from '@simple-shop/db';
import type { HttpMetrics, Registry } from '@simple-shop/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDependencies } from './deps';
import type { SessionRevocations } from './services/auth/session-revocations';

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDependencies;
    metricsRegistry: Registry;
    httpMetrics: HttpMetrics;
    /** preHandler: requires a valid access token; sets request.user. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** preHandler: requires a valid access token of an admin. */
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** Logins ended before their access tokens expired (logout, password reset, token reuse). */
    sessionRevocations: SessionRevocations;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    /** `sid`: the login (refresh-token family) the token was issued for; see session-revocations.ts. */
    payload: { sub: string; role: Role; sid: string };
    user: { sub: string; role: Role; sid: string };
  }
}
