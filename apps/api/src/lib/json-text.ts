import type { FastifyReply } from 'fastify';

/** JSON that is already the response DTO: a string, or its UTF-8 bytes straight from the cache. */
export type JsonText = string | Buffer;

/**
 * Sends JSON text that is already the response DTO (a cached catalog page) without parsing and
 * re-serialising it. Fastify sends a string with a JSON content type, or a Buffer, as-is.
 */
export function sendJsonText(reply: FastifyReply, json: JsonText): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}
