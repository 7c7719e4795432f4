import type { Violation } from '../../core/types.js';
import { MESH_LABEL, meshMembership, namespaceMeta, podsOf } from '../../analysis/mesh.js';
import { defineRule } from '../define.js';
import { ISTIO_AMBIENT_DOC, ISTIO_INJECTION_DOC, LINKERD_INJECT_DOC, MESH, MESH_NAMESPACE, MESH_READS, MESH_WEB, meshIndex, namespaceOfResource, stream } from './shared.js';

export const workloadOutsideMesh = defineRule({
  id: 'workload-outside-mesh',
  title: 'Workload kept out of the mesh its namespace is in',
  severity: 'low',
  ...MESH,
  tags: ['mesh', 'istio', 'linkerd', 'mtls', 'encryption-in-transit', 'cross-resource'],
  appliesTo: 'workloads',
  reads: MESH_READS,
  description:
    "The workload's namespace enrols its pods in a service mesh (Istio's istio-injection=enabled or istio.io/rev, " +
    'istio.io/dataplane-mode=ambient, Linkerd\'s linkerd.io/inject: enabled), but this pod template opts out ' +
    '(sidecar.istio.io/inject "false", istio.io/dataplane-mode=none, linkerd.io/inject: disabled) or runs on the host network, which ' +
    'no mesh captures. Its traffic is plaintext and outside the mesh\'s authentication and authorization. Judged only when the Namespace ' +
    'object is in the input.',
  remediation:
    'Remove the opt-out if the workload can run in the mesh (and drop hostNetwork if it does not need the node\'s network); otherwise ' +
    'document the exception with kshield.io/ignore and a reason, and restrict its traffic with NetworkPolicies.',
  references: [ISTIO_INJECTION_DOC, ISTIO_AMBIENT_DOC, LINKERD_INJECT_DOC],
  check: (resource, context) => {
    const index = meshIndex(context);
    const ns = namespaceMeta(index.namespaces, namespaceOfResource(resource));
    if (!ns.declared) return [];
    const out: Violation[] = [];
    for (const { pod } of podsOf(resource)) {
      const membership = meshMembership(pod, ns);
      const exclusion = membership.excluded[0];
      if (membership.mesh || !exclusion) continue;
      out.push({
        path: exclusion.path,
        message: `${resource.kind} "${resource.name}" is kept out of ${MESH_LABEL[exclusion.mesh]} that namespace "${ns.name}" enrols pods in (${exclusion.namespaceReason}) by ${exclusion.reason}: its traffic is not mutually authenticated or encrypted by the mesh`,
      });
    }
    return out;
  },
  examples: {
    valid: [
      stream(MESH_NAMESPACE('istio-injection: enabled'), MESH_WEB()),
      // Opting out where nothing opted in is not leaving a mesh.
      stream(MESH_NAMESPACE('team: shop'), MESH_WEB('sidecar.istio.io/inject: "false"')),
      // In an ambient namespace a pod kept out of sidecar injection is captured by ztunnel.
      stream(MESH_NAMESPACE('istio.io/dataplane-mode: ambient'), MESH_WEB('sidecar.istio.io/inject: "false"')),
    ],
    invalid: [
      { manifest: stream(MESH_NAMESPACE('istio-injection: enabled'), MESH_WEB('sidecar.istio.io/inject: "false"')), expect: ['/spec/template/metadata/labels/sidecar.istio.io~1inject'] },
      { manifest: stream(MESH_NAMESPACE('istio.io/dataplane-mode: ambient'), MESH_WEB('istio.io/dataplane-mode: none')), expect: ['/spec/template/metadata/labels/istio.io~1dataplane-mode'] },
      { manifest: stream(MESH_NAMESPACE('team: shop', 'linkerd.io/inject: enabled'), MESH_WEB('', 'hostNetwork: true')), expect: [{ path: '/spec/template/spec/hostNetwork', message: 'the Linkerd mesh' }] },
    ],
  },
});
