/**
 * The admission webhook's configuration and the contracts between its parts. The webhook reads
 * the same `.kshield.yaml` as `kshield scan` (rule selection, severities, settings such as
 * allowedRegistries, exemptions), so what passes in CI passes at admission; the `webhook:`
 * section only adds what exists at admission time: what to do with a finding, which namespaces
 * are exempt, and which safe defaults to write into the object.
 */
import type { Severity } from '../core/types.js';
import type { KeylessIdentity, VerifyPolicy } from '../signatures/policy.js';

/** What a finding does at admission. */
export type AdmissionAction = 'enforce' | 'warn' | 'audit';

/**
 * How a finding's action is chosen: the most specific entry wins (its rule id, then its tags in
 * the order listed here, then its severity, then `default`).
 */
export interface ActionPolicy {
  rules?: Record<string, AdmissionAction>;
  tags?: Record<string, AdmissionAction>;
  severities?: Partial<Record<Severity, AdmissionAction>>;
  default?: AdmissionAction;
}

/** A Kubernetes LabelSelector, matched with src/core/labels.ts. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** The safe defaults the mutating webhook writes where the user set nothing. */
export interface MutationOptions {
  /** Master switch; off means /mutate answers allowed with no patch. */
  enabled: boolean;
  runAsNonRoot: boolean;
  seccompProfileRuntimeDefault: boolean;
  allowPrivilegeEscalationFalse: boolean;
  dropAllCapabilities: boolean;
  readOnlyRootFilesystem: boolean;
  automountServiceAccountTokenFalse: boolean;
  /** Resolve image tags to digests through the registry and pin them (`name:tag@sha256:...`). */
  pinImageDigests: boolean;
}

export const DEFAULT_MUTATION: MutationOptions = {
  enabled: true,
  runAsNonRoot: true,
  seccompProfileRuntimeDefault: true,
  allowPrivilegeEscalationFalse: true,
  dropAllCapabilities: true,
  readOnlyRootFilesystem: false,
  automountServiceAccountTokenFalse: false,
  pinImageDigests: false,
};

/** How the webhook reaches registries when it pins digests (the registry client's own settings type). */
export type { RegistryAccess } from '../images/registry.js';
import type { RegistryAccess } from '../images/registry.js';

/**
 * Resolves an image reference as written in a container (`nginx:1.27`, `ghcr.io/acme/api:2`) to
 * the digest of the manifest its tag names (`sha256:<hex>`); rejects with a message fit for an
 * AdmissionReview warning (never a credential) when it cannot. The default is the registry
 * client of src/images/registry.ts; tests inject their own.
 */
export type DigestResolver = (reference: string, signal?: AbortSignal) => Promise<string>;

export interface WebhookConfig {
  actions: ActionPolicy;
  /** On UPDATE: block only violations the old object did not already have (default), or all. */
  onUpdate: 'new-violations' | 'all';
  /** Exempt by name; kube-system and the webhook's own namespace are added unless `exemptDefaults` is false. */
  exemptNamespaces: string[];
  exemptDefaults: boolean;
  /** Exempt namespaces whose labels match (read from the cluster, cached). */
  exemptNamespaceSelector?: LabelSelectorSpec;
  mutate: MutationOptions;
  registries: RegistryAccess;
  /**
   * When the namespace's labels cannot be read for `exemptNamespaceSelector` (API unreachable, cache
   * not synced in time): 'judge' (default, fail closed) judges the object as if its namespace were
   * not exempt; 'exempt' (fail open) admits it unjudged, with a warning.
   */
  namespaceLookupFailure?: 'judge' | 'exempt';
  /**
   * Pods, ReplicaSets and Jobs that Kubernetes' own controllers create for an owner kshield judges
   * at its own level: 'audit' (default) evaluates and logs them but never denies them (their owner
   * was judged when it was applied, and refusing the pods of a workload admitted earlier would stop
   * it from scaling or rescheduling); 'enforce' judges them like any other object.
   */
  controllerPods?: 'audit' | 'enforce';
  /** Signatures images must carry at admission (`imagePolicy.requireSignature`), loaded. */
  imagePolicy: ImagePolicy;
}

/** One `webhook.imagePolicy.requireSignature` rule as written. */
export interface SignatureRuleInput {
  /** Registry/repository patterns, as `allowedRegistries` writes them ("ghcr.io/acme/**"). */
  images: string[];
  /** Only pods in namespaces whose labels match (default: every namespace). */
  namespaceSelector?: LabelSelectorSpec;
  /** PEM public key files (cosign.pub), relative to the configuration file. */
  keys?: string[];
  require?: 'any' | 'all';
  /** Keyless Sigstore signatures: the trusted root file and the identities allowed. */
  keyless?: { trustedRoot: string; identities: KeylessIdentity[] };
  /** Where the signatures are stored when not beside the image (cosign's COSIGN_REPOSITORY): registry/repository. */
  signatureRepository?: string;
  /** Notary Project signatures: notation's trust policy file (version 1.0) and its trust store directory, relative to the configuration file. */
  notation?: { trustPolicy: string; trustStore: string };
  /** Attestation types that must be attached and verify (cosign's names or predicate type URIs). */
  attestations?: string[];
  /** Demands on SLSA provenance attestations: the builder ids and source repositories allowed, exactly as the provenance names them. */
  provenance?: { builders?: string[]; sources?: string[] };
}

export interface ImagePolicyInput {
  requireSignature?: SignatureRuleInput[];
  /** Time one review may spend on signatures. Default 8000 (the API server's default webhook timeout is 10 s). */
  timeoutMs?: number;
  /** When an image cannot be verified (registry unreachable, deadline): deny (default, fail closed) or allow with a warning. */
  onError?: 'deny' | 'allow';
  cache?: { maxEntries?: number; successTtlSeconds?: number; failureTtlSeconds?: number };
  /** Verifications that run at once; more wait their turn (default 8). */
  maxConcurrentVerifications?: number;
}

/** A signature rule ready to apply: key files and trusted root read when the configuration was loaded. */
export interface SignatureRule {
  /** How messages name it: `webhook.imagePolicy.requireSignature[0]`. */
  name: string;
  images: string[];
  namespaceSelector?: LabelSelectorSpec;
  policy: VerifyPolicy;
  /** Where its signatures are looked up instead of beside the image. */
  signatureRepository?: { registry: string; repository: string };
  /** SHA-256 of what the policy demands (keys, identities, trusted root, attestations): cached verdicts are per version. */
  version: string;
}

export interface ImagePolicy {
  requireSignature: SignatureRule[];
  /** The key files and trusted roots the rules read (absolute): the webhook reloads when they change. */
  files: string[];
  timeoutMs: number;
  onError: 'deny' | 'allow';
  cache: { maxEntries: number; successTtlMs: number; failureTtlMs: number; maxConcurrent: number };
}

export const DEFAULT_IMAGE_POLICY: Omit<ImagePolicy, 'requireSignature' | 'files'> = {
  timeoutMs: 8000,
  onError: 'deny',
  cache: { maxEntries: 1000, successTtlMs: 10 * 60_000, failureTtlMs: 30_000, maxConcurrent: 8 },
};

/** The `webhook:` section of `.kshield.yaml` as written: every field optional. */
export interface WebhookConfigInput {
  actions?: ActionPolicy;
  onUpdate?: WebhookConfig['onUpdate'];
  exemptNamespaces?: string[];
  exemptDefaults?: boolean;
  exemptNamespaceSelector?: LabelSelectorSpec;
  namespaceLookupFailure?: WebhookConfig['namespaceLookupFailure'];
  controllerPods?: WebhookConfig['controllerPods'];
  mutate?: Partial<MutationOptions>;
  registries?: RegistryAccess;
  imagePolicy?: ImagePolicyInput;
}

/** One RFC 6902 operation; the webhook only emits add and replace. */
export interface JsonPatchOperation {
  op: 'add' | 'replace' | 'remove' | 'test';
  path: string;
  value?: unknown;
}
