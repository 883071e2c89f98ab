// @ts-check
import { moduleConfig } from './stryker.base.mjs';

/** Idempotency-Key claims, leases, takeovers and stored answers. */
export default moduleConfig({
  name: 'idempotency',
  mutate: ['apps/api/src/services/idempotency.ts'],
  thresholds: { high: 90, low: 80, break: 80 },
});
