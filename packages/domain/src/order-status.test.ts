import { describe, expect, it } from 'vitest';
import {
  ORDER_STATUSES,
  InvalidTransitionError,
  assertTransition,
  canTransition,
  holdsStock,
  isTerminal,
  statusesAllowing,
} from './order-status';

describe('order state machine', () => {
  it('lets an unpaid order be paid, failed, cancelled, expired or sent to review', () => {
    for (const to of ['paid', 'payment_failed', 'cancelled', 'expired', 'needs_review'] as const) {
      expect(canTransition('pending_payment', to)).toBe(true);
    }
  });

  it('never cancels a paid order silently: it is refunded instead', () => {
    expect(canTransition('paid', 'cancelled')).toBe(false);
    expect(canTransition('paid', 'refunded')).toBe(true);
    expect(() => assertTransition('paid', 'cancelled')).toThrow(InvalidTransitionError);
  });

  it('accepts a late payment after expiry or cancel (paid again or refunded)', () => {
    expect(canTransition('expired', 'paid')).toBe(true);
    expect(canTransition('cancelled', 'refunded')).toBe(true);
    // but an expired order does not come back to life as unpaid
    expect(canTransition('expired', 'pending_payment')).toBe(false);
  });

  it('has refunded as the only terminal status and no self-loops', () => {
    expect(ORDER_STATUSES.filter(isTerminal)).toEqual(['refunded']);
    for (const s of ORDER_STATUSES) expect(canTransition(s, s)).toBe(false);
    expect(ORDER_STATUSES.some((s) => canTransition(s, 'pending_payment'))).toBe(false);
  });

  it('derives update guards from the table', () => {
    expect(statusesAllowing('cancelled').sort()).toEqual(['needs_review', 'pending_payment']);
    expect(statusesAllowing('expired')).toEqual(['pending_payment']);
  });

  it('holds stock only while awaiting payment', () => {
    expect(ORDER_STATUSES.filter(holdsStock)).toEqual(['pending_payment']);
  });
});
