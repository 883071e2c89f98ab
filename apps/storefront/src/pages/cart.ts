import { api } from '../api/client';
import { currentUser } from '../api/session';
import type { Cart, CheckoutSession, Order } from '../api/types';
import { notifyCartChanged } from '../cart-actions';
import { h, replace } from '../dom';
import { guestCart, removeFromGuestCart, setGuestQuantity, clearGuestCart } from '../guest-cart';
import { describeError, errorBox } from '../messages';
import { formatMoney } from '../money';
import { navigate } from '../router';

interface ViewLine {
  productId: string;
  name: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

function quantityInput(line: ViewLine, onChange: (quantity: number) => void): HTMLInputElement {
  const input = h('input', {
    id: `qty-${line.productId}`,
    type: 'number',
    min: 1,
    max: 99,
    value: line.quantity,
    'aria-label': `Quantity of ${line.name}`,
  });
  input.addEventListener('change', () => {
    const quantity = Number(input.value);
    if (Number.isInteger(quantity) && quantity >= 1 && quantity <= 99) onChange(quantity);
  });
  return input;
}

function linesTable(
  lines: ViewLine[],
  currency: string,
  actions: {
    update(productId: string, quantity: number): void;
    remove(productId: string): void;
  },
): HTMLElement {
  return h(
    'table',
    { class: 'lines' },
    h('caption', { class: 'visually-hidden' }, 'Cart lines'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Item'),
        h('th', { scope: 'col' }, 'Quantity'),
        h('th', { scope: 'col', class: 'num' }, 'Price'),
        h('th', { scope: 'col', class: 'num' }, 'Total'),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
      ),
    ),
    h(
      'tbody',
      null,
      lines.map((line) =>
        h(
          'tr',
          { 'data-product-id': line.productId },
          h('td', null, h('a', { href: `/products/${line.productId}`, 'data-link': true }, line.name)),
          h(
            'td',
            null,
            quantityInput(line, (q) => actions.update(line.productId, q)),
          ),
          h('td', { class: 'num' }, formatMoney(line.unitPrice, currency)),
          h('td', { class: 'num' }, formatMoney(line.lineTotal, currency)),
          h(
            'td',
            null,
            h(
              'button',
              {
                type: 'button',
                class: 'link',
                'aria-label': `Remove ${line.name}`,
                onclick: () => actions.remove(line.productId),
              },
              'Remove',
            ),
          ),
        ),
      ),
    ),
  );
}

/** Order the cart, open a Checkout Session and go to its payment page. */
async function checkout(button: HTMLButtonElement, problem: HTMLElement, names: Map<string, string>): Promise<void> {
  button.disabled = true;
  // One key per checkout attempt: a double click or a retry after a network error replays the
  // first order instead of holding stock twice. Cleared once the shopper is on the payment page.
  const key = sessionStorage.getItem('shop.checkoutKey') ?? crypto.randomUUID();
  sessionStorage.setItem('shop.checkoutKey', key);
  try {
    const order = await api<Order>('/api/orders', {
      method: 'POST',
      auth: true,
      body: {},
      headers: { 'idempotency-key': `order-${key}` },
    });
    const session = await api<CheckoutSession>('/api/payments/create-intent', {
      method: 'POST',
      auth: true,
      body: { orderId: order.id },
      headers: { 'idempotency-key': `pay-${order.id}` },
    });
    sessionStorage.removeItem('shop.checkoutKey');
    notifyCartChanged();
    location.assign(session.url);
  } catch (error) {
    sessionStorage.removeItem('shop.checkoutKey');
    replace(problem, errorBox(describeError(error, names)));
    button.disabled = false;
  }
}

export async function cartPage(): Promise<Node> {
  const section = h('section', { 'data-title': 'Cart' });
  const problem = h('div');
  const render = async () => {
    if (!currentUser()) return renderGuest();
    let cart: Cart;
    try {
      cart = await api<Cart>('/api/cart', { auth: true });
    } catch (error) {
      replace(section, h('h1', null, 'Your cart'), errorBox(describeError(error)));
      return;
    }
    const names = new Map(cart.items.map((l) => [l.productId, l.name]));
    const act = (path: string, body: unknown) => async () => {
      try {
        await api<Cart>(path, { method: 'POST', auth: true, body });
        notifyCartChanged();
        await render();
      } catch (error) {
        replace(problem, errorBox(describeError(error, names)));
      }
    };
    const pay = h('button', { type: 'button', class: 'primary', disabled: cart.items.length === 0 }, 'Checkout');
    pay.addEventListener('click', () => void checkout(pay, problem, names));
    replace(
      section,
      h('h1', null, 'Your cart'),
      problem,
      cart.items.length === 0 && cart.unavailableItems.length === 0 ? h('p', null, 'Your cart is empty.') : null,
      cart.items.length && cart.currency
        ? linesTable(cart.items, cart.currency, {
            update: (productId, quantity) => void act('/api/cart/update', { productId, quantity })(),
            remove: (productId) => void act('/api/cart/remove', { productId })(),
          })
        : null,
      cart.unavailableItems.length
        ? h(
            'div',
            { class: 'unavailable' },
            h('h2', null, 'Not available now'),
            h(
              'ul',
              null,
              cart.unavailableItems.map((l) =>
                h(
                  'li',
                  null,
                  `${l.name ?? 'A removed product'} × ${l.quantity} — ${reasonText(l.reason)} `,
                  h(
                    'button',
                    { type: 'button', class: 'link', onclick: act('/api/cart/remove', { productId: l.productId }) },
                    'Remove',
                  ),
                ),
              ),
            ),
          )
        : null,
      cart.currency
        ? h(
            'p',
            { class: 'total' },
            'Subtotal: ',
            h('strong', { 'data-subtotal': cart.subtotal }, formatMoney(cart.subtotal, cart.currency)),
          )
        : null,
      h(
        'div',
        { class: 'actions' },
        cart.items.length + cart.unavailableItems.length
          ? h('button', { type: 'button', class: 'secondary', onclick: act('/api/cart/clear', {}) }, 'Empty cart')
          : null,
        pay,
      ),
    );
  };

  const renderGuest = () => {
    const lines = guestCart();
    const currency = lines[0]?.currency ?? 'usd';
    const view = lines.map((l) => ({ ...l, lineTotal: l.unitPrice * l.quantity }));
    const subtotal = view.reduce((sum, l) => sum + l.lineTotal, 0);
    const rerender = () => {
      notifyCartChanged();
      renderGuest();
    };
    replace(
      section,
      h('h1', null, 'Your cart'),
      lines.length === 0 ? h('p', null, 'Your cart is empty.') : null,
      lines.length
        ? linesTable(view, currency, {
            update: (productId, quantity) => {
              setGuestQuantity(productId, quantity);
              rerender();
            },
            remove: (productId) => {
              removeFromGuestCart(productId);
              rerender();
            },
          })
        : null,
      lines.length
        ? h('p', { class: 'total' }, 'Subtotal: ', h('strong', null, formatMoney(subtotal, currency)))
        : null,
      lines.length
        ? h(
            'div',
            { class: 'actions' },
            h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                onclick: () => {
                  clearGuestCart();
                  rerender();
                },
              },
              'Empty cart',
            ),
            h(
              'button',
              { type: 'button', class: 'primary', onclick: () => navigate('/register?next=/cart') },
              'Checkout',
            ),
          )
        : null,
      lines.length
        ? h(
            'p',
            null,
            'Register or ',
            h('a', { href: '/login?next=/cart', 'data-link': true }, 'log in'),
            ' to check out; your cart comes with you.',
          )
        : null,
    );
  };

  await render();
  return section;
}

function reasonText(reason: string): string {
  if (reason === 'inactive') return 'not on sale at the moment';
  if (reason === 'currency_mismatch') return 'priced in another currency than your cart';
  return 'no longer sold';
}
