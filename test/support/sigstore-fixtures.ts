/**
 * A small Sigstore for tests, generated per run with real cryptography and no network:
 * - a Fulcio-like CA (root + intermediate) issuing 10-minute leaf certificates that carry the
 *   signer's identity (SAN email or URI) and the OIDC issuer in Fulcio's extensions
 *   (1.3.6.1.4.1.57264.1.8, and the legacy 1.3.6.1.4.1.57264.1.1), with an embedded SCT from a
 *   CT-log key (RFC 6962 precertificate signature);
 * - a Rekor-like transparency log: `hashedrekord` / `dsse` entries, a SignedEntryTimestamp over
 *   the canonical {body, integratedTime, logID, logIndex} (the inclusion promise), and an RFC 6962
 *   Merkle inclusion proof up to a signed checkpoint (a signed note);
 * - a timestamp authority answering RFC 3161 (a CMS SignedData over a TSTInfo whose message
 *   imprint is the signature's SHA-256);
 * - the `trusted_root.json` naming them (mediaType application/vnd.dev.sigstore.trustedroot+json;version=0.1);
 * - bundles v0.1 / v0.2 / v0.3 holding a message signature or a DSSE envelope (in-toto statement),
 *   keyless (certificate) or key-based (public-key hint), and the OCI artifact that carries one.
 *
 * Every key is ECDSA P-256 as in the public-good instance. node-forge writes only RSA-signed
 * certificates, so this file encodes its DER itself (a few lines of TLV below) and signs with node:crypto.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { Descriptor, SignatureArtifact, SignedSubject } from '../../src/signatures/types.js';

// ---------------------------------------------------------------------------------------------
// DER
// ---------------------------------------------------------------------------------------------

function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  if (length < 0x80) return Buffer.concat([Buffer.from([tag, length]), content]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.concat([Buffer.from([tag, 0x80 | bytes.length, ...bytes]), content]);
}

const der = {
  seq: (...items: Buffer[]) => tlv(0x30, Buffer.concat(items)),
  set: (...items: Buffer[]) => tlv(0x31, Buffer.concat([...items].sort(Buffer.compare))),
  int: (value: number | Buffer) => {
    const hex = typeof value === 'number' ? value.toString(16) : '';
    let bytes = typeof value === 'number' ? Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex') : value;
    while (bytes.length > 1 && bytes[0] === 0 && (bytes[1] & 0x80) === 0) bytes = bytes.subarray(1);
    if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return tlv(0x02, bytes);
  },
  bool: (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0])),
  oid: (dotted: string) => {
    const parts = dotted.split('.').map(Number);
    const out = [parts[0] * 40 + parts[1]];
    for (const part of parts.slice(2)) {
      const chunk = [part & 0x7f];
      for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift((n & 0x7f) | 0x80);
      out.push(...chunk);
    }
    return tlv(0x06, Buffer.from(out));
  },
  octets: (bytes: Buffer) => tlv(0x04, bytes),
  bits: (bytes: Buffer, unusedBits = 0) => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes])),
  utf8: (text: string) => tlv(0x0c, Buffer.from(text, 'utf8')),
  ia5: (text: string, tag = 0x16) => tlv(tag, Buffer.from(text, 'ascii')),
  utcTime: (date: Date) => tlv(0x17, Buffer.from(date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:T]/g, '').slice(2), 'ascii')),
  generalizedTime: (date: Date) => tlv(0x18, Buffer.from(date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:T]/g, ''), 'ascii')),
  /** Context-specific, constructed ([n] EXPLICIT, or IMPLICIT over a constructed type). */
  ctx: (n: number, content: Buffer) => tlv(0xa0 | n, content),
};

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256: '2.16.840.1.101.3.4.2.1',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  fulcioIssuerV1: '1.3.6.1.4.1.57264.1.1',
  fulcioIssuerV2: '1.3.6.1.4.1.57264.1.8',
  sct: '1.3.6.1.4.1.11129.2.4.2',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentTypeAttr: '1.2.840.113549.1.9.3',
  messageDigestAttr: '1.2.840.113549.1.9.4',
  signingCertificateV2Attr: '1.2.840.113549.1.9.16.2.47',
  tsaPolicy: '1.3.6.1.4.1.57264.2',
};

function name(commonName: string | undefined, organization = 'kshield test'): Buffer {
  if (commonName === undefined) return der.seq();
  return der.seq(der.set(der.seq(der.oid(OID.organization), der.utf8(organization))), der.set(der.seq(der.oid(OID.commonName), der.utf8(commonName))));
}

function extension(oid: string, value: Buffer, critical = false): Buffer {
  return der.seq(der.oid(oid), ...(critical ? [der.bool(true)] : []), der.octets(value));
}

// ---------------------------------------------------------------------------------------------
// Keys and certificates
// ---------------------------------------------------------------------------------------------

export interface EcKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SubjectPublicKeyInfo, DER. */
  spki: Buffer;
  publicPem: string;
}

export function ecKeyPair(): EcKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicKey,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The key identifier RFC 5280 suggests: SHA-1 of the subjectPublicKey bits. */
function keyId(spki: Buffer): Buffer {
  // The BIT STRING is the last element of the SPKI; its content after the unused-bits byte is the key.
  const p256PointLength = 65;
  return createHash('sha1').update(spki.subarray(spki.length - p256PointLength)).digest();
}

export interface TestCertificate {
  der: Buffer;
  pem: string;
  subjectName: Buffer;
  keys: EcKeyPair;
  notBefore: Date;
  notAfter: Date;
}

function pem(derBytes: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${derBytes.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

function serialNumber(): Buffer {
  const serial = randomBytes(16);
  // Positive and without a leading zero byte, so DER keeps every byte.
  serial[0] = (serial[0] & 0x7f) | 0x01;
  return serial;
}

interface CertificateOptions {
  subjectName: Buffer;
  keys: EcKeyPair;
  issuer?: TestCertificate;
  notBefore: Date;
  notAfter: Date;
  extensions: Buffer[];
}

function tbsCertificate(options: CertificateOptions, serial: Buffer): Buffer {
  const issuerName = options.issuer ? options.issuer.subjectName : options.subjectName;
  return der.seq(
    der.ctx(0, der.int(2)),
    der.int(serial),
    der.seq(der.oid(OID.ecdsaWithSha256)),
    issuerName,
    der.seq(der.utcTime(options.notBefore), der.utcTime(options.notAfter)),
    options.subjectName,
    options.keys.spki,
    der.ctx(3, der.seq(...options.extensions)),
  );
}

function signCertificate(tbs: Buffer, signingKey: KeyObject): Buffer {
  return der.seq(tbs, der.seq(der.oid(OID.ecdsaWithSha256)), der.bits(sign('sha256', tbs, signingKey)));
}

function certificate(options: CertificateOptions & { signingKey: KeyObject }): TestCertificate {
  const bytes = signCertificate(tbsCertificate(options, serialNumber()), options.signingKey);
  return { der: bytes, pem: pem(bytes), subjectName: options.subjectName, keys: options.keys, notBefore: options.notBefore, notAfter: options.notAfter };
}

function caExtensions(keys: EcKeyPair, issuer: TestCertificate | undefined, pathLength?: number): Buffer[] {
  return [
    extension(OID.basicConstraints, der.seq(der.bool(true), ...(pathLength === undefined ? [] : [der.int(pathLength)])), true),
    // keyCertSign (bit 5) and cRLSign (bit 6): 0b0000_0110, one unused bit.
    extension(OID.keyUsage, der.bits(Buffer.from([0x06]), 1), true),
    extension(OID.subjectKeyId, der.octets(keyId(keys.spki))),
    ...(issuer ? [extension(OID.authorityKeyId, der.seq(tlv(0x80, keyId(issuer.keys.spki))))] : []),
  ];
}

const HOUR = 3600_000;

/** A CA: a self-signed root and one intermediate that issues the leaves, as Fulcio's chain is. */
export class TestCertificateAuthority {
  readonly root: TestCertificate;
  readonly intermediate: TestCertificate;
  constructor(readonly label = 'fulcio') {
    const now = Date.now();
    const rootKeys = ecKeyPair();
    const rootName = name(`${label} test root`);
    this.root = certificate({
      subjectName: rootName, keys: rootKeys, notBefore: new Date(now - 24 * HOUR), notAfter: new Date(now + 24 * HOUR),
      extensions: caExtensions(rootKeys, undefined, 1), signingKey: rootKeys.privateKey,
    });
    const intermediateKeys = ecKeyPair();
    this.intermediate = certificate({
      subjectName: name(`${label} test intermediate`), keys: intermediateKeys, issuer: this.root,
      notBefore: new Date(now - 24 * HOUR), notAfter: new Date(now + 24 * HOUR),
      extensions: caExtensions(intermediateKeys, this.root, 0), signingKey: rootKeys.privateKey,
    });
  }
}

export interface KeylessIdentity {
  /** The OIDC issuer Fulcio records. */
  issuer: string;
  email?: string;
  uri?: string;
  /** Write the issuer in the legacy extension 1.3.6.1.4.1.57264.1.1 only (older Fulcio). */
  legacyIssuerExtension?: boolean;
}

export interface LeafOptions {
  notBefore?: Date;
  notAfter?: Date;
  /** The CT log whose SCT is embedded; none when undefined. */
  ctLog?: TestTransparencyLog;
}

/** A keyless signer: an ephemeral key and the Fulcio-like certificate naming its identity. */
export interface KeylessSigner {
  kind: 'certificate';
  keys: EcKeyPair;
  certificate: TestCertificate;
  identity: KeylessIdentity;
}

export function issueLeaf(ca: TestCertificateAuthority, identity: KeylessIdentity, options: LeafOptions = {}): KeylessSigner {
  const keys = ecKeyPair();
  const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 10 * 60_000);
  const san = identity.uri !== undefined ? tlv(0x86, Buffer.from(identity.uri, 'ascii')) : tlv(0x81, Buffer.from(identity.email ?? '', 'ascii'));
  const extensions = [
    // digitalSignature (bit 0): 0b1000_0000, seven unused bits.
    extension(OID.keyUsage, der.bits(Buffer.from([0x80]), 7), true),
    extension(OID.extKeyUsage, der.seq(der.oid(OID.codeSigning))),
    extension(OID.subjectKeyId, der.octets(keyId(keys.spki))),
    extension(OID.authorityKeyId, der.seq(tlv(0x80, keyId(ca.intermediate.keys.spki)))),
    extension(OID.subjectAltName, der.seq(san), true),
    // The legacy extension holds the issuer's bytes directly; the current one a DER UTF8String.
    extension(OID.fulcioIssuerV1, Buffer.from(identity.issuer, 'utf8')),
    ...(identity.legacyIssuerExtension ? [] : [extension(OID.fulcioIssuerV2, der.utf8(identity.issuer))]),
  ];
  const certOptions: CertificateOptions = { subjectName: der.seq(), keys, issuer: ca.intermediate, notBefore, notAfter, extensions };
  const serial = serialNumber();
  if (options.ctLog) {
    // RFC 6962 §3.2: the CT log signs the precertificate TBS (the final TBS without the SCT
    // extension) with the SHA-256 of the issuer's key; the SCT list is then embedded.
    const precertTbs = tbsCertificate(certOptions, serial);
    const sct = options.ctLog.signedCertificateTimestamp(precertTbs, ca.intermediate.keys.spki, notBefore);
    const list = Buffer.concat([uint16(sct.length + 2), uint16(sct.length), sct]);
    certOptions.extensions = [...extensions, extension(OID.sct, der.octets(list))];
  }
  const bytes = signCertificate(tbsCertificate(certOptions, serial), ca.intermediate.keys.privateKey);
  return { kind: 'certificate', keys, identity, certificate: { der: bytes, pem: pem(bytes), subjectName: der.seq(), keys, notBefore, notAfter } };
}

/** A key-based signer: cosign's `--key`; the bundle names the key by a hint only. */
export interface KeySigner {
  kind: 'key';
  keys: EcKeyPair;
  hint: string;
}

export function keySigner(hint?: string): KeySigner {
  const keys = ecKeyPair();
  return { kind: 'key', keys, hint: hint ?? createHash('sha256').update(keys.spki).digest('base64') };
}

export type Signer = KeylessSigner | KeySigner;

function uint16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function uint24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

// ---------------------------------------------------------------------------------------------
// Transparency logs (Rekor-like, and CT for SCTs)
// ---------------------------------------------------------------------------------------------

function leafHash(data: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([0])).update(data).digest();
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest();
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 6962 §2.1 MTH. */
function merkleRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0];
  const k = largestPowerOfTwoBelow(leaves.length);
  return nodeHash(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

/** RFC 6962 §2.1.1 PATH(m, D[n]): sibling hashes from the leaf upwards. */
function inclusionPath(index: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  const k = largestPowerOfTwoBelow(leaves.length);
  return index < k
    ? [...inclusionPath(index, leaves.slice(0, k)), merkleRoot(leaves.slice(k))]
    : [...inclusionPath(index - k, leaves.slice(k)), merkleRoot(leaves.slice(0, k))];
}

/** JSON with sorted keys and no whitespace: what Rekor signs (RFC 8785 for the ASCII values used here). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface TlogEntryOptions {
  /** Which inclusion evidence the entry carries. */
  evidence?: 'promise+proof' | 'promise' | 'proof';
  integratedTime?: Date;
}

/** A Rekor-like log (or a CT log: same key material, different use). */
export class TestTransparencyLog {
  readonly keys = ecKeyPair();
  readonly logId: Buffer;
  private readonly leaves: Buffer[] = [];
  constructor(readonly baseUrl = 'https://rekor.test.kshield', readonly treeId = '1') {
    this.logId = createHash('sha256').update(this.keys.spki).digest();
    // Entries before ours, so inclusion proofs have hashes on both sides.
    for (let i = 0; i < 5; i++) this.leaves.push(leafHash(randomBytes(32)));
  }

  get origin(): string {
    return `${new URL(this.baseUrl).host} - ${this.treeId}`;
  }

  /** The bundle's `tlogEntries[]` item for a canonicalized Rekor entry body. */
  entry(body: object, kind: string, version: string, options: TlogEntryOptions = {}): Record<string, unknown> {
    const canonicalizedBody = Buffer.from(canonicalJson(body), 'utf8');
    const logIndex = this.leaves.length;
    this.leaves.push(leafHash(canonicalizedBody));
    // Another entry after ours: the proof then also climbs the right border.
    this.leaves.push(leafHash(randomBytes(32)));
    const integratedTime = Math.floor((options.integratedTime ?? new Date()).getTime() / 1000);
    const evidence = options.evidence ?? 'promise+proof';
    const set = sign('sha256', Buffer.from(canonicalJson({
      body: canonicalizedBody.toString('base64'), integratedTime, logIndex, logID: this.logId.toString('hex'),
    }), 'utf8'), this.keys.privateKey);
    const treeSize = this.leaves.length;
    const rootHash = merkleRoot(this.leaves);
    const note = `${this.origin}\n${treeSize}\n${rootHash.toString('base64')}\n`;
    const noteSignature = Buffer.concat([this.logId.subarray(0, 4), sign('sha256', Buffer.from(note, 'utf8'), this.keys.privateKey)]);
    return {
      logIndex: String(logIndex),
      logId: { keyId: this.logId.toString('base64') },
      kindVersion: { kind, version },
      integratedTime: String(integratedTime),
      ...(evidence.includes('promise') ? { inclusionPromise: { signedEntryTimestamp: set.toString('base64') } } : {}),
      ...(evidence.includes('proof') ? {
        inclusionProof: {
          logIndex: String(logIndex),
          rootHash: rootHash.toString('base64'),
          treeSize: String(treeSize),
          hashes: inclusionPath(logIndex, this.leaves).map((h) => h.toString('base64')),
          checkpoint: { envelope: `${note}\n\u2014 ${new URL(this.baseUrl).host} ${noteSignature.toString('base64')}\n` },
        },
      } : {}),
      canonicalizedBody: canonicalizedBody.toString('base64'),
    };
  }

  /** An RFC 6962 SCT (v1) over a precertificate TBS. */
  signedCertificateTimestamp(precertTbs: Buffer, issuerSpki: Buffer, at: Date): Buffer {
    const timestamp = Buffer.alloc(8);
    timestamp.writeBigUInt64BE(BigInt(at.getTime()));
    const signed = Buffer.concat([
      Buffer.from([0, 0]), // version v1, signature type certificate_timestamp
      timestamp,
      uint16(1), // precert_entry
      createHash('sha256').update(issuerSpki).digest(),
      uint24(precertTbs.length),
      precertTbs,
      uint16(0), // no extensions
    ]);
    const signature = sign('sha256', signed, this.keys.privateKey);
    return Buffer.concat([Buffer.from([0]), this.logId, timestamp, uint16(0), Buffer.from([4, 3]), uint16(signature.length), signature]);
  }

  trustedRootEntry(): Record<string, unknown> {
    return {
      baseUrl: this.baseUrl,
      hashAlgorithm: 'SHA2_256',
      publicKey: { rawBytes: this.keys.spki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: new Date(Date.now() - 24 * HOUR).toISOString() } },
      logId: { keyId: this.logId.toString('base64') },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Timestamp authority (RFC 3161)
// ---------------------------------------------------------------------------------------------

export class TestTimestampAuthority {
  readonly root: TestCertificate;
  readonly leaf: TestCertificate;
  private readonly leafSerial: Buffer;
  constructor() {
    const now = Date.now();
    const rootKeys = ecKeyPair();
    this.root = certificate({
      subjectName: name('tsa test root'), keys: rootKeys, notBefore: new Date(now - 24 * HOUR), notAfter: new Date(now + 24 * HOUR),
      extensions: caExtensions(rootKeys, undefined), signingKey: rootKeys.privateKey,
    });
    const leafKeys = ecKeyPair();
    this.leafSerial = serialNumber();
    const options: CertificateOptions = {
      subjectName: name('tsa test signer'), keys: leafKeys, issuer: this.root, notBefore: new Date(now - 24 * HOUR), notAfter: new Date(now + 24 * HOUR),
      extensions: [
        extension(OID.keyUsage, der.bits(Buffer.from([0x80]), 7), true),
        extension(OID.extKeyUsage, der.seq(der.oid(OID.timeStamping)), true),
        extension(OID.subjectKeyId, der.octets(keyId(leafKeys.spki))),
        extension(OID.authorityKeyId, der.seq(tlv(0x80, keyId(rootKeys.spki)))),
      ],
    };
    const bytes = signCertificate(tbsCertificate(options, this.leafSerial), rootKeys.privateKey);
    this.leaf = { der: bytes, pem: pem(bytes), subjectName: options.subjectName, keys: leafKeys, notBefore: options.notBefore, notAfter: options.notAfter };
  }

  /** A TimeStampResp (granted) whose token stamps SHA-256(data) at `at`. */
  timestamp(data: Buffer, at = new Date()): Buffer {
    const tstInfo = der.seq(
      der.int(1),
      der.oid(OID.tsaPolicy),
      der.seq(der.seq(der.oid(OID.sha256)), der.octets(createHash('sha256').update(data).digest())),
      der.int(randomBytes(8)),
      der.generalizedTime(at),
    );
    const signedAttributes = [
      der.seq(der.oid(OID.contentTypeAttr), der.set(der.oid(OID.tstInfo))),
      der.seq(der.oid(OID.messageDigestAttr), der.set(der.octets(createHash('sha256').update(tstInfo).digest()))),
      der.seq(der.oid(OID.signingCertificateV2Attr), der.set(der.seq(der.seq(der.seq(der.octets(createHash('sha256').update(this.leaf.der).digest())))))),
    ];
    // The signature covers the attributes DER-encoded as a SET; the SignerInfo holds them as [0] IMPLICIT.
    const attributesSet = der.set(...signedAttributes);
    const signerInfo = der.seq(
      der.int(1),
      der.seq(this.root.subjectName, der.int(this.leafSerial)),
      der.seq(der.oid(OID.sha256)),
      Buffer.concat([Buffer.from([0xa0]), attributesSet.subarray(1)]),
      der.seq(der.oid(OID.ecdsaWithSha256)),
      der.octets(sign('sha256', attributesSet, this.leaf.keys.privateKey)),
    );
    const signedData = der.seq(
      der.int(3),
      der.set(der.seq(der.oid(OID.sha256))),
      der.seq(der.oid(OID.tstInfo), der.ctx(0, der.octets(tstInfo))),
      der.ctx(0, this.leaf.der),
      der.set(signerInfo),
    );
    return der.seq(der.seq(der.int(0)), der.seq(der.oid(OID.signedData), der.ctx(0, signedData)));
  }
}

// ---------------------------------------------------------------------------------------------
// The test Sigstore, its trusted root, and bundles
// ---------------------------------------------------------------------------------------------

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';
export const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const BUNDLE_V02 = 'application/vnd.dev.sigstore.bundle+json;version=0.2';
export const BUNDLE_V01 = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

export function certificateAuthorityEntry(ca: TestCertificateAuthority): Record<string, unknown> {
  return {
    subject: { organization: 'kshield test', commonName: `${ca.label} test` },
    uri: `https://${ca.label}.test.kshield`,
    certChain: { certificates: [ca.intermediate, ca.root].map((c) => ({ rawBytes: c.der.toString('base64') })) },
    validFor: { start: new Date(Date.now() - 24 * HOUR).toISOString() },
  };
}

export class TestSigstore {
  readonly fulcio = new TestCertificateAuthority();
  readonly rekor = new TestTransparencyLog();
  readonly ctlog = new TestTransparencyLog('https://ctfe.test.kshield', '2');
  readonly tsa = new TestTimestampAuthority();

  /** `trusted_root.json` as Sigstore publishes it, naming this instance's CA, logs and TSA. */
  trustedRoot(): Record<string, unknown> {
    return {
      mediaType: TRUSTED_ROOT_MEDIA_TYPE,
      tlogs: [this.rekor.trustedRootEntry()],
      certificateAuthorities: [certificateAuthorityEntry(this.fulcio)],
      ctlogs: [this.ctlog.trustedRootEntry()],
      timestampAuthorities: [{
        subject: { organization: 'kshield test', commonName: 'tsa test' },
        uri: 'https://tsa.test.kshield',
        certChain: { certificates: [this.tsa.leaf, this.tsa.root].map((c) => ({ rawBytes: c.der.toString('base64') })) },
        validFor: { start: new Date(Date.now() - 24 * HOUR).toISOString() },
      }],
    };
  }

  /** A keyless signer whose certificate this instance's CA issued (with an SCT from its CT log). */
  keyless(identity: KeylessIdentity, options: Omit<LeafOptions, 'ctLog'> & { ca?: TestCertificateAuthority; sct?: boolean } = {}): KeylessSigner {
    return issueLeaf(options.ca ?? this.fulcio, identity, { ...options, ctLog: options.sct === false ? undefined : this.ctlog });
  }
}

/** An in-toto v1 statement about one image digest. */
export function statement(digest: string, predicateType: string, predicate: object = {}): Buffer {
  return Buffer.from(JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'image', digest: { sha256: digest.replace(/^sha256:/, '') } }],
    predicateType,
    predicate,
  }), 'utf8');
}

export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

export type BundleContent =
  | { kind: 'dsse'; payload: Buffer; payloadType?: string }
  /** A message signature over `artifact` (the image manifest's bytes). */
  | { kind: 'message'; artifact: Buffer };

export interface BundleOptions {
  signer: Signer;
  content: BundleContent;
  mediaType?: string;
  /** The log the entry goes to; none when null (a bundle without tlog entries). */
  log?: TestTransparencyLog | null;
  tlog?: TlogEntryOptions;
  /** A TSA whose RFC 3161 timestamp over the signature is included. */
  tsa?: TestTimestampAuthority;
  tsaTime?: Date;
}

/** A Sigstore bundle (serialized JSON, as cosign and sigstore-js write it). */
export function makeBundle(sigstore: TestSigstore, options: BundleOptions): Record<string, unknown> {
  const { signer, content } = options;
  const mediaType = options.mediaType ?? BUNDLE_V03;
  const log = options.log === undefined ? sigstore.rekor : options.log;
  const signerPem = signer.kind === 'certificate' ? signer.certificate.pem : signer.keys.publicPem;
  let bundleContent: Record<string, unknown>;
  let signature: Buffer;
  let body: object;
  let kind: string;
  if (content.kind === 'dsse') {
    const payloadType = content.payloadType ?? IN_TOTO_PAYLOAD_TYPE;
    signature = sign('sha256', preAuthEncoding(payloadType, content.payload), signer.keys.privateKey);
    const envelope = { payload: content.payload.toString('base64'), payloadType, signatures: [{ sig: signature.toString('base64'), keyid: '' }] };
    bundleContent = { dsseEnvelope: envelope };
    kind = 'dsse';
    body = {
      apiVersion: '0.0.1', kind: 'dsse',
      spec: {
        envelopeHash: { algorithm: 'sha256', value: createHash('sha256').update(JSON.stringify(envelope)).digest('hex') },
        payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(content.payload).digest('hex') },
        signatures: [{ signature: signature.toString('base64'), verifier: Buffer.from(signerPem).toString('base64') }],
      },
    };
  } else {
    const digest = createHash('sha256').update(content.artifact).digest();
    signature = sign('sha256', content.artifact, signer.keys.privateKey);
    bundleContent = { messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: digest.toString('base64') }, signature: signature.toString('base64') } };
    kind = 'hashedrekord';
    body = {
      apiVersion: '0.0.1', kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: digest.toString('hex') } },
        signature: { content: signature.toString('base64'), publicKey: { content: Buffer.from(signerPem).toString('base64') } },
      },
    };
  }
  const tlogEntries = log ? [log.entry(body, kind, '0.0.1', options.tlog)] : [];
  let key: Record<string, unknown>;
  if (signer.kind === 'key') key = { publicKey: { hint: signer.hint } };
  else if (mediaType === BUNDLE_V03) key = { certificate: { rawBytes: signer.certificate.der.toString('base64') } };
  else key = { x509CertificateChain: { certificates: [{ rawBytes: signer.certificate.der.toString('base64') }] } };
  return {
    mediaType,
    verificationMaterial: {
      ...key,
      tlogEntries,
      timestampVerificationData: { rfc3161Timestamps: options.tsa ? [{ signedTimestamp: options.tsa.timestamp(signature, options.tsaTime).toString('base64') }] : [] },
    },
    ...bundleContent,
  };
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The image being verified: a small OCI manifest's bytes and the subject naming them. */
export function testImage(tag = 'app:1.0'): { subject: SignedSubject; manifest: Buffer } {
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(randomBytes(32)), size: 2 },
    layers: [],
  }));
  return {
    manifest,
    subject: {
      reference: `127.0.0.1:5000/${tag}`, registry: '127.0.0.1:5000', repository: tag.split(':')[0],
      digest: sha256Digest(manifest), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: manifest.length,
    },
  };
}

/**
 * The OCI artifact cosign v3 pushes for a bundle: an image manifest with artifactType the bundle's
 * media type, the empty config, one layer holding the bundle, and the image as its subject. Blobs
 * are served from memory with their digest checked, as discovery's `blob()` does.
 */
export function bundleArtifact(bundle: Record<string, unknown> | Buffer, subject: SignedSubject, options: { mediaType?: string; predicateType?: string; foundBy?: SignatureArtifact['foundBy'] } = {}): SignatureArtifact {
  const bytes = Buffer.isBuffer(bundle) ? bundle : Buffer.from(JSON.stringify(bundle));
  const mediaType = options.mediaType ?? (Buffer.isBuffer(bundle) ? BUNDLE_V03 : String(bundle.mediaType));
  const isDsse = !Buffer.isBuffer(bundle) && 'dsseEnvelope' in bundle;
  const blobs = new Map<string, Buffer>([[sha256Digest(bytes), bytes], [sha256Digest(Buffer.from('{}')), Buffer.from('{}')]]);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: mediaType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Digest(Buffer.from('{}')), size: 2 },
    layers: [{ mediaType, digest: sha256Digest(bytes), size: bytes.length }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: {
      'dev.sigstore.bundle.content': isDsse ? 'dsse-envelope' : 'message-signature',
      ...(options.predicateType ? { 'dev.sigstore.bundle.predicateType': options.predicateType } : {}),
    },
  };
  return {
    digest: sha256Digest(Buffer.from(JSON.stringify(manifest))),
    foundBy: options.foundBy ?? 'referrers-api',
    artifactType: mediaType,
    manifest,
    async blob(descriptor: Descriptor): Promise<Buffer> {
      const found = blobs.get(descriptor.digest);
      if (!found) throw new Error(`blob ${descriptor.digest} not found`);
      return found;
    },
  };
}
