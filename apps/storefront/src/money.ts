const formatters = new Map<string, Intl.NumberFormat>();

/**
 * Formats integer minor units (1999, 'usd' → "$19.99"; 500, 'jpy' → "¥500"). The number of minor
 * digits comes from Intl for the currency, so zero-decimal currencies are not divided by 100.
 */
export function formatMoney(minor: number, currency: string, locale?: string): string {
  const key = `${locale ?? ''}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() });
    formatters.set(key, formatter);
  }
  const digits = formatter.resolvedOptions().maximumFractionDigits ?? 2;
  return formatter.format(minor / 10 ** digits);
}
