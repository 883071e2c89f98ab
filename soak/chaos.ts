/**
 * The chaos loop: while traffic runs it SIGKILLs workers (and starts replacements), restarts
 * Redis (a throwaway server without persistence: its queues are lost, as after a failover to an
 * empty replica), and makes Stripe misbehave: duplicate deliveries, reordered (newest-first)
 * deliveries, delayed deliveries, and re-sends of random past events.
 *
 * The first actions are fixed (kill a worker, restart Redis, duplicate + reorder) so even a short
 * run has one of each; later ones are drawn from the seeded PRNG.
 */
import type { Ledger } from './ledger';
import type { Rng } from './rng';
import type { SoakStack } from './stack';

export const CHAOS_WEIGHTS = {
  killWorker: 24,
  restartRedis: 12,
  duplicates: 16,
  reorder: 16,
  delay: 10,
  resend: 22,
} as const;
export type ChaosAction = keyof typeof CHAOS_WEIGHTS;

export interface ChaosOptions {
  /** Pause between actions, drawn uniformly (ms). */
  intervalMs: [number, number];
  /** Workers to keep running (a killed one is replaced). */
  workers: number;
}

export interface ChaosLoop {
  /** Stops starting actions, waits for running ones, brings everything back up and clears faults. */
  stop(): Promise<void>;
  counts: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startChaos(stack: SoakStack, ledger: Ledger, rng: Rng, options: ChaosOptions): ChaosLoop {
  const counts: Record<string, number> = {};
  const running = new Set<Promise<void>>();
  let stopping = false;
  let wake: (() => void) | undefined;
  let redisBusy = false;
  const count = (name: string, n = 1) => {
    counts[name] = (counts[name] ?? 0) + n;
  };
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const track = (work: Promise<void>) => {
    const p = work
      .catch((error: unknown) => {
        ledger.notes.push(`chaos action failed: ${(error as Error).message}`);
      })
      .finally(() => running.delete(p));
    running.add(p);
  };

  const killWorker = async () => {
    const victim = stack.workers.length ? rng.pick(stack.workers) : undefined;
    if (!victim) return;
    const event = ledger.chaosEvent('killWorker', `SIGKILL worker-${victim.id} (pid ${victim.process.pid})`);
    event.pid = victim.process.pid;
    count('killWorker');
    await stack.killWorker(victim);
    await sleep(rng.int(300, 2000));
    if (stack.workers.length < options.workers) {
      const replacement = await stack.startWorker();
      event.detail += `; replaced by worker-${replacement.id}`;
    }
    event.until = Date.now();
  };

  const restartRedis = async () => {
    if (redisBusy) return;
    redisBusy = true;
    try {
      const event = ledger.chaosEvent('restartRedis', `redis-server :${stack.redis.port} stopped (data lost)`);
      count('restartRedis');
      await stack.stopRedis();
      await sleep(rng.int(500, 3000));
      await stack.startRedis();
      event.until = Date.now();
      event.detail += `; back after ${event.until - event.at} ms`;
    } finally {
      redisBusy = false;
    }
  };

  const faultWindow = async (
    action: string,
    fault: Parameters<SoakStack['sim']['faults']['set']>[0],
    clear: Parameters<SoakStack['sim']['faults']['set']>[0],
    ms: number,
  ) => {
    const event = ledger.chaosEvent(action, `${JSON.stringify(fault)} for ${ms} ms`);
    count(action);
    stack.sim.faults.set(fault);
    await sleep(ms);
    stack.sim.faults.set(clear);
    event.until = Date.now();
  };

  const resend = async () => {
    const events = stack.sim.events();
    if (events.length === 0) return;
    const n = rng.int(1, 5);
    const picked = Array.from({ length: n }, () => rng.pick(events));
    ledger.chaosEvent('resend', picked.map((e) => `${e.type} ${e.id}`).join(', '));
    count('resend');
    count('resentEvents', n);
    await Promise.all(picked.map((e) => stack.sim.resendEvent(e.id).catch(() => undefined)));
  };

  const perform = (action: ChaosAction): Promise<void> => {
    switch (action) {
      case 'killWorker':
        return killWorker();
      case 'restartRedis':
        return restartRedis();
      case 'duplicates':
        return faultWindow(
          'duplicates',
          { duplicateDeliveries: rng.int(1, 3) },
          { duplicateDeliveries: 0 },
          rng.int(2000, 6000),
        );
      case 'reorder':
        return faultWindow('reorder', { reorder: true }, { reorder: false }, rng.int(800, 3000));
      case 'delay':
        return faultWindow(
          'delay',
          { deliveryDelayMs: rng.int(200, 1500) },
          { deliveryDelayMs: 0 },
          rng.int(2000, 5000),
        );
      case 'resend':
        return resend();
    }
  };

  const scripted: ChaosAction[] = ['killWorker', 'duplicates', 'restartRedis', 'reorder', 'resend'];
  const loop = (async () => {
    await pause(rng.int(2000, 4000));
    while (!stopping) {
      const action = scripted.shift() ?? rng.weighted(CHAOS_WEIGHTS);
      track(perform(action));
      await pause(rng.int(options.intervalMs[0], options.intervalMs[1]));
    }
  })();

  return {
    counts,
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      while (running.size > 0) await Promise.allSettled([...running]);
      if (!stack.redisUp()) await stack.startRedis();
      while (stack.workers.length < options.workers) await stack.startWorker();
      stack.sim.faults.reset(); // releases events held by `reorder`
    },
  };
}
