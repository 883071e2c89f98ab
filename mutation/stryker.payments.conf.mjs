// @ts-check
import { moduleConfig } from './stryker.base.mjs';

/** Checkout session parameters, webhook verification, refund keys, the Stripe client. */
export default moduleConfig({
  name: 'payments',
  mutate: ['packages/payments/src/**/*.ts', '!packages/payments/src/index.ts', '!packages/payments/src/contract/**'],
  thresholds: { high: 90, low: 80, break: 80 },
});
