// Values the global setup (./global-setup.ts) provides to every test file through `inject()`.
declare module 'vitest' {
  export interface ProvidedContext {
    /** MongoDB connection string without a database name; each test file picks its own database. */
    mongoUri: string;
    /** 'env' | 'testcontainers' | 'mongodb-memory-server' | 'jongodb' */
    mongoKind: string;
    /** true when MongoDB is the jongodb stand-in (no transaction isolation). */
    mongoIsStandIn: boolean;
    /** Redis URL; each test file uses its own key prefix. */
    redisUrl: string;
  }
}

export {};
