import { describe, expect, it } from 'vitest';
import {
  ORDER_STATUSES,
  InvalidTransitionError,
  assertTransition,
  canTransition,
  isOrderStatus,
  isTerminal,
  statusesAllowing,
  type OrderStatus,
} from './order-status';
import {
  FULFILMENT_STATUSES,
  InvalidFulfilmentMoveError,
  assertFulfilmentMove,
  isFulfilmentStatus,
  orderStatusesAllowingFulfilment,
} from './fulfilment-status';

/** The whole order state machine, written out: every pair not listed here must be refused. */
const ALLOWED: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending_payment: ['paid', 'payment_failed', 'cancelled', 'expired', 'needs_review', 'refunded'],
  payment_failed: ['paid', 'refunded', 'needs_review'],
  cancelled: ['paid', 'refunded', 'needs_review'],
  expired: ['paid', 'refunded', 'needs_review'],
  paid: ['refunded', 'needs_review'],
  needs_review: ['paid', 'refunded', 'cancelled'],
  refunded: [],
};

describe('order state machine table', () => {
  it('allows exactly the documented moves and refuses every other pair', () => {
    expect([...ORDER_STATUSES].sort()).toEqual(Object.keys(ALLOWED).sort());
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        expect(canTransition(from, to), `${from} → ${to}`).toBe(ALLOWED[from].includes(to));
      }
    }
  });

  it('derives every update guard from the table', () => {
    for (const to of ORDER_STATUSES) {
      const expected = ORDER_STATUSES.filter((from) => ALLOWED[from].includes(to));
      expect(statusesAllowing(to), to).toEqual(expected);
    }
    expect(statusesAllowing('refunded')).toEqual([
      'pending_payment',
      'paid',
      'payment_failed',
      'cancelled',
      'expired',
      'needs_review',
    ]);
  });

  it('lets an allowed move through and refuses another with a named error', () => {
    expect(() => assertTransition('pending_payment', 'paid')).not.toThrow();
    expect(() => assertTransition('needs_review', 'cancelled')).not.toThrow();
    let caught: unknown;
    try {
      assertTransition('refunded', 'paid');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidTransitionError);
    expect(caught).toMatchObject({
      name: 'InvalidTransitionError',
      message: 'order cannot move from refunded to paid',
      from: 'refunded',
      to: 'paid',
    });
  });

  it('recognises exactly the order statuses', () => {
    for (const status of ORDER_STATUSES) expect(isOrderStatus(status)).toBe(true);
    expect(isOrderStatus('shipped')).toBe(false);
    expect(isOrderStatus('PAID')).toBe(false);
    expect(isOrderStatus('')).toBe(false);
  });

  it('has no terminal status but refunded', () => {
    for (const status of ORDER_STATUSES) expect(isTerminal(status), status).toBe(status === 'refunded');
  });
});

describe('fulfilment guards', () => {
  it('lets an allowed move of a paid order through', () => {
    expect(() => assertFulfilmentMove('paid', 'unfulfilled', 'shipped')).not.toThrow();
    expect(() => assertFulfilmentMove('refunded', 'shipped', 'delivered')).not.toThrow();
    expect(() => assertFulfilmentMove('cancelled', 'delivered', 'returned')).not.toThrow();
  });

  it('refuses with a named error carrying the order status and the move', () => {
    let caught: unknown;
    try {
      assertFulfilmentMove('needs_review', 'unfulfilled', 'shipped');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidFulfilmentMoveError);
    expect(caught).toMatchObject({
      name: 'InvalidFulfilmentMoveError',
      message: 'a needs_review order cannot be shipped',
      orderStatus: 'needs_review',
      from: 'unfulfilled',
      to: 'shipped',
    });
  });

  it('needs a paid order only for shipping', () => {
    expect(orderStatusesAllowingFulfilment('shipped')).toEqual(['paid']);
    expect(orderStatusesAllowingFulfilment('delivered')).toEqual([]);
    expect(orderStatusesAllowingFulfilment('returned')).toEqual([]);
    expect(orderStatusesAllowingFulfilment('unfulfilled')).toEqual([]);
  });

  it('recognises exactly the fulfilment statuses', () => {
    for (const status of FULFILMENT_STATUSES) expect(isFulfilmentStatus(status)).toBe(true);
    expect(isFulfilmentStatus('paid')).toBe(false);
    expect(isFulfilmentStatus('Shipped')).toBe(false);
    expect(isFulfilmentStatus('')).toBe(false);
  });
});
