import { describe, expect, it } from 'vitest';
import { MoneyError, SUPPORTED_CURRENCIES, equals, format, isCurrency, money, multiply, sum } from './money';

describe('money guards', () => {
  it('refuses a fractional quantity even when the product would be a whole number of cents', () => {
    // 2 cents × 1.5 = 3 cents: an integer amount, but half an item is not a quantity.
    expect(() => multiply(money(2, 'usd'), 1.5)).toThrow(new MoneyError('quantity must be an integer, got 1.5'));
    expect(() => multiply(money(2, 'usd'), Number.NaN)).toThrow(MoneyError);
    expect(multiply(money(2, 'usd'), 0)).toEqual({ amount: 0, currency: 'usd' });
    expect(multiply(money(250, 'eur'), -2)).toEqual({ amount: -500, currency: 'eur' });
  });

  it('names the refused amount and currency in a MoneyError', () => {
    const error = (() => {
      try {
        money(19.99, 'usd');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MoneyError);
    expect(error).toMatchObject({
      name: 'MoneyError',
      message: 'amount must be a safe integer of minor units, got 19.99',
    });
    expect(() => money(1, 'XYZ')).toThrow(new MoneyError('unsupported currency XYZ'));
    expect(() => sum([money(1, 'usd'), money(1, 'eur')], 'usd')).toThrow(
      new MoneyError('currency mismatch: usd vs eur'),
    );
  });

  it('compares amount and currency', () => {
    expect(equals(money(100, 'usd'), money(100, 'USD'))).toBe(true);
    expect(equals(money(100, 'usd'), money(101, 'usd'))).toBe(false);
    expect(equals(money(100, 'usd'), money(100, 'eur'))).toBe(false);
    expect(equals(money(100, 'usd'), money(101, 'eur'))).toBe(false);
  });

  it('accepts exactly the listed currencies, lower case', () => {
    expect(SUPPORTED_CURRENCIES).toEqual(['usd', 'eur', 'gbp', 'chf', 'cad', 'aud', 'sek', 'nok', 'dkk', 'pln', 'jpy']);
    expect(isCurrency('usd')).toBe(true);
    expect(isCurrency('USD')).toBe(false);
    // An own key only: nothing inherited from Object.prototype is a currency.
    expect(isCurrency('toString')).toBe(false);
    expect(isCurrency('constructor')).toBe(false);
  });

  it('formats zero without a sign and pads amounts below one major unit', () => {
    expect(format(money(0, 'usd'))).toBe('0.00 USD');
    expect(format(money(0, 'jpy'))).toBe('0 JPY');
    expect(format(money(-5, 'eur'))).toBe('-0.05 EUR');
    expect(format(money(-7, 'jpy'))).toBe('-7 JPY');
    expect(format(money(123456, 'chf'))).toBe('1234.56 CHF');
  });
});
