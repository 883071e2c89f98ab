import { ObjectId } from '@simple-shop/db';
import { HttpError } from './http-error';

/**
 * Keyset pagination over (createdAt desc, _id desc): the cursor is the last item's key, so
 * inserts while a client pages never shift items between pages (no skip/offset).
 */
export function encodeTimeCursor(createdAt: Date, id: ObjectId): string {
  return Buffer.from(`${createdAt.getTime()}:${id.toHexString()}`).toString('base64url');
}

export function decodeTimeCursor(cursor: string): { createdAt: Date; id: ObjectId } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  const ms = Number(time);
  if (!Number.isSafeInteger(ms) || !id || !ObjectId.isValid(id) || id.length !== 24) {
    throw new HttpError(400, 'INVALID_CURSOR', 'cursor is not valid');
  }
  return { createdAt: new Date(ms), id: new ObjectId(id) };
}

/** The Mongo filter for "after this cursor" in (createdAt desc, _id desc) order. */
export function afterTimeCursor(cursor: string | undefined): Record<string, unknown> {
  if (!cursor) return {};
  const { createdAt, id } = decodeTimeCursor(cursor);
  return { $or: [{ createdAt: { $lt: createdAt } }, { createdAt, _id: { $lt: id } }] };
}

export function parseObjectId(value: string, what = 'id'): ObjectId {
  if (!/^[0-9a-fA-F]{24}$/.test(value)) throw new HttpError(400, 'INVALID_ID', `${what} is not a valid id`);
  return new ObjectId(value);
}
