/** The webhook's CA and serving certificate, checked the way their users check them: X.509 parsing, a real TLS handshake, openssl. */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateWebhookCertificates, serviceDnsNames, type WebhookCertificates } from '../src/admission/certs.js';

const SERVICE = 'kshield-webhook';
const NAMESPACE = 'kshield-system';

/** Resolves with the response body, or rejects with the TLS error the client saw. */
function get(port: number, options: { ca: string; servername: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/healthz', ca: options.ca, servername: options.servername, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

describe('generateWebhookCertificates', () => {
  let certs: WebhookCertificates;
  let ca: X509Certificate;
  let leaf: X509Certificate;

  before(() => {
    certs = generateWebhookCertificates({ service: SERVICE, namespace: NAMESPACE, extraDnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], days: 30 });
    ca = new X509Certificate(certs.caCert);
    leaf = new X509Certificate(certs.cert);
  });

  test('the CA is a self-signed CA certificate and the serving certificate is signed by it and is no CA', () => {
    assert.equal(ca.ca, true);
    assert.equal(ca.verify(ca.publicKey), true);
    assert.equal(ca.subject, ca.issuer);
    assert.equal(leaf.ca, false);
    assert.equal(leaf.verify(ca.publicKey), true);
    assert.equal(leaf.checkIssued(ca), true);
    assert.equal(leaf.issuer, ca.subject);
    const stranger = generateWebhookCertificates({ service: SERVICE, namespace: NAMESPACE });
    assert.equal(leaf.verify(new X509Certificate(stranger.caCert).publicKey), false, 'another CA must not verify it');
  });

  test('the serving certificate names every form of the Service name, the extra names and the IPs', () => {
    for (const name of [SERVICE, `${SERVICE}.${NAMESPACE}`, `${SERVICE}.${NAMESPACE}.svc`, `${SERVICE}.${NAMESPACE}.svc.cluster.local`, 'localhost']) {
      assert.equal(leaf.checkHost(name), name, `checkHost(${name})`);
    }
    assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(leaf.checkHost(`other.${NAMESPACE}.svc`), undefined);
    assert.equal(leaf.checkHost(`${SERVICE}.default.svc`), undefined);
    assert.deepEqual(certs.dnsNames, [...serviceDnsNames(SERVICE, NAMESPACE), 'localhost']);
    assert.equal(leaf.subjectAltName?.split(', ').length, 6);
  });

  test('the serving certificate is for server authentication and valid for the requested days', () => {
    assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    const days = (Date.parse(leaf.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, `valid for ${days} days`);
    assert.ok(Date.parse(leaf.validFrom) <= Date.now());
    const defaultDays = (Date.parse(new X509Certificate(generateWebhookCertificates({ service: SERVICE, namespace: NAMESPACE }).cert).validTo) - Date.now()) / 86_400_000;
    assert.ok(defaultDays > 364.9 && defaultDays <= 365, `default validity ${defaultDays} days`);
  });

  test('the keys are PEM private keys that belong to their certificates', () => {
    assert.match(certs.key, /^-----BEGIN PRIVATE KEY-----\n/);
    const leafKey = createPrivateKey(certs.key);
    assert.equal(leafKey.asymmetricKeyType, 'rsa');
    assert.equal(createPublicKey(leafKey).export({ type: 'spki', format: 'pem' }), leaf.publicKey.export({ type: 'spki', format: 'pem' }));
    assert.equal(leaf.checkPrivateKey(leafKey), true);
    assert.equal(ca.checkPrivateKey(createPrivateKey(certs.caKey)), true);
    assert.equal(leaf.checkPrivateKey(createPrivateKey(certs.caKey)), false);
  });

  test('bad options are refused with a message naming the option', () => {
    assert.throws(() => generateWebhookCertificates({ service: 'Kshield', namespace: NAMESPACE }), /service name "Kshield"/);
    assert.throws(() => generateWebhookCertificates({ service: '9lives', namespace: NAMESPACE }), /must start with a letter/);
    assert.throws(() => generateWebhookCertificates({ service: SERVICE, namespace: 'a'.repeat(64) }), /namespace .* longer than 63/);
    assert.throws(() => generateWebhookCertificates({ service: SERVICE, namespace: NAMESPACE, ipAddresses: ['300.1.1.1'] }), /not an IP address/);
    assert.throws(() => generateWebhookCertificates({ service: SERVICE, namespace: NAMESPACE, extraDnsNames: ['bad_name'] }), /not a valid DNS name/);
    assert.throws(() => generateWebhookCertificates({ service: SERVICE, namespace: NAMESPACE, days: 0 }), /whole number of days/);
  });

  describe('served over HTTPS', () => {
    let server: https.Server;
    let port: number;
    before(async () => {
      server = https.createServer({ key: certs.key, cert: certs.cert }, (_req, res) => res.end('ok'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test('a client that trusts only the CA connects under the Service name the API server uses', async () => {
      assert.equal(await get(port, { ca: certs.caCert, servername: `${SERVICE}.${NAMESPACE}.svc` }), 'ok');
      assert.equal(await get(port, { ca: certs.caCert, servername: `${SERVICE}.${NAMESPACE}.svc.cluster.local` }), 'ok');
    });

    test('a client refuses it under another name, or when it trusts another CA', async () => {
      await assert.rejects(get(port, { ca: certs.caCert, servername: `evil.${NAMESPACE}.svc` }), (err: NodeJS.ErrnoException) => err.code === 'ERR_TLS_CERT_ALTNAME_INVALID');
      const other = generateWebhookCertificates({ service: SERVICE, namespace: NAMESPACE });
      await assert.rejects(get(port, { ca: other.caCert, servername: `${SERVICE}.${NAMESPACE}.svc` }), (err: NodeJS.ErrnoException) =>
        ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE'].includes(String(err.code)),
      );
    });
  });

  test('openssl accepts the chain for the TLS server purpose', (t) => {
    const hasOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
    if (!hasOpenssl) {
      const why = 'openssl is not installed';
      if (process.env.KSHIELD_INTEGRATION === 'required') assert.fail(`KSHIELD_INTEGRATION=required but ${why}`);
      process.stderr.write(`\n!! SKIPPING the openssl check of the webhook certificates: ${why}\n\n`);
      t.skip(why);
      return;
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'kshield-certs-'));
    try {
      writeFileSync(path.join(dir, 'ca.crt'), certs.caCert);
      writeFileSync(path.join(dir, 'tls.crt'), certs.cert);
      const ok = spawnSync('openssl', ['verify', '-CAfile', 'ca.crt', '-purpose', 'sslserver', '-verify_hostname', `${SERVICE}.${NAMESPACE}.svc`, 'tls.crt'], { cwd: dir, encoding: 'utf8' });
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /tls\.crt: OK/);
      // A host the certificate does not name is refused.
      const wrongHost = spawnSync('openssl', ['verify', '-CAfile', 'ca.crt', '-purpose', 'sslserver', '-verify_hostname', 'example.com', 'tls.crt'], { cwd: dir, encoding: 'utf8' });
      assert.notEqual(wrongHost.status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
