import { mutationVitestConfig } from './vitest.shared';

export default mutationVitestConfig(['apps/worker/src/jobs/stripe-event-fields.test.ts']);
