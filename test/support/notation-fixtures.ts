/**
 * Notary Project signatures made the way notation makes them, per test run, with real keys: a
 * small PKI (a root CA and a code-signing leaf, RSA or EC), JWS and COSE_Sign1 envelopes over a
 * Notary payload, signature manifests that refer to the image by `subject`, and trust stores laid
 * out as notation's (`<dir>/x509/<type>/<name>/*.pem`).
 *
 * Certificates: node-forge lays out the TBSCertificate (names, validity, extensions); the subject
 * public key is swapped for the real one (forge writes only RSA keys) and node:crypto signs, so
 * EC certificates and EC-signed chains are as real as RSA ones.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, constants, type KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { encode as encodeCbor, Tagged } from 'cborg';
import type { Descriptor, SignatureArtifact, SignedSubject } from '../../src/signatures/types.js';

export type Attributes = [string, string][];
export type KeyKind = 'rsa2048' | 'rsa3072' | 'rsa1024' | 'ec256' | 'ec384' | 'ec521';

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function keyPair(kind: KeyKind = 'rsa2048'): KeyPair {
  if (kind.startsWith('rsa')) return generateKeyPairSync('rsa', { modulusLength: Number(kind.slice(3)) });
  const curves: Record<string, string> = { ec256: 'prime256v1', ec384: 'secp384r1', ec521: 'secp521r1' };
  return generateKeyPairSync('ec', { namedCurve: curves[kind] });
}

export interface CertificateOptions {
  subject: Attributes;
  /** The issuer's subject and key; absent for a self-signed certificate. */
  issuer?: { subject: Attributes; privateKey: KeyObject };
  keys: KeyPair;
  notBefore?: Date;
  notAfter?: Date;
  /** forge extension objects (basicConstraints, keyUsage, extKeyUsage, cRLDistributionPoints). */
  extensions: object[];
  /** Sign with SHA-1 (what the Notary Project forbids). */
  sha1?: boolean;
}

const HOUR = 3600_000;

function algorithmIdentifier(oid: string, nullParams: boolean): forge.asn1.Asn1 {
  const { asn1 } = forge;
  const items = [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(oid).getBytes())];
  if (nullParams) items.push(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''));
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
}

/** A DER certificate. */
export function makeCertificate(options: CertificateOptions): Buffer {
  const { asn1 } = forge;
  const cert = forge.pki.createCertificate();
  // A placeholder key: forge encodes only RSA keys; the real SubjectPublicKeyInfo replaces it below.
  cert.publicKey = forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger('3'), new forge.jsbn.BigInteger('65537'));
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  const now = Date.now();
  cert.validity.notBefore = options.notBefore ?? new Date(now - HOUR);
  cert.validity.notAfter = options.notAfter ?? new Date(now + 48 * HOUR);
  const names = (attrs: Attributes) => attrs.map(([shortName, value]) => ({ shortName, value }));
  cert.setSubject(names(options.subject));
  cert.setIssuer(names(options.issuer?.subject ?? options.subject));
  cert.setExtensions(options.extensions);
  const signer = options.issuer?.privateKey ?? options.keys.privateKey;
  const ec = signer.asymmetricKeyType === 'ec';
  const hash = options.sha1 ? 'sha1' : ec && signer.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'sha384' : 'sha256';
  const oid = ec
    ? { sha1: '1.2.840.10045.4.1', sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3' }[hash]!
    : { sha1: '1.2.840.113549.1.1.5', sha256: '1.2.840.113549.1.1.11', sha384: '1.2.840.113549.1.1.12' }[hash]!;
  // forge writes the TBS signature algorithm from siginfo (normally set by its own sign()); it is replaced below anyway.
  (cert as unknown as { siginfo: { algorithmOid: string; parameters: object } }).siginfo = { algorithmOid: '1.2.840.113549.1.1.11', parameters: {} };
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  const fields = tbs.value as forge.asn1.Asn1[];
  fields[2] = algorithmIdentifier(oid, !ec);
  const spki = options.keys.publicKey.export({ type: 'spki', format: 'der' });
  fields[6] = asn1.fromDer(forge.util.createBuffer(spki.toString('binary')));
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign(hash, tbsDer, signer);
  const certificate = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algorithmIdentifier(oid, !ec),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, '\x00' + signature.toString('binary')),
  ]);
  return Buffer.from(asn1.toDer(certificate).getBytes(), 'binary');
}

export function toPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

export const CA_EXTENSIONS = [
  { name: 'basicConstraints', cA: true, critical: true },
  { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
];
export const LEAF_EXTENSIONS = [
  { name: 'basicConstraints', cA: false },
  { name: 'keyUsage', digitalSignature: true, critical: true },
  { name: 'extKeyUsage', codeSigning: true },
];

export interface Authority {
  subject: Attributes;
  keys: KeyPair;
  der: Buffer;
  pem: string;
}

export interface SigningIdentity {
  subject: Attributes;
  keys: KeyPair;
  der: Buffer;
  /** Leaf first, root last: what the envelope carries. */
  chain: Buffer[];
}

export function makeRoot(options: { subject?: Attributes; key?: KeyKind; notBefore?: Date; notAfter?: Date } = {}): Authority {
  const subject = options.subject ?? [['C', 'US'], ['ST', 'WA'], ['O', 'acme-rockets.io'], ['CN', 'acme-rockets root CA']];
  const keys = keyPair(options.key ?? 'rsa2048');
  const der = makeCertificate({
    subject,
    keys,
    extensions: CA_EXTENSIONS,
    notBefore: options.notBefore ?? new Date(Date.now() - 30 * 24 * HOUR),
    notAfter: options.notAfter ?? new Date(Date.now() + 365 * 24 * HOUR),
  });
  return { subject, keys, der, pem: toPem(der) };
}

export function issueLeaf(
  root: Authority,
  options: { subject?: Attributes; key?: KeyKind; notBefore?: Date; notAfter?: Date; extensions?: object[]; sha1?: boolean } = {},
): SigningIdentity {
  const subject = options.subject ?? [['C', 'US'], ['ST', 'WA'], ['L', 'Seattle'], ['O', 'acme-rockets.io'], ['OU', 'Finance'], ['CN', 'SecureBuilder']];
  const keys = keyPair(options.key ?? 'rsa2048');
  const der = makeCertificate({
    subject,
    keys,
    issuer: { subject: root.subject, privateKey: root.keys.privateKey },
    extensions: options.extensions ?? LEAF_EXTENSIONS,
    // Valid from a week ago: tests sign at times in the past days.
    notBefore: options.notBefore ?? new Date(Date.now() - 7 * 24 * HOUR),
    notAfter: options.notAfter,
    sha1: options.sha1,
  });
  return { subject, keys, der, chain: [der, root.der] };
}

/** The image being verified: a made-up manifest's digest, media type and size. */
export function testSubject(options: { registry?: string; repository?: string; content?: string } = {}): SignedSubject {
  const manifest = Buffer.from(options.content ?? `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[],"n":"${randomBytes(4).toString('hex')}"}`);
  const registry = options.registry ?? 'registry.acme-rockets.io';
  const repository = options.repository ?? 'software/net-monitor';
  const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  return { reference: `${registry}/${repository}@${digest}`, registry, repository, digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: manifest.length };
}

export function descriptorOf(subject: SignedSubject): Descriptor {
  return { mediaType: subject.mediaType, digest: subject.digest, size: subject.size };
}

export type JwsAlgorithm = 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512';

export interface EnvelopeOptions {
  /** The image signed (its descriptor becomes targetArtifact), or a payload object of one's own. */
  target: Descriptor | { payload: unknown };
  identity: SigningIdentity;
  alg?: JwsAlgorithm | string;
  scheme?: string;
  signingTime?: Date;
  expiry?: Date;
  /** Protected headers added (or, with undefined values, removed). */
  extraProtected?: Record<string, unknown>;
  crit?: string[];
  /** An RFC 3161 token to attach as it is. */
  timestampToken?: Buffer;
  /** Makes the RFC 3161 token from the signature's bytes (what a TSA stamps), and attaches it. */
  timestamp?: (signature: Buffer) => Buffer;
}

function defaultAlg(keys: KeyPair): JwsAlgorithm {
  const d = keys.publicKey.asymmetricKeyDetails ?? {};
  if (keys.publicKey.asymmetricKeyType === 'ec') return d.namedCurve === 'secp384r1' ? 'ES384' : d.namedCurve === 'secp521r1' ? 'ES512' : 'ES256';
  return d.modulusLength === 3072 ? 'PS384' : d.modulusLength === 4096 ? 'PS512' : 'PS256';
}

function signBytes(alg: string, bytes: Buffer, key: KeyObject): Buffer {
  const hash = `sha${alg.slice(2)}`;
  if (alg.startsWith('PS')) return sign(hash, bytes, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 });
  if (alg.startsWith('ES')) return sign(hash, bytes, { key, dsaEncoding: 'ieee-p1363' });
  // Algorithms the Notary Project does not allow (RS256...): PKCS#1 v1.5, so the test exercises the refusal, not a bad signature.
  return sign('sha256', bytes, key);
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function payloadOf(options: EnvelopeOptions): Buffer {
  const payload = 'payload' in options.target ? options.target.payload : { targetArtifact: options.target };
  return Buffer.from(JSON.stringify(payload));
}

/** A JWS envelope in the flattened JSON serialization, as notation writes it. */
export function signJws(options: EnvelopeOptions): Buffer {
  const alg = options.alg ?? defaultAlg(options.identity.keys);
  const scheme = options.scheme ?? 'notary.x509';
  const signingTime = options.signingTime ?? new Date(Date.now() - 60_000);
  const headers: Record<string, unknown> = { alg, cty: 'application/vnd.cncf.notary.payload.v1+json', 'io.cncf.notary.signingScheme': scheme };
  const crit = ['io.cncf.notary.signingScheme'];
  if (scheme === 'notary.x509.signingAuthority') {
    headers['io.cncf.notary.authenticSigningTime'] = rfc3339(signingTime);
    crit.push('io.cncf.notary.authenticSigningTime');
  } else headers['io.cncf.notary.signingTime'] = rfc3339(signingTime);
  if (options.expiry) {
    headers['io.cncf.notary.expiry'] = rfc3339(options.expiry);
    crit.push('io.cncf.notary.expiry');
  }
  headers.crit = options.crit ?? crit;
  for (const [k, v] of Object.entries(options.extraProtected ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  const protectedB64 = Buffer.from(JSON.stringify(headers)).toString('base64url');
  const payloadB64 = payloadOf(options).toString('base64url');
  const signature = signBytes(alg, Buffer.from(`${protectedB64}.${payloadB64}`), options.identity.keys.privateKey);
  const header: Record<string, unknown> = { x5c: options.identity.chain.map((c) => c.toString('base64')), 'io.cncf.notary.signingAgent': 'kshield-test/1.0' };
  const token = options.timestampToken ?? options.timestamp?.(signature);
  if (token) header['io.cncf.notary.timestampSignature'] = token.toString('base64');
  return Buffer.from(JSON.stringify({ payload: payloadB64, protected: protectedB64, header, signature: signature.toString('base64url') }));
}

const COSE_ALG: Record<string, number> = { PS256: -37, PS384: -38, PS512: -39, ES256: -7, ES384: -35, ES512: -36, RS256: -257 };

/** A COSE_Sign1_Tagged envelope, as notation writes it. */
export function signCose(options: EnvelopeOptions): Buffer {
  const alg = options.alg ?? defaultAlg(options.identity.keys);
  const scheme = options.scheme ?? 'notary.x509';
  const signingTime = options.signingTime ?? new Date(Date.now() - 60_000);
  const epoch = (d: Date) => new Tagged(1, Math.floor(d.getTime() / 1000));
  const headers = new Map<unknown, unknown>([
    [1, COSE_ALG[alg] ?? alg],
    [3, 'application/vnd.cncf.notary.payload.v1+json'],
    ['io.cncf.notary.signingScheme', scheme],
  ]);
  const crit = ['io.cncf.notary.signingScheme'];
  if (scheme === 'notary.x509.signingAuthority') {
    headers.set('io.cncf.notary.authenticSigningTime', epoch(signingTime));
    crit.push('io.cncf.notary.authenticSigningTime');
  } else headers.set('io.cncf.notary.signingTime', epoch(signingTime));
  if (options.expiry) {
    headers.set('io.cncf.notary.expiry', epoch(options.expiry));
    crit.push('io.cncf.notary.expiry');
  }
  headers.set(2, options.crit ?? crit);
  for (const [k, v] of Object.entries(options.extraProtected ?? {})) {
    if (v === undefined) headers.delete(k);
    else headers.set(k, v);
  }
  const protectedBytes = encodeCbor(headers);
  const payload = new Uint8Array(payloadOf(options));
  const toBeSigned = Buffer.from(encodeCbor(['Signature1', protectedBytes, new Uint8Array(0), payload]));
  const signature = new Uint8Array(signBytes(alg, toBeSigned, options.identity.keys.privateKey));
  const unprotected = new Map<unknown, unknown>([
    [33, options.identity.chain.map((c) => new Uint8Array(c))],
    ['io.cncf.notary.signingAgent', 'kshield-test/1.0'],
  ]);
  const token = options.timestampToken ?? options.timestamp?.(Buffer.from(signature));
  if (token) unprotected.set('io.cncf.notary.timestampSignature', new Uint8Array(token));
  return Buffer.from(encodeCbor(new Tagged(18, [protectedBytes, unprotected, payload, signature])));
}

const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface ArtifactParts {
  manifest: Buffer;
  manifestDigest: string;
  config: Buffer;
  envelope: Buffer;
  envelopeMediaType: string;
}

/**
 * The signature manifest notation pushes: an OCI image manifest with artifactType
 * `application/vnd.cncf.notary.signature` and the empty config (or, `legacy`, the older form whose
 * config media type says it), the envelope as its one layer, and `subject` naming the image.
 */
export function signatureManifest(envelope: Buffer, subject: Descriptor, options: { mediaType?: string; legacy?: boolean; chain?: Buffer[] } = {}): ArtifactParts {
  const envelopeMediaType = options.mediaType ?? 'application/jose+json';
  const config = Buffer.from('{}');
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    ...(options.legacy ? {} : { artifactType: 'application/vnd.cncf.notary.signature' }),
    config: { mediaType: options.legacy ? 'application/vnd.cncf.notary.signature' : 'application/vnd.oci.empty.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: envelopeMediaType, digest: sha256(envelope), size: envelope.length }],
    subject,
    annotations: {
      'io.cncf.notary.x509chain.thumbprint#S256': JSON.stringify((options.chain ?? []).map((c) => createHash('sha256').update(c).digest('hex'))),
    },
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { manifest: bytes, manifestDigest: sha256(bytes), config, envelope, envelopeMediaType };
}

/** An in-memory SignatureArtifact of a signature manifest (what discovery hands the verifier). */
export function notationArtifact(envelope: Buffer, subject: Descriptor, options: { mediaType?: string; legacy?: boolean } = {}): SignatureArtifact {
  const parts = signatureManifest(envelope, subject, options);
  const manifest = JSON.parse(parts.manifest.toString()) as SignatureArtifact['manifest'] & { artifactType?: string };
  const blobs = new Map([
    [manifest.layers[0].digest, envelope],
    [manifest.config.digest, parts.config],
  ]);
  return {
    digest: parts.manifestDigest,
    foundBy: 'referrers-api',
    artifactType: manifest.artifactType ?? manifest.config.mediaType,
    manifest,
    blob: async (d) => {
      const b = blobs.get(d.digest);
      if (!b) throw new Error(`blob ${d.digest} not found`);
      return b;
    },
  };
}

/** Writes certificates as notation's trust store `dir/x509/<type>/<name>/<file>`. */
export function writeTrustStore(dir: string, type: 'ca' | 'signingAuthority' | 'tsa', name: string, pems: string[], file = 'certs.pem'): string {
  const storeDir = path.join(dir, 'x509', type, name);
  mkdirSync(storeDir, { recursive: true });
  writeFileSync(path.join(storeDir, file), pems.join(''));
  return storeDir;
}

/** A trust policy document with one statement for `scope` (and more statements when given). */
export function trustPolicy(statement: Record<string, unknown>, more: Record<string, unknown>[] = []): Record<string, unknown> {
  return {
    version: '1.0',
    trustPolicies: [
      {
        name: 'acme-images',
        registryScopes: ['registry.acme-rockets.io/software/net-monitor'],
        signatureVerification: { level: 'strict' },
        trustStores: ['ca:acme-rockets'],
        trustedIdentities: ['x509.subject: C=US, ST=WA, O=acme-rockets.io, OU=Finance'],
        ...statement,
      },
      ...more,
    ],
  };
}

/** A time-stamping authority's certificate under `root`: critical timeStamping extended key usage, as RFC 3161 wants. */
export function issueTsa(root: Authority, options: { notBefore?: Date; notAfter?: Date } = {}): SigningIdentity {
  return issueLeaf(root, {
    subject: [['C', 'US'], ['ST', 'WA'], ['O', 'acme-rockets.io'], ['CN', 'acme TSA']],
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    extensions: [
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', timeStamping: true, critical: true },
    ],
  });
}

/**
 * An RFC 3161 TimeStampToken over `signature` (what notation asks a TSA to stamp: the signature's
 * bytes), signed by `tsa` (RSA, PKCS #1 v1.5 with SHA-256), carrying the TSA's chain and a
 * signing-certificate-v2 attribute. `stamped` replaces the bytes whose hash is stamped.
 */
export function timestampToken(options: { signature: Buffer; tsa: SigningIdentity; genTime: Date; accuracySeconds?: number; stamped?: Buffer; signingCertificate?: Buffer }): Buffer {
  const A = forge.asn1;
  const U = A.Class.UNIVERSAL;
  const seq = (items: forge.asn1.Asn1[]) => A.create(U, A.Type.SEQUENCE, true, items);
  const set = (items: forge.asn1.Asn1[]) => A.create(U, A.Type.SET, true, items);
  const oid = (o: string) => A.create(U, A.Type.OID, false, A.oidToDer(o).getBytes());
  const int = (n: number) => A.create(U, A.Type.INTEGER, false, A.integerToDer(n).getBytes());
  const octet = (b: Buffer) => A.create(U, A.Type.OCTETSTRING, false, b.toString('binary'));
  const der = (n: forge.asn1.Asn1) => Buffer.from(A.toDer(n).getBytes(), 'binary');
  const digest = (b: Buffer) => createHash('sha256').update(b).digest();
  const SHA256 = '2.16.840.1.101.3.4.2.1';
  const TST_INFO = '1.2.840.113549.1.9.16.1.4';
  const tstInfo = der(
    seq([
      int(1),
      oid('1.3.6.1.4.1.99999.1'),
      seq([seq([oid(SHA256)]), octet(digest(options.stamped ?? options.signature))]),
      int(randomBytes(2).readUInt16BE()),
      A.create(U, A.Type.GENERALIZEDTIME, false, A.dateToGeneralizedTime(options.genTime)),
      ...(options.accuracySeconds !== undefined ? [seq([int(options.accuracySeconds)])] : []),
    ]),
  );
  const attributes = [
    seq([oid('1.2.840.113549.1.9.3'), set([oid(TST_INFO)])]),
    seq([oid('1.2.840.113549.1.9.4'), set([octet(digest(tstInfo))])]),
    seq([oid('1.2.840.113549.1.9.16.2.47'), set([seq([seq([seq([octet(digest(options.signingCertificate ?? options.tsa.der))])])])])]),
  ];
  const signature = sign('sha256', der(set(attributes)), options.tsa.keys.privateKey);
  const signerInfo = seq([
    int(3),
    A.create(A.Class.CONTEXT_SPECIFIC, 0, false, randomBytes(20).toString('binary')),
    seq([oid(SHA256)]),
    A.create(A.Class.CONTEXT_SPECIFIC, 0, true, attributes),
    seq([oid('1.2.840.113549.1.1.1'), A.create(U, A.Type.NULL, false, '')]),
    octet(signature),
  ]);
  const signedData = seq([
    int(3),
    set([seq([oid(SHA256)])]),
    seq([oid(TST_INFO), A.create(A.Class.CONTEXT_SPECIFIC, 0, true, [octet(tstInfo)])]),
    A.create(A.Class.CONTEXT_SPECIFIC, 0, true, options.tsa.chain.map((c) => A.fromDer(forge.util.createBuffer(c.toString('binary'))))),
    set([signerInfo]),
  ]);
  return der(seq([oid('1.2.840.113549.1.7.2'), A.create(A.Class.CONTEXT_SPECIFIC, 0, true, [signedData])]));
}

/** The raw signature bytes of an envelope this module signed (what a timestamp stamps). */
export function jwsSignatureBytes(envelope: Buffer): Buffer {
  return Buffer.from((JSON.parse(envelope.toString()) as { signature: string }).signature, 'base64url');
}
