import { mutationVitestConfig } from './vitest.shared';

export default mutationVitestConfig(['apps/api/src/services/idempotency*.test.ts']);
