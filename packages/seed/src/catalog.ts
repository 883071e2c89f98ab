/**
 * A deterministic demo catalog: the same products (names, prices, stock, ids, timestamps) on every
 * run and every machine, derived from a seeded PRNG per product. Product `i` never depends on how
 * many products are generated, so seeding 200 and later 1,000 extends the same catalog.
 */
import { createHash } from 'node:crypto';
import { ObjectId, type ProductDoc } from '@simple-shop/db';
import { searchTermsFor } from '@simple-shop/domain';

export const DEFAULT_PRODUCT_COUNT = 1000;
const SEED = 0x5eed_5409;
/** createdAt of product 0; product i is ~17 minutes newer than product i-1. */
const EPOCH_MS = Date.UTC(2025, 0, 1);

/** mulberry32: small, fast, good enough for demo data, identical on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface CategorySpec {
  slug: string;
  code: string;
  nouns: string[];
  adjectives: string[];
  brands: string[];
  /** Price range in major units. */
  price: [number, number];
  features: string[];
  attributes: (pick: <T>(list: readonly T[]) => T) => Record<string, string>;
}

const COLORS = ['black', 'white', 'graphite', 'navy', 'forest green', 'red', 'sand', 'sky blue', 'charcoal', 'olive'];

const CATEGORIES: CategorySpec[] = [
  {
    slug: 'electronics',
    code: 'ELEC',
    nouns: [
      'Wireless Headphones',
      'Bluetooth Speaker',
      'USB-C Charger',
      'Smart Watch',
      'Power Bank',
      'Webcam',
      'Mechanical Keyboard',
      'Wireless Mouse',
      'Earbuds',
      'E-Reader',
    ],
    adjectives: ['Compact', 'Pro', 'Ultra', 'Noise-Cancelling', 'Portable', 'Slim', 'Rugged', 'Studio'],
    brands: ['Voltra', 'Sonique', 'Nimbus', 'Arclight', 'Pixelon'],
    price: [15, 399],
    features: [
      'all-day battery life',
      'fast USB-C charging',
      'a two-year warranty',
      'low-latency Bluetooth 5.3',
      'a recycled aluminium shell',
    ],
    attributes: (pick) => ({
      color: pick(COLORS),
      warranty: pick(['1 year', '2 years']),
      connectivity: pick(['Bluetooth', 'USB-C', 'Wi-Fi']),
    }),
  },
  {
    slug: 'books',
    code: 'BOOK',
    nouns: [
      'Cookbook',
      'Mystery Novel',
      'Field Guide',
      'Travel Journal',
      'Poetry Collection',
      'History of Rome',
      'Programming Handbook',
      'Graphic Novel',
      'Atlas',
      'Biography',
    ],
    adjectives: ['Illustrated', "Collector's", 'Pocket', 'Annotated', 'Complete', 'Essential', 'Hardcover', 'Revised'],
    brands: ['Larkspur Press', 'Owl & Quill', 'Meridian Books', 'Paperlane'],
    price: [8, 59],
    features: [
      'over 300 pages',
      'full-colour illustrations',
      'a foreword by the author',
      'a sewn binding that lies flat',
      'an index and glossary',
    ],
    attributes: (pick) => ({
      format: pick(['hardcover', 'paperback']),
      language: pick(['English', 'English', 'Spanish', 'German']),
      pages: String(120 + Math.floor(pick([0, 1, 2, 3, 4]) * 95)),
    }),
  },
  {
    slug: 'home-kitchen',
    code: 'HOME',
    nouns: [
      'Chef Knife',
      'Cast Iron Skillet',
      'French Press',
      'Cutting Board',
      'Dutch Oven',
      'Espresso Cups',
      'Mixing Bowls',
      'Tea Kettle',
      'Spice Rack',
      'Salad Spinner',
    ],
    adjectives: ['Enamelled', 'Stainless', 'Handcrafted', 'Nonstick', 'Classic', 'Stackable', 'Heavy-Duty', 'Ceramic'],
    brands: ['Hearthly', 'Copperleaf', 'Maison Brisa', 'Kitchwell'],
    price: [9, 249],
    features: [
      'dishwasher-safe parts',
      'a lifetime warranty',
      'food-safe materials',
      'even heat distribution',
      'a comfortable ergonomic grip',
    ],
    attributes: (pick) => ({
      material: pick(['stainless steel', 'cast iron', 'ceramic', 'bamboo', 'glass']),
      color: pick(COLORS),
      dishwasherSafe: pick(['yes', 'no']),
    }),
  },
  {
    slug: 'garden',
    code: 'GARD',
    nouns: [
      'Pruning Shears',
      'Watering Can',
      'Raised Bed',
      'Garden Hose',
      'Seed Starter Kit',
      'Compost Bin',
      'Trowel',
      'Planter',
      'Bird Feeder',
      'Garden Gloves',
    ],
    adjectives: [
      'Weatherproof',
      'Galvanised',
      'Ergonomic',
      'Expandable',
      'Cedar',
      'Self-Watering',
      'Lightweight',
      'Heritage',
    ],
    brands: ['Greenhaven', 'Rootwise', 'Fernfield', 'Bloomcraft'],
    price: [6, 189],
    features: [
      'UV-resistant materials',
      'rust-proof fittings',
      'easy tool-free assembly',
      'a drainage system',
      'sustainably sourced wood',
    ],
    attributes: (pick) => ({
      material: pick(['cedar', 'steel', 'recycled plastic', 'terracotta']),
      outdoor: 'yes',
      color: pick(COLORS),
    }),
  },
  {
    slug: 'toys',
    code: 'TOYS',
    nouns: [
      'Building Blocks',
      'Puzzle',
      'Plush Bear',
      'Wooden Train Set',
      'Kite',
      'Board Game',
      'Art Kit',
      'Remote Control Car',
      'Marble Run',
      'Yo-Yo',
    ],
    adjectives: ['Classic', 'Deluxe', 'Mini', 'Glow-in-the-Dark', 'Magnetic', 'Rainbow', 'Adventure', 'Junior'],
    brands: ['Toyvale', 'Kidoodle', 'Playmakers', 'Bright Owl'],
    price: [5, 129],
    features: [
      'non-toxic paints',
      'rounded safe edges',
      'hours of creative play',
      'a sturdy storage box',
      'age-appropriate challenges',
    ],
    attributes: (pick) => ({
      ageRange: pick(['3+', '5+', '8+', '12+']),
      material: pick(['wood', 'plastic', 'cardboard', 'fabric']),
      batteries: pick(['none', 'AA', 'rechargeable']),
    }),
  },
  {
    slug: 'sports',
    code: 'SPRT',
    nouns: [
      'Yoga Mat',
      'Running Shoes',
      'Water Bottle',
      'Resistance Bands',
      'Tennis Racket',
      'Cycling Helmet',
      'Jump Rope',
      'Dumbbell Set',
      'Hiking Backpack',
      'Football',
    ],
    adjectives: ['Lightweight', 'Trail', 'Pro', 'Breathable', 'Insulated', 'Adjustable', 'All-Weather', 'Performance'],
    brands: ['Stridewell', 'Peakform', 'Aerolite', 'Tempo Athletic'],
    price: [7, 299],
    features: [
      'sweat-wicking fabric',
      'a non-slip surface',
      'reinforced stitching',
      'a lifetime grip guarantee',
      'reflective details for night use',
    ],
    attributes: (pick) => ({
      size: pick(['S', 'M', 'L', 'XL', 'one size']),
      color: pick(COLORS),
      weight: `${pick([180, 250, 400, 750, 1200])} g`,
    }),
  },
  {
    slug: 'clothing',
    code: 'CLTH',
    nouns: [
      'T-Shirt',
      'Hoodie',
      'Denim Jacket',
      'Wool Sweater',
      'Rain Coat',
      'Chinos',
      'Beanie',
      'Scarf',
      'Flannel Shirt',
      'Socks',
    ],
    adjectives: [
      'Organic Cotton',
      'Merino',
      'Relaxed-Fit',
      'Waterproof',
      'Vintage',
      'Everyday',
      'Heavyweight',
      'Recycled',
    ],
    brands: ['Northloom', 'Thread & Pine', 'Urban Fable', 'Coastline'],
    price: [9, 219],
    features: ['pre-shrunk fabric', 'ethically made', 'a tailored fit', 'reinforced seams', 'machine-washable care'],
    attributes: (pick) => ({
      size: pick(['XS', 'S', 'M', 'L', 'XL']),
      color: pick(COLORS),
      fabric: pick(['cotton', 'merino wool', 'denim', 'polyester', 'linen']),
    }),
  },
  {
    slug: 'beauty',
    code: 'BEAU',
    nouns: [
      'Face Serum',
      'Lip Balm',
      'Shampoo',
      'Hand Cream',
      'Clay Mask',
      'Body Lotion',
      'Sunscreen',
      'Perfume',
      'Shaving Kit',
      'Nail Polish',
    ],
    adjectives: [
      'Hydrating',
      'Fragrance-Free',
      'Vegan',
      'Soothing',
      'Brightening',
      'Travel-Size',
      'Nourishing',
      'Botanical',
    ],
    brands: ['Lumière', 'Petal & Stone', 'Aquaveil', 'Saltbloom'],
    price: [4, 120],
    features: [
      'dermatologist tested',
      'no parabens',
      'a recyclable glass bottle',
      'cruelty-free ingredients',
      'a light non-greasy finish',
    ],
    attributes: (pick) => ({
      volume: pick(['15 ml', '50 ml', '100 ml', '250 ml']),
      skinType: pick(['all', 'dry', 'sensitive', 'oily']),
      vegan: pick(['yes', 'no']),
    }),
  },
  {
    slug: 'grocery',
    code: 'GROC',
    nouns: [
      'Coffee Beans',
      'Green Tea',
      'Olive Oil',
      'Dark Chocolate',
      'Honey',
      'Pasta',
      'Granola',
      'Hot Sauce',
      'Maple Syrup',
      'Sea Salt',
    ],
    adjectives: [
      'Organic',
      'Single-Origin',
      'Cold-Pressed',
      'Smoked',
      'Artisan',
      'Wildflower',
      'Stone-Ground',
      'Small-Batch',
    ],
    brands: ['Harvest Row', 'Bean & Barrel', 'Golden Hive', 'Casa Oliva'],
    price: [3, 45],
    features: [
      'fair-trade sourcing',
      'no artificial flavours',
      'resealable packaging',
      'a best-before of 12 months',
      'small-batch production',
    ],
    attributes: (pick) => ({
      weight: pick(['250 g', '500 g', '1 kg']),
      origin: pick(['Italy', 'Colombia', 'Ethiopia', 'Canada', 'Greece', 'Japan']),
      organic: pick(['yes', 'no']),
    }),
  },
  {
    slug: 'office',
    code: 'OFFC',
    nouns: [
      'Notebook',
      'Fountain Pen',
      'Desk Lamp',
      'Monitor Stand',
      'Desk Organiser',
      'Sticky Notes',
      'Office Chair',
      'Whiteboard',
      'Paper Shredder',
      'Planner',
    ],
    adjectives: ['Dotted', 'Ergonomic', 'Minimalist', 'Adjustable', 'Refillable', 'Bamboo', 'Premium', 'Undated'],
    brands: ['Inkwell & Co', 'Deskcraft', 'Paperfold', 'Quillmark'],
    price: [3, 349],
    features: [
      'acid-free paper',
      'a five-year warranty',
      'cable management built in',
      'easy height adjustment',
      'a refillable design',
    ],
    attributes: (pick) => ({
      color: pick(COLORS),
      material: pick(['bamboo', 'steel', 'paper', 'aluminium', 'mesh']),
      pack: pick(['1', '3', '5', '10']),
    }),
  },
];

export const SEED_CATEGORIES = CATEGORIES.map((c) => c.slug);

/** Log-uniform price in a range, ending in .99/.49/.00 like shop prices (JPY-free: usd only). */
function pricePick(random: () => number, [min, max]: [number, number]): number {
  const major = Math.floor(Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min))));
  const cents = [99, 99, 99, 49, 0][Math.floor(random() * 5)]!;
  return Math.max(1, major) * 100 + cents - (cents === 0 ? 0 : 100);
}

/** A product's id: its createdAt second plus a hash of its sku, so ids are stable and time-ordered. */
function productId(createdAt: Date, sku: string): ObjectId {
  const seconds = Math.floor(createdAt.getTime() / 1000)
    .toString(16)
    .padStart(8, '0');
  const tail = createHash('sha1').update(`simple-shop-seed:${sku}`).digest('hex').slice(0, 16);
  return new ObjectId(`${seconds}${tail}`);
}

/** Product number `index` (0-based) of the demo catalog. */
export function generateProduct(index: number): ProductDoc {
  const random = mulberry32(SEED ^ Math.imul(index + 1, 0x9e3779b1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const category = CATEGORIES[index % CATEGORIES.length]!;
  const sku = `${category.code}-${String(Math.floor(index / CATEGORIES.length) + 1).padStart(5, '0')}`;
  const brand = pick(category.brands);
  const adjective = pick(category.adjectives);
  const noun = pick(category.nouns);
  const model = random() < 0.35 ? ` ${pick(['Mk II', 'X', 'Plus', 'Lite', 'Max', '2.0', 'Series 3'])}` : '';
  const name = `${brand} ${adjective} ${noun}${model}`;
  const [featureA, featureB] = [pick(category.features), pick(category.features)];
  const description =
    `The ${adjective.toLowerCase()} ${noun.toLowerCase()} from ${brand}, with ${featureA}` +
    `${featureB === featureA ? '' : ` and ${featureB}`}. ` +
    `A dependable pick for everyday use — designed to last and easy to care for.`;
  const stockRoll = random();
  const stock = stockRoll < 0.06 ? 0 : stockRoll < 0.2 ? 1 + Math.floor(random() * 9) : 10 + Math.floor(random() * 290);
  const createdAt = new Date(EPOCH_MS + index * 17 * 60_000 + Math.floor(random() * 60_000));
  const lowerSku = sku.toLowerCase();
  return {
    _id: productId(createdAt, sku),
    sku,
    name,
    description,
    category: category.slug,
    price: pricePick(random, category.price),
    currency: 'usd',
    stock,
    active: random() >= 0.03,
    images: [
      `https://images.example.com/products/${lowerSku}/1.jpg`,
      `https://images.example.com/products/${lowerSku}/2.jpg`,
    ],
    attributes: { brand, ...category.attributes(pick) },
    searchTerms: searchTermsFor(name, category.slug),
    createdAt,
    updatedAt: createdAt,
  };
}

export function generateCatalog(count: number): ProductDoc[] {
  return Array.from({ length: count }, (_, index) => generateProduct(index));
}
