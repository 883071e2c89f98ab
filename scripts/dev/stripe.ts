/**
 * `pnpm dev`: the local Stripe simulator (@simple-shop/stripe-simulator) in place of Stripe, unless
 * STRIPE_SECRET_KEY is set in the environment (then the API talks to the Stripe it names and nothing
 * starts here). The simulator signs its webhooks with the same secret the API verifies them with and
 * posts them to the API's webhook route.
 */
import { startStripeSimulator, type StripeSimulator } from '@simple-shop/stripe-simulator';

export const DEV_STRIPE_KEY = 'sk_test_simulator';
export const DEV_WEBHOOK_SECRET = 'whsec_dev_simple_shop_local';
const DEFAULT_PORT = 12111;

export interface DevStripe {
  /** Variables for the API and the worker (empty when the environment configures Stripe). */
  env: Record<string, string>;
  /** Lines for the start banner. */
  banner: string[];
  stop(): Promise<void>;
}

function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

export async function startDevStripe(options: { apiPort: number | string }): Promise<DevStripe> {
  if (process.env.STRIPE_SECRET_KEY) {
    return {
      env: {},
      banner: ['Stripe:           STRIPE_SECRET_KEY from the environment (simulator not started)'],
      stop: async () => {},
    };
  }
  const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET ?? DEV_WEBHOOK_SECRET;
  const webhookUrl = `http://127.0.0.1:${options.apiPort}/api/payments/webhook`;
  const preferredPort = Number(process.env.STRIPE_SIM_PORT ?? DEFAULT_PORT);
  const start = (port: number) =>
    startStripeSimulator({
      port,
      host: '127.0.0.1',
      apiKeys: [DEV_STRIPE_KEY],
      webhookSecret,
      webhookUrl,
      logger: {
        info: () => {},
        warn: (o, msg) => console.warn(`[stripe] ${msg ?? 'warning'} ${JSON.stringify(o)}`),
      },
    });

  let sim: StripeSimulator;
  try {
    sim = await start(preferredPort);
  } catch (error) {
    if (!isAddressInUse(error)) throw error;
    console.warn(
      `[dev] port ${preferredPort} is taken (STRIPE_SIM_PORT); the Stripe simulator uses a free port instead`,
    );
    sim = await start(0);
  }
  return {
    env: { STRIPE_SECRET_KEY: DEV_STRIPE_KEY, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_BASE: sim.url },
    banner: [`Stripe simulator: ${sim.url}  (webhooks → ${webhookUrl}; state: ${sim.url}/_sim/state)`],
    stop: () => sim.close(),
  };
}
