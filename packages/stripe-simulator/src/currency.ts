// Currencies Stripe accepts for card payments (lower-case ISO 4217), so that a
// typo such as `eur0` or `usd ` fails here the way it would in production.
export const SUPPORTED_CURRENCIES: ReadonlySet<string> = new Set(
  (
    'usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp byn bzd ' +
    'cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd ' +
    'hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd kzt lak lbp lkr lrd lsl mad ' +
    'mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd omr pab pen pgk php pkr pln ' +
    'pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb tjs tnd top try ttd twd tzs ' +
    'uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw'
  ).split(' '),
);

// Stripe amounts are in the currency's smallest unit; these currencies have
// no (or three) decimal places, see https://docs.stripe.com/currencies#zero-decimal
const ZERO_DECIMAL = new Set('bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf'.split(' '));
const THREE_DECIMAL = new Set('bhd jod kwd omr tnd'.split(' '));

export function minorUnitDigits(currency: string): number {
  const c = currency.toLowerCase();
  if (ZERO_DECIMAL.has(c)) return 0;
  if (THREE_DECIMAL.has(c)) return 3;
  return 2;
}

/** 1999 usd → "19.99 USD", 500 jpy → "500 JPY". Integer maths, so no float rounding. */
export function formatAmount(amount: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(amount));
  const code = currency.toUpperCase();
  if (digits === 0) return `${sign}${abs} ${code}`;
  const divisor = 10 ** digits;
  const whole = Math.floor(abs / divisor);
  const fraction = String(abs % divisor).padStart(digits, '0');
  return `${sign}${whole}.${fraction} ${code}`;
}
