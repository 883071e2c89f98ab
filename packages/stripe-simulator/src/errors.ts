// Stripe's error envelope. The SDK picks its error class from the HTTP status
// and `error.type` (400/404 + idempotency_error → StripeIdempotencyError,
// 401 → StripeAuthenticationError, 402 → StripeCardError, other 400/404 →
// StripeInvalidRequestError, 5xx → StripeAPIError), so both must be right.
import { SIMULATED_API_VERSION } from './objects/api-version';

export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
}

export class StripeApiError extends Error {
  readonly status: number;
  readonly body: StripeErrorBody;
  /**
   * Stripe only stores an idempotent result once the endpoint "began
   * executing": requests rejected by parameter validation (or unknown ids)
   * may be retried with the same key and are evaluated again. Business-rule
   * failures (refund too large, session not open) are stored and replayed.
   */
  readonly persistForIdempotency: boolean;

  constructor(status: number, body: StripeErrorBody, persistForIdempotency = false) {
    super(body.message);
    this.name = 'StripeApiError';
    this.status = status;
    this.body = body;
    this.persistForIdempotency = persistForIdempotency;
  }

  toJSON(): { error: StripeErrorBody } {
    return { error: this.body };
  }
}

function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;
}

/** A 400 caused by a request parameter. */
export function invalidParam(param: string, message: string, code?: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'invalid_request_error',
    message,
    param,
    ...(code ? { code, doc_url: docUrl(code) } : {}),
  });
}

export function missingParam(param: string): StripeApiError {
  return invalidParam(param, `Missing required param: ${param}.`, 'parameter_missing');
}

export function unknownParam(param: string): StripeApiError {
  return invalidParam(param, `Received unknown parameter: ${param}`, 'parameter_unknown');
}

/** A rule of the resource was violated (stored for idempotent replays). */
export function invalidRequest(message: string, opts: { code?: string; param?: string } = {}): StripeApiError {
  return new StripeApiError(
    400,
    {
      type: 'invalid_request_error',
      message,
      ...(opts.code ? { code: opts.code, doc_url: docUrl(opts.code) } : {}),
      ...(opts.param ? { param: opts.param } : {}),
    },
    true,
  );
}

export function resourceMissing(kind: string, id: string, param: string = 'id'): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    doc_url: docUrl('resource_missing'),
    message: `No such ${kind}: '${id}'`,
    param,
  });
}

export function unrecognizedUrl(method: string, url: string): StripeApiError {
  return new StripeApiError(404, {
    type: 'invalid_request_error',
    message: `Unrecognized request URL (${method}: ${url}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
}

/** Shows the key the way Stripe does: recognisable prefix and last 4, never the whole secret. */
export function redactKey(key: string): string {
  const prefix = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? '';
  if (key.length - prefix.length <= 8) return `${prefix}${'*'.repeat(Math.max(key.length - prefix.length, 3))}`;
  return `${prefix}${'*'.repeat(key.length - prefix.length - 4)}${key.slice(-4)}`;
}

export function authError(key: string | null): StripeApiError {
  const message =
    key === null
      ? "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."
      : `Invalid API Key provided: ${redactKey(key)}`;
  return new StripeApiError(401, { type: 'invalid_request_error', message });
}

export function idempotencyMismatch(key: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'idempotency_error',
    message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
  });
}

export function simulatedApiError(): StripeApiError {
  return new StripeApiError(500, {
    type: 'api_error',
    message: 'An unknown error occurred (injected by the Stripe simulator: failNextApiCalls).',
  });
}

/** A request pinned to another API version than the one the simulator speaks. */
export function unsupportedApiVersion(requested: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'invalid_request_error',
    message: `This Stripe simulator speaks API version ${SIMULATED_API_VERSION} only; the request asked for ${requested}. Pin the client to ${SIMULATED_API_VERSION}.`,
    code: 'api_version_unsupported',
    param: 'Stripe-Version',
  });
}
