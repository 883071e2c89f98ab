/**
 * autocannon, with every response's latency and status recorded here (autocannon's own summary has
 * no p95 and keeps only 2xx latencies), so mean/p50/p95/p99 and the success rate cover every request.
 */
import autocannon from 'autocannon';

export type RequestSpec = autocannon.Request;

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  durationS?: number;
  /** Total requests; the run ends once they are answered. */
  amount?: number;
  requests: RequestSpec[];
  /** Stop early once this many responses arrived (a bound for write-heavy scenarios). */
  maxResponses?: number;
  timeoutS?: number;
  /**
   * Called for every response, synchronously right after the request's own `onResponse` hook, to
   * label it (e.g. with the operation a `setupRequest` chose); latency is then also kept per label.
   */
  label?: () => string | undefined;
}

export interface LabelStats {
  responses: number;
  ok: number;
  latency: LatencySummary;
}

export interface LatencySummary {
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  /** Responses plus errors and timeouts. */
  attempts: number;
  responses: number;
  ok: number;
  errors: number;
  timeouts: number;
  statusCounts: Record<string, number>;
  elapsedS: number;
  /** Latency of every response (any status), ms. */
  latency: LatencySummary;
  successRate: number;
  byLabel: Record<string, LabelStats>;
}

export function summarise(values: number[]): LatencySummary {
  if (values.length === 0) return { mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { mean: sum / sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

export function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let ok = 0;
  const labelled = new Map<string, { latencies: number[]; ok: number }>();
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const instance = autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.durationS ?? 10 }),
        requests: opts.requests,
        timeout: opts.timeoutS ?? 10,
        pipelining: 1,
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        const elapsedS = (performance.now() - started) / 1000;
        const responses = latencies.length;
        const attempts = responses + result.errors;
        resolve({
          attempts,
          responses,
          ok,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCounts,
          elapsedS,
          latency: summarise(latencies),
          successRate: attempts > 0 ? ok / attempts : 0,
          byLabel: Object.fromEntries(
            [...labelled].map(([label, v]) => [
              label,
              { responses: v.latencies.length, ok: v.ok, latency: summarise(v.latencies) },
            ]),
          ),
        });
      },
    );
    let stopped = false;
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      const key = String(statusCode);
      statusCounts[key] = (statusCounts[key] ?? 0) + 1;
      const success = statusCode >= 200 && statusCode < 300;
      if (success) ok += 1;
      const label = opts.label?.();
      if (label !== undefined) {
        let entry = labelled.get(label);
        if (!entry) labelled.set(label, (entry = { latencies: [], ok: 0 }));
        entry.latencies.push(responseTime);
        if (success) entry.ok += 1;
      }
      if (!stopped && opts.maxResponses !== undefined && latencies.length >= opts.maxResponses) {
        stopped = true;
        instance.stop();
      }
    });
  });
}

/** Round-robin over a list, shared by every connection of a run. */
export function cycle<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new Error('cycle: empty list');
  let i = 0;
  return () => items[i++ % items.length]!;
}

export function jsonRequest(
  method: 'POST' | 'PUT',
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): RequestSpec {
  return { method, path, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } };
}
