// Reading Stripe-style form parameters. The SDK flattens nested objects into
// bracketed keys (`line_items[0][price_data][currency]=usd`), qs folds them
// back. Every leaf arrives as a string, and Stripe treats an empty string as
// "unset this parameter", which these helpers mirror.
import qs from 'qs';
import { invalidParam, missingParam, unknownParam } from './errors';
import type { Metadata } from './types';

export type Params = Record<string, unknown>;

// Generous limits: qs defaults (depth 5, arrayLimit 20) would silently turn
// `line_items[0][price_data][product_data][metadata][k]` or the 21st line item
// into something else.
const QS_OPTIONS = { depth: 20, arrayLimit: 1000, parameterLimit: 10_000, allowPrototypes: false } as const;

export function parseForm(body: string): Params {
  return qs.parse(body, QS_OPTIONS) as Params;
}

export function isRecord(value: unknown): value is Params {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function joinParam(prefix: string, key: string | number): string {
  return prefix ? `${prefix}[${key}]` : String(key);
}

/** Rejects parameters Stripe does not know, like the real API (catches typos early). */
export function rejectUnknown(params: Params, known: readonly string[], prefix = ''): void {
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) throw unknownParam(joinParam(prefix, key));
  }
}

function emptyStringError(param: string) {
  return invalidParam(
    param,
    `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
    'parameter_invalid_empty',
  );
}

export function optionalString(value: unknown, param: string): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalidParam(param, `Invalid string: ${JSON.stringify(value)}`);
}

export function requiredString(value: unknown, param: string): string {
  if (value === undefined) throw missingParam(param);
  if (value === '') throw emptyStringError(param);
  const s = optionalString(value, param);
  if (s === null) throw missingParam(param);
  return s;
}

export function optionalInteger(value: unknown, param: string): number | null {
  if (value === undefined || value === '') return null;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim())) return Number(value.trim());
  throw invalidParam(
    param,
    `Invalid integer: ${typeof value === 'string' ? value : JSON.stringify(value)}`,
    'parameter_invalid_integer',
  );
}

export function requiredInteger(value: unknown, param: string): number {
  if (value === undefined) throw missingParam(param);
  if (value === '') throw emptyStringError(param);
  return optionalInteger(value, param) as number;
}

export function integerInRange(value: number, param: string, min: number, max: number): number {
  if (value < min) {
    throw invalidParam(param, `This value must be greater than or equal to ${min}.`, 'parameter_invalid_integer');
  }
  if (value > max) {
    throw invalidParam(param, `This value must be less than or equal to ${max}.`, 'parameter_invalid_integer');
  }
  return value;
}

export function optionalBoolean(value: unknown, param: string): boolean | null {
  if (value === undefined || value === '') return null;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalidParam(param, `Invalid boolean: ${String(value)}`);
}

export function optionalEnum<T extends string>(value: unknown, param: string, allowed: readonly T[]): T | null {
  const s = optionalString(value, param);
  if (s === null) return null;
  if (!(allowed as readonly string[]).includes(s)) {
    const list = allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')}, or ${allowed.at(-1)}` : allowed.join('');
    throw invalidParam(param, `Invalid ${param}: must be one of ${list}`);
  }
  return s as T;
}

/** Arrays arrive as arrays, but as index-keyed objects when indices are sparse or huge. */
export function optionalList(value: unknown, param: string): unknown[] | null {
  if (value === undefined || value === '') return null;
  if (Array.isArray(value)) return value;
  if (isRecord(value) && Object.keys(value).every((k) => /^\d+$/.test(k))) {
    return Object.keys(value)
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => value[k]);
  }
  throw invalidParam(param, `Invalid array`);
}

export function optionalObject(value: unknown, param: string): Params | null {
  if (value === undefined || value === '') return null;
  if (isRecord(value)) return value;
  throw invalidParam(param, `Invalid object`);
}

/** Stripe's metadata rules: ≤ 50 keys, key ≤ 40 chars, value ≤ 500 chars; '' removes a key. */
export function readMetadata(value: unknown, param: string): Metadata {
  const obj = optionalObject(value, param);
  const out: Metadata = {};
  if (!obj) return out;
  for (const [key, raw] of Object.entries(obj)) {
    const p = joinParam(param, key);
    if (key.length > 40)
      throw invalidParam(p, `Metadata keys can have up to 40 characters, but the key '${key}' has ${key.length}.`);
    const v = optionalString(raw, p);
    if (v === null) continue;
    if (v.length > 500)
      throw invalidParam(
        p,
        `Metadata values can have up to 500 characters, but you passed in a value that is ${v.length} characters.`,
      );
    out[key] = v;
  }
  if (Object.keys(out).length > 50) throw invalidParam(param, 'You can specify up to 50 keys for metadata.');
  return out;
}

/** `expand[]=a&expand[]=b` (or `expand[0]=...` as the SDK sends it). */
export function readExpand(params: Params): string[] {
  const list = optionalList(params.expand, 'expand') ?? [];
  return list.map((v, i) => requiredString(v, `expand[${i}]`));
}
