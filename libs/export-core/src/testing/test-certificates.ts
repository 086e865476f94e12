/**
 * A CA and a server certificate of a test's own, made with the openssl CLI: the server
 * certificate names only `localhost` (so connecting to 127.0.0.1 with host-name checks fails),
 * and a second, unrelated CA stands for "the wrong CA". Valid for two days; keys unencrypted.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface TestCertificates {
  /** The CA that signed the server certificate (PEM). */
  readonly caFile: string;
  /** A CA that signed nothing here (PEM). */
  readonly wrongCaFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The one name the server certificate carries. */
  readonly hostName: 'localhost';
}

const openssl = (args: readonly string[]) => promisify(execFile)('openssl', [...args]);

export async function makeTestCertificates(dir: string): Promise<TestCertificates> {
  const path = (name: string) => join(dir, name);
  const ca = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=rds-s3-export test CA', ...ca, '-keyout', path('ca.key'), '-out', path('ca.pem')]);
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=some other CA', ...ca, '-keyout', path('wrong-ca.key'), '-out', path('wrong-ca.pem')]);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', path('server.key'), '-out', path('server.csr')]);
  await writeFile(path('server.ext'), 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  await openssl(['x509', '-req', '-in', path('server.csr'), '-CA', path('ca.pem'), '-CAkey', path('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', path('server.ext'), '-out', path('server.pem')]);
  return { caFile: path('ca.pem'), wrongCaFile: path('wrong-ca.pem'), certFile: path('server.pem'), keyFile: path('server.key'), hostName: 'localhost' };
}
