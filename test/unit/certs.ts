/**
 * Certificates made with openssl for a test: a CA, a server certificate for IP 127.0.0.1 and a client
 * certificate, as dockerd --tlsverify and the docker CLI's TLS expect them (Docker's "Protect the
 * Docker daemon socket" guide: serverAuth / clientAuth extended key usage, the server's IP as a
 * subjectAltName). EC P-256 keys: made in milliseconds.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCerts {
  dir: string;
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function signed(dir: string, name: string, subject: string, extensions: string[], ca: string, caKey: string, serial: number): { cert: string; key: string } {
  const key = path.join(dir, `${name}-key.pem`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}-cert.pem`);
  const ext = path.join(dir, `${name}.ext`);
  writeFileSync(ext, `${extensions.join('\n')}\n`);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', subject], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-set_serial', String(serial), '-days', '2', '-out', cert, '-extfile', ext], dir);
  return { cert, key };
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, under `dir`. */
export function makeCerts(dir: string): TestCerts {
  mkdirSync(dir, { recursive: true });
  const ca = path.join(dir, 'ca.pem');
  const caKey = path.join(dir, 'ca-key.pem');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', caKey, '-out', ca, '-subj', '/CN=isaac-sim-orchestrator test CA', '-days', '2'], dir);
  const server = signed(dir, 'server', '/CN=127.0.0.1', ['subjectAltName = IP:127.0.0.1', 'extendedKeyUsage = serverAuth'], ca, caKey, 2);
  const client = signed(dir, 'client', '/CN=client', ['extendedKeyUsage = clientAuth'], ca, caKey, 3);
  return { dir, ca, caKey, serverCert: server.cert, serverKey: server.key, clientCert: client.cert, clientKey: client.key };
}
