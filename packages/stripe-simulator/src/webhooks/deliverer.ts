// Delivers events to the webhook endpoint the way Stripe does: signed POST of
// the JSON payload, any 2xx counts as delivered, everything else (non-2xx,
// connection error, timeout) is retried with exponential backoff. Deliveries
// run on timers, never inside the API request that caused the event.
import http from 'node:http';
import https from 'node:https';
import type { Faults } from '../faults';
import type { DeliveryRecord, StripeEvent, StripeEventType } from '../types';
import { signPayload } from './sign';

export interface RetryPolicy {
  baseDelayMs: number;
  maxAttempts: number;
  factor: number;
}

export interface Logger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
}

export interface DelivererOptions {
  secret: string;
  getUrl(): string | undefined;
  getFaults(): Faults;
  retry: RetryPolicy;
  timeoutMs: number;
  logger: Logger;
  record(d: DeliveryRecord): void;
  /** The endpoint's `enabled_events`: other events are stored but not sent to it. */
  isEnabled(type: StripeEventType): boolean;
}

/** An event plus the exact bytes that are signed and sent, fixed at creation so resends are byte-identical. */
export interface OutgoingEvent {
  event: StripeEvent;
  payload: string;
}

interface HeldEvent extends OutgoingEvent {
  duplicates: number;
  delayMs: number;
}

interface Sleeper {
  timer: NodeJS.Timeout;
  resolve(proceed: boolean): void;
}

type PostResult = { statusCode: number; error: null } | { statusCode: null; error: string };

export class WebhookDeliverer {
  private readonly sleepers = new Set<Sleeper>();
  private readonly inFlight = new Set<http.ClientRequest>();
  private held: HeldEvent[] = [];
  private active = 0;
  private idleWaiters: Array<() => void> = [];
  private flushChain: Promise<void> = Promise.resolve();
  /** Bumped by cancelAll(); chains from an older generation stop at their next step. */
  private generation = 0;
  private closed = false;

  constructor(private readonly opts: DelivererOptions) {}

  /** Called for every new event. Without a webhook URL the event is only stored (like an account with no endpoint). */
  enqueue(outgoing: OutgoingEvent): void {
    if (this.closed || !this.opts.getUrl() || !this.opts.isEnabled(outgoing.event.type)) return;
    const faults = this.opts.getFaults();
    const held: HeldEvent = { ...outgoing, duplicates: faults.duplicateDeliveries, delayMs: faults.deliveryDelayMs };
    if (faults.reorder) {
      this.held.push(held);
      return;
    }
    void this.dispatch(held);
  }

  /** Delivers an event again (one delivery with its own retries). Resolves after its first attempt. */
  resend(outgoing: OutgoingEvent): Promise<void> {
    if (!this.opts.getUrl())
      return Promise.reject(new Error('No webhook URL is configured; set one before resending events.'));
    return new Promise<void>((resolve) => {
      void this.runChain(outgoing, -1, 0, resolve);
    });
  }

  /**
   * Releases events held by the `reorder` fault, newest first. Each event's
   * first attempt (all its copies) completes before the next one starts, so
   * arrival order at the receiver is strictly reversed.
   */
  flush(): Promise<void> {
    this.flushChain = this.flushChain.then(async () => {
      const batch = this.held.reverse();
      this.held = [];
      for (const item of batch) await this.dispatch(item);
    });
    return this.flushChain;
  }

  /** Resolves once nothing is held, scheduled or in flight (retries included). */
  async waitForIdle(): Promise<void> {
    for (;;) {
      await this.flush();
      if (this.closed || (this.active === 0 && this.held.length === 0)) return;
      if (this.active > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  /** Drops held events and stops every pending retry and in-flight request (used by reset and close). */
  cancelAll(): void {
    this.generation++;
    this.held = [];
    for (const s of this.sleepers) {
      clearTimeout(s.timer);
      s.resolve(false);
    }
    this.sleepers.clear();
    for (const req of this.inFlight) req.destroy(new Error('delivery cancelled'));
    this.inFlight.clear();
  }

  close(): void {
    this.closed = true;
    this.cancelAll();
    this.notifyIdle();
  }

  /** Starts the regular delivery and its duplicates; resolves when all of their first attempts are done. */
  private dispatch(item: HeldEvent): Promise<void> {
    const copies: Promise<void>[] = [];
    for (let copy = 0; copy <= item.duplicates; copy++) {
      copies.push(new Promise<void>((resolve) => void this.runChain(item, copy, item.delayMs, resolve)));
    }
    return Promise.all(copies).then(() => undefined);
  }

  private async runChain(
    outgoing: OutgoingEvent,
    copy: number,
    firstDelayMs: number,
    onFirstAttempt: () => void,
  ): Promise<void> {
    const generation = this.generation;
    const { baseDelayMs, maxAttempts, factor } = this.opts.retry;
    this.active++;
    try {
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const delay = attempt === 1 ? firstDelayMs : baseDelayMs * factor ** (attempt - 2);
        const proceed = await this.sleep(delay);
        if (!proceed || generation !== this.generation) return;
        const ok = await this.attempt(outgoing, attempt, copy, generation, delay);
        if (attempt === 1) onFirstAttempt();
        if (ok !== false) return; // delivered (true) or cancelled (null)
        if (attempt === maxAttempts) {
          this.opts.logger.warn(
            { eventId: outgoing.event.id, type: outgoing.event.type, attempts: attempt },
            'stripe-simulator: giving up on webhook delivery',
          );
        }
      }
    } finally {
      onFirstAttempt(); // idempotent for a Promise resolver; covers cancelled chains
      this.active--;
      if (this.active === 0) this.notifyIdle();
    }
  }

  /** Wakes waitForIdle(); it re-checks (and flushes newly held events) itself. */
  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const sleeper: Sleeper = {
        timer: setTimeout(
          () => {
            this.sleepers.delete(sleeper);
            resolve(true);
          },
          Math.max(0, ms),
        ),
        resolve,
      };
      this.sleepers.add(sleeper);
    });
  }

  /** true = delivered, false = failed (retry), null = cancelled by reset/close while in flight. */
  private async attempt(
    outgoing: OutgoingEvent,
    attempt: number,
    copy: number,
    generation: number,
    delayMs: number,
  ): Promise<boolean | null> {
    const url = this.opts.getUrl();
    const { event, payload } = outgoing;
    const faults = this.opts.getFaults();
    // Read per attempt so a test can "fix the secret" and watch the next retry succeed.
    const secret = faults.wrongSignature ? `${this.opts.secret}_not_the_endpoint_secret` : this.opts.secret;
    const timestamp = Math.floor(Date.now() / 1000) - (faults.staleTimestamp ? 600 : 0);
    const signature = signPayload(payload, secret, timestamp);
    const at = Date.now();
    const result: PostResult = url
      ? await this.post(url, payload, signature)
      : { statusCode: null, error: 'no webhook URL configured' };
    if (generation !== this.generation) return null;
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const record: DeliveryRecord = {
      eventId: event.id,
      type: event.type,
      url: url ?? '',
      attempt,
      copy,
      statusCode: result.statusCode,
      error: result.error,
      ok,
      delayMs,
      at,
      durationMs: Date.now() - at,
      signature,
    };
    this.opts.record(record);
    const log = {
      eventId: event.id,
      type: event.type,
      attempt,
      copy,
      statusCode: result.statusCode,
      error: result.error,
    };
    if (ok) this.opts.logger.info(log, 'stripe-simulator: webhook delivered');
    else this.opts.logger.warn(log, 'stripe-simulator: webhook delivery failed');
    return ok;
  }

  private post(url: string, payload: string, signature: string): Promise<PostResult> {
    return new Promise<PostResult>((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ statusCode: null, error: `invalid webhook URL: ${url}` });
        return;
      }
      const body = Buffer.from(payload, 'utf8');
      const client = target.protocol === 'https:' ? https : http;
      // agent:false → a fresh connection per attempt, as Stripe's senders do;
      // also means no pooled socket keeps a test's receiver from closing.
      const req = client.request(target, {
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': body.length,
          'Stripe-Signature': signature,
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'Cache-Control': 'no-cache',
          Accept: '*/*; q=0.5, application/xml',
          Connection: 'close',
        },
      });
      this.inFlight.add(req);
      let settled = false;
      const finish = (r: PostResult) => {
        if (settled) return;
        settled = true;
        this.inFlight.delete(req);
        resolve(r);
      };
      req.setTimeout(this.opts.timeoutMs, () => {
        req.destroy(new Error(`timed out after ${this.opts.timeoutMs} ms`));
      });
      req.on('response', (res) => {
        const statusCode = res.statusCode ?? 0;
        res.resume(); // Stripe ignores the body; drain it so the socket is released.
        res.on('end', () => finish({ statusCode, error: null }));
        res.on('error', () => finish({ statusCode, error: null }));
        res.on('close', () => finish({ statusCode, error: null }));
      });
      req.on('error', (err) => finish({ statusCode: null, error: err.message }));
      req.end(body);
    });
  }
}
