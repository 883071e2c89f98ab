// @ts-check
import { moduleConfig } from './stryker.base.mjs';

/** Order creation, stock reservations and adjustments, status moves, fulfilment writes, the reservations migration. */
export default moduleConfig({
  name: 'orders',
  mutate: ['packages/orders/src/**/*.ts', '!packages/orders/src/index.ts'],
  thresholds: { high: 90, low: 80, break: 80 },
});
