import { isIP } from 'node:net';

/** What Fastify's `trustProxy` option accepts, in the three forms an operator can safely give. */
export type TrustProxy = boolean | string[];

/**
 * `TRUST_PROXY` → Fastify's `trustProxy`:
 * - `false` (default): the client address is the socket's peer; `X-Forwarded-For` is ignored;
 * - `true`: every hop of `X-Forwarded-For` is trusted — only safe when the edge overwrites the header;
 * - a comma-separated list of the proxies' addresses or CIDRs (`10.0.0.0/8,192.168.1.10`): the client is the
 *   first untrusted hop from the right, so a value the client prepends is never taken as its address (safe
 *   behind proxies that append). Hop counts are refused: Fastify 5 treats a number as "trust nothing".
 * The per-IP rate limit is keyed on the result, which is why a wrong form must stop start-up.
 * Returns the parsed value, or a message saying what is wrong.
 */
export function parseTrustProxy(raw: string): { value: TrustProxy } | { error: string } {
  const text = raw.trim().toLowerCase();
  if (text === 'true') return { value: true };
  if (text === 'false' || text === '') return { value: false };
  if (/^\d+$/.test(text))
    return { error: "hop counts are not supported (Fastify 5 ignores them); list the proxies' IPs/CIDRs" };
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  // The value is not echoed: config errors never repeat what was set (it could be a misplaced secret).
  if (entries.length === 0 || !entries.every(isAddressOrCidr))
    return { error: 'expected true, false or comma-separated proxy IPs/CIDRs' };
  return { value: entries };
}

function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
