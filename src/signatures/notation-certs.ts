/**
 * The X.509 side of Notary Project signatures: reading a certificate's fields the checks need
 * (subject attributes in order, validity, the extensions the specification honours), and the
 * certificate-chain requirements of the Notary Project signature specification ("Certificate
 * Requirements"): an ordered chain from the signing certificate to a self-signed root, CA
 * certificates with critical basicConstraints (cA) and keyUsage (keyCertSign), a signing
 * certificate with critical keyUsage digitalSignature and no forbidden extended key usage, RSA keys
 * of 2048 bits or more, EC keys of 256 bits or more, no SHA-1 signatures, every certificate valid at
 * signing time.
 *
 * node:crypto verifies the signatures and gives the keys; node-forge's ASN.1 reader gives the
 * fields node:crypto does not expose (extension criticality, keyUsage bits, the subject's
 * attributes one by one). Only basicConstraints, keyUsage and extendedKeyUsage are judged, as the
 * specification requires; other extensions are read only to tell whether a certificate names
 * revocation endpoints.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/** Go's (and notation's) names for the subject attributes a trust policy writes; other types print as their OID. */
const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.6': 'C',
  '2.5.4.8': 'ST',
  '2.5.4.7': 'L',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.3': 'CN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.9': 'STREET',
  '2.5.4.17': 'POSTALCODE',
};

const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  crlDistributionPoints: '2.5.29.31',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  ocsp: '1.3.6.1.5.5.7.48.1',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  ecdsaWithSHA1: '1.2.840.10045.4.1',
} as const;

const EKU_NAMES: Record<string, string> = {
  '2.5.29.37.0': 'anyExtendedKeyUsage',
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
};
/** Extended key usages a signing certificate must not carry. */
const FORBIDDEN_SIGNING_EKUS = ['anyExtendedKeyUsage', 'serverAuth', 'clientAuth', 'emailProtection', 'timeStamping'];

/** keyUsage bits, numbered as RFC 5280 numbers them (bit 0 is the first, most significant, bit). */
const KEY_USAGE_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly'] as const;
type KeyUsage = (typeof KEY_USAGE_BITS)[number];
/** keyUsage bits a signing certificate must not set. */
const FORBIDDEN_SIGNING_KEY_USAGES: KeyUsage[] = ['keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'encipherOnly', 'decipherOnly', 'cRLSign'];

interface BasicConstraints {
  critical: boolean;
  ca: boolean;
  pathLen?: number;
}

interface Extension {
  critical: boolean;
  value: forge.asn1.Asn1;
}

/** One certificate of a chain, with the fields the Notary Project checks read. */
export class NotaryCertificate {
  readonly x509: X509Certificate;
  readonly der: Buffer;
  /** Subject attributes in the certificate's order: `[['C','US'], ['O','acme'], ['CN','signer']]`. */
  readonly subjectAttributes: [string, string][];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly signatureAlgorithmOid: string;
  private readonly extensions = new Map<string, Extension>();
  private readonly key: KeyObject;
  private readonly judged: {
    basicConstraints?: BasicConstraints;
    keyUsage?: { critical: boolean; usages: Set<KeyUsage> };
    extendedKeyUsage?: string[];
    revocationEndpoints: boolean;
  };

  constructor(der: Buffer) {
    this.der = der;
    this.x509 = new X509Certificate(der); // throws on anything that is not a certificate
    this.key = this.x509.publicKey; // throws on a key OpenSSL cannot read: the certificate is unusable
    const root = fromDer(der.toString('binary'));
    const [tbs, signatureAlgorithm] = root.value as forge.asn1.Asn1[];
    this.signatureAlgorithmOid = forge.asn1.derToOid(((signatureAlgorithm.value as forge.asn1.Asn1[])[0].value as string));
    const fields = tbs.value as forge.asn1.Asn1[];
    // The version is an explicit [0]; when absent (v1) every later field moves up by one.
    const at = fields[0].tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && fields[0].type === 0 ? 1 : 0;
    const validity = fields[at + 3].value as forge.asn1.Asn1[];
    this.notBefore = asn1Time(validity[0]);
    this.notAfter = asn1Time(validity[1]);
    this.subjectAttributes = nameAttributes(fields[at + 4]);
    for (const field of fields.slice(at + 6)) {
      if (field.tagClass !== forge.asn1.Class.CONTEXT_SPECIFIC || field.type !== 3) continue;
      for (const ext of ((field.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[])) {
        const parts = ext.value as forge.asn1.Asn1[];
        const oid = forge.asn1.derToOid(parts[0].value as string);
        const critical = parts.length === 3 && (parts[1].value as string) !== '\x00';
        const octets = parts[parts.length - 1].value as string;
        this.extensions.set(oid, { critical, value: fromDer(octets) });
      }
    }
    // Read the judged extensions now: a malformed one makes the certificate unreadable (the caller's
    // error) rather than a crash in a later check.
    this.judged = {
      basicConstraints: this.parseBasicConstraints(),
      keyUsage: this.parseKeyUsage(),
      extendedKeyUsage: this.parseExtendedKeyUsage(),
      revocationEndpoints: this.parseRevocationEndpoints(),
    };
  }

  /** `C=US, ST=WA, O=acme, CN=signer`, in the certificate's order (what reports show as the signer); control characters escaped. */
  get subject(): string {
    return this.subjectAttributes.map(([k, v]) => `${k}=${escapeDnValue(v)}`).join(', ').replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }

  get publicKey(): KeyObject {
    return this.key;
  }

  /** A short name for messages: the common name, else the whole subject. */
  get name(): string {
    const cn = this.subjectAttributes.find(([k]) => k === 'CN');
    return shown(cn ? cn[1] : this.subject);
  }

  get sha256(): string {
    return this.x509.fingerprint256.replace(/:/g, '').toLowerCase();
  }

  /**
   * Issued and signed by `issuer`: its issuer name is the issuer's subject and the signature
   * verifies with the issuer's key. (Not X509Certificate.checkIssued: OpenSSL's check also refuses
   * an issuer without keyCertSign, which the CA requirements report more precisely.)
   */
  issuedBy(issuer: NotaryCertificate): boolean {
    try {
      return this.x509.issuer === issuer.x509.subject && this.x509.verify(issuer.publicKey);
    } catch {
      return false;
    }
  }

  get selfSigned(): boolean {
    return this.issuedBy(this);
  }

  basicConstraints(): BasicConstraints | undefined {
    return this.judged.basicConstraints;
  }

  keyUsage(): { critical: boolean; usages: Set<KeyUsage> } | undefined {
    return this.judged.keyUsage;
  }

  extendedKeyUsage(): string[] | undefined {
    return this.judged.extendedKeyUsage;
  }

  /** Whether the certificate names an OCSP responder or CRL distribution point (so its revocation could be checked). */
  namesRevocationEndpoints(): boolean {
    return this.judged.revocationEndpoints;
  }

  private parseBasicConstraints(): BasicConstraints | undefined {
    const ext = this.extensions.get(OID.basicConstraints);
    if (!ext) return undefined;
    let ca = false;
    let pathLen: number | undefined;
    for (const item of (ext.value.value as forge.asn1.Asn1[]) ?? []) {
      if (item.type === forge.asn1.Type.BOOLEAN) ca = (item.value as string) !== '\x00';
      else if (item.type === forge.asn1.Type.INTEGER) pathLen = forge.util.createBuffer(item.value as string).getInt((item.value as string).length * 8);
    }
    return { critical: ext.critical, ca, pathLen };
  }

  private parseKeyUsage(): { critical: boolean; usages: Set<KeyUsage> } | undefined {
    const ext = this.extensions.get(OID.keyUsage);
    if (!ext) return undefined;
    const bytes = Buffer.from(ext.value.value as string, 'binary').subarray(1); // the first octet counts unused bits
    const usages = new Set<KeyUsage>();
    KEY_USAGE_BITS.forEach((name, bit) => {
      if ((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) usages.add(name);
    });
    return { critical: ext.critical, usages };
  }

  private parseExtendedKeyUsage(): string[] | undefined {
    const ext = this.extensions.get(OID.extKeyUsage);
    if (!ext) return undefined;
    return (ext.value.value as forge.asn1.Asn1[]).map((o) => {
      const oid = forge.asn1.derToOid(o.value as string);
      return EKU_NAMES[oid] ?? oid;
    });
  }

  private parseRevocationEndpoints(): boolean {
    if (this.extensions.has(OID.crlDistributionPoints)) return true;
    const aia = this.extensions.get(OID.authorityInfoAccess);
    if (!aia) return false;
    return (aia.value.value as forge.asn1.Asn1[]).some((d) => forge.asn1.derToOid((d.value as forge.asn1.Asn1[])[0].value as string) === OID.ocsp);
  }

  validAt(time: Date): boolean {
    return time.getTime() >= this.notBefore.getTime() && time.getTime() <= this.notAfter.getTime();
  }

  validity(): string {
    return `valid from ${this.notBefore.toISOString()} to ${this.notAfter.toISOString()}`;
  }
}

/**
 * DER to ASN.1 without forge's guess that a BIT STRING holds more ASN.1 (keyUsage bits would be
 * misread); the option exists at run time though forge's typings omit it.
 */
export function fromDer(bytes: string): forge.asn1.Asn1 {
  const read = forge.asn1.fromDer as unknown as (input: forge.util.ByteStringBuffer, options: { strict: boolean; decodeBitStrings: boolean }) => forge.asn1.Asn1;
  return read(forge.util.createBuffer(bytes), { strict: true, decodeBitStrings: false });
}

function asn1Time(node: forge.asn1.Asn1): Date {
  const text = node.value as string;
  return node.type === forge.asn1.Type.UTCTIME ? forge.asn1.utcTimeToDate(text) : forge.asn1.generalizedTimeToDate(text);
}

function nameAttributes(name: forge.asn1.Asn1): [string, string][] {
  const out: [string, string][] = [];
  for (const rdn of name.value as forge.asn1.Asn1[]) {
    for (const atv of rdn.value as forge.asn1.Asn1[]) {
      const [type, value] = atv.value as forge.asn1.Asn1[];
      const oid = forge.asn1.derToOid(type.value as string);
      out.push([ATTRIBUTE_NAMES[oid] ?? oid, attributeText(value)]);
    }
  }
  return out;
}

function attributeText(value: forge.asn1.Asn1): string {
  const raw = typeof value.value === 'string' ? value.value : '';
  if (value.type === forge.asn1.Type.BMPSTRING) {
    let s = '';
    for (let i = 0; i + 1 < raw.length; i += 2) s += String.fromCharCode((raw.charCodeAt(i) << 8) | raw.charCodeAt(i + 1));
    return s;
  }
  if (value.type === forge.asn1.Type.UTF8) {
    try {
      return forge.util.decodeUtf8(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

/**
 * A value read from a signature or certificate, fit for a message: quoted as JSON (so control
 * characters and quotes cannot break the line a terminal or log shows) and cut at `max` characters.
 */
export function shown(value: unknown, max = 120): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  const text = typeof value === 'string' ? value : value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** RFC 4514 escaping of a distinguished-name value, so a subject with commas reads back as one value. */
export function escapeDnValue(value: string): string {
  return value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/^[ #]/, (c) => `\\${c}`).replace(/ $/, '\\ ');
}

/** Signature algorithms the Notary Project allows, by JWS name, with the hash each uses. */
export const NOTARY_ALGORITHMS = {
  PS256: { hash: 'sha256', key: 'rsa', bits: 2048 },
  PS384: { hash: 'sha384', key: 'rsa', bits: 3072 },
  PS512: { hash: 'sha512', key: 'rsa', bits: 4096 },
  ES256: { hash: 'sha256', key: 'ec', bits: 256 },
  ES384: { hash: 'sha384', key: 'ec', bits: 384 },
  ES512: { hash: 'sha512', key: 'ec', bits: 521 },
} as const;
export type NotaryAlgorithm = keyof typeof NOTARY_ALGORITHMS;

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };

/** The key as words for messages: "RSA 2048-bit", "EC P-256". */
export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') return `RSA ${details.modulusLength ?? '?'}-bit`;
  if (key.asymmetricKeyType === 'ec') return `EC ${details.namedCurve ?? '?'}`;
  return key.asymmetricKeyType ?? 'unknown';
}

/**
 * The one algorithm the signing certificate's key may sign with (the specification's "Algorithm
 * Selection" table: the key, not the envelope, decides); undefined for a key outside the table.
 */
export function algorithmForKey(key: KeyObject): NotaryAlgorithm | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    return ({ 2048: 'PS256', 3072: 'PS384', 4096: 'PS512' } as Record<number, NotaryAlgorithm>)[details.modulusLength ?? 0];
  }
  if (key.asymmetricKeyType === 'ec') {
    return ({ 256: 'ES256', 384: 'ES384', 521: 'ES512' } as Record<number, NotaryAlgorithm>)[CURVE_BITS[details.namedCurve ?? ''] ?? 0];
  }
  return undefined;
}

/** A certificate chain problem: which of the two reasons, and exactly why. */
export interface ChainProblem {
  reason: 'untrusted-chain' | 'expired';
  message: string;
}

/** Extended key usages a time-stamping certificate must not carry (it must carry timeStamping). */
const FORBIDDEN_TIMESTAMPING_EKUS = ['anyExtendedKeyUsage', 'serverAuth', 'clientAuth', 'emailProtection', 'codeSigning'];

function leafProblem(cert: NotaryCertificate, what: string, purpose: 'codeSigning' | 'timeStamping' = 'codeSigning'): string | undefined {
  const bc = cert.basicConstraints();
  if (bc?.ca) return `${what} ${cert.name} is a CA certificate (basicConstraints cA=true); a signing certificate must not be`;
  const ku = cert.keyUsage();
  if (!ku) return `${what} ${cert.name} has no keyUsage extension; the Notary Project requires a critical keyUsage with digitalSignature`;
  if (!ku.critical) return `${what} ${cert.name} has a keyUsage extension that is not marked critical`;
  if (!ku.usages.has('digitalSignature')) return `${what} ${cert.name} lacks the digitalSignature key usage`;
  const forbidden = FORBIDDEN_SIGNING_KEY_USAGES.filter((u) => ku.usages.has(u));
  if (forbidden.length) return `${what} ${cert.name} has key usage ${forbidden.join(', ')}, which a signing certificate must not have`;
  const eku = cert.extendedKeyUsage();
  if (purpose === 'timeStamping' && !eku?.includes('timeStamping')) return `${what} ${cert.name} lacks the timeStamping extended key usage`;
  const badEku = (eku ?? []).filter((u) => (purpose === 'codeSigning' ? FORBIDDEN_SIGNING_EKUS : FORBIDDEN_TIMESTAMPING_EKUS).includes(u));
  if (badEku.length) return `${what} ${cert.name} has extended key usage ${badEku.join(', ')}, which a ${purpose === 'codeSigning' ? 'code-signing' : 'time-stamping'} certificate must not have`;
  return keySizeProblem(cert, what);
}

function keySizeProblem(cert: NotaryCertificate, what: string): string | undefined {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if ((key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') && (details.modulusLength ?? 0) < 2048) {
    return `${what} ${cert.name} has an RSA key of ${details.modulusLength} bits; at least 2048 are required`;
  }
  if (key.asymmetricKeyType === 'ec' && (CURVE_BITS[details.namedCurve ?? ''] ?? 0) < 256) {
    return `${what} ${cert.name} has an EC key on ${details.namedCurve}; at least 256 bits are required`;
  }
  return undefined;
}

function caProblem(cert: NotaryCertificate, intermediatesBelow: number): string | undefined {
  const bc = cert.basicConstraints();
  if (!bc) return `CA certificate ${cert.name} has no basicConstraints extension`;
  if (!bc.critical) return `CA certificate ${cert.name} has a basicConstraints extension that is not marked critical`;
  if (!bc.ca) return `certificate ${cert.name} issues another certificate of the chain but is not a CA (basicConstraints cA=false)`;
  if (bc.pathLen !== undefined && intermediatesBelow > bc.pathLen) {
    return `CA certificate ${cert.name} allows ${bc.pathLen} intermediate certificate(s) below it (pathLenConstraint) but the chain has ${intermediatesBelow}`;
  }
  const ku = cert.keyUsage();
  if (!ku) return `CA certificate ${cert.name} has no keyUsage extension`;
  if (!ku.critical) return `CA certificate ${cert.name} has a keyUsage extension that is not marked critical`;
  if (!ku.usages.has('keyCertSign')) return `CA certificate ${cert.name} lacks the keyCertSign key usage`;
  return keySizeProblem(cert, 'CA certificate');
}

/**
 * The specification's certificate requirements for a code-signing chain (leaf first, root last),
 * every certificate valid at `signingTime`. Undefined when the chain meets them.
 */
export function codeSigningChainProblem(chain: NotaryCertificate[], signingTime: Date): ChainProblem | undefined {
  const untrusted = (message: string): ChainProblem => ({ reason: 'untrusted-chain', message });
  if (chain.length === 0) return untrusted('the signature carries no certificate chain');
  for (const cert of chain) {
    if (cert.signatureAlgorithmOid === OID.sha1WithRSA || cert.signatureAlgorithmOid === OID.ecdsaWithSHA1) {
      return untrusted(`certificate ${cert.name} is signed with SHA-1, which the Notary Project forbids`);
    }
  }
  if (chain.length === 1) {
    // A lone self-signed signing certificate: it is its own root and must meet the leaf requirements.
    if (!chain[0].selfSigned) return untrusted(`the chain holds only the signing certificate ${chain[0].name}, which is not self-signed: its issuer's certificates are missing`);
    const problem = leafProblem(chain[0], 'self-signed signing certificate');
    if (problem) return untrusted(problem);
  } else {
    for (let i = 0; i + 1 < chain.length; i++) {
      if (!chain[i].issuedBy(chain[i + 1])) {
        return untrusted(`certificate ${i + 1} of the chain (${chain[i].name}) is not issued by the next one (${chain[i + 1].name}): the chain is not ordered leaf to root or holds an unrelated certificate`);
      }
    }
    const root = chain[chain.length - 1];
    if (!root.selfSigned) return untrusted(`the chain ends at ${root.name}, which is not a self-signed root certificate`);
    const leaf = leafProblem(chain[0], 'signing certificate');
    if (leaf) return untrusted(leaf);
    for (let i = 1; i < chain.length; i++) {
      const problem = caProblem(chain[i], i - 1);
      if (problem) return untrusted(problem);
    }
  }
  for (const cert of chain) {
    if (!cert.validAt(signingTime)) {
      return { reason: 'expired', message: `certificate ${cert.name} was not valid at signing time ${signingTime.toISOString()} (${cert.validity()})` };
    }
  }
  return undefined;
}

/**
 * The certificate requirements for a time-stamping chain (TSA certificate first, then its CAs up
 * to the trusted one): the leaf requirements with timeStamping instead of codeSigning, the CA
 * requirements above it, no SHA-1 signatures. Undefined when the chain meets them.
 */
export function timestampingChainProblem(chain: NotaryCertificate[]): string | undefined {
  for (const cert of chain) {
    if (cert.signatureAlgorithmOid === OID.sha1WithRSA || cert.signatureAlgorithmOid === OID.ecdsaWithSHA1) return `certificate ${cert.name} is signed with SHA-1, which the Notary Project forbids`;
  }
  const leaf = leafProblem(chain[0], "the timestamp's signing certificate", 'timeStamping');
  if (leaf) return leaf;
  for (let i = 1; i < chain.length; i++) {
    const problem = caProblem(chain[i], i - 1);
    if (problem) return problem;
  }
  return undefined;
}

/** PEM (one or more CERTIFICATE blocks) or a single DER certificate. */
export function readCertificates(bytes: Buffer): Buffer[] {
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN')) {
    const out: Buffer[] = [];
    for (const m of text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) out.push(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
    return out;
  }
  return [bytes];
}
