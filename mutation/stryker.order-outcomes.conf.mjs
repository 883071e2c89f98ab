// @ts-check
import { moduleConfig } from './stryker.base.mjs';

/** What a payment, a failure, an expiry, a cancel or a refund does to an order and its stock. */
export default moduleConfig({
  name: 'order-outcomes',
  mutate: ['packages/order-outcomes/src/**/*.ts', '!packages/order-outcomes/src/index.ts'],
  thresholds: { high: 90, low: 80, break: 80 },
});
