import { mutationVitestConfig } from './vitest.shared';

export default mutationVitestConfig(['packages/order-outcomes/src/**/*.test.ts']);
