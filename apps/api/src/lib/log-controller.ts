import { LogController, type FastifyRequest } from 'fastify';

const QUIET_ROUTES = new Set(['/health', '/health/deep', '/metrics']);

/**
 * One info line per request (on completion, with status and time) instead of two, the request
 * ID labelled `requestId` like every other line, and probes/scrapes kept out of the logs.
 */
export class ApiLogController extends LogController {
  constructor() {
    super({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: (request: FastifyRequest) => QUIET_ROUTES.has(request.url),
    });
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }
}
