import { isSourceObject, type Resource, type Violation } from '../../core/types.js';
import { asArray, asString, isObject } from '../../core/values.js';
import { ResourceSet } from '../../k8s/resource-set.js';
import { RbacModel, bindingFromResource, describeSubject, parseServiceAccountUser, type SubjectInfo } from '../../analysis/rbac.js';
import { buildEscalationGraph } from '../../analysis/rbac-paths.js';
import { defineRule } from '../define.js';
import { DRIFT_TAGS, changeOf, describeTarget, embedded, groupOf, objectChangeExample } from './shared.js';

const RBAC_GOOD = 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/';
const RBAC_PRIVILEGE = 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping';

/**
 * A user no binding names, given the new binding's role in its scope alone: what it reaches is what
 * the binding grants, whatever the real subjects held before.
 */
const PROBE = 'kshield:drift-probe';

/** The platform's own identities: system: users and groups, and kube-system's service accounts (as rbac-cluster-admin-binding counts them). */
function isSystemSubject(subject: SubjectInfo): boolean {
  if (subject.kind === 'ServiceAccount') return subject.namespace === 'kube-system';
  const sa = subject.kind === 'User' ? parseServiceAccountUser(subject.name) : undefined;
  if (sa) return sa.namespace === 'kube-system';
  return subject.name.startsWith('system:');
}

function subjectKey(raw: unknown): string {
  if (!isObject(raw)) return '';
  return `${asString(raw.kind)}\u0000${asString(raw.namespace) ?? ''}\u0000${asString(raw.name)}`;
}

/** How the binding's role, granted alone in its scope, leads to full control of the cluster; undefined when it does not. */
function reachOf(binding: Resource, context: Parameters<typeof driftBindingReachesClusterAdmin.check>[1]): { direct: boolean; steps: string[] } | undefined {
  const probe: Resource = { ...binding, object: { ...binding.object, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: PROBE }] } };
  // The cluster as it is, without the binding as the set may already hold it, plus the probe.
  const others = context.resources.all.filter((r) => !isSourceObject(r) && !(r.kind === binding.kind && r.namespace === binding.namespace && r.name === binding.name));
  const set = new ResourceSet([...others, probe]);
  const model = RbacModel.of(set);
  const info = bindingFromResource(probe);
  const role = info ? model.roleOf(info) : undefined;
  if (info && role && info.kind === 'ClusterRoleBinding' && model.isFullAccess(role)) return { direct: true, steps: [] };
  const graph = buildEscalationGraph(set, { operatorWorkloads: context.settings.operatorWorkloads, kubernetesVersion: context.settings.kubernetesVersion, from: [`user:${PROBE}`] });
  const path = graph.paths.find((p) => p.to === 'goal:cluster-admin');
  if (!path) return undefined;
  // Each hop with where it leads: "run a pod as this service account (sa:shop:ops)".
  const labels = new Map(graph.nodes.map((n) => [n.id, n.label]));
  return { direct: false, steps: path.steps.map((step, i) => `${step} (${labels.get(path.nodes[i + 1]) ?? path.nodes[i + 1]})`) };
}

export const driftBindingReachesClusterAdmin = defineRule({
  id: 'drift-binding-reaches-cluster-admin',
  title: 'New binding to cluster-admin, or to a role that reaches it',
  severity: 'critical',
  category: 'drift',
  tags: [...DRIFT_TAGS, 'rbac', 'privilege-escalation'],
  description:
    'A RoleBinding or ClusterRoleBinding was created, or gained subjects (an ObjectChange Added or Modified, as `kshield watch` ' +
    'observes it; roleRef cannot change), and the role it grants, in its scope, gives full control of the cluster: ' +
    'cluster-admin (or any role with a `*` verbs / `*` resources / `*` API groups rule) through a ClusterRoleBinding, or a ' +
    'role whose permissions lead there through the escalation paths `kshield rbac paths` follows (bind or escalate on ' +
    'ClusterRoles, impersonating system:masters, approving API server client certificates, running pods as or minting tokens ' +
    'for a service account that holds cluster-admin). The role is judged alone, granted to no one else, against the ' +
    "cluster's other roles, bindings, service accounts and workloads: what the binding adds, whatever its subjects held " +
    'before. A RoleBinding to cluster-admin that stays inside its namespace is full control of that namespace only: it is ' +
    'not reported here (rbac-cluster-admin-binding reports it on the live object). One finding per new subject; the ' +
    "platform's own subjects (system: users and groups, kube-system service accounts) are left out, as in rbac-cluster-admin-binding.",
  remediation: 'Check who created the binding (the API server audit log); delete it unless a person approved it, and bind a role with only the verbs and resources the subject needs.',
  references: [RBAC_GOOD, RBAC_PRIVILEGE],
  frameworks: { mitre: ['T1098'] },
  appliesTo: ['ObjectChange'],
  reads: ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ServiceAccount', 'Secret', 'workloads'],
  check(resource, context) {
    const change = changeOf(resource);
    if (!change || (change.type !== 'Added' && change.type !== 'Modified')) return [];
    if ((change.target.kind !== 'RoleBinding' && change.target.kind !== 'ClusterRoleBinding') || groupOf(change.target.apiVersion) !== 'rbac.authorization.k8s.io') return [];
    const binding = embedded(resource, change, 'after');
    if (!binding) return [];
    const info = bindingFromResource(binding);
    if (!info) return [];
    const had = new Set(change.type === 'Modified' ? asArray(change.before?.subjects).map(subjectKey) : []);
    const rawSubjects = asArray(binding.object.subjects);
    const fresh = info.subjects.filter((s) => !had.has(subjectKey(rawSubjects[s.index])) && !isSystemSubject(s));
    if (fresh.length === 0) return [];
    const reach = reachOf(binding, context);
    if (!reach) return [];
    const role = `${info.roleRef?.kind ?? 'role'} ${info.roleRef?.name ?? '?'}`;
    const how = reach.direct ? 'full control of the cluster' : `full control of the cluster through ${reach.steps.join(' -> ')}`;
    return fresh.map(
      (s): Violation => ({
        path: `/change/after/subjects/${s.index}`,
        message: `${describeTarget(change.target)} ${change.type === 'Added' ? 'was created' : 'was changed'}: it grants ${role} to ${describeSubject(s)}, ${how}`,
        key: `${s.kind}:${s.namespace ?? ''}:${s.name}`,
      }),
    );
  },
  examples: {
    valid: [
      // A subject of the platform.
      objectChangeExample('Added', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'kube-proxy-admin' }, {
        after: `
          apiVersion: rbac.authorization.k8s.io/v1
          kind: ClusterRoleBinding
          metadata: {name: kube-proxy-admin}
          roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
          subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: "system:masters"}]`,
      }),
      // A read-only role reaches nothing.
      objectChangeExample('Added', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespace: 'shop', name: 'devs-view' }, {
        after: `
          apiVersion: rbac.authorization.k8s.io/v1
          kind: RoleBinding
          metadata: {name: devs-view, namespace: shop}
          roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
          subjects: [{kind: Group, apiGroup: rbac.authorization.k8s.io, name: devs}]`,
      }),
      // A subject that was already there: the change added nothing.
      objectChangeExample('Modified', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'ops-admin' }, {
        before: `
          apiVersion: rbac.authorization.k8s.io/v1
          kind: ClusterRoleBinding
          metadata: {name: ops-admin}
          roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
          subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}]`,
        after: `
          apiVersion: rbac.authorization.k8s.io/v1
          kind: ClusterRoleBinding
          metadata: {name: ops-admin, labels: {team: ops}}
          roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
          subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}]`,
      }),
    ],
    invalid: [
      {
        manifest: objectChangeExample('Added', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'ci-admin' }, {
          after: `
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: ci-admin}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
            subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]`,
        }),
        expect: [{ path: '/change/after/subjects/0', message: 'grants ClusterRole cluster-admin to ServiceAccount ci/deployer, full control of the cluster' }],
      },
      {
        // A role that may bind any ClusterRole: the subject can bind itself cluster-admin.
        manifest: `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: role-binder}
rules:
- {apiGroups: [rbac.authorization.k8s.io], resources: [clusterrolebindings], verbs: [create]}
- {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]}
---
${objectChangeExample('Modified', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'binders' }, {
  before: `
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: binders}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: role-binder}
    subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}]`,
  after: `
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: binders}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: role-binder}
    subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}, {kind: User, apiGroup: rbac.authorization.k8s.io, name: mallory}]`,
})}`,
        expect: [{ path: '/change/after/subjects/1', message: 'to User mallory, full control of the cluster through' }],
      },
    ],
  },
});
