import type { JsonObject, Resource, Severity, Violation } from '../core/types.js';
import type { ResourceSet } from '../k8s/resource-set.js';
import type { NamespacePssVersions } from '../k8s/pss.js';

export type RuleCategory =
  | 'pod-security'
  | 'workload'
  | 'resources'
  | 'reliability'
  | 'images'
  | 'secrets'
  | 'exposure'
  | 'metadata'
  | 'rbac'
  | 'api'
  | 'network'
  | 'dockerfile'
  | 'container-image'
  | 'dependencies'
  /** Service meshes: which workloads are in one, their mutual TLS and mesh authorization. */
  | 'mesh'
  /** A live cluster's change over time, judged by `kshield watch` (ObjectChange objects, and live state). */
  | 'drift'
  /** The API server's audit events, judged by `kshield respond`. */
  | 'audit'
  /** Volumes and their encryption at rest. */
  | 'storage'
  /** Isolation between tenants' namespaces (`kshield tenants`). */
  | 'tenancy';

/** Settings rules read from the configuration; every field has a default. */
export interface RuleSettings {
  /** Label keys every workload must carry; a group of alternatives is written "a|b". */
  requiredLabels: string[];
  /** Registry hosts (optionally with a path prefix) images may come from; empty = no restriction. */
  allowedRegistries: string[];
  /**
   * Kubernetes version the manifests target ("1.37"): API deprecation and removal, the labels
   * controllers add to pods, the verbs that open exec/attach/port-forward sessions. `kshield cluster`
   * sets the API server's.
   */
  kubernetesVersion: string;
  /**
   * Pod Security Standards policy version the pod-security rules judge at: "latest" or "v1.N", as
   * the pod-security.kubernetes.io/enforce-version label takes it (see src/core/pss.ts).
   */
  pssVersion: string;
  /**
   * Minor version of the target cluster, when known (the API server's in `kshield cluster`, else
   * a configured kubernetesVersion): "latest" means it, and a newer policy version is judged as
   * it, as Pod Security Admission does. Unset: the newest version kshield knows.
   */
  pssClusterMinor?: number;
  /**
   * `kshield cluster`: the policy versions namespaces' pod-security.kubernetes.io labels set, by
   * namespace name (filled as the Namespaces are listed, before any workload).
   */
  pssNamespaces?: ReadonlyMap<string, NamespacePssVersions>;
  /**
   * Custom resources from which an operator creates pods, declared in the configuration (added to
   * the built-in table of src/analysis/operator-workloads.ts; an entry for a built-in kind replaces it).
   */
  operatorWorkloads: OperatorWorkloadConfig[];
  /** Which Dockerfile builds which image, from the configuration's `imageSources` (Dockerfile paths absolute). */
  imageSources: ImageSource[];
  /** Istio's root namespace (meshConfig.rootNamespace), where PeerAuthentication and AuthorizationPolicy apply mesh-wide. */
  istioRootNamespace: string;
  /**
   * The networks (CIDR blocks, or single addresses) requests to the API server are expected from:
   * the audit rule `audit-request-outside-networks` reports a request whose source IPs leave them.
   * Absent or empty: that rule judges nothing.
   */
  auditAllowedNetworks?: string[];
  /**
   * Which namespaces are tenants, for the tenancy rules: `key` or `key=value`, a label their Namespace
   * objects carry. Absent: every namespace but Kubernetes' own and well-known platform ones (see
   * src/analysis/tenants.ts).
   */
  tenantLabel?: string;
}

/**
 * One `imageSources` entry of `.kshield.yaml`: the images a Dockerfile builds, so that a workload's
 * container can be judged with what its image's Dockerfile says (the user it runs as, its ports).
 */
export interface ImageSource {
  /** An image repository (`registry.example/shop/api`, `*` wildcards); a tag or digest in the pod's image is not compared. */
  image?: string;
  /**
   * The source repository this scan is (`https://github.com/example/shop`): a ContainerImage whose
   * `org.opencontainers.image.source` label names it is built by this Dockerfile (with `image` too,
   * only images of that repository). One of `image` and `source` is given.
   */
  source?: string;
  /** The Dockerfile's path (relative to the configuration file in it; absolute once loaded). */
  dockerfile: string;
}

/**
 * One `operatorWorkloads` entry of `.kshield.yaml`: which workload an operator makes from a custom
 * resource and the labels and ports of its pods. Strings may hold placeholders: `{{name}}`,
 * `{{namespace}}`, or a field path into the custom resource such as `{{spec.serviceAccountName}}`
 * or `{{metadata.labels[app.kubernetes.io/part-of]}}`.
 */
export interface OperatorWorkloadConfig {
  /** API group (any version); one of group and apiVersion is given. */
  group?: string;
  /** group/version: only that version. */
  apiVersion?: string;
  kind: string;
  /** The operator's name, for messages ("created by the <operator> from ..."). */
  operator?: string;
  workload: { kind: 'StatefulSet' | 'Deployment' | 'DaemonSet'; name: string };
  podLabels: Record<string, string>;
  /** Field paths of label maps in the custom resource merged first (podLabels win), e.g. spec.podMetadata.labels. */
  podLabelsFrom?: string[];
  ports?: { name?: string; port: number; protocol?: 'TCP' | 'UDP' | 'SCTP' }[];
  /** Default "default". */
  serviceAccountName?: string;
}

/** The `reads` entry for every object of an API group not built into Kubernetes (what operators watch). */
export const CUSTOM_RESOURCES = 'custom-resources';

export const DEFAULT_RULE_SETTINGS: RuleSettings = {
  requiredLabels: ['app.kubernetes.io/name', 'app.kubernetes.io/owner|owner|team'],
  allowedRegistries: [],
  // The newest Kubernetes release (1.37; 1.38 is in alpha, per the kubernetes/kubernetes CHANGELOG).
  // Upstream supports the three newest minors (1.35-1.37), and every rule that reads this setting
  // agrees on them: the API removal table has nothing after 1.32, pod-index labels exist from 1.28,
  // and from 1.35 get alone no longer opens an exec session. Older clusters set their version.
  kubernetesVersion: '1.37',
  pssVersion: 'latest',
  operatorWorkloads: [],
  imageSources: [],
  istioRootNamespace: 'istio-system',
};

export interface RuleContext {
  settings: RuleSettings;
  /** The objects of the run of the kinds the rule declared in `reads`, indexed (empty without `reads`). */
  resources: ResourceSet;
  /** Every word a suppression may name: the catalogue's rule ids and tags, `*` and `all`. */
  knownSelectors: ReadonlySet<string>;
  /** The run's date (for rules about dates: an end of life); absent means now. */
  now?: Date;
}

/** Manifests a rule must flag (`invalid`) and must pass (`valid`): run by the shared rule tester and shown by `kshield explain`. */
/**
 * A manifest a rule must flag, and exactly where: the JSON Pointers (into the document, a List's
 * `/items/N` prefix included) of the findings the rule reports, in order, as ESLint's RuleTester
 * pins a rule's errors. Where the wording matters, an entry also names text its message must hold.
 */
export interface InvalidExample {
  manifest: string;
  expect: (string | { path: string; message: string })[];
}

export interface RuleExamples {
  valid: string[];
  invalid: InvalidExample[];
  /** Settings the examples are evaluated with (merged over the defaults). */
  settings?: Partial<RuleSettings>;
}

export interface RuleMeta {
  /** Stable kebab-case id. */
  id: string;
  title: string;
  severity: Severity;
  category: RuleCategory;
  tags: string[];
  description: string;
  remediation: string;
  references: string[];
  /** Control ids in external frameworks, e.g. { pss: ['baseline/privileged-containers'] }. */
  frameworks?: Record<string, string[]>;
  /** Rules off unless selected by id or tag, or enabled in the configuration. */
  optIn?: boolean;
  /** Which objects the rule looks at: "workloads" = objects holding pod specs; a list = those kinds (and "workloads" may be one of them). Default: all. */
  appliesTo?: 'all' | 'workloads' | string[];
  /**
   * Cross-object rules only: the kinds this rule looks up in `context.resources` ("workloads" =
   * every object holding pod specs; "custom-resources" = every object of an API group that is not
   * built into Kubernetes, see isBuiltinApiVersion in pods.ts). The rule sees exactly those objects; a rule without `reads`
   * sees an empty set. Declaring them lets a scan drop every other object after its own checks and
   * hand other threads only what is read. Objects other than the one judged come without ConfigMap
   * and Secret values and CRD schemas (see contextView in engine.ts).
   */
  reads?: string[];
  /**
   * Cross-object rules only: the rule reads the status of the object it judges (a Node's kubelet
   * version). `kshield watch` judges a cross-object rule again on an object whose status alone
   * changed only when it says so: no other cross-object rule reads status, and judging them would
   * rebuild their context from the whole cluster for nothing. test/rules.test.ts checks that a
   * cross-object rule reading `status` declares it.
   */
  judgesStatus?: boolean;
  /**
   * Cross-object rules only: the rule judges objects a controller owns (a ReplicaSet's Pods), which
   * scans otherwise judge through their owner, and reads owned objects as well (the ReplicaSet a
   * Deployment owns): drift rules comparing a pod with what its controller made it from. `kshield
   * watch` gives such a rule every object it keeps; `kshield cluster` lists no object whose
   * controller it listed, so there the rule sees only pods without one.
   */
  judgesOwned?: boolean;
}

export interface Rule extends RuleMeta {
  /** Pure: no I/O, no mutation of the resource. */
  check(resource: Resource, context: RuleContext): Violation[];
  examples: RuleExamples;
}

export type { JsonObject };
