import { mutationVitestConfig } from './vitest.shared';

// In-process tests only: money-paths runs the worker's event handling in the test process (the API is
// a child process there, which is fine: nothing of the API is mutated by this module).
export default mutationVitestConfig([
  'apps/worker/src/jobs/stripe-event-fields.test.ts',
  'apps/worker/src/jobs/money-paths.test.ts',
]);
