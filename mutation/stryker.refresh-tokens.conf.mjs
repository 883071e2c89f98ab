// @ts-check
import { moduleConfig } from './stryker.base.mjs';

/** Refresh-token rotation, reuse detection and family revocation. */
export default moduleConfig({
  name: 'refresh-tokens',
  mutate: ['apps/api/src/services/auth/refresh-tokens.ts'],
  thresholds: { high: 90, low: 80, break: 80 },
});
