import type { Violation } from '../../core/types.js';
import { isIstioSecurity, isMatchAllRule, readAuthorizationPolicy } from '../../analysis/mesh.js';
import { defineRule } from '../define.js';
import { ISTIO_AUTHZ_DOC, MESH } from './shared.js';

export const meshAuthorizationAllowAll = defineRule({
  id: 'mesh-authorization-allow-all',
  title: 'Istio AuthorizationPolicy allows every request',
  severity: 'low',
  ...MESH,
  tags: ['mesh', 'istio', 'authorization'],
  appliesTo: ['AuthorizationPolicy'],
  description:
    'An ALLOW AuthorizationPolicy with an empty rule (`rules: [{}]`, or a rule without from, to and when) matches every request. ' +
    'Istio allows a request when any ALLOW policy of the workload matches it, so this policy makes every other ALLOW policy on the ' +
    'same workloads moot (only CUSTOM and DENY policies still refuse anything); in the root namespace without a selector it does so ' +
    'for the whole mesh. An ALLOW policy with no rules at all is the opposite: it denies everything, and is not reported.',
  remediation: 'Replace the empty rule with rules naming the sources (principals, namespaces) and operations the workload must accept.',
  references: [ISTIO_AUTHZ_DOC, 'https://istio.io/latest/docs/ops/best-practices/security/#use-default-deny-patterns'],
  check: (resource) => {
    if (!isIstioSecurity(resource, 'AuthorizationPolicy')) return [];
    const policy = readAuthorizationPolicy(resource);
    if (policy.action !== 'ALLOW') return [];
    const scope = policy.selector ? 'the workloads it selects' : policy.targeted ? 'its targets' : `every workload of namespace "${policy.namespace}" (or of the mesh, if that is the root namespace)`;
    const out: Violation[] = [];
    policy.rules.forEach((rule, i) => {
      if (isMatchAllRule(rule)) out.push({ path: `/spec/rules/${i}`, message: `${policy.label} rule ${i} is empty, so it allows every request from any source to ${scope}` });
    });
    return out;
  },
  examples: {
    valid: [
      `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-nothing, namespace: shop}
spec:
  action: ALLOW`,
      `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: web, namespace: shop}
spec:
  selector:
    matchLabels: {app: web}
  rules:
    - from:
        - source:
            principals: [cluster.local/ns/shop/sa/frontend]`,
      `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-all, namespace: shop}
spec:
  action: DENY
  rules: [{}]`,
    ],
    invalid: [
      {
        manifest: `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-all, namespace: shop}
spec:
  action: ALLOW
  rules: [{}]`,
        expect: ['/spec/rules/0'],
      },
    ],
  },
});
