// What the contract test records: each response the shop's Stripe client got and each webhook
// payload the shop's endpoint verified, with the SDK type it must be. `toTypeScript` turns the
// recording into a module that states each value `satisfies` its type, so the TypeScript compiler
// checks the values received at run time against the installed `stripe` typings: missing fields,
// fields the typings do not declare (object literals get excess-property checks), wrong types and
// enum values the pinned version does not document all fail.
import type Stripe from 'stripe';

export interface Recorded {
  /** Which flow and call, for failure messages. */
  label: string;
  /** A type expression over `Stripe` and `Shape` (SdkShape) in the generated module. */
  type: string;
  value: unknown;
}

export class ContractRecorder {
  readonly records: Recorded[] = [];

  response(label: string, type: string, value: unknown): void {
    // JSON round trip: exactly what went over the wire (lastResponse is not enumerable).
    this.records.push({ label, type: `Shape<${type}>`, value: JSON.parse(JSON.stringify(value)) });
  }

  event(label: string, event: Stripe.Event): void {
    this.records.push({
      label: `${label}: ${event.type} ${event.id}`,
      type: `Shape<Extract<Stripe.Event, { type: ${JSON.stringify(event.type)} }>>`,
      value: event,
    });
  }

  /** The module source, and the record each line belongs to. */
  toTypeScript(): { source: string; labelOfLine: (line: number) => string } {
    const lines = [
      `import type Stripe from 'stripe';`,
      `import type { SdkShape as Shape } from '@simple-shop/stripe-simulator';`,
    ];
    const starts: Array<{ line: number; label: string }> = [];
    this.records.forEach((record, i) => {
      starts.push({ line: lines.length + 1, label: record.label });
      lines.push(`// ${record.label}`);
      lines.push(
        ...`export const r${i} = ${JSON.stringify(record.value, null, 2)} satisfies ${record.type};`.split('\n'),
      );
    });
    const labelOfLine = (line: number) => starts.filter((s) => s.line <= line).at(-1)?.label ?? 'imports';
    return { source: `${lines.join('\n')}\n`, labelOfLine };
  }
}
