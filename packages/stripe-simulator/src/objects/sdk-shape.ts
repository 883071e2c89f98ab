// The wire shape of a Stripe object as the installed `stripe` SDK's typings declare it, made
// stricter in the two places where the typings are deliberately loose:
// - enums end in `| OtherString` (any string) so old SDKs accept values Stripe adds later; the
//   simulator must only send documented values, so the open end is removed (`ui_mode: 'hosted'`
//   no longer passes, `'hosted_page'` does);
// - decimal fields are `Decimal` objects in the SDK, which converts them from the decimal
//   strings sent on the wire; the simulator builds the wire JSON, so they are strings here.
// Every object the simulator returns or sends is built with `satisfies SdkShape<Stripe.X>`, so
// a missing required field, a mistyped one or an undocumented enum value fails `pnpm typecheck`.
import type Stripe from 'stripe';

type StringLiteralsOf<U> = U extends string ? (string extends U ? never : U) : never;
type NonStringsOf<U> = U extends string ? never : U;

/** `'a' | 'b' | OtherString | null` → `'a' | 'b' | null`; a plain `string` stays a string. */
type CloseEnum<U> = [StringLiteralsOf<U>] extends [never] ? U : StringLiteralsOf<U> | NonStringsOf<U>;

type DeepShape<T> = T extends Stripe.Decimal
  ? string
  : T extends readonly (infer E)[]
    ? SdkShape<E>[]
    : T extends object
      ? { [K in keyof T]: SdkShape<T[K]> }
      : T;

export type SdkShape<T> = DeepShape<CloseEnum<T>>;
