/** The shapes the storefront reads from the public API (docs: /docs on the API, shared/API.md). */
export interface User {
  id: string;
  email: string;
  name: string;
  role: string;
}

export interface AuthSession {
  user: User;
  accessToken: string;
  refreshToken: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export interface Product {
  id: string;
  name: string;
  description: string;
  category: string;
  price: number;
  currency: string;
  stock: number;
  images: string[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface CartLine {
  productId: string;
  name: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

export interface Cart {
  items: CartLine[];
  unavailableItems: { productId: string; name: string | null; quantity: number; reason: string }[];
  subtotal: number;
  currency: string | null;
}

export type OrderStatus =
  'pending_payment' | 'paid' | 'payment_failed' | 'cancelled' | 'expired' | 'refunded' | 'needs_review' | (string & {});

export interface Order {
  id: string;
  status: OrderStatus;
  items: { productId: string; name: string; quantity: number; unitPrice: number }[];
  total: number;
  currency: string;
  createdAt: string;
}

export interface CheckoutSession {
  sessionId: string;
  url: string;
}

export interface VerifiedSession {
  orderId: string;
  status: OrderStatus;
  paymentStatus: string;
}
