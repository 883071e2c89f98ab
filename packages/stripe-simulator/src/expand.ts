// `expand[]=payment_intent`, `expand[]=payment_intent.latest_charge`, ...:
// replaces id strings with the objects they point at, as Stripe does.
import { invalidParam } from './errors';
import type { Params } from './form';

// Which fields of which object types hold an expandable id (or list).
const EXPANDABLE: Record<string, readonly string[]> = {
  'checkout.session': ['payment_intent', 'line_items', 'customer', 'invoice', 'payment_link', 'subscription'],
  payment_intent: ['latest_charge', 'customer', 'payment_method'],
  charge: ['payment_intent', 'balance_transaction', 'customer', 'payment_method'],
  refund: ['charge', 'payment_intent', 'balance_transaction'],
};

export interface ExpandResolver {
  /** Finds any stored object by id (cs_, pi_, ch_, re_). */
  byId(id: string): object | undefined;
  /** Fields that are not a plain id (a session's line_items list). */
  special(owner: Params, field: string): unknown;
}

function expandPath(obj: Params, path: string[], fullPath: string, resolver: ExpandResolver): Params {
  const [field, ...rest] = path;
  if (field === undefined) return obj;
  const type = typeof obj.object === 'string' ? obj.object : '';
  if (!(EXPANDABLE[type] ?? []).includes(field)) {
    throw invalidParam('expand', `This property cannot be expanded (${fullPath}).`);
  }
  let value: unknown = obj[field];
  const special = resolver.special(obj, field);
  if (special !== undefined) value = special;
  else if (typeof value === 'string') {
    const found = resolver.byId(value);
    // Ids the simulator does not model (txn_, pm_) stay ids rather than failing the call.
    if (found) value = structuredClone(found);
  }
  if (rest.length > 0 && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    value = expandPath(value as Params, rest, fullPath, resolver);
  }
  return { ...obj, [field]: value };
}

/** Returns a copy of `obj` with every path in `expand` expanded. */
export function applyExpand<T extends object>(obj: T, expand: readonly string[], resolver: ExpandResolver): T | Params {
  let out: Params = structuredClone(obj) as Params;
  for (const path of expand) {
    if (path.split('.').length > 4) {
      throw invalidParam('expand', `You cannot expand more than 4 levels of a property (${path}).`);
    }
    out = expandPath(out, path.split('.'), path, resolver);
  }
  return out;
}

/** For list endpoints: `data.x` paths apply to every item, others are rejected. */
export function listItemExpansions(expand: readonly string[]): string[] {
  return expand.map((path) => {
    if (!path.startsWith('data.')) throw invalidParam('expand', `This property cannot be expanded (${path}).`);
    return path.slice('data.'.length);
  });
}
