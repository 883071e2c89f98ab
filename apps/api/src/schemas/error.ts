import { Type, type Static } from '@sinclair/typebox';

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ examples: ['VALIDATION_ERROR'] }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorBody', description: 'The error body of every 4xx/5xx answer' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** Spread into a route's `response` so the OpenAPI document shows the error shape. */
export const errorResponses = {
  '4xx': ErrorBody,
  '5xx': ErrorBody,
};
