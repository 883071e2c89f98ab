// A type fixture, outside `pnpm typecheck` on purpose: src/objects/sdk-shape.test.ts compiles it
// and expects exactly one error on each statement marked `// error: <text>`, its message containing
// that text. It shows what happens to a simulator object built with `satisfies` when a field the
// stripe SDK declares required is removed, or an enum gets a value the pinned API version lacks.
import type { buildCharge } from '../src/objects/charge';
import type { buildCheckoutSession } from '../src/objects/checkout-session';
import type { Charge, CheckoutSession } from '../src/types';

declare const session: ReturnType<typeof buildCheckoutSession>;
declare const charge: ReturnType<typeof buildCharge>;

const { custom_text: _customText, ...sessionWithoutCustomText } = session;
const { disputed: _disputed, ...chargeWithoutDisputed } = charge;

export const complete = { ...session } satisfies CheckoutSession;
export const missingCustomText = { ...sessionWithoutCustomText } satisfies CheckoutSession; // error: custom_text
export const missingDisputed = { ...chargeWithoutDisputed } satisfies Charge; // error: disputed
export const oldUiMode = { ...session, ui_mode: 'hosted' } satisfies CheckoutSession; // error: "hosted"
