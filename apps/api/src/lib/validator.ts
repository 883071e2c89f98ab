import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats ships CommonJS with a default export; normalise for ESM.
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

const common: Options = {
  // Extra fields are an error (400), not silently dropped: the client learns it sent junk.
  removeAdditional: false,
  useDefaults: true,
  allErrors: false,
  strict: false,
};

function build(options: Options): Ajv {
  const ajv = new Ajv({ ...common, ...options });
  addFormats(ajv);
  return ajv;
}

// JSON bodies carry real types: `"quantity": "3"` is a wrong type, not a number.
const bodyAjv = build({ coerceTypes: false });
// Query strings, params and headers are text by nature: `?limit=20` must become 20.
const textAjv = build({ coerceTypes: 'array' });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object);
