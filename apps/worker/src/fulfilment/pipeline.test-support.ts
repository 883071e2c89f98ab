/** Shared steps of the end-to-end webhook pipeline tests (real API and worker processes). */
import { ObjectId, type ProductDoc } from '@simple-shop/db';
import { productDoc, type Stack } from '@simple-shop/testing';

export async function insertProduct(stack: Stack, overrides: Partial<ProductDoc> = {}): Promise<ProductDoc> {
  const product = productDoc({
    name: `Pipeline product ${Math.random().toString(36).slice(2, 7)}`,
    description: 'for pipeline tests',
    price: 2500,
    stock: 5,
    ...overrides,
  });
  await stack.database.collections.products.insertOne(product);
  return product;
}

export async function api<T = Record<string, unknown>>(
  stack: Stack,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

/** A customer with an order for `quantity` of `product` and its open Checkout Session. */
export async function orderWithSession(stack: Stack, product: ProductDoc, quantity = 1) {
  const user = await stack.createUser();
  const order = await api<{ id: string; total: number }>(stack, 'POST', '/api/orders', user.headers, {
    items: [{ productId: product._id.toHexString(), quantity }],
  });
  if (order.status !== 201) throw new Error(`order failed: ${order.status} ${JSON.stringify(order.body)}`);
  const session = await api<{ sessionId: string; url: string }>(
    stack,
    'POST',
    '/api/payments/create-intent',
    user.headers,
    {
      orderId: order.body.id,
    },
  );
  if (session.status !== 201)
    throw new Error(`create-intent failed: ${session.status} ${JSON.stringify(session.body)}`);
  return { user, orderId: new ObjectId(order.body.id), sessionId: session.body.sessionId, total: order.body.total };
}

export async function productState(stack: Stack, id: ObjectId) {
  const doc = await stack.database.collections.products.findOne({ _id: id });
  return { stock: doc?.stock, held: Object.values(doc?.holds ?? {}).reduce((a, b) => a + b, 0) };
}
