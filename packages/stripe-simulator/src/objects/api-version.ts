import type Stripe from 'stripe';

/**
 * The one Stripe API version the simulator speaks: every object it returns has this version's
 * shape and every event is stamped with it. It is the version of the installed `stripe` SDK's
 * typings; upgrading the SDK makes this line fail `pnpm typecheck` until the new version is
 * written here (and in the shop's pin), so a version change is always a deliberate commit.
 */
export const SIMULATED_API_VERSION = '2026-10-28.endive' satisfies Stripe.LatestApiVersion;
