import './styles.css';
import { api, setApiUrl } from './api/client';
import { currentUser, onSessionChange } from './api/session';
import type { Cart } from './api/types';
import { loadConfig } from './config';
import { h, replace } from './dom';
import { guestCart } from './guest-cart';
import { flash } from './messages';
import { forgotPasswordPage, loginPage, logout, registerPage, resetPasswordPage } from './pages/auth';
import { cartPage } from './pages/cart';
import { catalogPage } from './pages/catalog';
import { cancelledPage, successPage } from './pages/checkout';
import { ordersPage } from './pages/orders';
import { productPage } from './pages/product';
import { onRendered, route, setNotFound, startRouter, type Render } from './router';

/** Pages that need an account send a logged-out visitor to the login form first. */
function requireLogin(render: Render): Render {
  return (params, query) => {
    if (currentUser()) return render(params, query);
    const next = location.pathname + location.search;
    history.replaceState(null, '', `/login?next=${encodeURIComponent(next)}`);
    return loginPage(params, new URLSearchParams({ next }));
  };
}

route('/', catalogPage);
route('/products/:id', productPage);
route('/cart', cartPage);
route('/login', loginPage);
route('/register', registerPage);
route('/forgot-password', forgotPasswordPage);
route('/reset-password', resetPasswordPage);
route('/orders', requireLogin(ordersPage));
route('/checkout/success', requireLogin(successPage));
route('/checkout/cancelled', cancelledPage);
setNotFound(() =>
  h(
    'section',
    { 'data-title': 'Not found' },
    h('h1', null, 'Page not found'),
    h('p', null, h('a', { href: '/', 'data-link': true }, 'Go to the catalog')),
  ),
);

const main = document.getElementById('main')!;
let firstRender = true;
onRendered((node, title) => {
  replace(main, node);
  document.title = title ? `${title} · Simple Shop` : 'Simple Shop';
  // Move focus to the new page (keyboard and screen-reader users), except on the first load.
  if (!firstRender) main.focus();
  firstRender = false;
});

const cartCount = h('span', { class: 'count', 'aria-label': 'items' });
async function refreshCartCount(): Promise<void> {
  let count = guestCart().reduce((sum, l) => sum + l.quantity, 0);
  if (currentUser()) {
    try {
      const cart = await api<Cart>('/api/cart', { auth: true });
      count = cart.items.reduce((sum, l) => sum + l.quantity, 0);
    } catch {
      return;
    }
  }
  cartCount.textContent = count ? String(count) : '';
}

function renderNav(): void {
  const user = currentUser();
  const link = (href: string, ...label: (string | Node)[]) => h('a', { href, 'data-link': true }, ...label);
  replace(
    document.getElementById('nav')!,
    link('/', 'Catalog'),
    link('/cart', 'Cart ', cartCount),
    user ? link('/orders', 'Orders') : null,
    user
      ? h('button', { type: 'button', class: 'link', onclick: () => void logout() }, `Log out (${user.name})`)
      : [link('/login', 'Log in'), link('/register', 'Register')],
  );
}

async function start(): Promise<void> {
  try {
    setApiUrl((await loadConfig()).apiUrl);
  } catch (error) {
    flash(`The shop is not configured: ${(error as Error).message}`, 'error');
    return;
  }
  renderNav();
  onSessionChange(() => {
    renderNav();
    void refreshCartCount();
  });
  window.addEventListener('shop:cart-changed', () => void refreshCartCount());
  void refreshCartCount();
  startRouter();
}

void start();
