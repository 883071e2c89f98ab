import { Type } from '@sinclair/typebox';
import { ObjectIdString } from './common';

export const CreateIntentBody = Type.Object({ orderId: ObjectIdString }, { additionalProperties: false });

export const CheckoutSession = Type.Object({
  sessionId: Type.String(),
  url: Type.String({ description: 'Stripe-hosted checkout page to send the shopper to' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

export const VerifySessionQuery = Type.Object(
  { session_id: Type.String({ minLength: 1, maxLength: 255, pattern: '^cs_[A-Za-z0-9_]+$' }) },
  { additionalProperties: false },
);

export const VerifySessionResult = Type.Object({
  orderId: Type.String(),
  status: Type.String({ description: 'order status' }),
  paymentStatus: Type.String({ description: 'Stripe payment_status: paid, unpaid, no_payment_required' }),
  sessionStatus: Type.String({ description: 'Stripe session status: open, complete, expired' }),
});
