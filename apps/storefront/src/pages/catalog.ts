import { api } from '../api/client';
import type { Page, Product } from '../api/types';
import { addToCart } from '../cart-actions';
import { field, h, replace } from '../dom';
import { describeError, errorBox, flash } from '../messages';
import { formatMoney } from '../money';
import { navigate } from '../router';

const SORTS = [
  ['newest', 'Newest'],
  ['price_asc', 'Price: low to high'],
  ['price_desc', 'Price: high to low'],
  ['name', 'Name'],
] as const;
const PAGE_SIZE = 12;
/** Categories seen so far, for the filter (the API has no category list of its own). */
const knownCategories = new Set<string>();

export function productCard(product: Product): HTMLElement {
  const status = h('p', { class: 'card-status', role: 'status' });
  const add = h(
    'button',
    {
      type: 'button',
      disabled: product.stock < 1,
      'aria-label': `Add ${product.name} to cart`,
      onclick: async () => {
        add.disabled = true;
        const problem = await addToCart(product, 1);
        add.disabled = false;
        status.textContent = problem ?? 'Added to cart';
        if (problem) flash(problem, 'error');
      },
    },
    product.stock < 1 ? 'Sold out' : 'Add to cart',
  );
  return h(
    'li',
    { class: 'card', 'data-product-id': product.id },
    h('h3', null, h('a', { href: `/products/${product.id}`, 'data-link': true }, product.name)),
    h('p', { class: 'category' }, product.category),
    h('p', { class: 'price' }, formatMoney(product.price, product.currency)),
    add,
    status,
  );
}

export async function catalogPage(_params: unknown, query: URLSearchParams): Promise<Node> {
  const q = query.get('q') ?? '';
  const category = query.get('category') ?? '';
  const sort = query.get('sort') ?? 'newest';

  const search = h('input', { id: 'q', name: 'q', type: 'search', value: q, placeholder: 'Search products' });
  const categorySelect = h(
    'select',
    { id: 'category', name: 'category', disabled: q !== '' },
    h('option', { value: '' }, 'All categories'),
  );
  const sortSelect = h(
    'select',
    { id: 'sort', name: 'sort' },
    SORTS.map(([value, label]) => h('option', { value, selected: value === sort }, label)),
  );
  const apply = () => {
    const next = new URLSearchParams();
    if (search.value.trim()) next.set('q', search.value.trim());
    else if (categorySelect.value) next.set('category', categorySelect.value);
    if (sortSelect.value !== 'newest') next.set('sort', sortSelect.value);
    navigate(`/${next.size ? `?${next}` : ''}`);
  };
  categorySelect.addEventListener('change', apply);
  sortSelect.addEventListener('change', apply);
  const form = h(
    'form',
    {
      role: 'search',
      class: 'filters',
      onsubmit: (event: Event) => {
        event.preventDefault();
        apply();
      },
    },
    field('Search', search),
    h('button', { type: 'submit' }, 'Search'),
    field('Category', categorySelect),
    field('Sort by', sortSelect),
  );

  const grid = h('ul', { class: 'grid', 'aria-label': 'Products' });
  const more = h('button', { type: 'button', class: 'secondary' }, 'Load more');
  const problem = h('div');
  const heading = q ? `Results for “${q}”` : category ? `Category: ${category}` : 'All products';
  let cursor: string | null = null;

  const load = async () => {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE), sort });
    if (cursor) params.set('cursor', cursor);
    if (q) params.set('q', q);
    else if (category) params.set('category', category);
    more.disabled = true;
    try {
      const page = await api<Page<Product>>(`/api/products${q ? '/search' : ''}?${params}`);
      for (const product of page.items) {
        knownCategories.add(product.category);
        grid.append(productCard(product));
      }
      cursor = page.nextCursor;
      if (!grid.children.length) replace(problem, h('p', null, 'No products match.'));
    } catch (error) {
      replace(problem, errorBox(describeError(error)));
    }
    more.disabled = false;
    more.hidden = cursor === null;
  };
  await load();
  for (const name of [...knownCategories, category].filter(Boolean).sort())
    if (![...categorySelect.options].some((o) => o.value === name))
      categorySelect.append(h('option', { value: name, selected: name === category }, name));
  more.addEventListener('click', () => {
    const before = grid.children.length;
    void load().then(() => (grid.children[before]?.querySelector('a') as HTMLElement | null)?.focus());
  });

  return h('section', { 'data-title': 'Catalog' }, h('h1', null, heading), form, problem, grid, more);
}
