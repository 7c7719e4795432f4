/**
 * What every `kshield install` command's manifests share: the kshield-system Namespace, labels,
 * a ServiceAccount without an automounted token, and a pod that meets the Restricted Pod Security
 * Standard with a short-lived projected token. One place, so a hardening change (a new field the
 * Restricted profile asks for, a shorter token) is made once for the webhook, watch, respond and
 * serve alike, and their own scans stay clean together.
 */

export type K8sObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } & Record<string, unknown> };

/** One object and the comment printed above it. */
export interface InstallDocument {
  comment: string;
  object: K8sObject;
}

/** The non-root user and group of the kshield image (distroless "nonroot"). */
export const NONROOT_ID = 65532;

/** Where the projected token, CA and namespace are mounted, as the service-account admission plugin would. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Identical to the Namespace in deploy/scanner-rbac.yaml, so applying both never flips a label. */
export function namespaceLabels(): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'kshield',
    'app.kubernetes.io/owner': 'platform-security',
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/enforce-version': 'latest',
  };
}

/** One installed kshield component: where it lives and how its objects are labelled. */
export interface Component {
  namespace: string;
  /** app.kubernetes.io/component: admission-webhook, watch, respond, serve. */
  component: string;
  /** app.kubernetes.io/instance: the name chosen at install. */
  instance: string;
  version: string;
}

/** The labels a Deployment selects its pods by (never the version: a selector is immutable). */
export function selectorLabels(c: Component): Record<string, string> {
  return { 'app.kubernetes.io/name': 'kshield', 'app.kubernetes.io/component': c.component, 'app.kubernetes.io/instance': c.instance };
}

export function componentLabels(c: Component): Record<string, string> {
  return { ...selectorLabels(c), 'app.kubernetes.io/version': c.version, 'app.kubernetes.io/owner': 'platform-security' };
}

export function componentMeta(c: Component, name: string, namespaced = true, extra: Record<string, unknown> = {}): K8sObject['metadata'] {
  return { name, ...(namespaced ? { namespace: c.namespace } : {}), labels: componentLabels(c), ...extra };
}

export function namespaceDocument(namespace: string, comment: string): InstallDocument {
  return { comment, object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: namespaceLabels() } } };
}

export function serviceAccountDocument(c: Component, name: string, comment: string): InstallDocument {
  return { comment, object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: componentMeta(c, name), automountServiceAccountToken: false } };
}

/** The ClusterRole `name` bound to the component's ServiceAccount of the same name. */
export function clusterRoleBindingDocument(c: Component, name: string): InstallDocument {
  return {
    comment: '',
    object: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: componentMeta(c, name, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: c.namespace }],
    },
  };
}

/** `NAME-default-deny-ingress`: nothing reaches the pods of the namespace unless a policy allows it. */
export function defaultDenyIngressDocument(c: Component, name: string, comment: string): InstallDocument {
  return { comment, object: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: componentMeta(c, `${name}-default-deny-ingress`), spec: { podSelector: {}, policyTypes: ['Ingress'] } } };
}

/** Restricted: non-root, no escalation, no capabilities, the runtime's seccomp profile, read-only root. */
export function restrictedContainerSecurityContext(): Record<string, unknown> {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: NONROOT_ID,
    runAsGroup: NONROOT_ID,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

const KUBE_API_ACCESS = 'kube-api-access';

/**
 * A restricted pod running one container as the component's ServiceAccount. The token is not
 * automounted; a projected one expiring within the hour takes its place, at the path client
 * libraries look in. `scheduling` (affinity, grace period, priority class) goes after the security
 * context; the container gets the restricted security context and the token mount after its own.
 */
export function restrictedPodSpec(spec: {
  serviceAccountName: string;
  scheduling?: Record<string, unknown>;
  container: Record<string, unknown> & { volumeMounts?: Record<string, unknown>[] };
  volumes?: Record<string, unknown>[];
}): Record<string, unknown> {
  const { volumeMounts = [], ...container } = spec.container;
  return {
    serviceAccountName: spec.serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: { runAsNonRoot: true, runAsUser: NONROOT_ID, runAsGroup: NONROOT_ID, fsGroup: NONROOT_ID, seccompProfile: { type: 'RuntimeDefault' } },
    ...spec.scheduling,
    containers: [
      {
        ...container,
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [...volumeMounts, { name: KUBE_API_ACCESS, mountPath: SERVICE_ACCOUNT_DIR, readOnly: true }],
      },
    ],
    volumes: [
      ...(spec.volumes ?? []),
      {
        name: KUBE_API_ACCESS,
        projected: {
          sources: [
            { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
    ],
  };
}

/** Prefer pods of one Deployment on different nodes, so a node's loss leaves one answering. */
export function spreadAcrossNodes(c: Component): Record<string, unknown> {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selectorLabels(c) } } }],
    },
  };
}
