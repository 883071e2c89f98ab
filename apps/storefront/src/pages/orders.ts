import { api } from '../api/client';
import type { CheckoutSession, Order, Page } from '../api/types';
import { h, replace } from '../dom';
import { describeError, errorBox, flash } from '../messages';
import { formatMoney } from '../money';

const STATUS_TEXT: Record<string, string> = {
  pending_payment: 'Awaiting payment',
  paid: 'Paid',
  payment_failed: 'Payment failed',
  cancelled: 'Cancelled',
  expired: 'Expired',
  refunded: 'Refunded',
  needs_review: 'Under review',
};

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge status-${status}`, 'data-status': status }, STATUS_TEXT[status] ?? status);
}

function orderRow(order: Order, onChange: () => void): HTMLElement {
  const problem = h('div');
  const unpaid = order.status === 'pending_payment' || order.status === 'payment_failed';
  const pay = async () => {
    try {
      const session = await api<CheckoutSession>('/api/payments/create-intent', {
        method: 'POST',
        auth: true,
        body: { orderId: order.id },
        headers: { 'idempotency-key': `pay-${order.id}` },
      });
      location.assign(session.url);
    } catch (error) {
      replace(problem, errorBox(describeError(error)));
    }
  };
  const cancel = async () => {
    if (!confirm('Cancel this order? Its items go back on sale.')) return;
    try {
      await api<Order>(`/api/orders/${order.id}/cancel`, { method: 'POST', auth: true });
      flash('Order cancelled.');
      onChange();
    } catch (error) {
      replace(problem, errorBox(describeError(error)));
    }
  };
  return h(
    'li',
    { class: 'order', 'data-order-id': order.id },
    h('h2', null, `Order of ${new Date(order.createdAt).toLocaleString()} `, statusBadge(order.status)),
    h(
      'ul',
      null,
      order.items.map((i) =>
        h('li', null, `${i.name} × ${i.quantity} — ${formatMoney(i.unitPrice * i.quantity, order.currency)}`),
      ),
    ),
    h('p', { class: 'total' }, 'Total: ', h('strong', null, formatMoney(order.total, order.currency))),
    unpaid
      ? h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', class: 'primary', onclick: () => void pay() }, 'Pay now'),
          h('button', { type: 'button', class: 'secondary', onclick: () => void cancel() }, 'Cancel order'),
        )
      : null,
    problem,
  );
}

export async function ordersPage(): Promise<Node> {
  const section = h('section', { 'data-title': 'Your orders' });
  const list = h('ul', { class: 'orders' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const problem = h('div');
  let cursor: string | null = null;
  const load = async (reset = false) => {
    if (reset) {
      cursor = null;
      list.replaceChildren();
    }
    try {
      const page = await api<Page<Order>>(
        `/api/orders?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { auth: true },
      );
      for (const order of page.items) list.append(orderRow(order, () => void load(true)));
      cursor = page.nextCursor;
      more.hidden = cursor === null;
      if (!list.children.length) replace(problem, h('p', null, 'No orders yet.'));
    } catch (error) {
      replace(problem, errorBox(describeError(error)));
    }
  };
  more.addEventListener('click', () => void load());
  await load();
  replace(section, h('h1', null, 'Your orders'), problem, list, more);
  return section;
}
