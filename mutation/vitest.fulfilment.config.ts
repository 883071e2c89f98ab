import { mutationVitestConfig } from './vitest.shared';

// In-process tests only: handle-event calls the routing directly (worker dependencies, own Stripe
// simulator); money-paths runs the worker's event handling in the test process (the API is a child
// process there, which is fine: nothing of the API is mutated by this module).
export default mutationVitestConfig([
  'apps/worker/src/fulfilment/handle-event.test.ts',
  'apps/worker/src/jobs/stripe-event-fields.test.ts',
  'apps/worker/src/jobs/money-paths.test.ts',
]);
