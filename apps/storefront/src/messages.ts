import { ApiError } from './api/client';
import { h, replace } from './dom';

interface ShortLine {
  productId?: string;
  available?: number;
}

/** Words for a shopper, from an API error; `names` names the cart or order lines by product id. */
export function describeError(error: unknown, names: ReadonlyMap<string, string> = new Map()): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  if (error.status === 429) return `Too many requests. Please try again ${waitText(error.retryAfter)}.`;
  if (error.code === 'INSUFFICIENT_STOCK') {
    const details = (error.details ?? {}) as ShortLine & { items?: ShortLine[] };
    const lines = details.items ?? [details];
    const named = lines.map((line) => {
      const name = (line.productId && names.get(line.productId)) || 'an item';
      if (typeof line.available !== 'number') return name;
      return line.available > 0 ? `${name} (only ${line.available} left)` : `${name} (sold out)`;
    });
    return `Not enough stock for ${named.join(', ')}. Please lower the quantity.`;
  }
  return error.message;
}

/** "in 1 second", "in 45 seconds", "in 15 minutes" (from Retry-After), or "in a moment". */
function waitText(seconds: number | undefined): string {
  if (!seconds || seconds < 1) return 'in a moment';
  if (seconds < 120) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  return `in ${Math.ceil(seconds / 60)} minutes`;
}

/** Shows a message in the live region under the header (read out by screen readers). */
export function flash(message: string, kind: 'info' | 'error' = 'info'): void {
  const region = document.getElementById('flash');
  if (!region) return;
  replace(region, message ? h('p', { class: `flash ${kind}` }, message) : null);
}

/** An inline error next to a form (role=alert: read out at once). */
export function errorBox(message: string): HTMLElement {
  return h('p', { class: 'flash error', role: 'alert' }, message);
}
