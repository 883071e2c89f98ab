/**
 * Money is an integer number of minor units (cents) plus an ISO 4217 currency, lower case as
 * Stripe writes it. Floats never appear: every operation checks it stays a safe integer.
 */

/** Currencies the shop accepts, with their minor-unit exponent (JPY has none). */
export const CURRENCY_EXPONENTS = {
  usd: 2,
  eur: 2,
  gbp: 2,
  chf: 2,
  cad: 2,
  aud: 2,
  sek: 2,
  nok: 2,
  dkk: 2,
  pln: 2,
  jpy: 0,
} as const;

export type CurrencyCode = keyof typeof CURRENCY_EXPONENTS;
export const SUPPORTED_CURRENCIES = Object.keys(CURRENCY_EXPONENTS) as CurrencyCode[];

export interface Money {
  readonly amount: number;
  readonly currency: CurrencyCode;
}

export class MoneyError extends Error {
  override name = 'MoneyError';
}

export function isCurrency(value: string): value is CurrencyCode {
  return Object.hasOwn(CURRENCY_EXPONENTS, value);
}

function assertMinorUnits(amount: number): void {
  if (!Number.isSafeInteger(amount)) {
    throw new MoneyError(`amount must be a safe integer of minor units, got ${amount}`);
  }
}

export function money(amount: number, currency: string): Money {
  assertMinorUnits(amount);
  const code = currency.toLowerCase();
  if (!isCurrency(code)) throw new MoneyError(`unsupported currency ${currency}`);
  return { amount, currency: code };
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new MoneyError(`currency mismatch: ${a.currency} vs ${b.currency}`);
  }
}

export function add(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  const amount = a.amount + b.amount;
  assertMinorUnits(amount);
  return { amount, currency: a.currency };
}

export function multiply(unit: Money, quantity: number): Money {
  if (!Number.isSafeInteger(quantity)) throw new MoneyError(`quantity must be an integer, got ${quantity}`);
  const amount = unit.amount * quantity;
  assertMinorUnits(amount);
  return { amount, currency: unit.currency };
}

/** Sum of a list in one currency; an empty list is zero in `currency`. */
export function sum(values: readonly Money[], currency: CurrencyCode): Money {
  return values.reduce<Money>((total, value) => add(total, value), { amount: 0, currency });
}

export function equals(a: Money, b: Money): boolean {
  return a.amount === b.amount && a.currency === b.currency;
}

/** Human text such as "19.99 USD" — for emails and pages, never for arithmetic. */
export function format(value: Money): string {
  const exponent = CURRENCY_EXPONENTS[value.currency];
  const sign = value.amount < 0 ? '-' : '';
  const digits = Math.abs(value.amount)
    .toString()
    .padStart(exponent + 1, '0');
  const major = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  return `${sign}${major} ${value.currency.toUpperCase()}`;
}
