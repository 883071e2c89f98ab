import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import fp from 'fastify-plugin';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Accepts the caller's `x-request-id` when it is a sane token (a load balancer's or the
 * storefront's), otherwise makes one. Unsafe values are replaced, not trusted into logs.
 */
export function genReqId(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID();
}

/** Echoes the request ID on every answer, errors included, so a client can quote it. */
export default fp(
  async (app) => {
    // A callback hook, not an async one: no promise per request on the hottest path.
    app.addHook('onRequest', (request, reply, done) => {
      void reply.header('x-request-id', request.id);
      done();
    });
  },
  { name: 'request-id' },
);
