import { mutationVitestConfig } from './vitest.shared';

export default mutationVitestConfig(['packages/domain/src/**/*.test.ts']);
