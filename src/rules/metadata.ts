/** Object metadata and API usage: ownership labels, label syntax, namespaces, deprecated and removed API versions. */
import type { Rule } from '../engine/rule.js';
import { DEFAULT_RULE_SETTINGS } from '../engine/rule.js';
import type { Resource, Violation } from '../core/types.js';
import { podSpecs } from '../k8s/pods.js';
import { isClientSideObject, isClusterScoped } from '../k8s/scope.js';
import { fieldAt, isObject, asString } from '../core/values.js';
import { labelKeyProblem, labelValueProblem, labelsOf } from '../k8s/labels.js';
import { escapePointerToken } from '../core/pointer.js';
import { defineRule } from './define.js';

const LABELS_DOC = 'https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/';
const COMMON_LABELS_DOC = 'https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/';
const NAMESPACES_DOC = 'https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/';
const DEPRECATION_GUIDE = 'https://kubernetes.io/docs/reference/using-api/deprecation-guide/';
const DEPRECATION_POLICY = 'https://kubernetes.io/docs/reference/using-api/deprecation-policy/';

// ---------------------------------------------------------------------------------------------
// Required labels

/** Splits the `requiredLabels` setting into groups of alternative keys ("a|b" = a or b). */
export function requiredLabelGroups(setting: unknown): string[][] {
  if (!Array.isArray(setting)) return [];
  const groups: string[][] = [];
  for (const entry of setting) {
    if (typeof entry !== 'string') continue;
    const keys = entry
      .split('|')
      .map((k) => k.trim())
      .filter(Boolean);
    if (keys.length > 0) groups.push(keys);
  }
  return groups;
}

function hasNonEmptyLabel(labels: Record<string, string>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key) && labels[key] !== '';
}

/** Pointer to metadata.labels, or to the nearest parent that exists. */
function labelsPath(resource: Resource): string {
  const md = resource.object.metadata;
  if (!isObject(md)) return '';
  return isObject(md.labels) ? '/metadata/labels' : '/metadata';
}

// ---------------------------------------------------------------------------------------------
// Namespaces

/**
 * Kinds treated as cluster-scoped, by the rule of core/scope.ts (built-in kinds, well-known custom
 * kinds, custom kinds named Cluster*). A single object is judged without the input's CRDs.
 */
export function isClusterScopedKind(kind: string, apiVersion = 'v1'): boolean {
  return isClusterScoped(apiVersion, kind);
}

/** The loader's decision when it made one (it sees the input's CRDs), else the rule above. */
function isClusterScopedResource(resource: Resource): boolean {
  return resource.clusterScoped ?? isClusterScopedKind(resource.kind, resource.apiVersion);
}

function isClientSideConfig(resource: Resource): boolean {
  return isClientSideObject(resource.apiVersion, resource.kind);
}

// ---------------------------------------------------------------------------------------------
// API versions

export interface ApiDeprecation {
  apiVersion: string;
  kind: string;
  /** Kubernetes minor release ("1.16") that deprecated it. */
  deprecatedIn: string;
  /** Release that stopped serving it; undefined when no removal is scheduled. */
  removedIn?: string;
  /** What to use instead; undefined when there is no replacement. */
  replacement?: string;
  note?: string;
}

function deprecations(apiVersion: string, kinds: string[], deprecatedIn: string, removedIn: string | undefined, replacement: string | undefined, note?: string): ApiDeprecation[] {
  return kinds.map((kind) => ({ apiVersion, kind, deprecatedIn, removedIn, replacement, note }));
}

/**
 * Deprecated and removed built-in API versions, from the Kubernetes deprecated API migration guide
 * (and the release notes for the deprecation releases). Keyed by apiVersion and kind, because a
 * group-version often keeps some kinds longer than others (extensions/v1beta1 Ingress outlived
 * extensions/v1beta1 Deployment by six releases).
 */
export const API_DEPRECATIONS: readonly ApiDeprecation[] = Object.freeze([
  // Removed in v1.16
  ...deprecations('extensions/v1beta1', ['Deployment', 'DaemonSet', 'ReplicaSet'], '1.9', '1.16', 'apps/v1'),
  ...deprecations('apps/v1beta1', ['Deployment', 'StatefulSet', 'ReplicaSet', 'ControllerRevision'], '1.9', '1.16', 'apps/v1'),
  ...deprecations('apps/v1beta2', ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ControllerRevision'], '1.9', '1.16', 'apps/v1'),
  ...deprecations('extensions/v1beta1', ['NetworkPolicy'], '1.9', '1.16', 'networking.k8s.io/v1'),
  ...deprecations('extensions/v1beta1', ['PodSecurityPolicy'], '1.10', '1.16', undefined, 'PodSecurityPolicy was removed entirely in v1.25: use Pod Security Admission (namespace labels) or a policy engine'),
  // Removed in v1.22
  ...deprecations('admissionregistration.k8s.io/v1beta1', ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], '1.16', '1.22', 'admissionregistration.k8s.io/v1'),
  ...deprecations('apiextensions.k8s.io/v1beta1', ['CustomResourceDefinition'], '1.16', '1.22', 'apiextensions.k8s.io/v1'),
  ...deprecations('apiregistration.k8s.io/v1beta1', ['APIService'], '1.19', '1.22', 'apiregistration.k8s.io/v1'),
  ...deprecations('authentication.k8s.io/v1beta1', ['TokenReview'], '1.19', '1.22', 'authentication.k8s.io/v1'),
  ...deprecations('authorization.k8s.io/v1beta1', ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SubjectAccessReview', 'SelfSubjectRulesReview'], '1.19', '1.22', 'authorization.k8s.io/v1'),
  ...deprecations('certificates.k8s.io/v1beta1', ['CertificateSigningRequest'], '1.19', '1.22', 'certificates.k8s.io/v1'),
  ...deprecations('coordination.k8s.io/v1beta1', ['Lease'], '1.19', '1.22', 'coordination.k8s.io/v1'),
  ...deprecations('extensions/v1beta1', ['Ingress'], '1.14', '1.22', 'networking.k8s.io/v1'),
  ...deprecations('networking.k8s.io/v1beta1', ['Ingress', 'IngressClass'], '1.19', '1.22', 'networking.k8s.io/v1'),
  ...deprecations('rbac.authorization.k8s.io/v1beta1', ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], '1.17', '1.22', 'rbac.authorization.k8s.io/v1'),
  ...deprecations('rbac.authorization.k8s.io/v1alpha1', ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], '1.17', '1.22', 'rbac.authorization.k8s.io/v1'),
  ...deprecations('scheduling.k8s.io/v1beta1', ['PriorityClass'], '1.14', '1.22', 'scheduling.k8s.io/v1'),
  ...deprecations('storage.k8s.io/v1beta1', ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], '1.19', '1.22', 'storage.k8s.io/v1'),
  // Removed in v1.25
  ...deprecations('batch/v1beta1', ['CronJob'], '1.21', '1.25', 'batch/v1'),
  ...deprecations('discovery.k8s.io/v1beta1', ['EndpointSlice'], '1.21', '1.25', 'discovery.k8s.io/v1'),
  ...deprecations('events.k8s.io/v1beta1', ['Event'], '1.22', '1.25', 'events.k8s.io/v1'),
  ...deprecations('autoscaling/v2beta1', ['HorizontalPodAutoscaler'], '1.22', '1.25', 'autoscaling/v2'),
  ...deprecations('policy/v1beta1', ['PodDisruptionBudget'], '1.21', '1.25', 'policy/v1', 'in policy/v1 an empty selector selects every pod of the namespace'),
  ...deprecations('policy/v1beta1', ['PodSecurityPolicy'], '1.21', '1.25', undefined, 'PodSecurityPolicy has no replacement API: use Pod Security Admission (namespace labels) or a policy engine'),
  ...deprecations('node.k8s.io/v1beta1', ['RuntimeClass'], '1.22', '1.25', 'node.k8s.io/v1'),
  // Removed in v1.26
  ...deprecations('flowcontrol.apiserver.k8s.io/v1beta1', ['FlowSchema', 'PriorityLevelConfiguration'], '1.23', '1.26', 'flowcontrol.apiserver.k8s.io/v1'),
  ...deprecations('autoscaling/v2beta2', ['HorizontalPodAutoscaler'], '1.23', '1.26', 'autoscaling/v2'),
  // Removed in v1.27
  ...deprecations('storage.k8s.io/v1beta1', ['CSIStorageCapacity'], '1.24', '1.27', 'storage.k8s.io/v1'),
  // Removed in v1.29
  ...deprecations('flowcontrol.apiserver.k8s.io/v1beta2', ['FlowSchema', 'PriorityLevelConfiguration'], '1.26', '1.29', 'flowcontrol.apiserver.k8s.io/v1'),
  // Removed in v1.32
  ...deprecations('flowcontrol.apiserver.k8s.io/v1beta3', ['FlowSchema', 'PriorityLevelConfiguration'], '1.29', '1.32', 'flowcontrol.apiserver.k8s.io/v1'),
  // Deprecated, still served, no removal scheduled
  ...deprecations('v1', ['Endpoints'], '1.33', undefined, 'discovery.k8s.io/v1 EndpointSlice', 'v1 Endpoints keeps working, but new features (dual-stack, topology hints) only reach EndpointSlices'),
  ...deprecations('v1', ['ComponentStatus'], '1.19', undefined, undefined),
]);

const deprecationIndex = new Map(API_DEPRECATIONS.map((d) => [`${d.apiVersion}\u0000${d.kind}`, d]));

export function findApiDeprecation(apiVersion: string, kind: string): ApiDeprecation | undefined {
  return deprecationIndex.get(`${apiVersion}\u0000${kind}`);
}

/** "1.34", "v1.34", "1.34.2", "1.34.0-rc.1" -> [1, 34]; undefined when it is not a version. */
export function parseMinorVersion(value: unknown): [number, number] | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const m = /^v?(\d+)\.(\d+)(?:[.\-+].*)?$/.exec(String(value).trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function compareMinor(a: [number, number], b: [number, number]): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

/** The target version; an unreadable setting falls back to the default rather than hiding findings. */
export function targetVersion(setting: unknown): [number, number] {
  return parseMinorVersion(setting) ?? parseMinorVersion(DEFAULT_RULE_SETTINGS.kubernetesVersion)!;
}

export type ApiStatus = { status: 'removed' | 'deprecated'; entry: ApiDeprecation } | undefined;

/** Where an apiVersion/kind stands in the target Kubernetes version. */
export function apiStatus(apiVersion: string, kind: string, kubernetesVersion: unknown): ApiStatus {
  const entry = findApiDeprecation(apiVersion, kind);
  if (!entry) return undefined;
  const target = targetVersion(kubernetesVersion);
  if (entry.removedIn !== undefined && compareMinor(parseMinorVersion(entry.removedIn)!, target) <= 0) return { status: 'removed', entry };
  if (compareMinor(parseMinorVersion(entry.deprecatedIn)!, target) <= 0) return { status: 'deprecated', entry };
  return undefined;
}

function replacementText(e: ApiDeprecation): string {
  if (!e.replacement) return e.note ? `; ${e.note}` : '';
  const target = e.replacement.includes(' ') ? e.replacement : `${e.replacement} ${e.kind}`;
  return `; use ${target}${e.note ? ` (${e.note})` : ''}`;
}

function apiVersionPath(resource: Resource): string {
  return 'apiVersion' in resource.object ? '/apiVersion' : '';
}

// ---------------------------------------------------------------------------------------------
// Label syntax

function labelProblems(labels: unknown, basePath: string, where: string): Violation[] {
  if (!isObject(labels)) return [];
  const out: Violation[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const path = `${basePath}/${escapePointerToken(key)}`;
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) out.push({ path, message: `${where} label key "${key}" ${keyProblem}` });
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string') {
      const shown = typeof value === 'object' ? (Array.isArray(value) ? 'a list' : 'a mapping') : `the ${typeof value} ${JSON.stringify(value)}`;
      out.push({ path, message: `${where} label "${key}" has ${shown} as value: label values must be strings${typeof value === 'object' ? '' : ', so quote the value in the YAML'}` });
      continue;
    }
    const valueProblem = labelValueProblem(value);
    if (valueProblem) out.push({ path, message: `${where} label "${key}" value "${value.length > 80 ? value.slice(0, 77) + '...' : value}" ${valueProblem}` });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

const DEPLOYMENT = (labels: string, podLabels = labels, namespace = 'shop') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${namespace}
  labels: ${labels}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: ${podLabels}
    spec:
      containers:
      - name: web
        image: nginx:1.27`;

export const metadataRules: Rule[] = [
  defineRule({
    id: 'missing-required-labels',
    title: 'Workload without ownership labels',
    severity: 'low',
    category: 'metadata',
    tags: ['labels', 'ownership', 'best-practice'],
    appliesTo: 'workloads',
    description:
      'Every workload must carry the label keys listed in the `requiredLabels` setting (default: `app.kubernetes.io/name` and one of ' +
      '`app.kubernetes.io/owner`, `owner` or `team`; "a|b" means any one of the alternatives), so that an incident, a cost report or a ' +
      'security finding leads to the team that owns it. The labels are read from the object\'s own `metadata.labels`: that is what ' +
      'inventory tools, `kubectl get -l` on controllers and policy engines see. Pod template labels do not count, because they only ' +
      'describe the pods; when a key is found only on the pod template the message says so. An empty value counts as missing. ' +
      'One finding is reported per missing key group.',
    remediation: 'Add the missing labels to metadata.labels (for example app.kubernetes.io/name: checkout and team: payments), or change `requiredLabels` in .kshield.yaml.',
    references: [COMMON_LABELS_DOC, LABELS_DOC],
    check: (resource, context) => {
      const groups = requiredLabelGroups(context.settings.requiredLabels);
      if (groups.length === 0) return [];
      const own = labelsOf(resource.object.metadata);
      const templates = podSpecs(resource)
        .filter((p) => p.metadata !== undefined && p.metadata !== resource.object.metadata)
        .map((p) => labelsOf(p.metadata));
      const out: Violation[] = [];
      for (const group of groups) {
        if (group.some((k) => hasNonEmptyLabel(own, k))) continue;
        const keys = group.length === 1 ? `label "${group[0]}"` : `label among ${group.map((k) => `"${k}"`).join(', ')}`;
        const onTemplate = group.find((k) => templates.some((t) => hasNonEmptyLabel(t, k)));
        const emptyKey = group.find((k) => own[k] === '');
        let message = `${resource.kind} "${resource.name}" has no ${keys}`;
        if (emptyKey) message = `${resource.kind} "${resource.name}" has an empty value for label "${emptyKey}"${group.length > 1 ? ` (expected a ${keys})` : ''}`;
        if (onTemplate) message += ` (it is set on the pod template, but not on the ${resource.kind} itself)`;
        out.push({ path: emptyKey ? `/metadata/labels/${escapePointerToken(emptyKey)}` : labelsPath(resource), message, key: group.join('|') });
      }
      return out;
    },
    examples: {
      valid: [DEPLOYMENT('{app.kubernetes.io/name: web, team: storefront}', '{app: web}'), DEPLOYMENT('{app.kubernetes.io/name: web, app.kubernetes.io/owner: storefront}', '{app: web}')],
      invalid: [
        DEPLOYMENT('{app: web}', '{app: web, app.kubernetes.io/name: web, team: storefront}'),
        `apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
spec:
  containers:
  - name: shell
    image: busybox:1.36`,
        DEPLOYMENT('{app.kubernetes.io/name: web, team: ""}', '{app: web}'),
      ],
    },
  }),

  defineRule({
    id: 'default-namespace',
    title: 'Object placed in the default namespace',
    severity: 'low',
    category: 'metadata',
    tags: ['namespaces', 'isolation', 'best-practice'],
    description:
      'The object sets metadata.namespace to "default", or names none and the scan was told it will be applied there (--namespace default). ' +
      'The default namespace is shared by everything deployed without a namespace, ' +
      'so RBAC grants, NetworkPolicies, quotas and Pod Security Admission labels meant for one application apply to all of them. ' +
      'Objects without any namespace (and no --namespace) are reported by the opt-in rule namespace-not-set instead, because many workflows set the ' +
      'namespace at deploy time (kubectl -n, Helm --namespace, a kustomize namespace).',
    remediation: 'Create a dedicated namespace for the application and set metadata.namespace to it.',
    references: [NAMESPACES_DOC, 'https://kubernetes.io/docs/concepts/security/multi-tenancy/'],
    check: (resource) => {
      if (resource.namespace !== 'default' || isClusterScopedResource(resource)) return [];
      // Placed there by --namespace default (the manifest names none): the finding is the same, its field is not there.
      if (asString(fieldAt(resource.object, 'metadata', 'namespace')) !== 'default')
        return [{ path: '/metadata', message: `${resource.kind} "${resource.name}" names no namespace and is to be applied in the "default" namespace` }];
      return [{ path: '/metadata/namespace', message: `${resource.kind} "${resource.name}" is placed in the "default" namespace` }];
    },
    examples: {
      valid: [
        `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {mode: production}`,
        `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: production}`,
      ],
      invalid: [
        `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: default}
data: {mode: production}`,
      ],
    },
  }),

  defineRule({
    id: 'namespace-not-set',
    title: 'Namespaced object without a namespace',
    severity: 'info',
    category: 'metadata',
    tags: ['namespaces', 'best-practice'],
    optIn: true,
    description:
      'A namespaced object has no metadata.namespace, so it lands in whatever namespace the kubectl context points at, which is often ' +
      '"default". Off by default: Helm charts and kustomize bases usually leave the namespace to the deploy step. Enable it for ' +
      'rendered manifests that are applied as they are. Cluster-scoped kinds (and custom kinds named Cluster*) are skipped, and so are ' +
      'objects a scan with --namespace NS places: that option says where they will be applied.',
    remediation: 'Set metadata.namespace explicitly.',
    references: [NAMESPACES_DOC],
    check: (resource) => {
      if (resource.namespace !== undefined || isClusterScopedResource(resource) || isClientSideConfig(resource)) return [];
      const md = resource.object.metadata;
      return [{ path: isObject(md) ? '/metadata' : '', message: `${resource.kind} "${resource.name}" sets no namespace` }];
    },
    examples: {
      valid: [
        `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]`,
        `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: []`,
      ],
      invalid: [
        `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]`,
      ],
    },
  }),

  defineRule({
    id: 'removed-api-version',
    title: 'API version removed in the target Kubernetes version',
    severity: 'high',
    category: 'api',
    tags: ['api-version', 'upgrade'],
    description:
      'The object uses an apiVersion that the target Kubernetes version (setting `kubernetesVersion`, default 1.37) no longer serves: ' +
      'the API server rejects it and `kubectl apply` fails. The table follows the Kubernetes deprecated API migration guide.',
    remediation: 'Migrate the manifest to the replacement API version named in the message (kubectl convert can help), checking the notable field changes listed in the migration guide.',
    references: [DEPRECATION_GUIDE, DEPRECATION_POLICY],
    check: (resource, context) => {
      const s = apiStatus(resource.apiVersion, resource.kind, context.settings.kubernetesVersion);
      if (s?.status !== 'removed') return [];
      const e = s.entry;
      return [
        {
          path: apiVersionPath(resource),
          message: `${e.apiVersion} ${e.kind} is no longer served since Kubernetes v${e.removedIn} (target v${targetVersion(context.settings.kubernetesVersion).join('.')})${replacementText(e)}`,
        },
      ];
    },
    examples: {
      valid: [
        `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}`,
      ],
      invalid: [
        `apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}`,
        `apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  backend: {serviceName: web, servicePort: 80}`,
      ],
    },
  }),

  defineRule({
    id: 'deprecated-api-version',
    title: 'Deprecated API version',
    severity: 'low',
    category: 'api',
    tags: ['api-version', 'upgrade'],
    description:
      'The object uses an apiVersion that is deprecated in the target Kubernetes version (setting `kubernetesVersion`) but still ' +
      'served. It works today, the API server answers with a warning, and it will stop working in the release named in the message. ' +
      'Versions already removed are reported by removed-api-version instead.',
    remediation: 'Move to the replacement API version before upgrading to the release that removes it.',
    references: [DEPRECATION_GUIDE, DEPRECATION_POLICY],
    check: (resource, context) => {
      const s = apiStatus(resource.apiVersion, resource.kind, context.settings.kubernetesVersion);
      if (s?.status !== 'deprecated') return [];
      const e = s.entry;
      const removal = e.removedIn ? ` and will no longer be served in v${e.removedIn}` : '';
      return [{ path: apiVersionPath(resource), message: `${e.apiVersion} ${e.kind} is deprecated since Kubernetes v${e.deprecatedIn}${removal}${replacementText(e)}` }];
    },
    examples: {
      settings: { kubernetesVersion: '1.24' },
      valid: [
        `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5`,
      ],
      invalid: [
        `apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5`,
      ],
    },
  }),

  defineRule({
    id: 'invalid-label',
    title: 'Label key or value the API server rejects',
    severity: 'high',
    category: 'metadata',
    tags: ['labels', 'correctness'],
    description:
      'A label in metadata.labels (of the object or of its pod template) breaks the label syntax: values must be strings of at most ' +
      '63 characters that start and end with a letter or digit and contain only letters, digits, "-", "_" and "."; keys are an ' +
      'optional lowercase DNS subdomain prefix and "/" followed by a name with the same rules as values. A YAML number or boolean ' +
      '(version: 1.0, canary: true) is not a string. The API server rejects the whole object.',
    remediation: 'Shorten or rename the label, and quote values that YAML would read as numbers or booleans.',
    references: [LABELS_DOC + '#syntax-and-character-set'],
    check: (resource) => {
      const md = resource.object.metadata;
      const out = labelProblems(isObject(md) ? md.labels : undefined, '/metadata/labels', resource.kind);
      for (const pod of podSpecs(resource)) {
        if (!pod.metadata || pod.metadata === md) continue;
        out.push(...labelProblems(pod.metadata.labels, `${pod.metadataPath}/labels`, 'pod template'));
      }
      return out;
    },
    examples: {
      valid: [DEPLOYMENT('{app.kubernetes.io/name: web, app.kubernetes.io/version: "1.0", tier: ""}', '{app: web, release: stable_2024-01.rc1}')],
      invalid: [
        DEPLOYMENT('{app: web, version: 1.0}', '{app: web}'),
        DEPLOYMENT('{app: web}', '{app: web, commit: "-dirty"}'),
        DEPLOYMENT('{app: web, Example.com/team: shop}', '{app: web}'),
        DEPLOYMENT(`{app: web, description: "${'x'.repeat(64)}"}`, '{app: web}'),
      ],
    },
  }),

  defineRule({
    id: 'instance-label-mismatch',
    title: 'app.kubernetes.io/instance label differs from the object name',
    severity: 'info',
    category: 'metadata',
    tags: ['labels', 'best-practice'],
    optIn: true,
    appliesTo: 'workloads',
    description:
      'The recommended label app.kubernetes.io/instance identifies one installation of an application; tools that group objects by ' +
      'instance expect it to equal the object name. Off by default, because Helm charts conventionally set it to the release name ' +
      'while naming objects "<release>-<chart>". Only objects that set the label are checked.',
    remediation: 'Set app.kubernetes.io/instance to the object name, or leave this rule disabled if your tooling names instances differently.',
    references: [COMMON_LABELS_DOC],
    check: (resource) => {
      const instance = asString(labelsOf(resource.object.metadata)['app.kubernetes.io/instance']);
      if (instance === undefined || instance === resource.name) return [];
      return [{ path: '/metadata/labels/app.kubernetes.io~1instance', message: `label app.kubernetes.io/instance is "${instance}" but the ${resource.kind} is named "${resource.name}"` }];
    },
    examples: {
      valid: [DEPLOYMENT('{app.kubernetes.io/instance: web}', '{app: web}'), DEPLOYMENT('{app: web}', '{app: web}')],
      invalid: [DEPLOYMENT('{app.kubernetes.io/instance: shop-prod}', '{app: web}')],
    },
  }),
];
