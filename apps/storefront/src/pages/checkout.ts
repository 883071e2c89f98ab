import { api } from '../api/client';
import type { VerifiedSession } from '../api/types';
import { h, replace } from '../dom';
import { describeError, errorBox } from '../messages';
import { statusBadge } from './orders';

/** Statuses after which the order will not change on its own any more. */
const SETTLED = new Set(['paid', 'payment_failed', 'cancelled', 'expired', 'refunded', 'needs_review']);
const POLL_MS = 1000;
const MAX_POLLS = 120;

/**
 * Where Stripe sends the shopper after paying (`CHECKOUT_SUCCESS_URL`). The payment is confirmed by
 * Stripe's webhook, which may land a moment after the redirect, so the page asks `verify-session`
 * until the order settles and shows each status as it changes (aria-live).
 */
export function successPage(_params: unknown, query: URLSearchParams): Node {
  const sessionId = query.get('session_id') ?? '';
  const status = h('p', { class: 'order-status', 'aria-live': 'polite' }, 'Checking your payment…');
  const problem = h('div');
  const section = h(
    'section',
    { 'data-title': 'Thank you' },
    h('h1', null, 'Thank you for your order'),
    status,
    problem,
    h(
      'p',
      null,
      h('a', { href: '/orders', 'data-link': true }, 'See your orders'),
      ' · ',
      h('a', { href: '/', 'data-link': true }, 'Continue shopping'),
    ),
  );
  if (!/^cs_[A-Za-z0-9_]+$/.test(sessionId)) {
    replace(problem, errorBox('This page needs a checkout session. Open it from the payment page.'));
    return section;
  }
  let polls = 0;
  const poll = async () => {
    // Stop when the shopper has navigated away.
    if (!section.isConnected && polls > 0) return;
    polls += 1;
    try {
      const result = await api<VerifiedSession>(
        `/api/payments/verify-session?session_id=${encodeURIComponent(sessionId)}`,
        { auth: true },
      );
      replace(status, 'Order status: ', statusBadge(result.status));
      if (result.status === 'paid') status.append(' — a confirmation email is on its way.');
      if (SETTLED.has(result.status)) return;
    } catch (error) {
      replace(problem, errorBox(describeError(error)));
      return;
    }
    if (polls < MAX_POLLS) setTimeout(() => void poll(), POLL_MS);
  };
  void poll();
  return section;
}

/** Where Stripe sends the shopper who leaves the payment page (`CHECKOUT_CANCEL_URL`). */
export function cancelledPage(): Node {
  return h(
    'section',
    { 'data-title': 'Payment cancelled' },
    h('h1', null, 'Payment cancelled'),
    h(
      'p',
      null,
      'Nothing was charged. Your order is kept for a while: pay it or cancel it from ',
      h('a', { href: '/orders', 'data-link': true }, 'your orders'),
      '.',
    ),
  );
}
