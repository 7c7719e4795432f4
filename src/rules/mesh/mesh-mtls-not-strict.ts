import type { Violation } from '../../core/types.js';
import { acceptsPlaintext, describeMtls, meshMembership, namespaceMeta, podsOf, resolveMtls } from '../../analysis/mesh.js';
import { defineRule } from '../define.js';
import { ISTIO_AMBIENT_DOC, ISTIO_AUTHN_TASK_DOC, ISTIO_PEER_AUTHN_DOC, MESH, MESH_NAMESPACE, MESH_READS, MESH_WEB, PEER_AUTHN, meshIndex, namespaceOfResource, stream } from './shared.js';

export const meshMtlsNotStrict = defineRule({
  id: 'mesh-mtls-not-strict',
  title: 'Istio-meshed workload accepts plaintext (mTLS not STRICT)',
  severity: 'medium',
  ...MESH,
  tags: ['mesh', 'istio', 'mtls', 'encryption-in-transit', 'cross-resource'],
  appliesTo: 'workloads',
  reads: MESH_READS,
  description:
    "A workload in the Istio mesh (sidecar or ambient) whose effective PeerAuthentication mode is PERMISSIVE or DISABLE, or which " +
    'exempts some ports with portLevelMtls, accepts plaintext connections there: clients outside the mesh reach it unauthenticated and ' +
    "unencrypted, and AuthorizationPolicies that match on identities cannot see one. The mode is resolved as Istio does: the oldest " +
    'policy selecting the workload, else the namespace-wide one, else the mesh-wide one in the root namespace (istioRootNamespace, ' +
    'default istio-system); UNSET inherits; with nothing set Istio uses PERMISSIVE. The finding names the policy that decides and the exempt ports.',
  remediation:
    'Once every client is in the mesh, set a STRICT PeerAuthentication in the root namespace (mesh-wide) or the namespace, and remove ' +
    'PERMISSIVE/DISABLE overrides and portLevelMtls exemptions that are no longer needed.',
  references: [ISTIO_PEER_AUTHN_DOC, ISTIO_AUTHN_TASK_DOC, ISTIO_AMBIENT_DOC],
  check: (resource, context) => {
    const index = meshIndex(context);
    const namespace = namespaceOfResource(resource);
    const ns = namespaceMeta(index.namespaces, namespace);
    const out: Violation[] = [];
    for (const { pod, labels } of podsOf(resource)) {
      const membership = meshMembership(pod, ns);
      if (membership.mesh !== 'istio-sidecar' && membership.mesh !== 'istio-ambient') continue;
      const decision = resolveMtls(index.peerAuthentications, namespace, labels, context.settings.istioRootNamespace);
      if (!acceptsPlaintext(decision)) continue;
      const ambient = membership.mesh === 'istio-ambient' && decision.mode === 'DISABLE' ? ' (ambient mode does not support DISABLE)' : '';
      const exempt = decision.ports.filter((p) => p.mode !== 'STRICT').map((p) => p.port);
      const where = decision.mode === 'STRICT' ? ` on port${exempt.length > 1 ? 's' : ''} ${exempt.join(', ')}` : '';
      out.push({
        path: pod.metadata ? pod.metadataPath : pod.path,
        message: `${resource.kind} "${resource.name}" is in the Istio mesh (${membership.reason}) but its inbound mTLS is ${describeMtls(decision)}${ambient}: it accepts plaintext connections${where}`,
      });
    }
    return out;
  },
  examples: {
    valid: [
      stream(MESH_NAMESPACE('istio-injection: enabled'), MESH_WEB(), PEER_AUTHN('istio-system', 'default', 'mtls: {mode: STRICT}')),
      stream(MESH_NAMESPACE('istio-injection: enabled'), MESH_WEB(), PEER_AUTHN('shop', 'default', 'mtls: {mode: STRICT}')),
      // Not in a mesh at all: workload-outside-mesh and the mesh's absence are other questions.
      stream(MESH_NAMESPACE('team: shop'), MESH_WEB()),
    ],
    invalid: [
      { manifest: stream(MESH_NAMESPACE('istio-injection: enabled'), MESH_WEB()), expect: [{ path: '/spec/template/metadata', message: "PERMISSIVE (no PeerAuthentication applies: Istio's default)" }] },
      {
        manifest: stream(
          MESH_NAMESPACE('istio.io/dataplane-mode: ambient'),
          MESH_WEB(),
          PEER_AUTHN('istio-system', 'default', 'mtls: {mode: STRICT}'),
          PEER_AUTHN('shop', 'web', 'selector:\n  matchLabels: {app: web}\nmtls: {mode: UNSET}\nportLevelMtls:\n  "8080": {mode: PERMISSIVE}'),
        ),
        expect: [{ path: '/spec/template/metadata', message: 'STRICT (mesh-wide PeerAuthentication istio-system/default), and port 8080 PERMISSIVE (portLevelMtls of PeerAuthentication shop/web): it accepts plaintext connections on port 8080' }],
      },
    ],
  },
});
