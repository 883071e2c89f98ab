import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random base62 string; rejection sampling keeps the distribution uniform. */
export function randomToken(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 62 * 4 = 248: bytes above that would bias the first characters.
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

// Stripe ids are a type prefix plus an opaque random part. Test-mode Checkout
// Sessions carry `cs_test_`; the shop may rely on these prefixes, e.g. to tell a
// PaymentIntent id from a Charge id, so keep them exact.
export type IdPrefix = 'cs_test' | 'pi' | 'ch' | 'py' | 're' | 'evt' | 'req' | 'li' | 'price' | 'prod' | 'pm' | 'txn' | 'shr';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(prefix === 'req' ? 14 : 24)}`;
}

/** Unix seconds, the unit of every Stripe timestamp. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
