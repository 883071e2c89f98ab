import { createServer } from 'node:net';

/**
 * Asks the OS for a TCP port that is free right now on `host`.
 * There is an unavoidable race between closing the probe socket and the caller binding it;
 * callers that spawn servers retry on "address in use".
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close((error) => (error ? reject(error) : port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}
