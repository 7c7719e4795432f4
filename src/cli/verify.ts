/** `kshield verify IMAGE`: are the image's signatures and attestations in its registry the ones the policy demands? */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { EXIT, OutputError, UsageError } from '../core/errors.js';
import { didYouMean, suggest } from '../core/suggest.js';
import { VERSION } from '../core/version.js';
import { dockerCredentials } from '../images/docker-config.js';
import { isLoopback, RegistryClient, RegistryError, type RegistryAccess } from '../images/registry.js';
import { parseImageReference } from '../k8s/images.js';
import { ATTESTATION_TYPES, predicateTypesFor } from '../signatures/attestations.js';
import { discoverArtifacts, parseSignatureRepository, resolveSubject } from '../signatures/discover.js';
import { KeyError, loadKey, MAX_KEY_PEM_BYTES } from '../signatures/keys.js';
import { emptyPolicy, type KeylessIdentity, type VerifyPolicy } from '../signatures/policy.js';
import { judge, verifyAll } from '../signatures/verifiers.js';
import { checkSigstorePolicy, readTrustedRoot } from '../signatures/sigstore.js';
import { loadTrustPolicy, trustStoreProblem } from '../signatures/notation-policy.js';
import { buildVerifyReport, renderVerifyJson, renderVerifySarif, renderVerifyTable } from '../report/signatures.js';
import { parseDuration } from './duration.js';
import { parseOutputs, useColor, writeOutput } from './output.js';

export interface VerifyCommandOptions {
  key: string[];
  trustedRoot?: string;
  trustPolicy?: string;
  trustStore?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  require?: string;
  attestation: string[];
  allowedBuilder: string[];
  allowedSource: string[];
  signatureRepository?: string;
  insecure?: boolean;
  dockerConfig?: string;
  timeout?: string;
  maxArtifacts?: string;
  output: string[];
  outputFile?: string;
  failOn?: string;
  color: boolean;
}

export const FAIL_ON = ['unsatisfied', 'any-failure', 'none'] as const;

function readKeyFile(file: string): string {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw new UsageError(`--key ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read'}`);
  }
  if (size > MAX_KEY_PEM_BYTES) throw new UsageError(`--key ${file}: larger than ${MAX_KEY_PEM_BYTES / 1024} KiB, not a public key`);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`--key ${file}: cannot be read`);
  }
}

/** The keyless identity the --certificate-* flags describe (none when none is given). */
function keylessIdentities(opts: VerifyCommandOptions): KeylessIdentity[] {
  const subject = opts.certificateIdentity ?? opts.certificateIdentityRegexp;
  const issuer = opts.certificateOidcIssuer ?? opts.certificateOidcIssuerRegexp;
  if (subject === undefined && issuer === undefined) return [];
  if (opts.certificateIdentity !== undefined && opts.certificateIdentityRegexp !== undefined) throw new UsageError('--certificate-identity and --certificate-identity-regexp: give one');
  if (opts.certificateOidcIssuer !== undefined && opts.certificateOidcIssuerRegexp !== undefined) throw new UsageError('--certificate-oidc-issuer and --certificate-oidc-issuer-regexp: give one');
  if (subject === undefined || issuer === undefined) throw new UsageError('keyless verification needs both the identity (--certificate-identity or -regexp) and its issuer (--certificate-oidc-issuer or -regexp)');
  for (const [flag, value] of [['--certificate-identity-regexp', opts.certificateIdentityRegexp], ['--certificate-oidc-issuer-regexp', opts.certificateOidcIssuerRegexp]] as const) {
    if (value === undefined) continue;
    try {
      new RegExp(value);
    } catch (e) {
      throw new UsageError(`${flag}: not a regular expression: ${(e as Error).message}`);
    }
  }
  return [
    {
      ...(opts.certificateIdentity !== undefined ? { subject: opts.certificateIdentity } : { subjectRegExp: opts.certificateIdentityRegexp }),
      ...(opts.certificateOidcIssuer !== undefined ? { issuer: opts.certificateOidcIssuer } : { issuerRegExp: opts.certificateOidcIssuerRegexp }),
    },
  ];
}

/** The policy the flags describe; every mistake in them is a UsageError naming the flag. */
export function policyFromFlags(opts: VerifyCommandOptions): VerifyPolicy {
  const policy = emptyPolicy();
  if (opts.key.length === 0 && opts.trustedRoot === undefined && opts.trustPolicy === undefined) throw new UsageError('verify: give what to verify with: --key cosign.pub (repeatable), --trusted-root trusted_root.json for Sigstore bundles, or --trust-policy trustpolicy.json with --trust-store DIR for Notary Project signatures');
  if ((opts.trustPolicy === undefined) !== (opts.trustStore === undefined)) throw new UsageError('--trust-policy and --trust-store go together: the policy names the stores, the directory holds them (x509/ca/NAME/*.pem)');
  if (opts.trustPolicy !== undefined && opts.trustStore !== undefined) {
    if (!existsSync(opts.trustPolicy)) throw new UsageError(`--trust-policy ${opts.trustPolicy}: no such file`);
    if (!existsSync(opts.trustStore)) throw new UsageError(`--trust-store ${opts.trustStore}: no such directory`);
    policy.notation = { trustPolicyFile: opts.trustPolicy, trustStoreDir: opts.trustStore };
  }
  policy.identities = keylessIdentities(opts);
  if (opts.trustedRoot !== undefined) {
    if (!existsSync(opts.trustedRoot)) throw new UsageError(`--trusted-root ${opts.trustedRoot}: no such file`);
    // Keyless certificates are only as good as the identity asked of them: cosign requires one too.
    if (policy.identities.length === 0 && opts.key.length === 0) throw new UsageError('--trusted-root: say whose keyless signatures to accept: --certificate-identity (or -regexp) and --certificate-oidc-issuer (or -regexp)');
    policy.trustedRootFile = opts.trustedRoot;
    // Mistakes in the command are caught before the registry is asked: the root is read and parsed now.
    checkSigstorePolicy({ trustedRoot: opts.trustedRoot, identities: policy.identities });
    // Read once: a pipe (`--trusted-root <(...)`) cannot be read a second time at verification.
    policy.trustedRoot = readTrustedRoot(opts.trustedRoot);
  } else if (policy.identities.length > 0) throw new UsageError('--certificate-identity and --certificate-oidc-issuer need --trusted-root (the Fulcio CAs, Rekor and timestamp keys to verify certificates with)');
  const seen = new Map<string, string>();
  for (const file of opts.key) {
    const given = { pem: readKeyFile(file), source: file };
    let fingerprint: string;
    try {
      fingerprint = loadKey(given).fingerprint;
    } catch (e) {
      if (e instanceof KeyError) throw new UsageError(`--key ${e.message}`);
      throw e;
    }
    // Under --require all, one key given twice would let one signature count for two signers.
    const same = seen.get(fingerprint);
    if (same !== undefined) throw new UsageError(`--key ${file} is the same key as --key ${same} (${fingerprint.slice(0, 19)}…); give each signer's key once`);
    seen.set(fingerprint, file);
    policy.keys.push(given);
  }
  const require = opts.require ?? 'any';
  if (require !== 'any' && require !== 'all') throw new UsageError(`--require: "${require}" is not any or all`);
  policy.require = require;
  for (const name of opts.attestation) {
    if (!predicateTypesFor(name)) {
      const near = didYouMean(suggest(name, Object.keys(ATTESTATION_TYPES)));
      throw new UsageError(`--attestation: "${name}" is not an attestation type${near ? `; ${near}` : ''} (one of ${Object.keys(ATTESTATION_TYPES).join(', ')}, or a predicate type URI)`);
    }
    policy.attestations.push(name);
  }
  policy.provenance = { builders: [...opts.allowedBuilder], sources: [...opts.allowedSource] };
  // A demand on provenance with no provenance required would pass every image that has none (as a webhook rule's provenance does).
  if ((policy.provenance.builders.length > 0 || policy.provenance.sources.length > 0) && !policy.attestations.some((t) => predicateTypesFor(t)?.some((p) => p.startsWith('https://slsa.dev/provenance/')))) policy.attestations.push('slsaprovenance');
  return policy;
}

export async function runVerify(reference: string, opts: VerifyCommandOptions): Promise<number> {
  const targets = parseOutputs(opts.output, opts.outputFile);
  for (const t of targets) if (!['table', 'json', 'sarif'].includes(t.format)) throw new UsageError(`-o: verify writes table, json or sarif, not ${t.format}`);
  const failOn = opts.failOn ?? 'unsatisfied';
  if (!(FAIL_ON as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on: "${failOn}" is not one of ${FAIL_ON.join(', ')}`);
  const policy = policyFromFlags(opts);
  // The trust policy document too is checked before the registry is asked.
  if (policy.notation?.trustPolicyFile) {
    const document = await loadTrustPolicy(policy.notation.trustPolicyFile);
    // Read once: a pipe (`--trust-policy <(...)`) cannot be read a second time at verification.
    policy.notation.trustPolicy = document;
    const problem = trustStoreProblem(document, policy.notation.trustStoreDir);
    if (problem) throw new UsageError(`--trust-store ${problem}`);
  }
  const timeoutMs = opts.timeout !== undefined ? parseDuration(opts.timeout, '--timeout') : 30_000;
  const maxArtifacts = opts.maxArtifacts !== undefined ? Number(opts.maxArtifacts) : undefined;
  if (maxArtifacts !== undefined && !(Number.isSafeInteger(maxArtifacts) && maxArtifacts > 0)) throw new UsageError(`--max-artifacts: "${opts.maxArtifacts}" is not a positive number`);

  const parsed = parseImageReference(reference);
  if (!parsed.ok) throw new UsageError(`the image reference "${reference}" ${parsed.error}`);
  const access: RegistryAccess = {};
  if (opts.insecure) {
    if (!isLoopback(parsed.image.registry)) throw new UsageError(`--insecure (plain HTTP) is only for registries on this machine (127.0.0.1, ::1, localhost), not ${parsed.image.registry}`);
    access.hosts = { [parsed.image.registry]: { insecureHttp: true } };
  }
  // cosign's environment variable, so a pipeline that signs with it verifies with the same setting.
  const repositoryText = opts.signatureRepository ?? (process.env.COSIGN_REPOSITORY || undefined);
  let signatureRepository: { registry: string; repository: string } | undefined;
  if (repositoryText !== undefined) {
    try {
      signatureRepository = parseSignatureRepository(repositoryText);
    } catch (e) {
      throw new UsageError(`${opts.signatureRepository !== undefined ? '--signature-repository' : 'COSIGN_REPOSITORY'}: ${(e as Error).message}`);
    }
    if (opts.insecure && signatureRepository.registry !== parsed.image.registry && !isLoopback(signatureRepository.registry)) {
      throw new UsageError(`${opts.signatureRepository !== undefined ? '--signature-repository' : 'COSIGN_REPOSITORY'} ${repositoryText}: its registry is ${signatureRepository.registry}${repositoryText.includes('/') && !/[.:]/.test(repositoryText.split('/')[0]) && repositoryText.split('/')[0] !== 'localhost' ? ' (no host written, so Docker Hub)' : ''}, and --insecure (plain HTTP) is only for registries on this machine`);
    }
    if (opts.insecure && signatureRepository.registry !== parsed.image.registry) {
      if (!isLoopback(signatureRepository.registry)) throw new UsageError(`--insecure (plain HTTP) is only for registries on this machine (127.0.0.1, ::1, localhost), not ${signatureRepository.registry}`);
      access.hosts = { ...access.hosts, [signatureRepository.registry]: { insecureHttp: true } };
    }
  }
  if (opts.dockerConfig !== undefined && !existsSync(opts.dockerConfig)) throw new UsageError(`--docker-config ${opts.dockerConfig}: no such file`);
  const client = new RegistryClient(access, { timeoutMs, plainHttpHint: 'use --insecure (registries on this machine only)', credentials: dockerCredentials(opts.dockerConfig !== undefined ? { configFile: opts.dockerConfig } : {}) });
  let report;
  try {
    const subject = await resolveSubject(reference, client);
    const discovery = await discoverArtifacts(subject, client, { ...(maxArtifacts !== undefined ? { maxArtifacts } : {}), ...(signatureRepository ? { signatureRepository } : {}) });
    const results = await verifyAll(subject, discovery, policy);
    const keys = policy.keys.map((k) => {
      const loaded = loadKey(k);
      return { source: loaded.source, fingerprint: loaded.fingerprint };
    });
    const verdict = judge(results, policy, keys);
    report = buildVerifyReport(subject, { require: policy.require, keys, attestations: policy.attestations, provenance: policy.provenance }, discovery, results, verdict, signatureRepository ? `${signatureRepository.registry}/${signatureRepository.repository}${opts.signatureRepository === undefined ? ' (COSIGN_REPOSITORY)' : ''}` : undefined);
  } catch (e) {
    if (e instanceof RegistryError) throw new UsageError(e.message);
    throw e;
  } finally {
    client.close();
  }

  let written = true;
  for (const target of targets) {
    const text = target.format === 'json' ? renderVerifyJson(report) : target.format === 'sarif' ? renderVerifySarif(report, VERSION) : renderVerifyTable(report, target.file === undefined && useColor(process.stdout, !opts.color));
    try {
      await writeOutput(target, text);
      if (target.file) process.stderr.write(`wrote ${target.format} report to ${target.file}\n`);
    } catch (err) {
      if (!(err instanceof OutputError)) throw err;
      process.stderr.write(`kshield: error: ${err.message}\n`);
      written = false;
    }
  }
  if (!written) return EXIT.usage;
  if (failOn === 'none') return EXIT.clean;
  const failing = !report.satisfied || (failOn === 'any-failure' && report.results.some((r) => !r.verified));
  if (!failing) return EXIT.clean;
  // Not satisfied because the registry could not be read: an error, not a verdict on the image.
  return !report.satisfied && report.results.some((r) => r.failure === 'registry') ? EXIT.usage : EXIT.findings;
}
