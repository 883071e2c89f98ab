// @ts-check
import { moduleConfig } from './stryker.base.mjs';

/** The worker's routing of Stripe events to order outcomes and its follow-up (cache, emails, metrics). */
export default moduleConfig({
  name: 'fulfilment',
  mutate: ['apps/worker/src/fulfilment/*.ts'],
  thresholds: { high: 90, low: 80, break: 80 },
});
