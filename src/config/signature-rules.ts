/**
 * `webhook.imagePolicy.requireSignature`: each rule's key files and trusted root are read here,
 * once per configuration load (a reload reads them again), and turned into the VerifyPolicy that
 * `kshield verify` would build from the same inputs. What the JSON Schema cannot check (a key
 * file that is missing, a private key, an invalid regular expression, an unknown attestation
 * type, a selector Kubernetes would refuse) is reported through `fail` with the path of the
 * offending key, so the caller names its line.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { didYouMean, suggest } from '../core/suggest.js';
import { parseLabelSelector } from '../k8s/labels.js';
import { ATTESTATION_TYPES, predicateTypesFor } from '../signatures/attestations.js';
import { KeyError, loadKey, MAX_KEY_PEM_BYTES } from '../signatures/keys.js';
import { parseSignatureRepository } from '../signatures/discover.js';
import { NotationPolicyError, parseTrustPolicy, trustStoreProblem, type TrustPolicyDocument } from '../signatures/notation-policy.js';
import { emptyPolicy, type PolicyKey } from '../signatures/policy.js';
import { DEFAULT_IMAGE_POLICY, type ImagePolicy, type ImagePolicyInput, type SignatureRule } from './webhook.js';

/** The same limit `kshield verify` puts on a trusted root. */
const MAX_TRUSTED_ROOT_BYTES = 4 * 1024 * 1024;
/** As `kshield verify` (signatures/notation-policy.ts). */
const MAX_TRUST_POLICY_BYTES = 1024 * 1024;
const TRUSTED_ROOT_MEDIA_TYPE = /^application\/vnd\.dev\.sigstore\.trustedroot(\.v0\.1)?\+json(;\s*version=0\.1)?$/;

export type RuleFailure = (message: string, keys: (string | number)[]) => never;

function readSmallFile(file: string, limit: number, what: string, fail: () => (message: string) => never): Buffer {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    return fail()(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`}`);
  }
  if (size > limit) fail()(`${file}: larger than ${limit / 1024} KiB, not ${what}`);
  try {
    return readFileSync(file);
  } catch (error) {
    return fail()(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Why an `images` pattern of a signature rule can match no image reference, or undefined: patterns
 * name repositories (`registry.acme.io/shop/**`), starting with the registry host as the image
 * reference resolves it (a first component with a "." or ":", or localhost; Docker Hub is docker.io).
 */
export function imagePatternProblem(pattern: string): string | undefined {
  const text = pattern.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, '');
  if (text.includes('@')) return 'names a digest: patterns name repositories (registry.acme.io/shop/api), every digest of them';
  const [host, ...rest] = text.split('/');
  if (rest.some((component) => component.includes(':'))) return 'names a tag: patterns name repositories (registry.acme.io/shop/api), every tag of them';
  if (!/[.:*]/.test(host) && host !== 'localhost') return `starts with "${host}", which is not a registry host (one with a "." or ":", or localhost): write the registry first, e.g. docker.io/${text} for Docker Hub`;
  return undefined;
}

/**
 * The rules with their keys and trusted roots read; file names relative to the configuration
 * file's directory. `fail` throws (the caller's ConfigError) with the key path it is given.
 */
export function loadImagePolicy(input: ImagePolicyInput | undefined, configFile: string, fail: RuleFailure): ImagePolicy {
  const base = path.dirname(path.resolve(configFile));
  const rules: SignatureRule[] = [];
  const files: string[] = [];
  (input?.requireSignature ?? []).forEach((rule, i) => {
    const at = ['webhook', 'imagePolicy', 'requireSignature', i];
    const name = `webhook.imagePolicy.requireSignature[${i}]`;
    // A pattern that can match no image would let the images it was meant for through unsigned: refused at load.
    rule.images.forEach((pattern, n) => {
      const problem = imagePatternProblem(pattern);
      if (problem) fail(`${name}.images[${n}]: "${pattern}" ${problem}`, [...at, 'images', n]);
    });
    const policy = emptyPolicy();
    policy.require = rule.require ?? 'any';
    const version = createHash('sha256');
    version.update(`require ${policy.require}\n`);
    (rule.keys ?? []).forEach((file, k) => {
      const full = path.resolve(base, file);
      files.push(full);
      const pem = readSmallFile(full, MAX_KEY_PEM_BYTES, 'a public key', () => (message) => fail(`${name}.keys[${k}]: ${message.replace(full, file)}`, [...at, 'keys', k])).toString('utf8');
      const given: PolicyKey = { pem, source: file };
      try {
        const loaded = loadKey(given);
        // Under require: all, one key listed twice would let one signature count for two signers.
        const same = rule.keys!.slice(0, k).findIndex((other) => {
          try {
            return loadKey({ pem: readFileSync(path.resolve(base, other), 'utf8'), source: other }).fingerprint === loaded.fingerprint;
          } catch {
            return false;
          }
        });
        if (same >= 0) fail(`${name}.keys[${k}]: ${file} is the same key as keys[${same}] (${rule.keys![same]}); list each signer's key once`, [...at, 'keys', k]);
        version.update(`key ${loaded.fingerprint}\n`);
      } catch (error) {
        if (error instanceof KeyError) fail(`${name}.keys[${k}]: ${error.message}`, [...at, 'keys', k]);
        throw error;
      }
      policy.keys.push(given);
    });
    if (rule.keyless) {
      const file = rule.keyless.trustedRoot;
      const full = path.resolve(base, file);
      files.push(full);
      const where = [...at, 'keyless', 'trustedRoot'];
      const bytes = readSmallFile(full, MAX_TRUSTED_ROOT_BYTES, 'a trusted_root.json', () => (message) => fail(`${name}.keyless.trustedRoot: ${message.replace(full, file)}`, where));
      let root: unknown;
      try {
        root = JSON.parse(bytes.toString('utf8'));
      } catch {
        fail(`${name}.keyless.trustedRoot: ${file} is not JSON`, where);
      }
      const shape = root as { mediaType?: unknown; tlogs?: unknown; certificateAuthorities?: unknown } | null;
      const looksRight =
        shape !== null && typeof shape === 'object' && !Array.isArray(shape) && (shape.mediaType === undefined ? Array.isArray(shape.tlogs) || Array.isArray(shape.certificateAuthorities) : typeof shape.mediaType === 'string' && TRUSTED_ROOT_MEDIA_TYPE.test(shape.mediaType));
      if (!looksRight) fail(`${name}.keyless.trustedRoot: ${file} is not a Sigstore trusted root (application/vnd.dev.sigstore.trustedroot+json;version=0.1)`, where);
      policy.trustedRoot = root as object;
      version.update(`root ${createHash('sha256').update(bytes).digest('hex')}\n`);
      rule.keyless.identities.forEach((identity, n) => {
        const idAt = [...at, 'keyless', 'identities', n];
        // A Fulcio certificate only proves that someone with some OIDC account signed: both halves are needed, as cosign requires.
        if (identity.issuer === undefined && identity.issuerRegExp === undefined) fail(`${name}.keyless.identities[${n}]: give issuer or issuerRegExp (whose accounts to trust)`, idAt);
        if (identity.subject === undefined && identity.subjectRegExp === undefined) fail(`${name}.keyless.identities[${n}]: give subject or subjectRegExp (which signer to trust)`, idAt);
        for (const field of ['issuerRegExp', 'subjectRegExp'] as const) {
          const value = identity[field];
          if (value === undefined) continue;
          try {
            new RegExp(value);
          } catch (error) {
            fail(`${name}.keyless.identities[${n}].${field}: not a regular expression: ${(error as Error).message}`, [...idAt, field]);
          }
        }
        policy.identities.push({ ...identity });
        version.update(`identity ${JSON.stringify([identity.issuer, identity.issuerRegExp, identity.subject, identity.subjectRegExp])}\n`);
      });
    }
    if (rule.notation) {
      const policyFile = path.resolve(base, rule.notation.trustPolicy);
      const storeDir = path.resolve(base, rule.notation.trustStore);
      files.push(policyFile);
      const where = [...at, 'notation', 'trustPolicy'];
      const bytes = readSmallFile(policyFile, MAX_TRUST_POLICY_BYTES, 'a trust policy', () => (message) => fail(`${name}.notation.trustPolicy: ${message.replace(policyFile, rule.notation!.trustPolicy)}`, where));
      let document: TrustPolicyDocument;
      try {
        document = parseTrustPolicy(bytes.toString('utf8'), rule.notation.trustPolicy);
      } catch (error) {
        if (error instanceof NotationPolicyError) fail(`${name}.notation.trustPolicy: ${error.message}`, where);
        throw error;
      }
      const problem = trustStoreProblem(document, storeDir, rule.notation.trustStore);
      if (problem) fail(`${name}.notation.trustStore: ${problem}`, [...at, 'notation', 'trustStore']);
      // Every store the policy names must be there now: a typo found at the first admission would refuse every pod.
      const version2 = createHash('sha256');
      for (const statement of document.trustPolicies) {
        for (const store of statement.trustStores ?? []) {
          const [type, storeName] = store.split(':', 2);
          const storePath = path.join(storeDir, 'x509', type, storeName);
          let certFiles: string[];
          try {
            certFiles = readdirSync(storePath).filter((f) => /\.(pem|crt|cer)$/i.test(f)).sort();
          } catch {
            return fail(`${name}.notation.trustStore: trust policy "${statement.name}" names trust store ${store}, but ${path.join(rule.notation!.trustStore, 'x509', type, storeName)} does not exist`, [...at, 'notation', 'trustStore']);
          }
          if (certFiles.length === 0) fail(`${name}.notation.trustStore: trust store ${store} (${path.join(rule.notation.trustStore, 'x509', type, storeName)}) holds no .pem, .crt or .cer certificate`, [...at, 'notation', 'trustStore']);
          for (const f of certFiles) {
            const full = path.join(storePath, f);
            files.push(full);
            version2.update(`${store}/${f} `).update(readSmallFile(full, 1024 * 1024, 'a certificate', () => (message) => fail(`${name}.notation.trustStore: ${message}`, [...at, 'notation', 'trustStore'])));
          }
        }
      }
      policy.notation = { trustPolicy: JSON.parse(bytes.toString('utf8')) as unknown, trustPolicyFile: rule.notation.trustPolicy, trustStoreDir: storeDir };
      version.update(`notation ${createHash('sha256').update(bytes).digest('hex')} ${version2.digest('hex')}\n`);
    }
    if (policy.keys.length === 0 && !rule.keyless && !rule.notation) fail(`${name}: say what verifies a signature: keys (PEM public key files), keyless (trustedRoot and identities) or notation (trustPolicy and trustStore)`, at);
    (rule.attestations ?? []).forEach((type, n) => {
      if (!predicateTypesFor(type)) {
        const near = didYouMean(suggest(type, Object.keys(ATTESTATION_TYPES)));
        fail(`${name}.attestations[${n}]: "${type}" is not an attestation type${near ? `; ${near}` : ''} (one of ${Object.keys(ATTESTATION_TYPES).join(', ')}, or a predicate type URI)`, [...at, 'attestations', n]);
      }
      policy.attestations.push(type);
      version.update(`attestation ${type}\n`);
    });
    if (rule.provenance) {
      policy.provenance = { builders: [...(rule.provenance.builders ?? [])], sources: [...(rule.provenance.sources ?? [])] };
      // A demand on provenance with no provenance required would pass every image that has none.
      if (!policy.attestations.some((t) => predicateTypesFor(t)?.some((p) => p.startsWith('https://slsa.dev/provenance/')))) policy.attestations.push('slsaprovenance');
      version.update(`provenance ${JSON.stringify(policy.provenance)}\n`);
    }
    if (rule.namespaceSelector !== undefined) {
      const parsed = parseLabelSelector(rule.namespaceSelector);
      if (parsed.kind === 'invalid') {
        const problem = parsed.problems[0];
        const keys = problem.path.split('/').slice(1).map((t) => (/^\d+$/.test(t) ? Number(t) : t.replace(/~1/g, '/').replace(/~0/g, '~')));
        fail(`${name}.namespaceSelector: ${problem.message}`, [...at, 'namespaceSelector', ...keys]);
      }
    }
    let signatureRepository: { registry: string; repository: string } | undefined;
    if (rule.signatureRepository !== undefined) {
      try {
        signatureRepository = parseSignatureRepository(rule.signatureRepository);
      } catch (error) {
        fail(`${name}.signatureRepository: ${(error as Error).message}`, [...at, 'signatureRepository']);
      }
      version.update(`repository ${signatureRepository!.registry}/${signatureRepository!.repository}\n`);
    }
    rules.push({ name, images: [...rule.images], ...(rule.namespaceSelector ? { namespaceSelector: rule.namespaceSelector } : {}), ...(signatureRepository ? { signatureRepository } : {}), policy, version: version.digest('hex').slice(0, 16) });
  });
  const cache = input?.cache ?? {};
  return {
    requireSignature: rules,
    files: [...new Set(files)],
    timeoutMs: input?.timeoutMs ?? DEFAULT_IMAGE_POLICY.timeoutMs,
    onError: input?.onError ?? DEFAULT_IMAGE_POLICY.onError,
    cache: {
      maxEntries: cache.maxEntries ?? DEFAULT_IMAGE_POLICY.cache.maxEntries,
      successTtlMs: cache.successTtlSeconds !== undefined ? cache.successTtlSeconds * 1000 : DEFAULT_IMAGE_POLICY.cache.successTtlMs,
      failureTtlMs: cache.failureTtlSeconds !== undefined ? cache.failureTtlSeconds * 1000 : DEFAULT_IMAGE_POLICY.cache.failureTtlMs,
      maxConcurrent: input?.maxConcurrentVerifications ?? DEFAULT_IMAGE_POLICY.cache.maxConcurrent,
    },
  };
}
