import type { JWT } from '@fastify/jwt';
import type { Role } from '@simple-shop/db';

/** Longest lifetime of a Bull Board token (and its cookie), in seconds. */
export const BOARD_SESSION_TTL_SECONDS = 900;

/**
 * Board tokens are JWTs with their own audience (`<JWT_AUDIENCE>:board`): the API's `authenticate`
 * pins the API audience, so a board token opens no API route, and cannot be exchanged for another
 * board token; only the board's guard verifies this audience.
 */
export function boardAudience(apiAudience: string): string {
  return `${apiAudience}:board`;
}

export interface BoardClaims {
  sub: string;
  role: Role;
  sid: string;
}

export interface IssuedBoardToken {
  token: string;
  /** Seconds until it expires: also the cookie's Max-Age. */
  lifetimeSeconds: number;
}

/**
 * Signs a board token for `claims` that expires no later than `notAfter` (seconds since the epoch;
 * the access token or login that asked for it), and never more than BOARD_SESSION_TTL_SECONDS
 * from now. Undefined when there is no time left.
 */
export function issueBoardToken(
  jwt: JWT,
  apiAudience: string,
  claims: BoardClaims,
  notAfter: number = Number.POSITIVE_INFINITY,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): IssuedBoardToken | undefined {
  const lifetimeSeconds = Math.min(BOARD_SESSION_TTL_SECONDS, Math.floor(notAfter) - nowSeconds);
  if (lifetimeSeconds < 1) return undefined;
  const token = jwt.sign(
    { sub: claims.sub, role: claims.role, sid: claims.sid },
    { aud: boardAudience(apiAudience), expiresIn: lifetimeSeconds },
  );
  return { token, lifetimeSeconds };
}

/** The claims of a valid board token; throws (fast-jwt's error) for anything else, access tokens included. */
export function verifyBoardToken(jwt: JWT, apiAudience: string, token: string): BoardClaims {
  return jwt.verify<BoardClaims>(token, { allowedAud: boardAudience(apiAudience) });
}
