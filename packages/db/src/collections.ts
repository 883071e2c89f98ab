import type { Collection, Db } from 'mongodb';
import type {
  CartDoc,
  EmailOutboxDoc,
  FailedWebhookDoc,
  IdempotencyKeyDoc,
  OrderDoc,
  InventoryAdjustmentDoc,
  PasswordResetTokenDoc,
  PaymentDoc,
  ProductDoc,
  ReservationDoc,
  SweepCursorDoc,
  RefreshTokenDoc,
  UserDoc,
  WebhookEventDoc,
} from './documents';

/** Collection names, in one place so scripts and tests agree with the app. */
export const COLLECTIONS = {
  users: 'users',
  refreshTokens: 'refresh-tokens',
  passwordResetTokens: 'password-reset-tokens',
  products: 'products',
  carts: 'carts',
  orders: 'orders',
  reservations: 'reservations',
  inventoryAdjustments: 'inventory-adjustments',
  sweepCursors: 'sweep-cursors',
  payments: 'payments',
  idempotencyKeys: 'idempotency-keys',
  webhookEvents: 'webhook-events',
  failedWebhooks: 'failed-webhooks',
  emailOutbox: 'email-outbox',
} as const;

export interface Collections {
  users: Collection<UserDoc>;
  refreshTokens: Collection<RefreshTokenDoc>;
  passwordResetTokens: Collection<PasswordResetTokenDoc>;
  products: Collection<ProductDoc>;
  carts: Collection<CartDoc>;
  orders: Collection<OrderDoc>;
  reservations: Collection<ReservationDoc>;
  inventoryAdjustments: Collection<InventoryAdjustmentDoc>;
  sweepCursors: Collection<SweepCursorDoc>;
  payments: Collection<PaymentDoc>;
  idempotencyKeys: Collection<IdempotencyKeyDoc>;
  webhookEvents: Collection<WebhookEventDoc>;
  failedWebhooks: Collection<FailedWebhookDoc>;
  emailOutbox: Collection<EmailOutboxDoc>;
}

export function getCollections(db: Db): Collections {
  return {
    users: db.collection<UserDoc>(COLLECTIONS.users),
    refreshTokens: db.collection<RefreshTokenDoc>(COLLECTIONS.refreshTokens),
    passwordResetTokens: db.collection<PasswordResetTokenDoc>(COLLECTIONS.passwordResetTokens),
    products: db.collection<ProductDoc>(COLLECTIONS.products),
    carts: db.collection<CartDoc>(COLLECTIONS.carts),
    orders: db.collection<OrderDoc>(COLLECTIONS.orders),
    reservations: db.collection<ReservationDoc>(COLLECTIONS.reservations),
    inventoryAdjustments: db.collection<InventoryAdjustmentDoc>(COLLECTIONS.inventoryAdjustments),
    sweepCursors: db.collection<SweepCursorDoc>(COLLECTIONS.sweepCursors),
    payments: db.collection<PaymentDoc>(COLLECTIONS.payments),
    idempotencyKeys: db.collection<IdempotencyKeyDoc>(COLLECTIONS.idempotencyKeys),
    webhookEvents: db.collection<WebhookEventDoc>(COLLECTIONS.webhookEvents),
    failedWebhooks: db.collection<FailedWebhookDoc>(COLLECTIONS.failedWebhooks),
    emailOutbox: db.collection<EmailOutboxDoc>(COLLECTIONS.emailOutbox),
  };
}
