/**
 * A throwaway PKI for tests: a CA, a server certificate for 127.0.0.1/localhost and a client
 * certificate, all signed by that CA. Keys come from node:crypto (fast); node-forge writes the
 * X.509 certificates, so no openssl binary is needed.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface TestPki {
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

function keyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function certificate(options: {
  subjectCN: string;
  publicPem: string;
  issuer: forge.pki.Certificate | undefined;
  signingKeyPem: string;
  extensions: object[];
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(options.publicPem);
  // A positive serial: the top bit clear.
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + 2 * 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: options.subjectCN }]);
  cert.setIssuer(options.issuer ? options.issuer.subject.attributes : [{ name: 'commonName', value: options.subjectCN }]);
  cert.setExtensions(options.extensions);
  cert.sign(forge.pki.privateKeyFromPem(options.signingKeyPem), forge.md.sha256.create());
  return cert;
}

export function makeTestPki(): TestPki {
  const caKeys = keyPair();
  const ca = certificate({
    subjectCN: 'kshield-probe-test-ca',
    publicPem: caKeys.publicPem,
    issuer: undefined,
    signingKeyPem: caKeys.privatePem,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const serverKeys = keyPair();
  const server = certificate({
    subjectCN: 'kshield-test-server',
    publicPem: serverKeys.publicPem,
    issuer: ca,
    signingKeyPem: caKeys.privatePem,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  const clientKeys = keyPair();
  const client = certificate({
    subjectCN: 'kube-apiserver-etcd-client',
    publicPem: clientKeys.publicPem,
    issuer: ca,
    signingKeyPem: caKeys.privatePem,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  return {
    caPem: forge.pki.certificateToPem(ca),
    serverCertPem: forge.pki.certificateToPem(server),
    serverKeyPem: serverKeys.privatePem,
    clientCertPem: forge.pki.certificateToPem(client),
    clientKeyPem: clientKeys.privatePem,
  };
}
