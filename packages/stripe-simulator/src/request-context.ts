/** Who caused a change: an API request, or nobody (hosted page, Stripe itself). */
export interface RequestContext {
  requestId: string | null;
  idempotencyKey: string | null;
}

export const NO_REQUEST: RequestContext = Object.freeze({ requestId: null, idempotencyKey: null });
