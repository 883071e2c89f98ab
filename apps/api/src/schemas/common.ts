import { Type } from '@sinclair/typebox';

export const ObjectIdString = Type.String({ pattern: '^[0-9a-fA-F]{24}$', description: '24-hex id' });
export const IdParams = Type.Object({ id: ObjectIdString }, { additionalProperties: false });
export const Currency = Type.String({ pattern: '^[a-z]{3}$', description: 'ISO 4217, lower case' });
export const MinorUnits = Type.Integer({ minimum: 0, description: 'integer minor units (cents)' });
export const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20 });
export const Cursor = Type.String({
  minLength: 1,
  maxLength: 512,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'opaque cursor from nextCursor',
});
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      description:
        'Makes a retried POST return the first result (24 h); a claim left by a crashed request is taken over after IDEMPOTENCY_LEASE_SECONDS',
    }),
  ),
});
