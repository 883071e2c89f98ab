import { Type } from '@sinclair/typebox';

export const HeartbeatRequest = Type.Object(
  { correlationId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' })) },
  { additionalProperties: false },
);

export const HeartbeatAccepted = Type.Object({
  jobId: Type.String(),
  queue: Type.Literal('maintenance'),
});
