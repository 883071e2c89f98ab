import { api } from '../api/client';
import type { Product } from '../api/types';
import { addToCart } from '../cart-actions';
import { field, h } from '../dom';
import { describeError, errorBox } from '../messages';
import { formatMoney } from '../money';

export async function productPage(params: { id?: string }): Promise<Node> {
  let product: Product;
  try {
    product = await api<Product>(`/api/products/${encodeURIComponent(params.id ?? '')}`);
  } catch (error) {
    return h('section', { 'data-title': 'Product' }, h('h1', null, 'Product'), errorBox(describeError(error)));
  }
  const quantity = h('input', {
    id: 'quantity',
    name: 'quantity',
    type: 'number',
    min: 1,
    max: Math.max(1, Math.min(99, product.stock)),
    value: 1,
    required: true,
  });
  const status = h('p', { role: 'status' });
  const form = h(
    'form',
    {
      class: 'add-form',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const problem = await addToCart(product, Number(quantity.value));
        status.textContent = problem ?? `Added ${quantity.value} to your cart.`;
      },
    },
    field('Quantity', quantity),
    h('button', { type: 'submit', disabled: product.stock < 1 }, product.stock < 1 ? 'Sold out' : 'Add to cart'),
  );
  return h(
    'article',
    { class: 'product', 'data-title': product.name },
    h('p', null, h('a', { href: '/', 'data-link': true }, '← Back to the catalog')),
    h('h1', null, product.name),
    h('p', { class: 'category' }, product.category),
    h('p', { class: 'price' }, formatMoney(product.price, product.currency)),
    h('p', null, product.description),
    h('p', { class: 'stock' }, product.stock > 0 ? `${product.stock} in stock` : 'Out of stock'),
    form,
    status,
  );
}
