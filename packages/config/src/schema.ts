import { Type, type Static } from '@sinclair/typebox';

/**
 * The one environment schema shared by the API and the worker.
 * Every variable is documented in `.env.example`; a bad or missing value stops start-up
 * with a message naming the variable (see `load-config.ts`).
 */
const Url = Type.String({ minLength: 1, pattern: '^[a-z][a-z0-9+.-]*://' });

export const EnvSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
  }),
  SERVICE_NAME: Type.Optional(Type.String({ minLength: 1 })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),

  // HTTP
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 5000 }),
  WORKER_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 5001 }),
  /** true | false | hop count | comma-separated proxy IPs/CIDRs; parsed into `trustProxy` (trust-proxy.ts). */
  TRUST_PROXY: Type.String({ default: 'false' }),
  CORS_ORIGINS: Type.String({ default: 'http://localhost:3000' }),
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, maximum: 10_485_760, default: 1_048_576 }),

  // Data stores
  MONGODB_URI: Url,
  /**
   * Where catalog reads that miss the cache go: 'primary' (default, never stale) or a secondary
   * preference that offloads the primary at the cost of replication lag (docs/scaling.md).
   */
  MONGODB_CATALOG_READ_PREFERENCE: Type.Union(
    [
      Type.Literal('primary'),
      Type.Literal('primaryPreferred'),
      Type.Literal('secondary'),
      Type.Literal('secondaryPreferred'),
      Type.Literal('nearest'),
    ],
    { default: 'primary' },
  ),
  MONGODB_DB: Type.String({ minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9_-]+$', default: 'simple-shop' }),
  /**
   * How long an operation waits for a primary before failing (the API then answers 503). A replica-set
   * election takes ~10-12 s, so production keeps this >= 30 s; tests set it short to see the 503 quickly.
   */
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 300_000, default: 30_000 }),
  /**
   * How long a command may wait for the server's answer on an open connection before the connection
   * is dropped and the command fails (the API answers 503, the worker retries). Without it a server
   * that stops answering without closing the socket (a partition, a frozen host) holds requests
   * forever. Well above any command the shop sends; index builds at start-up are exempt.
   */
  MONGODB_SOCKET_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 60_000 }),
  /** Single server (redis:// or rediss://) or a redis+sentinel:// URL; see redis-topology.ts. */
  REDIS_URL: Type.Optional(Url),
  /** Redis Cluster seed nodes, host:port,host:port (wins over REDIS_URL and Sentinel). */
  REDIS_CLUSTER_NODES: Type.Optional(Type.String()),
  /** Sentinel addresses, host:port,host:port, with the monitored group's name. */
  REDIS_SENTINELS: Type.Optional(Type.String()),
  REDIS_SENTINEL_NAME: Type.Optional(Type.String({ minLength: 1 })),
  REDIS_SENTINEL_PASSWORD: Type.Optional(Type.String()),
  /** Credentials for Sentinel/Cluster data nodes (a single server takes them in REDIS_URL). */
  REDIS_USERNAME: Type.Optional(Type.String()),
  REDIS_PASSWORD: Type.Optional(Type.String()),
  /** TLS for every topology (a rediss:// URL turns it on too), with a CA file and server name. */
  REDIS_TLS: Type.Optional(Type.Boolean()),
  REDIS_TLS_CA_FILE: Type.Optional(Type.String()),
  REDIS_TLS_SERVERNAME: Type.Optional(Type.String()),
  REDIS_KEY_PREFIX: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_:.-]+$', default: 'shop' }),
  /** Optional separate Redis (maxmemory-policy allkeys-lru) for the product cache; unset = REDIS_URL. */
  CACHE_REDIS_URL: Type.Optional(Url),

  // Auth
  JWT_SECRET: Type.String({ minLength: 32 }),
  JWT_ISSUER: Type.String({ minLength: 1, default: 'simple-shop' }),
  JWT_AUDIENCE: Type.String({ minLength: 1, default: 'simple-shop-api' }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, maximum: 3600, default: 900 }),
  REFRESH_TOKEN_TTL_DAYS: Type.Integer({ minimum: 1, maximum: 90, default: 30 }),
  ARGON2_MEMORY_KIB: Type.Integer({ minimum: 19_456, maximum: 1_048_576, default: 19_456 }),
  ARGON2_TIME_COST: Type.Integer({ minimum: 2, maximum: 10, default: 2 }),
  ARGON2_PARALLELISM: Type.Integer({ minimum: 1, maximum: 16, default: 1 }),

  // Rate limits (per IP; the auth routes add per-account limits of their own)
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 300 }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60_000 }),
  /**
   * Catalog reads (GET /api/products, /search, /:id): their own per-IP class, counted in the same Redis
   * round trip as the cache read (docs/scaling.md#rate-limits), instead of the general limit.
   */
  CATALOG_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 1200 }),
  AUTH_RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 10 }),
  AUTH_RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 900_000 }),
  /** Failed logins for one account from all IPs in a window after which every further attempt is slowed. */
  AUTH_ACCOUNT_SLOWDOWN_AFTER: Type.Integer({ minimum: 1, default: 50 }),

  // Idempotency-Key: how long a claimed key stays reserved for the request holding it. A request
  // that crashed mid-way leaves its claim behind; once the lease is over a retry takes it over.
  IDEMPOTENCY_LEASE_SECONDS: Type.Integer({ minimum: 5, maximum: 3600, default: 60 }),

  // Catalog and carts
  PRODUCT_CACHE_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 300 }),
  /** Bytes of list/search pages the cache may write per TTL window (live pages stay below twice this). */
  PRODUCT_CACHE_MAX_BYTES: Type.Integer({ minimum: 65_536, maximum: 1_073_741_824, default: 16_777_216 }),
  /**
   * Bytes of cached product and page answers each API process keeps in its own memory in front of Redis
   * (checked against the catalog generation on every read, so never stale); 0 turns that tier off.
   */
  PRODUCT_CACHE_LOCAL_MAX_BYTES: Type.Integer({ minimum: 0, maximum: 1_073_741_824, default: 33_554_432 }),

  // Stock holds: how much one customer may reserve without paying.
  ORDER_MAX_OPEN_PER_USER: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
  ORDER_MAX_UNITS_PER_PRODUCT: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 20 }),

  // Stripe. Unset key = payments disabled (create-intent answers 503); STRIPE_API_BASE points the
  // SDK at the local simulator; without it the SDK talks to api.stripe.com unchanged.
  STRIPE_SECRET_KEY: Type.Optional(Type.String({ pattern: '^(sk|rk)_(test|live)_[A-Za-z0-9_]+$' })),
  // One secret, or several comma-separated while moving to a new endpoint (each is tried).
  STRIPE_WEBHOOK_SECRET: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9_]+(,whsec_[A-Za-z0-9_]+)*$' })),
  STRIPE_API_BASE: Type.Optional(Type.String({ pattern: '^https?://[^/]+$' })),
  /** Production refuses the simulator (its key, STRIPE_API_BASE, dev webhook secrets) unless this is true. */
  ALLOW_STRIPE_SIMULATOR: Type.Boolean({ default: false }),
  CHECKOUT_SUCCESS_URL: Type.String({
    default: 'http://localhost:3000/checkout/success?session_id={CHECKOUT_SESSION_ID}',
  }),
  CHECKOUT_CANCEL_URL: Type.String({ default: 'http://localhost:3000/checkout/cancelled' }),
  CHECKOUT_SESSION_TTL_SECONDS: Type.Integer({ minimum: 1800, maximum: 86_400, default: 1800 }),
  /** Countries Checkout collects a shipping address for (ISO 3166-1 alpha-2, upper case, comma-separated). */
  SHIPPING_COUNTRIES: Type.String({ pattern: '^[A-Z]{2}(,[A-Z]{2})*$', default: 'US,CA,GB,IE,DE,FR,NL' }),
  /** Paid orders should ship within this many hours; the OrdersAwaitingFulfilmentTooLong alert reads it. */
  FULFILMENT_SLA_HOURS: Type.Integer({ minimum: 1, maximum: 720, default: 48 }),
  /** Flat shipping rate per currency in minor units, e.g. `usd:500,eur:450`; unset or no entry = free. */
  SHIPPING_RATES: Type.Optional(Type.String({ pattern: '^[a-z]{3}:[0-9]{1,7}(,[a-z]{3}:[0-9]{1,7})*$' })),

  // Email
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  EMAIL_FROM: Type.String({ minLength: 3, default: 'Simple Shop <shop@localhost>' }),
  PUBLIC_APP_URL: Type.String({ pattern: '^https?://', default: 'http://localhost:3000' }),

  // Operations
  // Read-only unless writes are enabled explicitly: a stolen board session can then only look.
  BULL_BOARD_READ_ONLY: Type.Boolean({ default: true }),
  RECONCILE_INTERVAL_MS: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 60_000 }),

  // Fault injection for chaos and crash tests only (a delay inside Stripe event processing, so
  // a worker can be killed mid-job). Must stay 0 in production.
  FAULT_PROCESSING_DELAY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 0 }),

  // Queue
  QUEUE_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  JOB_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
  JOB_BACKOFF_MS: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 2000 }),
  /** How long a worker's lock on an active job lasts; a crashed worker's job is retried after it. */
  JOB_LOCK_MS: Type.Integer({ minimum: 1000, maximum: 600_000, default: 30_000 }),
});

export type Env = Static<typeof EnvSchema>;
