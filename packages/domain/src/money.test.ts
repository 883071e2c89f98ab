import { describe, expect, it } from 'vitest';
import { MoneyError, add, format, money, multiply, sum } from './money';

describe('money', () => {
  it('adds and multiplies integer minor units exactly', () => {
    const price = money(1999, 'USD');
    expect(price).toEqual({ amount: 1999, currency: 'usd' });
    expect(multiply(price, 3)).toEqual({ amount: 5997, currency: 'usd' });
    expect(add(price, money(1, 'usd')).amount).toBe(2000);
    // 0.1 + 0.2 style drift cannot happen: 10 + 20 cents is exactly 30.
    expect(sum([money(10, 'eur'), money(20, 'eur')], 'eur')).toEqual({ amount: 30, currency: 'eur' });
    expect(sum([], 'gbp')).toEqual({ amount: 0, currency: 'gbp' });
  });

  it('refuses floats, unsafe integers, unknown and mixed currencies', () => {
    expect(() => money(19.99, 'usd')).toThrow(MoneyError);
    expect(() => money(Number.MAX_SAFE_INTEGER + 1, 'usd')).toThrow(MoneyError);
    expect(() => money(100, 'xyz')).toThrow(/unsupported currency/);
    expect(() => add(money(1, 'usd'), money(1, 'eur'))).toThrow(/currency mismatch/);
    expect(() => multiply(money(1, 'usd'), 1.5)).toThrow(MoneyError);
    expect(() => multiply(money(Number.MAX_SAFE_INTEGER, 'usd'), 2)).toThrow(MoneyError);
  });

  it('formats by the currency exponent', () => {
    expect(format(money(1999, 'usd'))).toBe('19.99 USD');
    expect(format(money(5, 'eur'))).toBe('0.05 EUR');
    expect(format(money(1500, 'jpy'))).toBe('1500 JPY');
    expect(format(money(-250, 'gbp'))).toBe('-2.50 GBP');
  });
});
