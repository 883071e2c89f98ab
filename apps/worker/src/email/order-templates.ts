import type { EmailDataByKind, OrderEmailData } from '@simple-shop/db';
import { format, isCurrency } from '@simple-shop/domain';
import { escapeHtml, type RenderedEmail } from './html';

/**
 * Order emails (confirmation, payment failed, refund). Amounts are formatted from integer minor
 * units by the domain package; every value placed in HTML is escaped.
 */
const isString = (value: unknown): value is string => typeof value === 'string';

function isOrderData(data: Record<string, unknown>): boolean {
  return (
    isString(data.name) &&
    isString(data.orderId) &&
    Number.isSafeInteger(data.total) &&
    isString(data.currency) &&
    isCurrency(data.currency) &&
    Array.isArray(data.items) &&
    (data.items as Record<string, unknown>[]).every(
      (i) => isString(i.name) && Number.isSafeInteger(i.quantity) && Number.isSafeInteger(i.unitPrice),
    )
  );
}

const amount = (minor: number, currency: string) => format({ amount: minor, currency: currency as 'usd' });

function lines(data: OrderEmailData): { text: string[]; html: string } {
  const text = data.items.map((i) => `  ${i.quantity} x ${i.name} @ ${amount(i.unitPrice, data.currency)}`);
  const rows = data.items
    .map(
      (i) =>
        `<tr><td>${i.quantity} ×</td><td>${escapeHtml(i.name)}</td><td style="text-align:right">${escapeHtml(amount(i.unitPrice * i.quantity, data.currency))}</td></tr>`,
    )
    .join('');
  return { text, html: `<table>${rows}</table>` };
}

function page(title: string, paragraphs: string[], data: OrderEmailData): string {
  return [
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family: sans-serif; line-height: 1.5; color: #222">',
    ...paragraphs.map((p) => `<p>${p}</p>`),
    lines(data).html,
    `<p><strong>Total: ${escapeHtml(amount(data.total, data.currency))}</strong></p>`,
    '<p style="color: #777; font-size: 12px">Simple Shop</p></body></html>',
  ].join('');
}

function render(subject: string, intro: string[], data: OrderEmailData): RenderedEmail {
  const text = [
    `Hello ${data.name},`,
    '',
    ...intro,
    '',
    ...lines(data).text,
    `  Total: ${amount(data.total, data.currency)}`,
    '',
    `Order: ${data.orderId}`,
    '',
  ].join('\n');
  const html = page(
    subject,
    [`Hello ${escapeHtml(data.name)},`, ...intro.map(escapeHtml), `Order: ${escapeHtml(data.orderId)}`],
    data,
  );
  return { subject, text, html };
}

export const ORDER_TEMPLATES = {
  order_confirmation: {
    accepts: isOrderData,
    render: (data: EmailDataByKind['order_confirmation']) =>
      render(
        `Your Simple Shop order ${data.orderId.slice(-8)} is confirmed`,
        ['Thank you: we have your payment and your order is confirmed.'],
        data,
      ),
  },
  payment_failed: {
    accepts: (data: Record<string, unknown>) => isOrderData(data) && isString(data.reason),
    render: (data: EmailDataByKind['payment_failed']) =>
      render(
        `Payment for order ${data.orderId.slice(-8)} did not go through`,
        [`Your payment did not go through (${data.reason}). Nothing was charged; the items are no longer reserved.`],
        data,
      ),
  },
  order_refunded: {
    accepts: (data: Record<string, unknown>) =>
      isOrderData(data) &&
      isString(data.reason) &&
      isString(data.refundId) &&
      (data.amount === undefined || Number.isSafeInteger(data.amount)),
    render: (data: EmailDataByKind['order_refunded']) =>
      render(
        `Your order ${data.orderId.slice(-8)} was refunded`,
        [
          data.amount === undefined || data.amount >= data.total
            ? `We refunded your payment in full (${data.reason}).`
            : `We refunded ${amount(data.amount, data.currency)} of your payment (${data.reason}).`,
          'It can take 5-10 days to appear on your statement.',
        ],
        data,
      ),
  },
  order_shipped: {
    accepts: (data: Record<string, unknown>) =>
      isOrderData(data) &&
      isString(data.carrier) &&
      isString(data.trackingNumber) &&
      (data.trackingUrl === undefined || isString(data.trackingUrl)),
    render: (data: EmailDataByKind['order_shipped']) =>
      render(
        `Your order ${data.orderId.slice(-8)} is on its way`,
        [
          `Your order left our warehouse with ${data.carrier}, tracking number ${data.trackingNumber}.`,
          ...(data.trackingUrl ? [`Track it at ${data.trackingUrl}`] : []),
        ],
        data,
      ),
  },
};
