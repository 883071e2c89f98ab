import { describe, expect, it } from 'vitest';
import {
  FULFILMENT_STATUSES,
  InvalidFulfilmentMoveError,
  assertFulfilmentMove,
  canFulfil,
  canMoveFulfilment,
  fulfilmentStatusesAllowing,
  type FulfilmentStatus,
} from './fulfilment-status';
import { ORDER_STATUSES } from './order-status';

/** The whole table, written out: every pair not listed here must be refused. */
const ALLOWED: readonly (readonly [FulfilmentStatus, FulfilmentStatus])[] = [
  ['unfulfilled', 'shipped'],
  ['shipped', 'delivered'],
  ['shipped', 'returned'],
  ['delivered', 'returned'],
];

describe('fulfilment state machine', () => {
  it('allows exactly the listed moves and refuses every other pair (self-moves included)', () => {
    for (const from of FULFILMENT_STATUSES) {
      for (const to of FULFILMENT_STATUSES) {
        const expected = ALLOWED.some(([a, b]) => a === from && b === to);
        expect(canMoveFulfilment(from, to), `${from} → ${to}`).toBe(expected);
      }
    }
  });

  it('ships only a paid order: cancelled, expired, failed, refunded, in-review and unpaid orders are refused', () => {
    for (const status of ORDER_STATUSES) {
      expect(canFulfil(status, 'unfulfilled', 'shipped'), status).toBe(status === 'paid');
    }
    expect(() => assertFulfilmentMove('cancelled', 'unfulfilled', 'shipped')).toThrow(/a cancelled order cannot be shipped/);
  });

  it('accepts delivery and return reports whatever happened to the money since (the parcel is out)', () => {
    for (const status of ORDER_STATUSES) {
      expect(canFulfil(status, 'shipped', 'delivered')).toBe(true);
      expect(canFulfil(status, 'delivered', 'returned')).toBe(true);
    }
  });

  it('refuses shipping twice and delivering an unshipped order, naming the fulfilment move', () => {
    expect(() => assertFulfilmentMove('paid', 'shipped', 'shipped')).toThrow(InvalidFulfilmentMoveError);
    expect(() => assertFulfilmentMove('paid', 'unfulfilled', 'delivered')).toThrow(
      'fulfilment cannot move from unfulfilled to delivered',
    );
    expect(() => assertFulfilmentMove('paid', 'returned', 'shipped')).toThrow(InvalidFulfilmentMoveError);
  });

  it('derives update guards from the table; returned is the only terminal status', () => {
    expect(fulfilmentStatusesAllowing('shipped')).toEqual(['unfulfilled']);
    expect(fulfilmentStatusesAllowing('delivered')).toEqual(['shipped']);
    expect(fulfilmentStatusesAllowing('returned')).toEqual(['shipped', 'delivered']);
    expect(fulfilmentStatusesAllowing('unfulfilled')).toEqual([]);
    expect(FULFILMENT_STATUSES.filter((s) => FULFILMENT_STATUSES.every((t) => !canMoveFulfilment(s, t)))).toEqual([
      'returned',
    ]);
  });
});
