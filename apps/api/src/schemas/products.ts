import { MAX_QUERY_LENGTH, MAX_QUERY_WORDS, SUPPORTED_CURRENCIES, type CurrencyCode } from '@simple-shop/domain';
import { Type, type Static } from '@sinclair/typebox';
import { PRODUCT_SORTS, type ProductSort } from '../services/catalog/cursor';

/** Largest price accepted, in minor units (10,000,000.00): line totals of 99 units stay safe integers. */
export const MAX_PRICE = 1_000_000_000;
export const MAX_STOCK = 1_000_000_000;

export const ProductId = Type.String({
  pattern: '^[0-9a-fA-F]{24}$',
  description: 'Product id (24 hex characters)',
});
export const ProductIdParams = Type.Object({ id: ProductId }, { additionalProperties: false });

/**
 * Currencies are lower-case ISO 4217 codes from the shop's allow-list. Upper case (`USD`) is
 * rejected, not normalised: the API contract writes currencies in lower case everywhere, and
 * accepting both would make `USD` and `usd` two spellings of one value in stored data.
 */
export const CurrencyCodeSchema = Type.Unsafe<CurrencyCode>({
  type: 'string',
  enum: [...SUPPORTED_CURRENCIES],
  description: `ISO 4217, lower case; one of ${SUPPORTED_CURRENCIES.join(', ')}`,
});

/** A category is a lower-case slug (`home-kitchen`); upper case is rejected like currencies. */
export const CategorySlug = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[a-z0-9]+(?:[-_][a-z0-9]+)*$',
  description: 'Category slug: lower-case letters, digits, single - or _ between them (1-64)',
});

const Price = Type.Integer({ minimum: 0, maximum: MAX_PRICE, description: 'Integer minor units (1999 = 19.99)' });
const Stock = Type.Integer({ minimum: 0, maximum: MAX_STOCK, description: 'Units available to sell' });
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'Trimmed; 1-200 characters' });
const Description = Type.String({ maxLength: 5000 });
const ImageUrl = Type.String({
  maxLength: 2048,
  format: 'uri',
  pattern: '^https?://',
  description: 'Absolute http(s) URL, at most 2048 characters',
});
const Images = Type.Array(ImageUrl, { maxItems: 20, description: 'Up to 20 image URLs' });
/**
 * Free-form key/values. Keys are 1-64 characters without `.` and not starting with `$` (they are
 * MongoDB field names); values are strings of at most 500 characters; at most 50 pairs.
 */
const Attributes = Type.Record(Type.String(), Type.String({ maxLength: 500 }), {
  maxProperties: 50,
  propertyNames: { minLength: 1, maxLength: 64, pattern: '^[^.$][^.]*$' },
  description: 'Free-form attributes: up to 50 pairs, key 1-64 chars (no "." or leading "$"), value <= 500 chars',
});

export const ProductDto = Type.Object(
  {
    id: ProductId,
    name: Type.String(),
    description: Type.String(),
    category: Type.String(),
    price: Type.Integer({ description: 'Integer minor units' }),
    currency: Type.String({ description: 'ISO 4217, lower case' }),
    stock: Type.Integer({ description: 'Units available to sell now' }),
    active: Type.Boolean(),
    images: Type.Array(Type.String()),
    attributes: Type.Record(Type.String(), Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { description: 'A catalog product' },
);
export type ProductDto = Static<typeof ProductDto>;

/** What admins see of a product: the shopper's view plus the inventory levels behind `stock`. */
export const AdminProductDto = Type.Composite(
  [
    ProductDto,
    Type.Object({
      onHand: Type.Integer({ description: 'Units on hand: available (`stock`) + reserved' }),
      reserved: Type.Integer({ description: 'Units reserved by open (unpaid) orders' }),
    }),
  ],
  { description: 'A catalog product with its inventory levels' },
);
export type AdminProductDto = Static<typeof AdminProductDto>;

export const ProductCreateBody = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    category: CategorySlug,
    price: Price,
    currency: CurrencyCodeSchema,
    stock: Stock,
    active: Type.Optional(Type.Boolean({ description: 'Default true; inactive products are hidden from shoppers' })),
    images: Type.Optional(Images),
    attributes: Type.Optional(Attributes),
  },
  { additionalProperties: false },
);
export type ProductCreateBody = Static<typeof ProductCreateBody>;

export const ProductUpdateBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    category: Type.Optional(CategorySlug),
    price: Type.Optional(Price),
    currency: Type.Optional(CurrencyCodeSchema),
    stock: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_STOCK,
        description:
          'Units on hand. Units reserved by open orders stay reserved, so shoppers then see this minus the ' +
          'reserved units; 409 STOCK_RESERVED if fewer than are reserved. Applied as a delta, audited.',
      }),
    ),
    expectedOnHand: Type.Optional(
      Type.Integer({ minimum: 0, description: 'With `stock`: the on-hand count the edit was based on (409 STALE_STOCK if it changed)' }),
    ),
    active: Type.Optional(Type.Boolean()),
    images: Type.Optional(Images),
    attributes: Type.Optional(Attributes),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'The fields present replace the stored ones; absent fields are unchanged',
  },
);
export type ProductUpdateBody = Static<typeof ProductUpdateBody>;

const SortParam = Type.Unsafe<ProductSort>({
  type: 'string',
  enum: [...PRODUCT_SORTS],
  default: 'newest',
  description:
    'newest (default: createdAt desc, id desc) | price_asc | price_desc | name (byte order, then id). ' +
    'A cursor only continues the sort it was issued for.',
});
const LimitParam = Type.Integer({
  minimum: 1,
  maximum: 100,
  default: 20,
  description: 'Page size, 1-100 (default 20)',
});
const CursorParam = Type.String({
  minLength: 1,
  maxLength: 512,
  pattern: '^[A-Za-z0-9_-]+$',
  description:
    'Opaque: pass the nextCursor of the previous page to get the next one (with the same sort and ' +
    "filters). It encodes the last item's sort key and id (base64url), so pages stay correct while " +
    'products are added. A malformed cursor, or one from another sort, is a 400 INVALID_CURSOR.',
});

export const ProductListQuery = Type.Object(
  {
    limit: LimitParam,
    cursor: Type.Optional(CursorParam),
    sort: SortParam,
    category: Type.Optional(CategorySlug),
    minPrice: Type.Optional(Type.Integer({ minimum: 0, description: 'Lowest price, minor units, inclusive' })),
    maxPrice: Type.Optional(Type.Integer({ minimum: 0, description: 'Highest price, minor units, inclusive' })),
    inStock: Type.Optional(Type.Boolean({ description: 'true: only products with stock > 0' })),
  },
  { additionalProperties: false },
);
export type ProductListQuery = Static<typeof ProductListQuery>;

export const ProductSearchQuery = Type.Object(
  {
    q: Type.String({
      minLength: 1,
      maxLength: MAX_QUERY_LENGTH,
      description:
        `Words to find in product names and categories (case- and accent-insensitive; each word matches ` +
        `the start of a word, all words must match). At most ${MAX_QUERY_LENGTH} characters and ` +
        `${MAX_QUERY_WORDS} words; punctuation is ignored and never interpreted as a pattern.`,
    }),
    limit: LimitParam,
    cursor: Type.Optional(CursorParam),
    sort: SortParam,
  },
  { additionalProperties: false },
);
export type ProductSearchQuery = Static<typeof ProductSearchQuery>;

export const ProductPage = Type.Object(
  {
    items: Type.Array(ProductDto),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` to get the next page; null on the last page',
    }),
    limit: Type.Integer({ description: 'The page size used' }),
  },
  { description: 'One page of active products' },
);
export type ProductPage = Static<typeof ProductPage>;
