/**
 * Readiness checks shared by the API and the worker: each dependency probe runs with a timeout
 * so one hung dependency cannot hang the probe, and the overall status follows one rule:
 * a required dependency down → unhealthy (HTTP 503); only optional ones down → degraded.
 */
export type CheckStatus = 'up' | 'down' | 'skipped';

export interface CheckResult {
  status: CheckStatus;
  required: boolean;
  latencyMs?: number;
  detail?: string;
}

export interface Check {
  required: boolean;
  /** Resolve when healthy; throw (or return 'skipped' with a reason) otherwise. */
  probe: () => Promise<void | { skipped: string }>;
}

export type OverallStatus = 'healthy' | 'degraded' | 'unhealthy';

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runChecks<K extends string>(
  checks: Record<K, Check>,
  timeoutMs = 1500,
): Promise<{ status: OverallStatus; checks: Record<K, CheckResult> }> {
  const entries = await Promise.all(
    (Object.entries(checks) as [K, Check][]).map(async ([name, check]) => {
      const started = performance.now();
      try {
        const outcome = await withTimeout(Promise.resolve().then(check.probe), timeoutMs);
        if (outcome && 'skipped' in outcome) {
          return [name, { status: 'skipped', required: check.required, detail: outcome.skipped }] as const;
        }
        const latencyMs = Math.round((performance.now() - started) * 100) / 100;
        return [name, { status: 'up', required: check.required, latencyMs }] as const;
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        return [name, { status: 'down', required: check.required, detail }] as const;
      }
    }),
  );
  const results = Object.fromEntries(entries) as Record<K, CheckResult>;
  const down = Object.values<CheckResult>(results).filter((r) => r.status === 'down');
  const status: OverallStatus = down.some((r) => r.required) ? 'unhealthy' : down.length > 0 ? 'degraded' : 'healthy';
  return { status, checks: results };
}
