/**
 * Generators and checks for the API fuzz test (fuzz.test.ts): hostile inputs derived from the
 * OpenAPI document, a JSON-schema filter that keeps only inputs the contract must reject, and a
 * database fingerprint (document counts + a hash of every document of every collection).
 */
import { createHash, createHmac } from 'node:crypto';
import { COLLECTIONS, type Database } from '@simple-shop/db';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

// ----------------------------------------------------------------------------- PRNG

export { createRng, type Rng } from '@simple-shop/testing';

// ----------------------------------------------------------------------------- OpenAPI

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  default?: unknown;
  [key: string]: unknown;
}

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. `/api/orders/{id}/cancel`. */
  path: string;
  pathParams: string[];
  query: { name: string; required: boolean; schema: JsonSchema }[];
  headers: { name: string; schema: JsonSchema }[];
  body: JsonSchema | null;
  secured: boolean;
  admin: boolean;
}

interface OpenApiParameter {
  in: string;
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}
interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
}

export function operationsOf(doc: { paths: Record<string, Record<string, OpenApiOperation>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, byMethod] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(byMethod)) {
      const params = op.parameters ?? [];
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, required: Boolean(p.required), schema: p.schema ?? {} })),
        headers: params.filter((p) => p.in === 'header').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
        secured: Array.isArray(op.security) && op.security.length > 0,
        admin: path.startsWith('/api/admin/'),
      });
    }
  }
  return ops;
}

// ----------------------------------------------------------------------------- schema filter

/** Ajv configured like the API's (lib/validator.ts): extra fields are errors, bodies are not coerced. */
function ajv(coerceTypes: false | 'array'): Ajv {
  const instance = new Ajv({
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
    coerceTypes,
  });
  addFormats(instance);
  return instance;
}
const bodyAjv = ajv(false);
const textAjv = ajv('array');

export function bodyValidator(schema: JsonSchema): ValidateFunction {
  return bodyAjv.compile(structuredClone(schema));
}

/** The route's query object schema (its parameters; query schemas are closed in this API). */
export function queryValidator(op: Operation): ValidateFunction {
  return textAjv.compile({
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(op.query.map((q) => [q.name, structuredClone(q.schema)])),
    required: op.query.filter((q) => q.required && q.schema.default === undefined).map((q) => q.name),
  });
}

/** `a=1&a=2&b=x` → `{ a: ['1','2'], b: 'x' }`, like Fastify's default querystring parser. */
export function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of new URLSearchParams(query)) {
    const existing = out[key];
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

// ----------------------------------------------------------------------------- values

export const HUGE_STRING = 'x'.repeat(100_000);

export function deepNest(levels: number, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

export function deepArray(levels: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

export const OPERATOR_OBJECTS: unknown[] = [
  { $ne: null },
  { $gt: '' },
  { $where: 'sleep(5000) || true' },
  { $regex: '.*' },
  { $in: [] },
  { $exists: true },
  { $expr: { $eq: [1, 1] } },
];

export const UNICODE_ODDITIES: string[] = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202eevil\u202c',
  '\u200b\u200b',
  'e\u0301\u0301\u0301',
  '𝕏𝕐',
  '１２３',
  '٣٣٣',
  '\ufeff',
  '\u2028\u2029',
  'Ω'.repeat(300),
];

/** Values of a wrong JSON type for `schema`, and hostile values that stay invalid for it. */
export function hostileValues(schema: JsonSchema): unknown[] {
  const common: unknown[] = [
    null,
    [],
    [1, 2],
    {},
    ...OPERATOR_OBJECTS,
    deepNest(200),
    { __proto__x: 1, constructor: { prototype: { polluted: true } } },
  ];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return [
        ...common,
        0,
        -1,
        1e21,
        true,
        HUGE_STRING,
        '',
        ' ',
        '../../../etc/passwd',
        '{"$ne":null}',
        '$where',
        '<script>alert(1)</script>',
        "'; db.dropDatabase(); //",
        ...UNICODE_ODDITIES,
      ];
    case 'integer':
    case 'number':
      return [
        ...common,
        '1',
        '',
        true,
        1.5,
        -1,
        -0.0001,
        2 ** 53 + 2,
        1e21,
        Number.MAX_SAFE_INTEGER,
        -Number.MAX_SAFE_INTEGER,
        HUGE_STRING,
      ];
    case 'boolean':
      return [...common, 'true', 1, 0, 'yes', HUGE_STRING];
    case 'array':
      return [
        ...common.filter((v) => !Array.isArray(v)),
        'x',
        1,
        [null],
        [{ $ne: null }],
        [HUGE_STRING],
        deepArray(200),
        Array.from({ length: 10_000 }, () => ({ productId: '0'.repeat(24), quantity: 1 })),
        Array.from({ length: 10_000 }, (_, i) => i),
      ];
    case 'object':
      return [
        ...common.filter((v) => Array.isArray(v) || v === null || typeof v !== 'object'),
        'x',
        1,
        true,
        { k: { $gt: '' } },
        { k: null },
        { k: deepNest(150) },
        { k: HUGE_STRING },
      ];
    default:
      return common;
  }
}

/** Raw JSON numbers that JSON.stringify cannot express. */
export const RAW_NUMBERS = ['1e309', '-1e309', 'NaN', 'Infinity', '0x10', '1_000', '01', '.5', '+1', '-0'];

/** Bodies no JSON parser (or our strict one) may accept. */
export const INVALID_JSON: string[] = [
  '{',
  '{"a":',
  "{'a': 1}",
  '{"a": 1,}',
  '{"a": undefined}',
  '[1, 2',
  'nul',
  '\u0000',
  '{"a": "\u0000',
  '{"a": 1} trailing',
  '\ufeff{"a": 1}}',
  '{"__proto__": {"polluted": true}}',
  '{"a": {"__proto__": {"polluted": true}}}',
  '{"constructor": {"prototype": {"polluted": true}}}',
  '[{"constructor": {"prototype": {"polluted": true}}}]',
];

// ----------------------------------------------------------------------------- valid baselines

export interface Ids {
  product: string;
  order: string;
  failedWebhook: string;
  adminUser: string;
}

/** A value the schema accepts, chosen so a request carrying it would reach the handler. */
export function validValue(name: string, schema: JsonSchema, ids: Ids): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf?.length) return validValue(name, schema.anyOf[0]!, ids);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string': {
      if (schema.pattern?.includes('[0-9a-fA-F]{24}')) return name === 'orderId' ? ids.order : ids.product;
      if (/email/i.test(name)) return 'fuzz-user@example.test';
      if (/password/i.test(name)) return 'Fuzz-password-123!';
      if (/token/i.test(name)) return 'a'.repeat(Math.max(32, schema.minLength ?? 0));
      if (name === 'currency') return 'usd';
      if (name === 'category') return 'tests';
      if (name === 'correlationId') return 'fuzz-correlation';
      return 'fuzz';
    }
    case 'integer':
    case 'number':
      return Math.max(1, schema.minimum ?? 1);
    case 'boolean':
      return true;
    case 'array':
      return schema.items ? [validValue(name, schema.items, ids)] : [];
    case 'object':
      return validObject(schema, ids);
    default:
      return 'fuzz';
  }
}

export function validObject(schema: JsonSchema, ids: Ids): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const required = new Set(schema.required ?? []);
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (required.has(key) || (schema.minProperties && Object.keys(out).length < schema.minProperties)) {
      out[key] = validValue(key, prop, ids);
    }
  }
  return out;
}

// ----------------------------------------------------------------------------- tokens

/** Tokens an attacker can make without the secret (none of them may authenticate). */
export function forgedTokens(
  secret: string,
  claims: { sub: string; role: 'customer' | 'admin' },
): { name: string; header: string }[] {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const payload = { ...claims, iat: now, exp: now + 600, iss: 'simple-shop', aud: 'simple-shop-api' };
  const sign = (header: object, body: object, key: string) => {
    const data = `${b64(header)}.${b64(body)}`;
    return `${data}.${createHmac('sha256', key).update(data).digest('base64url')}`;
  };
  return [
    { name: 'no scheme token', header: 'Bearer' },
    { name: 'garbage', header: 'Bearer not.a.jwt' },
    { name: 'huge', header: `Bearer ${'a'.repeat(8000)}` },
    { name: 'basic auth', header: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
    {
      name: 'wrong secret',
      header: `Bearer ${sign({ alg: 'HS256', typ: 'JWT' }, payload, 'not-the-secret-0123456789-0123456789')}`,
    },
    { name: 'alg none', header: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.` },
    {
      name: 'expired',
      header: `Bearer ${sign({ alg: 'HS256', typ: 'JWT' }, { ...payload, exp: now - 3600 }, secret)}`,
    },
    {
      name: 'wrong audience',
      header: `Bearer ${sign({ alg: 'HS256', typ: 'JWT' }, { ...payload, aud: 'other' }, secret)}`,
    },
    {
      name: 'operator subject',
      header: `Bearer ${sign({ alg: 'HS256', typ: 'JWT' }, { ...payload, sub: { $ne: null } }, 'x'.repeat(48))}`,
    },
  ];
}

// ----------------------------------------------------------------------------- database fingerprint

export interface Fingerprint {
  counts: Record<string, number>;
  hashes: Record<string, string>;
  docs: Record<string, Map<string, string>>;
}

function stable(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  if (typeof (value as { toHexString?: unknown }).toHexString === 'function') {
    return `ObjectId(${(value as { toHexString(): string }).toHexString()})`;
  }
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  const entries = Object.keys(value as object)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** Every document of every collection: counts, one hash per collection, and each document's hash. */
export async function fingerprint(database: Database): Promise<Fingerprint> {
  const counts: Record<string, number> = {};
  const hashes: Record<string, string> = {};
  const docs: Record<string, Map<string, string>> = {};
  for (const name of Object.values(COLLECTIONS)) {
    const all = await database.db.collection(name).find({}).toArray();
    const byId = new Map<string, string>();
    for (const doc of all) byId.set(stable(doc._id), createHash('sha256').update(stable(doc)).digest('hex'));
    const sorted = [...byId.entries()].sort(([a], [b]) => a.localeCompare(b));
    counts[name] = all.length;
    hashes[name] = createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
    docs[name] = byId;
  }
  return { counts, hashes, docs };
}

/** Human-readable differences between two fingerprints (empty when equal). */
export function diffFingerprints(before: Fingerprint, after: Fingerprint): string[] {
  const out: string[] = [];
  for (const name of Object.keys(after.hashes)) {
    if (before.hashes[name] === after.hashes[name]) continue;
    const a = before.docs[name] ?? new Map<string, string>();
    const b = after.docs[name] ?? new Map<string, string>();
    const added = [...b.keys()].filter((k) => !a.has(k));
    const removed = [...a.keys()].filter((k) => !b.has(k));
    const changed = [...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k));
    out.push(
      `${name}: ${before.counts[name]} → ${after.counts[name]} documents` +
        `${added.length ? `; added ${added.slice(0, 3).join(', ')}` : ''}` +
        `${removed.length ? `; removed ${removed.slice(0, 3).join(', ')}` : ''}` +
        `${changed.length ? `; changed ${changed.slice(0, 3).join(', ')}` : ''}`,
    );
  }
  return out;
}
