/**
 * Public keys for key-based signatures (cosign's `cosign.pub`, and DSSE attestations signed with
 * the same keys): PEM SubjectPublicKeyInfo of ECDSA P-256/P-384/P-521, RSA (2048 bits or more) or
 * Ed25519, verified with node:crypto the way cosign signs with each: ECDSA with the curve's hash
 * (SHA-256 for P-256; cosign before 2.6 used SHA-256 on every curve) and an ASN.1 DER signature, RSA PKCS#1 v1.5 (or PSS) with SHA-256, Ed25519
 * over the message itself.
 */
import { constants, createHash, createPublicKey, publicDecrypt, verify, type KeyObject } from 'node:crypto';
import type { PolicyKey } from './policy.js';

export type KeyKind = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa' | 'ed25519';

export interface TrustedKey {
  /** Where the user gave it (a file name): messages name keys by it. */
  source: string;
  kind: KeyKind;
  key: KeyObject;
  /** `sha256:<hex>` of the key's DER SubjectPublicKeyInfo: how results name the signer. */
  fingerprint: string;
}

/** A key that cannot be used, with why; never repeats the file's content. */
export class KeyError extends Error {}

const CURVES: Record<string, { kind: KeyKind; hash: string }> = {
  prime256v1: { kind: 'ecdsa-p256', hash: 'sha256' },
  secp384r1: { kind: 'ecdsa-p384', hash: 'sha384' },
  secp521r1: { kind: 'ecdsa-p521', hash: 'sha512' },
};

export const MAX_KEY_PEM_BYTES = 64 * 1024;

export function loadKey(given: PolicyKey): TrustedKey {
  const { pem, source } = given;
  if (pem.length > MAX_KEY_PEM_BYTES) throw new KeyError(`${source}: larger than ${MAX_KEY_PEM_BYTES / 1024} KiB, not a public key`);
  // createPublicKey would derive the public half of a private key silently; a private key in a
  // policy is a mistake worth stopping for (and it must not travel further).
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) throw new KeyError(`${source}: holds a private key; give the public key (cosign.pub)`);
  if (!/-----BEGIN PUBLIC KEY-----/.test(pem)) throw new KeyError(`${source}: not a PEM public key (expected "-----BEGIN PUBLIC KEY-----")`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new KeyError(`${source}: the PEM public key cannot be read`);
  }
  const type = key.asymmetricKeyType;
  let kind: KeyKind;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
    const known = CURVES[curve];
    if (!known) throw new KeyError(`${source}: an ECDSA key on curve ${curve}; cosign keys are P-256, P-384 or P-521`);
    kind = known.kind;
  } else if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new KeyError(`${source}: an RSA key of ${bits} bits; at least 2048 are needed`);
    kind = 'rsa';
  } else if (type === 'ed25519') kind = 'ed25519';
  else throw new KeyError(`${source}: a ${type ?? 'unknown'} key; ECDSA, RSA and Ed25519 keys are supported`);
  const der = key.export({ type: 'spki', format: 'der' });
  return { source, kind, key, fingerprint: `sha256:${createHash('sha256').update(der).digest('hex')}` };
}

function curveHash(kind: KeyKind): string {
  return kind === 'ecdsa-p384' ? 'sha384' : kind === 'ecdsa-p521' ? 'sha512' : 'sha256';
}

/** Whether `signature` is `key`'s signature over exactly `data`. */
export function verifiesWith(key: TrustedKey, data: Buffer, signature: Buffer): boolean {
  try {
    switch (key.kind) {
      case 'ed25519':
        return verify(null, data, key.key, signature);
      case 'rsa':
        return (
          verify('sha256', data, { key: key.key, padding: constants.RSA_PKCS1_PADDING }, signature) ||
          verify('sha256', data, { key: key.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature)
        );
      default:
        // cosign long hashed with SHA-256 whatever the curve; since 2.6 it moves to the curve's own
        // hash (SHA-384 for P-384, SHA-512 for P-521). Either is that key's signature of the data.
        return [...new Set([curveHash(key.kind), 'sha256'])].some((hash) => verify(hash, data, { key: key.key, dsaEncoding: 'der' }, signature));
    }
  } catch {
    // A malformed signature (wrong length, bad DER) is one that does not verify.
    return false;
  }
}

/** DER DigestInfo prefix of SHA-256 (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * For an RSA PKCS#1 v1.5 signature that does not verify, whether `key` did make it, over other
 * bytes: the key's public operation recovers the signed SHA-256 digest, and it is not `data`'s.
 * That tells a changed payload from a signature by another key; ECDSA and Ed25519 signatures do
 * not reveal what they signed, so this answers false for them.
 */
export function signedOtherBytes(key: TrustedKey, data: Buffer, signature: Buffer): boolean {
  if (key.kind !== 'rsa') return false;
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key: key.key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  if (recovered.length !== SHA256_DIGEST_INFO.length + 32 || !recovered.subarray(0, SHA256_DIGEST_INFO.length).equals(SHA256_DIGEST_INFO)) return false;
  return !recovered.subarray(SHA256_DIGEST_INFO.length).equals(createHash('sha256').update(data).digest());
}

/** "cosign.pub (sha256:1a2b3c4d…)": a key as messages name it. */
export function keyName(key: TrustedKey): string {
  return `${key.source} (${key.fingerprint.slice(0, 19)}…)`;
}
