/**
 * TLS material for the admission webhook: a private CA and a serving certificate for the webhook's
 * Service, signed by it. The API server dials `https://<service>.<namespace>.svc:<port>` and checks
 * the certificate against the `caBundle` of the webhook configuration, matching the host name
 * against the subjectAltName list (Go ignores the common name), so every name a client may use is
 * a SAN.
 *
 * Keys come from node:crypto and OpenSSL signs; node-forge only assembles the certificates (it
 * encodes RSA public keys only, hence RSA keys).
 */
import { constants, generateKeyPairSync, privateEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface WebhookCertificateOptions {
  /** The webhook's Service name. */
  service: string;
  namespace: string;
  /** More DNS names for the serving certificate (e.g. "localhost" in tests). */
  extraDnsNames?: readonly string[];
  /** IP addresses for the serving certificate (e.g. "127.0.0.1" for a webhook registered by URL). */
  ipAddresses?: readonly string[];
  /** Validity of both certificates, in days (default 365). */
  days?: number;
  /** RSA modulus size (default 2048). */
  keyBits?: number;
}

/** PEM strings. `caKey` is only needed to sign again with the same CA; deployments need the other three. */
export interface WebhookCertificates {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
  /** The serving certificate's subjectAltName DNS entries, in order. */
  dnsNames: string[];
  notAfter: Date;
}

const DEFAULT_CERT_DAYS = 365;

/** RFC 1123 labels as Kubernetes validates namespace names; Service names are stricter (start with a letter). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The names a client inside the cluster may use for the Service, shortest first. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

export function dnsLabelProblem(value: string, what: string): string | undefined {
  if (value.length === 0) return `${what} is empty`;
  if (value.length > 63) return `${what} "${value}" is longer than 63 characters`;
  if (!DNS_LABEL.test(value)) return `${what} "${value}" must be lowercase letters, digits and "-", starting and ending with a letter or digit`;
  return undefined;
}

/** Throws a RangeError naming the first bad option. */
function checkOptions(options: WebhookCertificateOptions): void {
  const problem =
    dnsLabelProblem(options.service, 'service name') ??
    (/^[0-9]/.test(options.service) ? `service name "${options.service}" must start with a letter` : undefined) ??
    dnsLabelProblem(options.namespace, 'namespace');
  if (problem) throw new RangeError(problem);
  for (const name of options.extraDnsNames ?? []) if (!DNS_NAME.test(name)) throw new RangeError(`"${name}" is not a valid DNS name`);
  for (const ip of options.ipAddresses ?? []) if (isIP(ip) === 0) throw new RangeError(`"${ip}" is not an IP address`);
  const days = options.days ?? DEFAULT_CERT_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 36500) throw new RangeError(`certificate validity must be a whole number of days from 1 to 36500, not ${days}`);
  const bits = options.keyBits ?? 2048;
  if (![2048, 3072, 4096].includes(bits)) throw new RangeError(`RSA key size must be 2048, 3072 or 4096, not ${bits}`);
}

interface KeyPair {
  pem: string;
  /** What forge's Certificate.sign calls: the signature over the digest forge computed. */
  signer: forge.pki.rsa.PrivateKey;
  forgePublic: forge.pki.PublicKey;
}

/** DER of DigestInfo { sha256, digest } up to the digest itself (RFC 8017, section 9.2, note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * RSASSA-PKCS1-v1_5 with SHA-256 done by OpenSSL: private-key "encryption" with type-1 padding of
 * the DigestInfo is exactly that signature, and it is several times faster than forge's own.
 */
function opensslSigner(privateKey: KeyObject): forge.pki.rsa.PrivateKey {
  const sign = (md: forge.md.MessageDigest): string => {
    const digest = Buffer.from(md.digest().getBytes(), 'binary');
    return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest])).toString('binary');
  };
  return { sign } as unknown as forge.pki.rsa.PrivateKey;
}

function newKeyPair(bits: number): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    signer: opensslSigner(privateKey),
    forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
  };
}

/** A positive 128-bit serial (RFC 5280 wants positive and unpredictable). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, days: number, now: Date): void {
  // Backdated a little: a node whose clock runs behind would otherwise reject a fresh certificate.
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60 * 1000);
  cert.validity.notAfter = new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
}

export function generateWebhookCertificates(options: WebhookCertificateOptions): WebhookCertificates {
  checkOptions(options);
  const days = options.days ?? DEFAULT_CERT_DAYS;
  const bits = options.keyBits ?? 2048;
  const now = new Date();

  const caKeys = newKeyPair(bits);
  const ca = forge.pki.createCertificate();
  ca.serialNumber = serialNumber();
  ca.publicKey = caKeys.forgePublic;
  validity(ca, days, now);
  const caSubject = [
    { name: 'commonName', value: `${options.service}.${options.namespace} webhook CA` },
    { name: 'organizationName', value: 'kshield' },
  ];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    // pathLen 0: this CA signs serving certificates only, never another CA.
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.signer, forge.md.sha256.create());

  const leafKeys = newKeyPair(bits);
  const leaf = forge.pki.createCertificate();
  leaf.serialNumber = serialNumber();
  leaf.publicKey = leafKeys.forgePublic;
  validity(leaf, days, now);
  const dnsNames = [...new Set([...serviceDnsNames(options.service, options.namespace), ...(options.extraDnsNames ?? [])])];
  leaf.setSubject([{ name: 'commonName', value: `${options.service}.${options.namespace}.svc` }, { name: 'organizationName', value: 'kshield' }]);
  leaf.setIssuer(caSubject);
  leaf.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...dnsNames.map((value) => ({ type: 2, value })), ...(options.ipAddresses ?? []).map((ip) => ({ type: 7, ip }))] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  leaf.sign(caKeys.signer, forge.md.sha256.create());

  return {
    // node-forge ends PEM lines with CRLF; keys (from node:crypto) and every other tool use LF
    caCert: lf(forge.pki.certificateToPem(ca)),
    caKey: caKeys.pem,
    cert: lf(forge.pki.certificateToPem(leaf)),
    key: leafKeys.pem,
    dnsNames,
    notAfter: leaf.validity.notAfter,
  };
}

function lf(pem: string): string {
  return pem.replace(/\r\n/g, '\n');
}
