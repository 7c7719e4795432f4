/**
 * RFC 3161 timestamp countersignatures of Notary Project signatures, verified offline: the
 * TimeStampToken (CMS SignedData over a TSTInfo) must stamp the hash of the signature's own bytes,
 * be signed by a TSA certificate the token carries (bound by its signing-certificate attribute),
 * whose chain leads to a certificate of the policy's `tsa:` trust stores and was valid at the
 * stamped time. The result is the time range the stamp proves (genTime ± accuracy, RFC 3161
 * section 2.4.2), which the signing chain must cover entirely.
 *
 * Read with node-forge's ASN.1 reader and verified with node:crypto; RSA (PKCS #1 v1.5) and ECDSA
 * TSA signatures are verified, anything else is reported as unsupported.
 */
import { createHash, verify as verifySignature } from 'node:crypto';
import forge from 'node-forge';
import { NotaryCertificate, fromDer, timestampingChainProblem } from './notation-certs.js';

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  /** ETSI baseline time-stamp policy (RFC 3628): an accuracy of one second when none is given. */
  baselinePolicy: '0.4.0.2023.1.1',
} as const;

const HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
/** Hashes a timestamp may stamp with (SHA-1 is refused, as for certificates). */
const IMPRINT_HASHES = new Set(['sha256', 'sha384', 'sha512']);
const RSA_SIGNATURES = new Set(['1.2.840.113549.1.1.1', '1.2.840.113549.1.1.11', '1.2.840.113549.1.1.12', '1.2.840.113549.1.1.13']);
const ECDSA_SIGNATURES = new Set(['1.2.840.10045.4.3.2', '1.2.840.10045.4.3.3', '1.2.840.10045.4.3.4']);

/** What a verified timestamp proves: the signature existed within [lower, upper]. */
export interface VerifiedTimestamp {
  genTime: Date;
  lower: Date;
  upper: Date;
  tsa: NotaryCertificate;
}

const { asn1 } = forge;
type Node = forge.asn1.Asn1;

function children(node: Node | undefined, what: string): Node[] {
  if (!node || !Array.isArray(node.value)) throw new Error(`${what} is malformed`);
  return node.value as Node[];
}

function oidOf(node: Node | undefined, what: string): string {
  if (!node || node.type !== asn1.Type.OID || typeof node.value !== 'string') throw new Error(`${what} is malformed`);
  return asn1.derToOid(node.value);
}

function octets(node: Node | undefined, what: string): Buffer {
  if (!node || node.type !== asn1.Type.OCTETSTRING) throw new Error(`${what} is malformed`);
  // A constructed (BER) OCTET STRING is the concatenation of its parts.
  if (Array.isArray(node.value)) return Buffer.concat((node.value as Node[]).map((n) => octets(n, what)));
  return Buffer.from(node.value as string, 'binary');
}

function integer(node: Node | undefined): number {
  if (!node || typeof node.value !== 'string') return 0;
  return forge.util.createBuffer(node.value).getInt(node.value.length * 8);
}

function derOf(node: Node): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), 'binary');
}

/**
 * Verifies `token` (a DER TimeStampToken) as a countersignature of `signature` against the TSA
 * roots `trusted`. Throws an Error saying exactly what does not hold.
 */
export function verifyTimestampToken(token: Buffer, signature: Buffer, trusted: NotaryCertificate[]): VerifiedTimestamp {
  let contentInfo: Node;
  try {
    contentInfo = fromDer(token.toString('binary'));
  } catch {
    throw new Error('the timestamp countersignature is not DER');
  }
  const [contentType, wrapped] = children(contentInfo, 'the timestamp token');
  if (oidOf(contentType, 'the timestamp token') !== OID.signedData) throw new Error('the timestamp countersignature is not a CMS SignedData');
  const signedData = children(children(wrapped, 'the timestamp token')[0], 'the SignedData');
  const encap = children(signedData[2], 'the encapsulated content');
  if (oidOf(encap[0], 'the encapsulated content') !== OID.tstInfo) throw new Error('the timestamp token does not hold a TSTInfo');
  const tstInfoBytes = octets(children(encap[1], 'the TSTInfo')[0], 'the TSTInfo');
  const embedded: NotaryCertificate[] = [];
  let signerInfos: Node[] = [];
  for (const field of signedData.slice(3)) {
    if (field.tagClass === asn1.Class.CONTEXT_SPECIFIC && field.type === 0) {
      for (const c of children(field, 'the token certificates')) embedded.push(new NotaryCertificate(derOf(c)));
    } else if (field.tagClass === asn1.Class.UNIVERSAL && field.type === asn1.Type.SET) signerInfos = children(field, 'the signer infos');
  }
  if (signerInfos.length !== 1) throw new Error(`the timestamp token has ${signerInfos.length} signers; exactly one is expected`);

  // TSTInfo: what was stamped, and when.
  const tst = children(fromDer(tstInfoBytes.toString('binary')), 'the TSTInfo');
  const policy = oidOf(tst[1], 'the TSTInfo policy');
  const imprint = children(tst[2], 'the message imprint');
  const imprintHash = HASHES[oidOf(children(imprint[0], 'the message imprint')[0], 'the message imprint algorithm')];
  if (!imprintHash || !IMPRINT_HASHES.has(imprintHash)) throw new Error('the timestamp stamps with a hash other than SHA-256, SHA-384 or SHA-512');
  if (!createHash(imprintHash).update(signature).digest().equals(octets(imprint[1], 'the message imprint'))) {
    throw new Error('the timestamp stamps other bytes than this signature (its message imprint differs)');
  }
  const genTimeNode = tst[4];
  if (!genTimeNode || genTimeNode.type !== asn1.Type.GENERALIZEDTIME) throw new Error('the TSTInfo has no genTime');
  const genTime = asn1.generalizedTimeToDate(genTimeNode.value as string);
  let accuracyMs = policy === OID.baselinePolicy ? 1000 : 0;
  const accuracy = tst.slice(5).find((n) => n.tagClass === asn1.Class.UNIVERSAL && n.type === asn1.Type.SEQUENCE);
  if (accuracy) {
    accuracyMs = 0;
    for (const part of children(accuracy, 'the accuracy')) {
      if (part.tagClass === asn1.Class.UNIVERSAL) accuracyMs += integer(part) * 1000;
      else if (part.type === 0) accuracyMs += integer(part);
      else if (part.type === 1) accuracyMs += integer(part) / 1000;
    }
  }

  // The signer: signed attributes bind the TSTInfo and the TSA certificate; the signature covers them.
  const info = children(signerInfos[0], 'the signer info');
  const digestHash = HASHES[oidOf(children(info[2], 'the digest algorithm')[0], 'the digest algorithm')];
  if (!digestHash || digestHash === 'sha1') throw new Error('the timestamp token is signed with an unsupported or SHA-1 digest');
  const attrsNode = info[3];
  if (!attrsNode || attrsNode.tagClass !== asn1.Class.CONTEXT_SPECIFIC || attrsNode.type !== 0) throw new Error('the timestamp token has no signed attributes');
  const attributes = new Map<string, Node[]>();
  for (const attr of children(attrsNode, 'the signed attributes')) {
    const [type, values] = children(attr, 'a signed attribute');
    attributes.set(oidOf(type, 'a signed attribute'), children(values, 'a signed attribute'));
  }
  if (oidOf(attributes.get(OID.contentType)?.[0], 'the content-type attribute') !== OID.tstInfo) throw new Error('the signed content-type attribute is not TSTInfo');
  if (!createHash(digestHash).update(tstInfoBytes).digest().equals(octets(attributes.get(OID.messageDigest)?.[0], 'the message-digest attribute'))) {
    throw new Error('the TSTInfo does not match the message digest its signer signed');
  }
  const signatureAlgorithm = oidOf(children(info[4], 'the signature algorithm')[0], 'the signature algorithm');
  const signatureValue = octets(info[5], 'the signature value');
  // The signature covers the DER of the attributes as a SET (RFC 5652 section 5.4), not as written with [0].
  const signedBytes = derOf(attrsNode);
  signedBytes[0] = 0x31;
  let verifies: (cert: NotaryCertificate) => boolean;
  if (RSA_SIGNATURES.has(signatureAlgorithm) || ECDSA_SIGNATURES.has(signatureAlgorithm)) {
    verifies = (cert) => {
      try {
        return verifySignature(digestHash, signedBytes, cert.publicKey, signatureValue);
      } catch {
        return false;
      }
    };
  } else throw new Error(`the timestamp token's signature algorithm ${signatureAlgorithm} is not one kshield verifies (RSA PKCS #1 v1.5, ECDSA)`);
  const tsa = embedded.find(verifies);
  if (!tsa) throw new Error('the timestamp token does not carry a certificate whose key verifies its signature');
  const certHash = signingCertificateHash(attributes);
  if (!certHash) throw new Error('the timestamp token has no signing-certificate attribute');
  if (!createHash(certHash.hash).update(tsa.der).digest().equals(certHash.value)) throw new Error('the signing-certificate attribute names another certificate than the one that signed the timestamp');

  // The TSA's certificate: a time-stamping certificate, valid at the stamped time, leading to a trusted TSA root.
  const chain = [tsa];
  const pool = [...embedded, ...trusted];
  while (!trusted.some((t) => t.der.equals(chain[chain.length - 1].der))) {
    const current = chain[chain.length - 1];
    const issuer = current.selfSigned ? undefined : pool.find((c) => !chain.includes(c) && current.issuedBy(c));
    if (!issuer || chain.length > 10) throw new Error(`the timestamp's certificate chain (TSA ${tsa.name}) leads to no certificate of the policy's tsa: trust stores`);
    chain.push(issuer);
  }
  const problem = timestampingChainProblem(chain);
  if (problem) throw new Error(problem);
  for (const cert of chain) {
    if (!cert.validAt(genTime)) throw new Error(`the timestamp's certificate ${cert.name} was not valid at the stamped time ${genTime.toISOString()} (${cert.validity()})`);
  }
  return { genTime, lower: new Date(genTime.getTime() - accuracyMs), upper: new Date(genTime.getTime() + accuracyMs), tsa };
}

/** The first certificate hash of signing-certificate-v2 (SHA-256 unless it says) or signing-certificate (SHA-1). */
function signingCertificateHash(attributes: Map<string, Node[]>): { hash: string; value: Buffer } | undefined {
  const v2 = attributes.get(OID.signingCertificateV2)?.[0];
  if (v2) {
    const certId = children(children(children(v2, 'signing-certificate-v2')[0], 'signing-certificate-v2')[0], 'signing-certificate-v2');
    const hasAlgorithm = certId[0]?.type === asn1.Type.SEQUENCE;
    const hash = hasAlgorithm ? HASHES[oidOf(children(certId[0], 'signing-certificate-v2')[0], 'signing-certificate-v2')] : 'sha256';
    if (!hash) return undefined;
    return { hash, value: octets(certId[hasAlgorithm ? 1 : 0], 'signing-certificate-v2') };
  }
  const v1 = attributes.get(OID.signingCertificate)?.[0];
  if (v1) {
    const certId = children(children(children(v1, 'signing-certificate')[0], 'signing-certificate')[0], 'signing-certificate');
    return { hash: 'sha1', value: octets(certId[0], 'signing-certificate') };
  }
  return undefined;
}
