/** What the soak did and saw, kept for the invariants and the report. */

export interface SeedProduct {
  id: string;
  name: string;
  category: string;
  price: number;
  initialStock: number;
}

export interface SoakUser {
  id: string;
  email: string;
  token: string;
}

export interface LedgerOrder {
  id: string;
  userId: string;
  scenario: string;
  total: number;
  sessionId?: string;
  createdAt: number;
}

export interface OpStat {
  count: number;
  byStatus: Record<string, number>;
  totalMs: number;
  maxMs: number;
}

export interface Anomaly {
  at: number;
  op: string;
  status: number;
  detail: string;
}

export interface ChaosEvent {
  at: number;
  action: string;
  detail: string;
  /** For outages: when the dependency was back. */
  until?: number;
  /** For killWorker: the pid of the process that was SIGKILLed (claims in the outbox name it). */
  pid?: number;
}

export class Ledger {
  readonly orders = new Map<string, LedgerOrder>();
  readonly ops: Record<string, OpStat> = {};
  readonly scenarios: Record<string, number> = {};
  /** Answers outside the expected set (5xx always), kept up to a bound. */
  readonly anomalies: Anomaly[] = [];
  anomalyCount = 0;
  readonly chaos: ChaosEvent[] = [];
  readonly notes: string[] = [];
  readonly startedAt = Date.now();

  op(name: string, status: number, ms: number): void {
    const stat = (this.ops[name] ??= { count: 0, byStatus: {}, totalMs: 0, maxMs: 0 });
    stat.count += 1;
    stat.byStatus[String(status)] = (stat.byStatus[String(status)] ?? 0) + 1;
    stat.totalMs += ms;
    stat.maxMs = Math.max(stat.maxMs, ms);
  }

  anomaly(op: string, status: number, detail: string): void {
    this.anomalyCount += 1;
    if (this.anomalies.length < 300) this.anomalies.push({ at: Date.now(), op, status, detail: detail.slice(0, 400) });
  }

  scenario(name: string): void {
    this.scenarios[name] = (this.scenarios[name] ?? 0) + 1;
  }

  chaosEvent(action: string, detail = ''): ChaosEvent {
    const event: ChaosEvent = { at: Date.now(), action, detail };
    this.chaos.push(event);
    return event;
  }

  totalRequests(): number {
    return Object.values(this.ops).reduce((sum, s) => sum + s.count, 0);
  }
}
