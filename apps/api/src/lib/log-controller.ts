import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';

const QUIET_ROUTES = new Set(['/health', '/health/deep', '/metrics']);

/** Route config of the routes that get the cheaper completion line (they carry no secrets: public GETs). */
export interface LightLogRouteConfig {
  catalogRead?: boolean;
}

/**
 * One info line per request (on completion, with status and time) instead of two, the request
 * ID labelled `requestId` like every other line, and probes/scrapes kept out of the logs.
 *
 * Catalog reads (route config `catalogRead`) are the API's hottest path and carry no secrets (public
 * GETs, no body, no credentials read): their line is flat — requestId, method, url, statusCode,
 * responseTime — and written through a child logger without the redaction paths, which cost about
 * as much as the rest of the line. E-mail addresses (a search for one, say) are still masked: that
 * happens on the finished line (packages/observability).
 */
export class ApiLogController extends LogController {
  private readonly light: FastifyBaseLogger | undefined;

  constructor(logger?: FastifyBaseLogger) {
    super({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: (request: FastifyRequest) => QUIET_ROUTES.has(request.url),
    });
    this.light = logger?.child({}, { redact: { paths: [] } } as object);
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!error && this.light && (request.routeOptions.config as LightLogRouteConfig).catalogRead === true) {
      this.light.info(
        {
          requestId: request.id,
          method: request.method,
          url: request.url,
          statusCode: reply.statusCode,
          responseTime: reply.elapsedTime,
        },
        'request completed',
      );
      return;
    }
    super.requestCompleted(error, request, reply);
  }
}
