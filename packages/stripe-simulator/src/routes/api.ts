// Plumbing shared by every /v1 endpoint: Stripe error envelopes, idempotent
// replays for POSTs, and the request context events are stamped with.
// Auth, injected 500s and the Request-Id header are handled by hooks in
// server.ts because they also apply to unknown URLs.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StripeApiError } from '../errors';
import { isRecord, readExpand } from '../form';
import type { Params } from '../form';
import { canonicalJson } from '../idempotency';
import type { ExecutionResult, IdempotencyCache, StoredResponse } from '../idempotency';
import type { RequestContext, Simulation } from '../simulation';
import type { Store } from '../state';

export interface RouteDeps {
  sim: Simulation;
  store: Store;
  idempotency: IdempotencyCache;
}

export interface ApiCall {
  params: Record<string, string>;
  /** Form body for POSTs, query string for GETs (both parsed with qs). */
  data: Params;
  expand: string[];
  ctx: RequestContext;
}

export type ApiHandler = (call: ApiCall) => unknown;

function headerValue(req: FastifyRequest, name: string): string | null {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? null : s;
}

function send(reply: FastifyReply, response: StoredResponse): FastifyReply {
  return reply.code(response.status).type('application/json; charset=utf-8').send(response.body);
}

async function execute(handler: ApiHandler, call: ApiCall, requestId: string): Promise<ExecutionResult> {
  try {
    // readExpand may itself throw a parameter error; keep it inside the try.
    const body = await handler({ ...call, expand: readExpand(call.data) });
    return { response: { status: 200, body: JSON.stringify(body), requestId }, persist: true };
  } catch (err) {
    if (err instanceof StripeApiError) {
      return {
        response: { status: err.status, body: JSON.stringify(err.toJSON()), requestId },
        persist: err.persistForIdempotency,
      };
    }
    throw err;
  }
}

export function apiGet(app: FastifyInstance, path: string, handler: ApiHandler): void {
  app.get(path, async (req, reply) => {
    const call: ApiCall = {
      params: req.params as Record<string, string>,
      data: isRecord(req.query) ? req.query : {},
      expand: [],
      ctx: { requestId: req.id, idempotencyKey: null },
    };
    return send(reply, (await execute(handler, call, req.id)).response);
  });
}

export function apiPost(app: FastifyInstance, path: string, handler: ApiHandler, deps: RouteDeps): void {
  app.post(path, async (req, reply) => {
    const idempotencyKey = headerValue(req, 'idempotency-key');
    const data = isRecord(req.body) ? req.body : {};
    const call: ApiCall = {
      params: req.params as Record<string, string>,
      data,
      expand: [],
      ctx: { requestId: req.id, idempotencyKey },
    };
    if (idempotencyKey === null) {
      return send(reply, (await execute(handler, call, req.id)).response);
    }
    reply.header('Idempotency-Key', idempotencyKey);
    const path = req.url.split('?')[0];
    const fingerprint = `POST ${path} ${canonicalJson(data)}`;
    const { response, replayed } = await deps.idempotency.run(idempotencyKey, fingerprint, () =>
      execute(handler, call, req.id),
    );
    if (replayed) {
      reply.header('Idempotent-Replayed', 'true');
      reply.header('Original-Request', response.requestId);
    }
    return send(reply, response);
  });
}
