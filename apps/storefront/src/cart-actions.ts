import { api } from './api/client';
import { currentUser } from './api/session';
import type { Cart, Product } from './api/types';
import { addToGuestCart, clearGuestCart, guestCart } from './guest-cart';
import { describeError } from './messages';

/** Adds to the account's cart when logged in, else to the guest cart. Returns an error text or null. */
export async function addToCart(product: Product, quantity: number): Promise<string | null> {
  if (!currentUser()) {
    addToGuestCart(product, quantity);
    notifyCartChanged();
    return null;
  }
  try {
    await api<Cart>('/api/cart/add', { method: 'POST', auth: true, body: { productId: product.id, quantity } });
    notifyCartChanged();
    return null;
  } catch (error) {
    return describeError(error, new Map([[product.id, product.name]]));
  }
}

/** After login or registration: moves the guest cart's lines into the account's cart. */
export async function mergeGuestCart(): Promise<string[]> {
  const problems: string[] = [];
  for (const line of guestCart()) {
    try {
      await api<Cart>('/api/cart/add', {
        method: 'POST',
        auth: true,
        body: { productId: line.productId, quantity: line.quantity },
      });
    } catch (error) {
      problems.push(describeError(error, new Map([[line.productId, line.name]])));
    }
  }
  clearGuestCart();
  notifyCartChanged();
  return problems;
}

export function notifyCartChanged(): void {
  window.dispatchEvent(new Event('shop:cart-changed'));
}
