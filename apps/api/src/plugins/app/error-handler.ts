import { describeMongoError, isDatabaseUnavailable } from '@simple-shop/db';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ApiErrorCode } from '../../lib/error-codes';
import { HttpError, codeForStatus } from '../../lib/http-error';

/** The API's 404 for an unknown route (also the board prefix's, see plugins/external/cors.ts). */
export function sendNotFound(request: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({
    error: {
      code: 'NOT_FOUND' satisfies ApiErrorCode,
      message: `Route ${request.method} ${request.url.split('?')[0]} not found`,
    },
  });
}

/**
 * Seconds a client should wait before retrying while MongoDB has no primary: a replica-set
 * election takes ~10-12 s, and each attempt already waited the server selection timeout.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `body/email` style paths a client can act on, with the offending extra property named. */
function describeValidation(context: string | undefined, issues: ValidationIssue[]) {
  return issues.map((issue) => {
    const extra = issue.params?.additionalProperty;
    const path = [context, issue.instancePath?.replace(/^\//, ''), typeof extra === 'string' ? extra : undefined]
      .filter(Boolean)
      .join('/');
    return {
      path,
      message: typeof extra === 'string' ? 'is not an allowed property' : (issue.message ?? 'is invalid'),
    };
  });
}

/**
 * Every error leaves as `{ error: { code, message, details? } }`. 5xx answers never carry the
 * internal message (it may hold connection strings or stack details); the log line does.
 */
export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
      if (error instanceof HttpError) {
        if (error.headers) void reply.headers(error.headers);
        if (error.statusCode >= 500) request.log.error({ err: error }, 'request failed');
        return reply.status(error.statusCode).send({
          error: {
            code: error.code,
            message: error.message,
            ...(error.details === undefined ? {} : { details: error.details }),
          },
        });
      }
      if (error.validation) {
        const details = describeValidation(error.validationContext, error.validation as ValidationIssue[]);
        return reply.status(400).send({
          error: {
            code: 'VALIDATION_ERROR' satisfies ApiErrorCode,
            message: `Invalid request: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
            details,
          },
        });
      }
      // No primary (election, step-down, outage): a temporary state the client can retry, not a bug.
      if (isDatabaseUnavailable(error)) {
        request.log.warn({ reason: describeMongoError(error) }, 'database unavailable; answering 503');
        return reply
          .status(503)
          .header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
          .send({
            error: {
              code: 'DATABASE_UNAVAILABLE' satisfies ApiErrorCode,
              message: 'The database is temporarily unavailable; retry shortly',
            },
          });
      }
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed');
        return reply.status(status).send({ error: { code: codeForStatus(status), message: 'Internal server error' } });
      }
      // Framework/plugin 4xx (bad JSON, body too large, wrong content type, bad JWT...).
      return reply.status(status).send({ error: { code: codeForStatus(status), message: error.message } });
    });

    app.setNotFoundHandler(sendNotFound);
  },
  { name: 'error-handler' },
);
