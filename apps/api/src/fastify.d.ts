import type { Role } from '@simple-shop/db';
import type { HttpMetrics, Registry } from '@simple-shop/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDependencies } from './deps';
import type { AuthService, Caller } from './services/auth/auth-service';
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
    /** Account flows, shared by /api/auth and the Bull Board login form (plugins/app/credentials.ts). */
    authService: AuthService;
    /** Route config: the per-IP limit of every credential route. */
    authPerIpLimit: {
      rateLimit: { max: number; timeWindow: number; keyGenerator: (request: FastifyRequest) => string };
    };
    /** The request as the auth service's caller (logger, client address, request id). */
    callerOf: (request: FastifyRequest) => Caller;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    /** `sid`: the login (refresh-token family) the token was issued for; see session-revocations.ts. */
    payload: { sub: string; role: Role; sid: string };
    /** `exp` (seconds since the epoch) is always there once verified: jwt.ts requires it. */
    user: { sub: string; role: Role; sid: string; exp?: number };
  }
}
