import type { Product } from './api/types';

/**
 * The cart of a shopper who has not logged in yet, kept in localStorage. The API's cart needs an
 * account, so these lines move into it right after login or registration (see mergeGuestCart).
 */
export interface GuestLine {
  productId: string;
  name: string;
  quantity: number;
  unitPrice: number;
  currency: string;
}

const KEY = 'shop.guestCart';

export function guestCart(): GuestLine[] {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '[]') as GuestLine[];
  } catch {
    return [];
  }
}

function save(lines: GuestLine[]): void {
  if (lines.length === 0) localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, JSON.stringify(lines));
}

export function addToGuestCart(product: Product, quantity: number): void {
  const lines = guestCart();
  const line = lines.find((l) => l.productId === product.id);
  if (line) line.quantity += quantity;
  else
    lines.push({
      productId: product.id,
      name: product.name,
      quantity,
      unitPrice: product.price,
      currency: product.currency,
    });
  save(lines);
}

export function setGuestQuantity(productId: string, quantity: number): void {
  save(guestCart().map((l) => (l.productId === productId ? { ...l, quantity } : l)));
}

export function removeFromGuestCart(productId: string): void {
  save(guestCart().filter((l) => l.productId !== productId));
}

export function clearGuestCart(): void {
  save([]);
}
