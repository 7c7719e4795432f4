import { asString, fieldAt } from '../../core/values.js';
import { namespaceOf } from '../../analysis/netpol.js';
import { foreignServiceAccountSubjects } from '../../analysis/tenants.js';
import { defineRule } from '../define.js';
import { MULTI_TENANCY_DOC, isTenant } from './shared.js';

const binding = (subjects: string, namespace = 'team-a'): string => `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: deployer
  namespace: ${namespace}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: edit
subjects:
${subjects}`;

export const roleBindingCrossTenantSubject = defineRule({
  id: 'role-binding-cross-tenant-subject',
  title: "RoleBinding grants a tenant's namespace to another tenant's service accounts",
  severity: 'medium',
  category: 'tenancy',
  tags: ['tenancy', 'rbac', 'cross-resource'],
  appliesTo: ['RoleBinding'],
  reads: ['Namespace'],
  description:
    "A RoleBinding in one tenant namespace names a ServiceAccount of another tenant namespace (or all of them, the group " +
    '`system:serviceaccounts:<namespace>`): the pods of that tenant act in this one with the bound role, so a compromise of one tenant ' +
    "reaches the other. Service accounts of platform namespaces (kube-system, monitoring stacks the tenant label leaves out, ...) are " +
    'not reported: serving every tenant is their job.',
  remediation: 'Run what needs the access in the tenant namespace itself with a service account of its own, or move the shared component to a platform namespace; then remove the subject.',
  references: ['https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding', MULTI_TENANCY_DOC],
  check(resource, context) {
    const home = namespaceOf(resource);
    if (!isTenant(context, home)) return [];
    const role = `${asString(fieldAt(resource.object, 'roleRef', 'kind')) ?? '?'} "${asString(fieldAt(resource.object, 'roleRef', 'name')) ?? '?'}"`;
    return foreignServiceAccountSubjects(resource)
      .filter((s) => isTenant(context, s.namespace))
      .map((s) => ({ path: `/subjects/${s.index}`, message: `RoleBinding "${resource.name}" grants ${role} in tenant namespace "${home}" to ${s.text} of tenant namespace "${s.namespace}"` }));
  },
  examples: {
    valid: [
      binding('  - {kind: ServiceAccount, name: ci, namespace: team-a}'),
      // Platform namespaces serve every tenant.
      binding('  - {kind: ServiceAccount, name: argocd-application-controller, namespace: kube-system}'),
    ],
    invalid: [
      { manifest: binding('  - {kind: ServiceAccount, name: ci, namespace: team-a}\n  - {kind: ServiceAccount, name: ci, namespace: team-b}'), expect: ['/subjects/1'] },
      { manifest: binding('  - {kind: Group, apiGroup: rbac.authorization.k8s.io, name: "system:serviceaccounts:team-b"}'), expect: [{ path: '/subjects/0', message: 'Group system:serviceaccounts:team-b' }] },
    ],
  },
});
