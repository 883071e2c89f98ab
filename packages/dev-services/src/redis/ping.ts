import { connect } from 'node:net';

/**
 * Sends an inline `PING` to host:port over plain TCP (no client library) and reports whether
 * `+PONG` came back within `timeoutMs`. A server that needs AUTH answers `-NOAUTH` → not ok.
 */
export function pingRedis(
  host: string,
  port: number,
  timeoutMs = 500,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    let reply = '';
    let done = false;
    const socket = connect({ host, port });
    const finish = (result: { ok: true } | { ok: false; reason: string }): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.setNoDelay(true);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const end = reply.indexOf('\r\n');
      if (end < 0) return;
      const line = reply.slice(0, end);
      finish(line === '+PONG' ? { ok: true } : { ok: false, reason: `answered ${JSON.stringify(line.slice(0, 80))}` });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ ok: false, reason: error.code ?? error.message }));
    socket.once('close', () => finish({ ok: false, reason: 'connection closed' }));
  });
}
