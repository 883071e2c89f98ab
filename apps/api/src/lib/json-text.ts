/** JSON that is already the response DTO: a string, or its UTF-8 bytes straight from the cache. */
export type JsonText = string | Buffer;
