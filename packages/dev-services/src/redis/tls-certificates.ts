import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findOnPath } from '../find-on-path';

const run = promisify(execFile);

export interface TlsFiles {
  /** The self-signed CA clients trust (REDIS_TLS_CA_FILE). */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The name in the server certificate (besides 127.0.0.1), for REDIS_TLS_SERVERNAME. */
  servername: string;
}

/**
 * A throwaway CA and a server certificate it signs, valid for `servername`, localhost and 127.0.0.1,
 * written to `dir` with openssl. For tests only: keys are unencrypted and live for a day.
 */
export async function createTestCertificates(dir: string, servername = 'redis.test'): Promise<TlsFiles> {
  const openssl = findOnPath('openssl');
  if (!openssl) throw new Error('openssl is not installed (apt-get install -y openssl)');
  const file = (name: string) => join(dir, name);
  const ssl = (args: string[]) => run(openssl, args, { timeout: 30_000 });
  await ssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=Simple Shop test CA',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
  ]);
  await ssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${servername}`,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
  ]);
  writeFileSync(file('server.ext'), `subjectAltName=DNS:${servername},DNS:localhost,IP:127.0.0.1\n`);
  await ssl([
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.pem'),
  ]);
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key'), servername };
}

/** redis-server arguments that open a TLS port next to the plain one (also for cluster bus and replication). */
export function tlsServerArgs(files: TlsFiles, tlsPort: number): string[] {
  return [
    '--tls-port',
    String(tlsPort),
    '--tls-cert-file',
    files.certFile,
    '--tls-key-file',
    files.keyFile,
    '--tls-ca-cert-file',
    files.caFile,
    // The server's certificate doubles as the client certificate for cluster bus and replication links.
    '--tls-client-cert-file',
    files.certFile,
    '--tls-client-key-file',
    files.keyFile,
    '--tls-auth-clients',
    'no',
  ];
}
