import { Type } from '@sinclair/typebox';

export const Liveness = Type.Object({
  status: Type.Literal('ok'),
  timestamp: Type.String({ format: 'date-time' }),
});

export const CheckResult = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('skipped')]),
  required: Type.Boolean(),
  latencyMs: Type.Optional(Type.Number()),
  detail: Type.Optional(Type.String()),
});

export const Readiness = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  checks: Type.Object({
    database: CheckResult,
    redis: CheckResult,
    stripe: CheckResult,
    queue: CheckResult,
  }),
  uptime: Type.Number({ description: 'process uptime in seconds' }),
  timestamp: Type.String({ format: 'date-time' }),
});
