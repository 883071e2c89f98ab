// Misbehaviours the real Stripe exhibits occasionally (duplicate or
// out-of-order webhooks, slow deliveries, API 500s) plus integration mistakes
// (wrong secret, stale timestamps, tampered amounts), switchable at runtime so
// tests can prove the shop copes with them.

export interface Faults {
  /** Deliver each new event this many extra times, concurrently with the regular delivery. */
  duplicateDeliveries: number;
  /**
   * While true, new events are held back instead of being delivered. They are
   * released newest-first by `flush()`, by `waitForDeliveries()`, or when
   * `reorder` is switched off (set/reset). Each released event's first attempt
   * finishes before the next (older) event's first attempt starts, so the
   * receiver sees them in exactly reverse order; retries then run independently.
   */
  reorder: boolean;
  /** Wait this long before the first delivery attempt of each new event. */
  deliveryDelayMs: number;
  /** Sign deliveries with a secret other than the configured one (read at each attempt). */
  wrongSignature: boolean;
  /** Sign deliveries with a timestamp 10 minutes in the past (read at each attempt). */
  staleTimestamp: boolean;
  /** Report this amount_total in checkout.session.* event payloads (the API keeps the true amount). */
  amountTotalOverride: number | null;
  /** The next N /v1 API calls answer 500 api_error before doing anything. */
  failNextApiCalls: number;
}

export interface FaultControls {
  set(f: Partial<Faults>): void;
  reset(): void;
  get(): Faults;
  /** Releases events held back by `reorder` (newest first). Resolves once they are all dispatched. */
  flush(): Promise<void>;
}

export const DEFAULT_FAULTS: Readonly<Faults> = Object.freeze({
  duplicateDeliveries: 0,
  reorder: false,
  deliveryDelayMs: 0,
  wrongSignature: false,
  staleTimestamp: false,
  amountTotalOverride: null,
  failNextApiCalls: 0,
});

const NUMBER_KEYS = ['duplicateDeliveries', 'deliveryDelayMs', 'failNextApiCalls'] as const;
const BOOLEAN_KEYS = ['reorder', 'wrongSignature', 'staleTimestamp'] as const;

/**
 * Checks a fault patch coming from JSON (`POST /_sim/faults`), so a typo'd
 * key fails loudly instead of silently leaving the fault off.
 */
export function parseFaultPatch(input: unknown): Partial<Faults> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('faults must be a JSON object');
  }
  const patch: Partial<Faults> = {};
  for (const [key, value] of Object.entries(input)) {
    if ((NUMBER_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new Error(`${key} must be a non-negative integer`);
      }
      patch[key as (typeof NUMBER_KEYS)[number]] = value;
    } else if ((BOOLEAN_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'boolean') throw new Error(`${key} must be a boolean`);
      patch[key as (typeof BOOLEAN_KEYS)[number]] = value;
    } else if (key === 'amountTotalOverride') {
      if (value !== null && (typeof value !== 'number' || !Number.isInteger(value))) {
        throw new Error('amountTotalOverride must be an integer or null');
      }
      patch.amountTotalOverride = value;
    } else {
      throw new Error(`unknown fault: ${key}`);
    }
  }
  return patch;
}

/** Holds the current fault settings; `onReorderOff` lets the deliverer release held events. */
export class FaultState implements FaultControls {
  private current: Faults = { ...DEFAULT_FAULTS };

  constructor(private readonly hooks: { onReorderOff(): void; flush(): Promise<void> }) {}

  set(f: Partial<Faults>): void {
    const patch = parseFaultPatch(f);
    const wasReordering = this.current.reorder;
    this.current = { ...this.current, ...patch };
    if (wasReordering && !this.current.reorder) this.hooks.onReorderOff();
  }

  reset(): void {
    this.set({ ...DEFAULT_FAULTS });
  }

  get(): Faults {
    return { ...this.current };
  }

  flush(): Promise<void> {
    return this.hooks.flush();
  }

  /** Consumes one injected API failure if any are left. */
  takeApiFailure(): boolean {
    if (this.current.failNextApiCalls <= 0) return false;
    this.current = { ...this.current, failNextApiCalls: this.current.failNextApiCalls - 1 };
    return true;
  }
}
