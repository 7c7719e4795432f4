import type { Violation } from '../../core/types.js';
import { acceptsPlaintext, authorizationApplies, describeMtls, identitySources, isIstioSecurity, meshMembership, namespaceMeta, podsOf, readAuthorizationPolicy, resolveMtls } from '../../analysis/mesh.js';
import { defineRule } from '../define.js';
import { ISTIO_AUTHZ_DOC, ISTIO_PEER_AUTHN_DOC, ISTIO_SECURITY_BEST_PRACTICES, MESH, MESH_NAMESPACE, MESH_READS, MESH_WEB, PEER_AUTHN, meshIndex, stream } from './shared.js';

const DENY_PRINCIPALS = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-legacy, namespace: shop}
spec:
  action: DENY
  selector:
    matchLabels: {app: web}
  rules:
    - from:
        - source:
            namespaces: [legacy]`;

export const meshAuthorizationPrincipalsWithoutMtls = defineRule({
  id: 'mesh-authorization-principals-without-mtls',
  title: 'Istio AuthorizationPolicy matches identities on a workload that accepts plaintext',
  severity: 'medium',
  ...MESH,
  tags: ['mesh', 'istio', 'authorization', 'mtls', 'cross-resource'],
  appliesTo: ['AuthorizationPolicy'],
  reads: MESH_READS,
  description:
    "A source's principals and namespaces come from the peer's mTLS certificate: a plaintext request has neither. On a workload whose " +
    'mTLS is not STRICT (PERMISSIVE, DISABLE, or a port exempted by portLevelMtls) a DENY policy matching principals or namespaces ' +
    'does not match a plaintext request, and an ALLOW policy matching notPrincipals or notNamespaces does: either way a client that ' +
    'skips mTLS gets past what the policy was written to stop. (ALLOW with principals/namespaces and DENY with ' +
    'notPrincipals/notNamespaces fail closed and are not reported.) Judged against the meshed workloads of the input the policy applies to.',
  remediation:
    'Make mTLS STRICT for the workloads the policy selects (a PeerAuthentication), or rewrite the policy as ALLOW with positive matches; ' +
    'Istio recommends ALLOW-with-positive-matching and DENY-with-negative-matching.',
  references: [ISTIO_AUTHZ_DOC, ISTIO_SECURITY_BEST_PRACTICES, ISTIO_PEER_AUTHN_DOC],
  check: (resource, context) => {
    if (!isIstioSecurity(resource, 'AuthorizationPolicy')) return [];
    const policy = readAuthorizationPolicy(resource);
    const sources = identitySources(policy).filter((s) => s.bypassable);
    if (sources.length === 0) return [];
    const index = meshIndex(context);
    const root = context.settings.istioRootNamespace;
    const exposed: string[] = [];
    for (const workload of context.resources.all) {
      const namespace = workload.namespace ?? 'default';
      for (const { pod, labels } of podsOf(workload)) {
        if (!authorizationApplies(policy, namespace, labels, root)) continue;
        const membership = meshMembership(pod, namespaceMeta(index.namespaces, namespace));
        if (membership.mesh !== 'istio-sidecar' && membership.mesh !== 'istio-ambient') continue;
        const decision = resolveMtls(index.peerAuthentications, namespace, labels, root);
        if (acceptsPlaintext(decision)) exposed.push(`${workload.kind} ${namespace}/${workload.name}: ${describeMtls(decision)}`);
        break;
      }
    }
    if (exposed.length === 0) return [];
    // Named in one order whatever the input's order, so a file scan and a live cluster say the same.
    exposed.sort();
    const named = exposed.slice(0, 3).join('; ') + (exposed.length > 3 ? `; and ${exposed.length - 3} more` : '');
    const out: Violation[] = [];
    for (const s of sources) {
      const effect = policy.action === 'DENY' ? `a plaintext request carries no ${s.field === 'principals' ? 'principal' : 'namespace'}, so this DENY does not match it` : `a plaintext request carries no identity, so ${s.field} matches it and this ALLOW admits it`;
      out.push({ path: s.path, message: `${policy.label} matches ${s.field} but applies to workloads that accept plaintext (${named}): ${effect}` });
    }
    return out;
  },
  examples: {
    valid: [
      stream(MESH_NAMESPACE('istio-injection: enabled'), MESH_WEB(), PEER_AUTHN('shop', 'default', 'mtls: {mode: STRICT}'), DENY_PRINCIPALS),
      // ALLOW with principals fails closed over plaintext.
      stream(MESH_NAMESPACE('istio-injection: enabled'), MESH_WEB(), DENY_PRINCIPALS.replace('action: DENY', 'action: ALLOW')),
    ],
    invalid: [
      {
        manifest: stream(MESH_NAMESPACE('istio-injection: enabled'), MESH_WEB(), PEER_AUTHN('shop', 'default', 'mtls: {mode: PERMISSIVE}'), DENY_PRINCIPALS),
        expect: [{ path: '/spec/rules/0/from/0/source/namespaces', message: 'Deployment shop/web: PERMISSIVE (namespace-wide PeerAuthentication shop/default)' }],
      },
    ],
  },
});
