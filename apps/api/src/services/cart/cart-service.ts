import { money, multiply, sum, type CurrencyCode } from '@simple-shop/domain';
import { ObjectId } from '@simple-shop/db';
import type { AppDependencies } from '../../deps';
import { HttpError, notFound } from '../../lib/http-error';
import { catalogFor, isPurchasable, type CachedProduct, type CacheLogger, type CatalogService } from '../catalog/index';
import { CartStore, type CartLine, type StoredCart } from './cart-store';

/**
 * Cart rules. Prices are never taken from the client: every view prices the lines with the current
 * catalog. A cart holds one currency. Lines whose product became unavailable are not lost and not
 * charged: they move from `items` (and the subtotal) to `unavailableItems` with a reason —
 * `inactive` (may come back), `deleted` (dropped from the stored cart at its next change) or
 * `currency_mismatch` (an admin changed the product's currency after it was added).
 */

export const MAX_LINE_QUANTITY = 99;
export const MAX_CART_LINES = 100;

export interface CartItemView {
  productId: string;
  name: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

export type UnavailableReason = 'inactive' | 'deleted' | 'currency_mismatch';

export interface UnavailableItemView {
  productId: string;
  name: string | null;
  quantity: number;
  reason: UnavailableReason;
}

export interface CartView {
  items: CartItemView[];
  unavailableItems: UnavailableItemView[];
  /** Sum of `items[].lineTotal`, integer minor units of `currency`. */
  subtotal: number;
  /** The currency of the purchasable lines; null for a cart without any. */
  currency: string | null;
}

export type CartDeps = Pick<AppDependencies, 'database' | 'redis' | 'config'>;

interface PurchasableProduct {
  id: string;
  name: string;
  price: number;
  currency: string;
  stock: number;
}

export class CartService {
  constructor(
    readonly store: CartStore,
    private readonly catalog: CatalogService,
  ) {}

  async view(userId: string): Promise<CartView> {
    return this.price(await this.store.read(userId));
  }

  /** Adds `quantity` to the product's line (creating it). */
  async add(userId: string, productId: string, quantity: number): Promise<CartView> {
    const product = await this.purchasableProduct(productId);
    const cart = await this.store.mutate(userId, async (current) => {
      const existing = current.items.find((line) => line.productId === product.id);
      const total = (existing?.quantity ?? 0) + quantity;
      if (total > MAX_LINE_QUANTITY) {
        throw new HttpError(400, 'QUANTITY_LIMIT', `At most ${MAX_LINE_QUANTITY} of one product per cart`, {
          productId: product.id,
          maxQuantity: MAX_LINE_QUANTITY,
          inCart: existing?.quantity ?? 0,
        });
      }
      checkStock(product, total);
      const { kept, currency } = await this.survivingLines(current, product.id);
      if (currency !== null && currency !== product.currency) {
        throw new HttpError(
          409,
          'CURRENCY_MISMATCH',
          `The cart is in ${currency}; this product is in ${product.currency}`,
          {
            productId: product.id,
            cartCurrency: currency,
            productCurrency: product.currency,
          },
        );
      }
      if (!existing && kept.length >= MAX_CART_LINES) {
        throw new HttpError(409, 'CART_FULL', `A cart holds at most ${MAX_CART_LINES} different products`);
      }
      return existing
        ? kept.map((line) => (line.productId === product.id ? { ...line, quantity: total } : line))
        : [...kept, { productId: product.id, quantity, addedAt: new Date() }];
    });
    return this.price(cart);
  }

  /** Sets the quantity of a line already in the cart (404 `NOT_IN_CART` otherwise). */
  async update(userId: string, productId: string, quantity: number): Promise<CartView> {
    const product = await this.purchasableProduct(productId);
    const cart = await this.store.mutate(userId, async (current) => {
      if (!current.items.some((line) => line.productId === product.id)) {
        throw new HttpError(404, 'NOT_IN_CART', 'This product is not in the cart; add it first');
      }
      checkStock(product, quantity);
      const { kept } = await this.survivingLines(current, product.id);
      return kept.map((line) => (line.productId === product.id ? { ...line, quantity } : line));
    });
    return this.price(cart);
  }

  /** Removes the product's line; removing what is not there changes nothing. */
  async remove(userId: string, productId: string): Promise<CartView> {
    const id = productId.toLowerCase();
    const cart = await this.store.mutate(userId, async (current) =>
      current.items.some((line) => line.productId === id)
        ? current.items.filter((line) => line.productId !== id)
        : null,
    );
    return this.price(cart);
  }

  async clear(userId: string, options: { ifVersion?: number } = {}): Promise<{ cart: CartView; cleared: boolean }> {
    let cleared = true;
    const cart = await this.store.mutate(userId, async (current) => {
      cleared = options.ifVersion === undefined || options.ifVersion === current.version;
      return cleared && current.items.length > 0 ? [] : null;
    });
    return { cart: await this.price(cart), cleared };
  }

  /** The lines with current catalog prices; see the module comment for unavailable lines. */
  async price(cart: StoredCart): Promise<CartView> {
    const entries = await this.catalog.entries(cart.items.map((line) => line.productId));
    const items: CartItemView[] = [];
    const unavailableItems: UnavailableItemView[] = [];
    let currency: CurrencyCode | null = null;
    for (const line of cart.items) {
      const entry = entries.get(line.productId) ?? null;
      const reason = unavailability(entry);
      if (reason) {
        unavailableItems.push({
          productId: line.productId,
          name: entry?.product.name ?? null,
          quantity: line.quantity,
          reason,
        });
        continue;
      }
      const unit = money(entry!.product.price, entry!.product.currency);
      currency ??= unit.currency;
      if (unit.currency !== currency) {
        unavailableItems.push({
          productId: line.productId,
          name: entry!.product.name,
          quantity: line.quantity,
          reason: 'currency_mismatch',
        });
        continue;
      }
      items.push({
        productId: line.productId,
        name: entry!.product.name,
        quantity: line.quantity,
        unitPrice: unit.amount,
        lineTotal: multiply(unit, line.quantity).amount,
      });
    }
    const subtotal = currency
      ? sum(
          items.map((item) => money(item.lineTotal, currency!)),
          currency,
        ).amount
      : 0;
    return { items, unavailableItems, subtotal, currency };
  }

  /**
   * The product for a cart write, read from MongoDB (not the cache): unknown → 404, inactive or
   * deleted → 409 `PRODUCT_UNAVAILABLE`.
   */
  private async purchasableProduct(productId: string): Promise<PurchasableProduct> {
    const doc = await this.catalog.repository.findById(new ObjectId(productId));
    if (!doc) throw notFound('Product');
    if (!doc.active || doc.deletedAt) {
      throw new HttpError(409, 'PRODUCT_UNAVAILABLE', 'This product is not available', {
        productId: doc._id.toHexString(),
      });
    }
    return {
      id: doc._id.toHexString(),
      name: doc.name,
      price: doc.price,
      currency: doc.currency,
      stock: doc.stock,
    };
  }

  /**
   * The other lines of the cart minus those of deleted products (pruned on every change), and the
   * currency the cart is in (that of its first purchasable line other than `productId`).
   */
  private async survivingLines(
    cart: StoredCart,
    productId: string,
  ): Promise<{ kept: CartLine[]; currency: string | null }> {
    const others = cart.items.filter((line) => line.productId !== productId);
    const entries = await this.catalog.entries(others.map((line) => line.productId));
    let currency: string | null = null;
    const kept = cart.items.filter((line) => {
      if (line.productId === productId) return true;
      const entry = entries.get(line.productId) ?? null;
      if (!entry || entry.deleted) return false;
      if (isPurchasable(entry)) currency ??= entry.product.currency;
      return true;
    });
    return { kept, currency };
  }
}

function unavailability(entry: CachedProduct | null): UnavailableReason | null {
  if (!entry || entry.deleted) return 'deleted';
  if (!entry.product.active) return 'inactive';
  return null;
}

function checkStock(product: { id: string; stock: number }, quantity: number): void {
  if (quantity > product.stock) {
    throw new HttpError(409, 'INSUFFICIENT_STOCK', `Only ${product.stock} available`, {
      productId: product.id,
      available: product.stock,
    });
  }
}

const services = new WeakMap<CartDeps['redis'], CartService>();

/** The cart service of an app (one per Redis client, like the catalog's); the first logger is kept. */
export function cartServiceFor(deps: CartDeps, log?: CacheLogger): CartService {
  let service = services.get(deps.redis);
  if (!service) {
    const catalog = catalogFor(deps, log);
    service = new CartService(
      new CartStore(deps.database.collections.carts, deps.redis, deps.config.REDIS_KEY_PREFIX, log ?? silent),
      catalog,
    );
    services.set(deps.redis, service);
  }
  return service;
}

const silent: CacheLogger = { warn: () => undefined, info: () => undefined, debug: () => undefined };

// ---- For the orders code: the cart as MongoDB holds it, and clearing it after an order. ----

/**
 * The user's cart from MongoDB (the durable copy; never the Redis copy), with its version.
 * Lines are as stored (`productId` hex, `quantity`); price them from the catalog, not from here.
 */
export async function readCart(deps: CartDeps, userId: string): Promise<StoredCart> {
  return cartServiceFor(deps).store.readDurable(userId);
}

/** The cart as `GET /api/cart` shows it (current catalog prices). */
export async function getCart(deps: CartDeps, userId: string, log?: CacheLogger): Promise<CartView> {
  return cartServiceFor(deps, log).view(userId);
}

/**
 * Empties the user's cart in MongoDB and Redis. With `ifVersion` (the `version` from `readCart`),
 * it clears only if the cart did not change since — resolves false otherwise, leaving it as is (the
 * user added something after the order was built). Call it after the order is committed; it does
 * not join a transaction.
 */
export async function clearCart(
  deps: CartDeps,
  userId: string,
  options: { ifVersion?: number } = {},
): Promise<boolean> {
  return (await cartServiceFor(deps).clear(userId, options)).cleared;
}
