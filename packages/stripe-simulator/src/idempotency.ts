// Stripe's Idempotency-Key semantics for POSTs: the first request with a key
// runs; later requests with the same key and the same parameters get the
// stored response back (no second side effect); the same key with different
// parameters is an idempotency_error. Keys are forgotten after 24 hours.
import { idempotencyMismatch } from './errors';

export interface StoredResponse {
  status: number;
  /** Serialized once, so a replay is byte-identical to the original answer. */
  body: string;
  requestId: string;
}

export interface ExecutionResult {
  response: StoredResponse;
  /** False for results Stripe does not keep (parameter validation failures). */
  persist: boolean;
}

interface Entry {
  fingerprint: string;
  createdAt: number;
  /** Settles when the first request finishes: its response, or null if it was not kept. */
  done: Promise<StoredResponse | null>;
}

const TTL_MS = 24 * 60 * 60 * 1000;

/** Stable JSON (sorted keys) so parameter order on the wire does not matter. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();

  /**
   * Runs `execute` once per key. Concurrent requests with the same key wait for
   * the first one and then replay its response, so they also cause one effect.
   */
  async run(
    key: string,
    fingerprint: string,
    execute: () => Promise<ExecutionResult>,
  ): Promise<{ response: StoredResponse; replayed: boolean }> {
    for (;;) {
      const existing = this.entries.get(key);
      if (existing && Date.now() - existing.createdAt > TTL_MS) this.entries.delete(key);
      const entry = this.entries.get(key);
      if (entry) {
        if (entry.fingerprint !== fingerprint) throw idempotencyMismatch(key);
        const stored = await entry.done;
        if (stored) return { response: stored, replayed: true };
        continue; // the first request's result was not kept: this one runs for real
      }

      let settle!: (r: StoredResponse | null) => void;
      const done = new Promise<StoredResponse | null>((resolve) => (settle = resolve));
      this.entries.set(key, { fingerprint, createdAt: Date.now(), done });
      try {
        const result = await execute();
        if (!result.persist) this.entries.delete(key);
        settle(result.persist ? result.response : null);
        return { response: result.response, replayed: false };
      } catch (err) {
        this.entries.delete(key);
        settle(null);
        throw err;
      }
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
