// HTML of the hosted checkout page (what session.url opens in a browser).
// Everything user-controlled (product names, metadata-derived text, URLs) is
// escaped: the page renders data that came in through the API.
import { formatAmount } from './currency';
import type { CheckoutSession, LineItem } from './types';

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>
  body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; color: #1a1f36; }
  table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
  td, th { padding: .4rem 0; border-bottom: 1px solid #e3e8ee; text-align: left; }
  td.num, th.num { text-align: right; }
  .total { font-size: 1.3rem; font-weight: 600; }
  .notice { padding: .75rem 1rem; border-radius: 6px; background: #fff4e5; margin: 1rem 0; }
  .error { background: #fde8e8; }
  form { display: inline-block; margin: .25rem .25rem .25rem 0; }
  button { font-size: 1rem; padding: .5rem 1rem; border-radius: 6px; border: 1px solid #635bff; background: #635bff; color: #fff; cursor: pointer; }
  button.secondary { background: #fff; color: #635bff; }
  footer { margin-top: 2rem; font-size: .8rem; color: #697386; }
</style>
</head>
<body>
${body}
<footer>Stripe simulator — test mode, no real money moves.</footer>
</body>
</html>
`;
}

function lineItemRows(items: LineItem[]): string {
  return items
    .map(
      (li) =>
        `<tr><td>${escapeHtml(li.description ?? '')}</td><td class="num">${li.quantity} × ${escapeHtml(
          formatAmount(li.price?.unit_amount ?? 0, li.currency),
        )}</td><td class="num">${escapeHtml(formatAmount(li.amount_total, li.currency))}</td></tr>`,
    )
    .join('\n');
}

function button(action: string, label: string, secondary = false): string {
  return `<form method="post" action="${escapeHtml(action)}"><button type="submit"${secondary ? ' class="secondary"' : ''}>${escapeHtml(label)}</button></form>`;
}

/** Like Stripe's page: the shipping address is part of the pay form, countries limited to the allowed ones. */
function addressForm(action: string, session: CheckoutSession, label: string): string {
  const countries = session.shipping_address_collection?.allowed_countries ?? [];
  const input = (name: string, text: string, required = true) =>
    `<label>${escapeHtml(text)} <input name="shipping_${name}"${required ? ' required' : ''}></label><br>`;
  const shipping = session.shipping_cost
    ? `<p>Shipping: <span data-amount-shipping="${session.shipping_cost.amount_total}">${escapeHtml(formatAmount(session.shipping_cost.amount_total, session.currency ?? ''))}</span></p>`
    : '';
  return `<form method="post" action="${escapeHtml(action)}" data-shipping-address>
<fieldset><legend>Shipping address</legend>
${input('name', 'Full name')}${input('line1', 'Address line 1')}${input('line2', 'Address line 2', false)}${input('city', 'City')}${input('postal_code', 'Postal code')}${input('state', 'State / region', false)}
<label>Country <select name="shipping_country">${countries.map((c) => `<option value="${escapeHtml(c)}">${escapeHtml(c)}</option>`).join('')}</select></label>
</fieldset>
${shipping}<button type="submit">${escapeHtml(label)}</button></form>`;
}

export interface CheckoutPageOptions {
  /** Shown above the buttons, e.g. after a declined card. */
  error?: string;
}

export function renderCheckoutPage(
  session: CheckoutSession,
  items: LineItem[],
  opts: CheckoutPageOptions = {},
): string {
  const base = `/checkout/${encodeURIComponent(session.id)}`;
  // The simulator always sets these (mode=payment with line items); Stripe types them nullable.
  const total = formatAmount(session.amount_total ?? 0, session.currency ?? '');
  const status = session.status ?? 'open';
  let state = '';
  let actions = '';
  if (session.status === 'open') {
    actions = [
      session.shipping_address_collection ? addressForm(`${base}/pay`, session, `Pay ${total}`) : button(`${base}/pay`, `Pay ${total}`),
      button(`${base}/decline`, 'Pay with a declining card', true),
      button(`${base}/pay?async=1`, 'Pay with delayed bank transfer', true),
      button(`${base}/cancel`, 'Cancel', true),
    ].join('\n');
  } else if (session.status === 'expired') {
    state = '<p class="notice">This Checkout Session has expired.</p>';
  } else {
    state =
      session.payment_status === 'paid'
        ? '<p class="notice">Payment complete. Thank you!</p>'
        : '<p class="notice">Payment submitted; it is being processed.</p>';
  }
  const error = opts.error ? `<p class="notice error" role="alert">${escapeHtml(opts.error)}</p>` : '';
  const email = session.customer_email ? `<p>Receipt to ${escapeHtml(session.customer_email)}</p>` : '';
  return layout(
    `Checkout ${total}`,
    `<h1>Checkout</h1>
<p data-session-id="${escapeHtml(session.id)}" data-status="${escapeHtml(status)}">Session ${escapeHtml(session.id)} — ${escapeHtml(status)}</p>
${email}
<table>
<thead><tr><th>Item</th><th class="num">Qty × price</th><th class="num">Amount</th></tr></thead>
<tbody>
${lineItemRows(items)}
</tbody>
</table>
<p class="total">Total: <span data-amount-total="${session.amount_total}">${escapeHtml(total)}</span></p>
${state}${error}
${actions}`,
  );
}

export function renderMessagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}
