// The seeded PRNG lives in the test harness (shared with the API fuzz test). Imported by subpath: the
// harness' index pulls in vitest, which refuses to load outside a vitest run (`pnpm soak` is a plain script).
export { createRng, type Rng } from '@simple-shop/testing/rng';
