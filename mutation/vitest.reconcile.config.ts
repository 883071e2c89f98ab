import { mutationVitestConfig } from './vitest.shared';

export default mutationVitestConfig(['apps/worker/src/reconcile/**/*.test.ts']);
