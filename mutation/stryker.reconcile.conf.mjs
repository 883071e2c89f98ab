// @ts-check
import { moduleConfig } from './stryker.base.mjs';

/** The scheduled safety net: overdue orders, lost webhooks, stale holds, stuck emails and events. */
export default moduleConfig({
  name: 'reconcile',
  mutate: ['apps/worker/src/reconcile/*.ts'],
  thresholds: { high: 90, low: 80, break: 80 },
});
