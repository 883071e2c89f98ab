import { mutationVitestConfig } from './vitest.shared';

export default mutationVitestConfig(['packages/payments/src/**/*.test.ts']);
