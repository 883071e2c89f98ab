import { mutationVitestConfig } from './vitest.shared';

export default mutationVitestConfig([
  'apps/api/src/services/auth/refresh-rotation.test.ts',
  'apps/api/src/routes/api/auth/refresh.test.ts',
]);
