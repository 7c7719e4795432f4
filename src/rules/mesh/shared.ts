/** Helpers the mesh rules share: one index per ResourceSet of the namespaces and Istio policies they read. */
import type { RuleContext } from '../../engine/rule.js';
import type { Resource } from '../../core/types.js';
import type { ResourceSet } from '../../k8s/resource-set.js';
import { ScopedCache } from '../../core/scoped-cache.js';
import { isIstioSecurity, namespaceMetas, readAuthorizationPolicy, readPeerAuthentication, type AuthorizationPolicy, type NamespaceMeta, type PeerAuthentication } from '../../analysis/mesh.js';

export const ISTIO_PEER_AUTHN_DOC = 'https://istio.io/latest/docs/reference/config/security/peer_authentication/';
export const ISTIO_AUTHZ_DOC = 'https://istio.io/latest/docs/reference/config/security/authorization-policy/';
export const ISTIO_INJECTION_DOC = 'https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/';
export const ISTIO_AMBIENT_DOC = 'https://istio.io/latest/docs/ambient/usage/add-workloads/';
export const ISTIO_AUTHN_TASK_DOC = 'https://istio.io/latest/docs/tasks/security/authentication/authn-policy/';
export const ISTIO_SECURITY_BEST_PRACTICES = 'https://istio.io/latest/docs/ops/best-practices/security/';
export const LINKERD_POLICY_DOC = 'https://linkerd.io/2/reference/authorization-policy/';
export const LINKERD_INJECT_DOC = 'https://linkerd.io/2/features/proxy-injection/';

export const MESH = { category: 'mesh' as const };

/** What the workload rules of the family read: namespaces (their injection labels) and Istio's security policies. */
export const MESH_READS = ['workloads', 'Namespace', 'PeerAuthentication', 'AuthorizationPolicy'];

export interface MeshIndex {
  namespaces: Map<string, NamespaceMeta>;
  peerAuthentications: PeerAuthentication[];
  authorizationPolicies: AuthorizationPolicy[];
}

const indexes = new ScopedCache<ResourceSet, MeshIndex>();

export function meshIndex(context: RuleContext): MeshIndex {
  const set = context.resources;
  const cached = indexes.get(set);
  if (cached) return cached;
  const index: MeshIndex = {
    namespaces: namespaceMetas(set.ofKind('Namespace')),
    peerAuthentications: set.ofKind('PeerAuthentication').filter((r) => isIstioSecurity(r, 'PeerAuthentication')).map(readPeerAuthentication),
    authorizationPolicies: set.ofKind('AuthorizationPolicy').filter((r) => isIstioSecurity(r, 'AuthorizationPolicy')).map(readAuthorizationPolicy),
  };
  indexes.set(set, index);
  return index;
}

export function namespaceOfResource(resource: Resource): string {
  return resource.namespace ?? 'default';
}

export const stream = (...docs: string[]): string => docs.map((d) => d.trimEnd()).join('\n---\n');

export const MESH_NAMESPACE = (labels: string, annotations = ''): string => `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {${labels}}${annotations ? `\n  annotations: {${annotations}}` : ''}`;

/** A Deployment web in shop; `podMetadata` is YAML added to its pod template's metadata (after labels {app: web}). */
export const MESH_WEB = (podMetadata = '', spec = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web${podMetadata ? `, ${podMetadata}` : ''}}
    spec:${spec ? `\n      ${spec}` : ''}
      containers:
        - name: web
          image: registry.example.com/web:1.0
          ports:
            - {name: http, containerPort: 8080}`;

export const PEER_AUTHN = (namespace: string, name: string, body: string): string => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
${body.replace(/^/gm, '  ')}`;
