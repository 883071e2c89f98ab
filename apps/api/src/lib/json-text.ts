import type { FastifyReply } from 'fastify';

/**
 * Sends JSON text that is already the response DTO (a cached catalog page) without parsing and
 * re-serialising it. Fastify sends a string with a JSON content type as-is.
 */
export function sendJsonText(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}
