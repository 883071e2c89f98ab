// Standalone simulator for local development and out-of-process e2e runs:
//   STRIPE_WEBHOOK_SECRET=whsec_dev STRIPE_SIM_WEBHOOK_URL=http://127.0.0.1:5000/api/payments/webhook pnpm start
import { startStripeSimulator } from './server';
import type { Logger } from './webhooks/deliverer';

function line(level: 'info' | 'warn' | 'error', o: object, msg?: string): void {
  const out = JSON.stringify({ level, time: new Date().toISOString(), name: 'stripe-simulator', ...o, msg });
  (level === 'info' ? process.stdout : process.stderr).write(`${out}\n`);
}

const logger: Logger = {
  info: (o, msg) => line('info', o, msg),
  warn: (o, msg) => line('warn', o, msg),
};

async function main(): Promise<void> {
  const env = process.env;
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET;
  if (!webhookSecret) {
    line('error', {}, 'STRIPE_WEBHOOK_SECRET is required (the whsec_... the shop verifies webhooks with)');
    process.exit(1);
  }
  const port = Number(env.STRIPE_SIM_PORT ?? 12111);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    line('error', { STRIPE_SIM_PORT: env.STRIPE_SIM_PORT }, 'STRIPE_SIM_PORT must be a port number');
    process.exit(1);
  }
  const sim = await startStripeSimulator({
    port,
    host: env.STRIPE_SIM_HOST || '127.0.0.1',
    apiKeys: [env.STRIPE_SECRET_KEY || 'sk_test_simulator'],
    webhookSecret,
    webhookUrl: env.STRIPE_SIM_WEBHOOK_URL || undefined,
    publicUrl: env.STRIPE_SIM_PUBLIC_URL || undefined,
    // Only delivery attempts are logged per line; the "listening" line below is the one startup line.
    logger: { info: () => {}, warn: logger.warn },
  });
  line(
    'info',
    { url: sim.url, port: sim.port, webhookUrl: env.STRIPE_SIM_WEBHOOK_URL || null },
    'stripe simulator listening',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => {
        line('info', { signal }, 'stripe simulator stopped');
        process.exit(0);
      },
      (err: unknown) => {
        line('error', { signal, err: String(err) }, 'stripe simulator failed to stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  line('error', { err: err instanceof Error ? err.message : String(err) }, 'stripe simulator failed to start');
  process.exit(1);
});
