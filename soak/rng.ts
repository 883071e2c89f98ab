// The seeded PRNG lives in the test harness (shared with the API fuzz test).
export { createRng, type Rng } from '@simple-shop/testing';
