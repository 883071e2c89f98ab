import { mutationVitestConfig } from './vitest.shared';

export default mutationVitestConfig([
  'packages/orders/src/**/*.test.ts',
  // Shipping, delivery and returns are written by moveFulfilment (packages/orders/src/fulfilment.ts).
  'packages/order-outcomes/src/fulfil.test.ts',
]);
