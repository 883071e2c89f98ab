// @ts-check
import { moduleConfig } from './stryker.base.mjs';

/** Pure money, order-status, fulfilment-status and search-term logic. */
export default moduleConfig({
  name: 'domain',
  mutate: ['packages/domain/src/**/*.ts', '!packages/domain/src/index.ts'],
  thresholds: { high: 95, low: 90, break: 90 },
  concurrency: 1,
});
