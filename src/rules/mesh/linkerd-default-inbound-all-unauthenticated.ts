import type { Violation } from '../../core/types.js';
import { asArray, asNumber, asString, fieldAt, isObject, stringMap } from '../../core/values.js';
import { selectorMatches } from '../../k8s/labels.js';
import { escapePointerToken } from '../../core/pointer.js';
import { LINKERD_CLUSTER_DEFAULT_INBOUND_POLICY, LINKERD_DEFAULT_INBOUND_POLICY, meshMembership, namespaceMeta, podsOf } from '../../analysis/mesh.js';
import { defineRule } from '../define.js';
import { LINKERD_POLICY_DOC, MESH, MESH_NAMESPACE, MESH_WEB, meshIndex, namespaceOfResource, stream } from './shared.js';

// audit is all-unauthenticated with the requests flagged in logs and metrics (Linkerd's authorization policy reference).
const OPEN_POLICIES = new Set(['all-unauthenticated', 'audit']);

const SERVER = `apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: web-http, namespace: shop}
spec:
  podSelector:
    matchLabels: {app: web}
  port: http`;

export const linkerdDefaultInboundAllUnauthenticated = defineRule({
  id: 'linkerd-default-inbound-all-unauthenticated',
  title: 'Linkerd-meshed workload accepts unauthenticated traffic by default',
  severity: 'medium',
  ...MESH,
  tags: ['mesh', 'linkerd', 'mtls', 'authorization', 'cross-resource'],
  appliesTo: 'workloads',
  reads: ['workloads', 'Namespace', 'Server'],
  description:
    "A pod in the Linkerd mesh whose default inbound policy is all-unauthenticated (or audit) accepts connections from any client, " +
    'meshed or not, in the cluster or outside it, on every port no Server describes: the mesh encrypts traffic between meshed pods ' +
    `but authenticates nobody. The policy is the pod template's ${LINKERD_DEFAULT_INBOUND_POLICY} annotation, else its namespace's, else ` +
    "the installation's proxy.defaultInboundPolicy, all-unauthenticated unless changed at install (which manifests do not show). Not " +
    'reported when Servers cover every port the pod declares.',
  remediation:
    `Set ${LINKERD_DEFAULT_INBOUND_POLICY} to all-authenticated, cluster-authenticated or deny on the namespace (or the installation's ` +
    'proxy.defaultInboundPolicy), and open what each workload needs with Server, AuthorizationPolicy and MeshTLSAuthentication.',
  references: [LINKERD_POLICY_DOC, 'https://linkerd.io/2/features/server-policy/'],
  check: (resource, context) => {
    const index = meshIndex(context);
    const namespace = namespaceOfResource(resource);
    const ns = namespaceMeta(index.namespaces, namespace);
    const servers = context.resources.ofKind('Server').filter((s) => /^policy\.linkerd\.io\//.test(s.apiVersion) && (s.namespace ?? 'default') === namespace);
    const out: Violation[] = [];
    for (const { pod, labels } of podsOf(resource)) {
      const membership = meshMembership(pod, ns);
      if (membership.mesh !== 'linkerd') continue;
      const podPolicy = stringMap(fieldAt(pod.metadata, 'annotations'))[LINKERD_DEFAULT_INBOUND_POLICY];
      const nsPolicy = ns.annotations[LINKERD_DEFAULT_INBOUND_POLICY];
      const policy = podPolicy ?? nsPolicy ?? LINKERD_CLUSTER_DEFAULT_INBOUND_POLICY;
      if (!OPEN_POLICIES.has(policy)) continue;
      const from = podPolicy !== undefined ? 'its pod annotation' : nsPolicy !== undefined ? `the annotation of namespace "${namespace}"` : "the cluster default (Linkerd's proxy.defaultInboundPolicy)";
      // Ports the pod declares, and whether a Server selecting the pod names each (by number or name).
      const selecting = servers.filter((s) => selectorMatches(fieldAt(s.object, 'spec', 'podSelector'), labels));
      const declared = asArray(pod.spec.containers).flatMap((c) => asArray(fieldAt(c, 'ports')).filter(isObject));
      const uncovered = declared.filter((p) => !selecting.some((s) => { const port = fieldAt(s.object, 'spec', 'port'); return port === p.containerPort || (asString(port) !== undefined && port === p.name); }));
      if (declared.length > 0 && uncovered.length === 0) continue;
      const ports = uncovered.map((p) => asNumber(p.containerPort)).filter((n) => n !== undefined);
      const where = ports.length > 0 ? `on port${ports.length > 1 ? 's' : ''} ${ports.join(', ')} and any other port no Server describes` : 'on every port';
      const path = podPolicy !== undefined ? `${pod.metadataPath}/annotations/${escapePointerToken(LINKERD_DEFAULT_INBOUND_POLICY)}` : pod.metadata ? pod.metadataPath : pod.path;
      out.push({ path, message: `${resource.kind} "${resource.name}" is in the Linkerd mesh (${membership.reason}) with default inbound policy ${policy} from ${from}: it accepts unauthenticated connections ${where}` });
    }
    return out;
  },
  examples: {
    valid: [
      stream(MESH_NAMESPACE('team: shop', 'linkerd.io/inject: enabled, config.linkerd.io/default-inbound-policy: all-authenticated'), MESH_WEB()),
      stream(MESH_NAMESPACE('team: shop', 'linkerd.io/inject: enabled'), MESH_WEB(), SERVER),
      stream(MESH_NAMESPACE('team: shop'), MESH_WEB()),
    ],
    invalid: [
      { manifest: stream(MESH_NAMESPACE('team: shop', 'linkerd.io/inject: enabled'), MESH_WEB()), expect: [{ path: '/spec/template/metadata', message: 'all-unauthenticated from the cluster default' }] },
      {
        manifest: stream(
          MESH_NAMESPACE('team: shop', 'linkerd.io/inject: enabled, config.linkerd.io/default-inbound-policy: deny'),
          MESH_WEB().replace('      labels: {app: web}', '      labels: {app: web}\n      annotations: {config.linkerd.io/default-inbound-policy: all-unauthenticated}'),
        ),
        expect: ['/spec/template/metadata/annotations/config.linkerd.io~1default-inbound-policy'],
      },
    ],
  },
});
