/**
 * RBAC rules. All matching goes through src/analysis/rbac.ts (the authorizer's semantics) and the
 * capability catalogue of src/analysis/rbac-capabilities.ts, so a rule and `kshield rbac who-can`
 * never disagree about what a PolicyRule grants.
 *
 * Rules about a permission report on the Role or ClusterRole that writes it, at the offending entry
 * (`/rules/2/resources/0`, `/rules/0/verbs/1`). Rules about who receives permissions report on the
 * binding, at the subject (`/subjects/1`) or the `/roleRef`. An aggregated ClusterRole's own `rules`
 * are ignored (the aggregation controller overwrites them): its permissions are reported on the roles
 * it aggregates.
 */
import type { Rule, RuleContext, RuleMeta } from '../engine/rule.js';
import type { Resource, Violation } from '../core/types.js';
import type { ResourceSet } from '../k8s/resource-set.js';
import {
  RbacModel,
  bindingFromResource,
  describeBinding,
  describeRole,
  describeSubject,
  isFullAccessRule,
  parseServiceAccountUser,
  rawIndex,
  resourceEntryMatches,
  roleFromResource,
  rulePointer,
  type BindingInfo,
  type PolicyRule,
  type RoleInfo,
  type SubjectInfo,
  type ResourceRequest,
} from '../analysis/rbac.js';
import { CAPABILITIES, WEBSOCKET_CREATE_CHECK_MINOR, allowedRequests, describeRequests, streamVerbsThatSuffice, type Capability } from '../analysis/rbac-capabilities.js';
import { targetVersion } from './metadata.js';
import type { Severity } from '../core/types.js';
import { resourceInfo } from '../analysis/rbac-resources.js';
import { DISCOVERY_ROLES, bootstrapRoleNamespaces, isBootstrapClusterRoleName } from '../analysis/rbac-bootstrap.js';
import { defineRule } from './define.js';
import { ScopedCache } from '../core/scoped-cache.js';

const RBAC_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/';
const RBAC_GOOD = 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/';
const ESCALATION_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping';
const IMPERSONATION_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation';
const CSR_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/#authorization';
const KUBELET_AUTHZ_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/';
const SA_DOC = 'https://kubernetes.io/docs/concepts/security/service-accounts/';

const ROLES = ['Role', 'ClusterRole'];
const BINDINGS = ['RoleBinding', 'ClusterRoleBinding'];
/**
 * Every RBAC rule reads the same kinds, so they share one ResourceSet and one RbacModel: roles and
 * bindings (who is granted what), ServiceAccounts and Namespaces (is a missing subject or role
 * really missing), CRDs (whether a custom resource is namespaced).
 */
const RBAC_READS = ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ServiceAccount', 'Namespace', 'CustomResourceDefinition'];
const BASE: Pick<RuleMeta, 'category' | 'references' | 'reads'> = { category: 'rbac', references: [RBAC_DOC, RBAC_GOOD], reads: RBAC_READS };

// ---------------------------------------------------------------------------------------------
// Helpers

function roleName(role: RoleInfo): string {
  return role.kind === 'Role' ? `Role "${role.namespace}/${role.name}"` : `ClusterRole "${role.name}"`;
}

/**
 * The role a rule judges, unless it is aggregated (its own rules are not what it grants) or one of
 * the API server's default roles as a cluster dump shows them (labelled kubernetes.io/bootstrapping).
 */
function judgedRole(resource: Resource): RoleInfo | undefined {
  const role = roleFromResource(resource);
  if (!role || role.aggregation || role.labels['kubernetes.io/bootstrapping'] === 'rbac-defaults') return undefined;
  return role;
}

/** " (bound to ServiceAccount shop/x by ClusterRoleBinding x)" from the bindings in the scan. */
function boundTo(role: RoleInfo, context: RuleContext): string {
  // Bindings are looked up by the role's kind, namespace and name, never by object identity: in a
  // sharded scan the bindings live in other shards as copies.
  const model = RbacModel.of(context.resources);
  const parts: string[] = [];
  for (const b of model.bindingsOf(role)) for (const s of b.subjects) parts.push(`${describeSubject(s)} by ${describeBinding(b)}`);
  if (parts.length === 0) return '';
  return ` (granted to ${parts.slice(0, 3).join(', ')}${parts.length > 3 ? ` and ${parts.length - 3} more` : ''})`;
}

/**
 * Pointer to the first entry of `field` that is responsible for granting one of the requests, and
 * the violation's cause: when that entry is a "*", the wildcard PolicyRule (`/rules/N`), which the
 * rbac-wildcard-* rules name too, so every finding one wildcard rule causes is folded into one.
 * A permission listed by name is a cause of its own.
 */
function responsibleEntry(
  resource: Resource,
  index: number,
  rule: PolicyRule,
  field: 'resources' | 'verbs',
  requests: { verb: string; resource: string; subresource?: string }[],
): { path: string; cause?: string } {
  const entry =
    field === 'verbs'
      ? (rule.verbs.find((v) => v !== '*' && requests.some((q) => q.verb === v)) ?? rule.verbs.find((v) => v === '*'))
      : (rule.resources.find((e) => e !== '*' && requests.some((q) => resourceEntryMatches(e, q.resource, q.subresource))) ?? rule.resources.find((e) => e === '*'));
  const at = entry === undefined ? undefined : rawIndex(resource, index, field, entry);
  const path = at === undefined ? rulePointer(index) : rulePointer(index, field, at);
  return entry === '*' ? { path, cause: rulePointer(index) } : { path };
}

const namespacedOnly = new Map<Capability, Capability>();

/** A Role's rules only act inside its namespace: requests for cluster-scoped resources are not granted by it. */
function effectiveForRole(role: RoleInfo, capability: Capability): Capability {
  if (role.kind !== 'Role') return capability;
  let narrowed = namespacedOnly.get(capability);
  if (!narrowed) {
    narrowed = { ...capability, requests: capability.requests.filter((q) => resourceInfo(q.resource, q.apiGroup)?.namespaced !== false) };
    namespacedOnly.set(capability, narrowed);
  }
  return narrowed;
}

/** Rule metadata as the family writes it: category, scope and the RBAC reference are added. */
type MetaInput = Omit<RuleMeta, 'category' | 'appliesTo' | 'references'> & { references?: string[] };

function withReferences(meta: MetaInput): Omit<RuleMeta, 'category' | 'appliesTo'> {
  return { ...meta, references: [...new Set([...(meta.references ?? []), RBAC_DOC, RBAC_GOOD])] };
}

interface CapabilityRuleSpec {
  meta: MetaInput;
  capabilities: Capability[];
  pointAt: 'resources' | 'verbs';
  /** What having the permission lets someone do, completing "...: ". */
  consequence: string;
  /** Further condition on the role (e.g. cluster-wide or not). */
  when?: (role: RoleInfo, context: RuleContext) => boolean;
  /**
   * What the requests one rule grants amount to, when that depends on them or on the target version:
   * the requests to name, the consequence and a severity of its own. Default: all of them, `consequence`.
   */
  judge?: (requests: Omit<ResourceRequest, 'namespace'>[], context: RuleContext) => { requests: Omit<ResourceRequest, 'namespace'>[]; consequence: string; severity?: Severity };
  examples: Rule['examples'];
}

function capabilityRule(spec: CapabilityRuleSpec): Rule {
  return defineRule({
    ...BASE,
    ...withReferences(spec.meta),
    appliesTo: ROLES,
    examples: spec.examples,
    check(resource, context) {
      const role = judgedRole(resource);
      if (!role || (spec.when && !spec.when(role, context))) return [];
      const out: Violation[] = [];
      for (const ref of role.ownRules) {
        const granted = spec.capabilities.flatMap((c) => allowedRequests(ref.rule, effectiveForRole(role, c)));
        if (granted.length === 0) continue;
        const { requests, consequence, severity } = spec.judge ? spec.judge(granted, context) : { requests: granted, consequence: spec.consequence, severity: undefined };
        out.push({
          ...responsibleEntry(resource, ref.index, ref.rule, spec.pointAt, requests),
          message: `${roleName(role)} rule ${ref.index + 1} grants ${describeRequests(requests)}: ${consequence}${boundTo(role, context)}`,
          ...(severity ? { severity } : {}),
        });
      }
      return out;
    },
  });
}

interface NamespaceIndex {
  /** `kind \0 namespace` present in the scan. */
  kindsInNamespace: Set<string>;
}
const namespaceIndexes = new ScopedCache<ResourceSet, NamespaceIndex>();

function namespaceIndex(set: ResourceSet): NamespaceIndex {
  let index = namespaceIndexes.get(set);
  if (!index) {
    index = { kindsInNamespace: new Set() };
    for (const r of set.all) {
      if (r.kind === 'Namespace') index.kindsInNamespace.add(`Namespace\u0000${r.name}`);
      else if (r.namespace) index.kindsInNamespace.add(`${r.kind}\u0000${r.namespace}`);
    }
    namespaceIndexes.set(set, index);
  }
  return index;
}

/** The scan plausibly holds every object of `kind` in `namespace`: the Namespace itself or some object of that kind is there. */
function namespaceCovered(set: ResourceSet, kind: string, namespace: string): boolean {
  const index = namespaceIndex(set);
  return index.kindsInNamespace.has(`Namespace\u0000${namespace}`) || index.kindsInNamespace.has(`${kind}\u0000${namespace}`);
}

/** Users and groups of the platform itself, and the service accounts of kube-system. */
function isSystemSubject(subject: SubjectInfo): boolean {
  if (subject.kind === 'ServiceAccount') return subject.namespace === 'kube-system';
  const sa = subject.kind === 'User' ? parseServiceAccountUser(subject.name) : undefined;
  if (sa) return sa.namespace === 'kube-system';
  return subject.name.startsWith('system:');
}

function bindingRule(
  meta: MetaInput,
  examples: Rule['examples'],
  judge: (binding: BindingInfo, role: RoleInfo | undefined, context: RuleContext, resource: Resource) => Violation[],
): Rule {
  return defineRule({
    ...BASE,
    ...withReferences(meta),
    appliesTo: BINDINGS,
    examples,
    check(resource, context) {
      const binding = bindingFromResource(resource);
      if (!binding) return [];
      return judge(binding, RbacModel.of(context.resources).roleOf(binding), context, resource);
    },
  });
}

function grantPhrase(binding: BindingInfo, role: RoleInfo | undefined): string {
  const where = binding.kind === 'ClusterRoleBinding' ? 'cluster-wide' : `in namespace "${binding.namespace}"`;
  return `${describeBinding(binding)} grants ${describeRole(role, binding.roleRef)} ${where}`;
}

// ---------------------------------------------------------------------------------------------
// Wildcards

function wildcardRule(id: string, field: 'verbs' | 'resources' | 'apiGroups', severity: RuleMeta['severity'], what: string, examples: Rule['examples']): Rule {
  return defineRule({
    ...BASE,
    id,
    title: `RBAC rule with wildcard ${what}`,
    severity,
    tags: ['rbac', 'least-privilege'],
    description: `A "*" in ${field} grants ${what === 'API groups' ? 'the listed resources in every API group, including groups added later by CRDs' : `every ${what === 'verbs' ? 'verb, including escalate, bind, impersonate and deletecollection' : 'resource and subresource (secrets, pods/exec, ...), including ones added later'}`}. Roles should list what they need.`,
    remediation: `Replace "*" in ${field} with the ${what} the workload or person actually uses.`,
    appliesTo: ROLES,
    examples,
    check(resource) {
      const role = judgedRole(resource);
      if (!role) return [];
      const out: Violation[] = [];
      for (const ref of role.ownRules) {
        if (!ref.rule[field].includes('*')) continue;
        const at = rawIndex(resource, ref.index, field, '*');
        out.push({
          path: rulePointer(ref.index, field, at),
          // The wildcard PolicyRule: the permissions it grants through "*" are folded into one finding.
          cause: rulePointer(ref.index),
          message: `${roleName(role)} rule ${ref.index + 1} grants ${field === 'verbs' ? 'every verb' : field === 'resources' ? 'every resource' : 'every API group'} with "*"${isFullAccessRule(ref.rule) ? ' (with "*" verbs, resources and groups it is full control, like cluster-admin)' : ''}`,
        });
      }
      return out;
    },
  });
}

const wildcardVerbs = wildcardRule('rbac-wildcard-verbs', 'verbs', 'medium', 'verbs', {
  valid: [
    `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: config-reader
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["get", "list", "watch"]
`,
  ],
  invalid: [
    `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-manager
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["*"]
`,
  ],
});

const wildcardResources = wildcardRule('rbac-wildcard-resources', 'resources', 'medium', 'resources', {
  valid: [
    `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: scaler
rules:
  - apiGroups: ["apps"]
    resources: ["*/scale"]
    verbs: ["get", "update"]
`,
  ],
  invalid: [
    `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules:
  - apiGroups: [""]
    resources: ["*"]
    verbs: ["get", "list"]
`,
  ],
});

const wildcardApiGroups = wildcardRule('rbac-wildcard-api-groups', 'apiGroups', 'low', 'API groups', {
  valid: [
    `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployer
  namespace: shop
rules:
  - apiGroups: ["apps"]
    resources: ["deployments"]
    verbs: ["get", "patch"]
`,
  ],
  invalid: [
    `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployer
  namespace: shop
rules:
  - apiGroups: ["*"]
    resources: ["deployments"]
    verbs: ["get", "patch"]
`,
  ],
});

// ---------------------------------------------------------------------------------------------
// Who receives permissions

const clusterAdminBinding = bindingRule(
  {
    id: 'rbac-cluster-admin-binding',
    title: 'cluster-admin bound to a user, group or service account',
    severity: 'critical',
    tags: ['rbac', 'least-privilege', 'privilege-escalation'],
    description:
      'cluster-admin (or any role with a "*" verbs / "*" resources / "*" API groups rule, including aggregated ones) is full control: every Secret, every workload, every RBAC object. Only the platform itself (system: users and groups, kube-system service accounts) should hold it. Through a RoleBinding it is full control of the namespace, Roles and RoleBindings included.',
    remediation: 'Bind a role with the verbs and resources the subject needs; keep cluster-admin for break-glass accounts managed outside the manifests.',
    references: [RBAC_GOOD],
  },
  {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: platform-admins
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: system:masters
`,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: devs-edit
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: edit
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: devs
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ci
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: deployer
    namespace: ci
`,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: everything
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: alice-everything
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: everything
subjects:
  - kind: User
    apiGroup: rbac.authorization.k8s.io
    name: alice
`,
    ],
  },
  (binding, role, context) => {
    if (!role || !RbacModel.of(context.resources).isFullAccess(role)) return [];
    return binding.subjects
      .filter((s) => !isSystemSubject(s))
      .map((s) => ({
        path: `/subjects/${s.index}`,
        message: `${grantPhrase(binding, role)} to ${describeSubject(s)}: full control${binding.kind === 'RoleBinding' ? ' of the namespace' : ' of the cluster'}`,
      }));
  },
);

const ANONYMOUS_USERS = new Set(['system:anonymous']);
const ANONYMOUS_GROUPS = new Set(['system:unauthenticated']);

const anonymousAccess = bindingRule(
  {
    id: 'rbac-anonymous-access',
    title: 'Permissions granted to anonymous requests',
    severity: 'critical',
    tags: ['rbac', 'authentication'],
    description:
      'A binding to the user system:anonymous or the group system:unauthenticated lets anyone who can reach the API server use those permissions without credentials. Only the built-in system:public-info-viewer (health and version endpoints) is bound to them by default.',
    remediation: 'Remove the anonymous subject; grant the permission to authenticated identities instead.',
    references: ['https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests'],
  },
  {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: public-info
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:public-info-viewer
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: system:unauthenticated
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: public-view
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: User
    apiGroup: rbac.authorization.k8s.io
    name: system:anonymous
`,
    ],
  },
  (binding, role) => {
    if (role?.kind === 'ClusterRole' && role.name === 'system:public-info-viewer') return [];
    return binding.subjects
      .filter((s) => (s.kind === 'User' && ANONYMOUS_USERS.has(s.name)) || (s.kind === 'Group' && ANONYMOUS_GROUPS.has(s.name)))
      .map((s) => ({ path: `/subjects/${s.index}`, message: `${grantPhrase(binding, role)} to ${describeSubject(s)}: anyone, without credentials` }));
  },
);

const EVERYONE_GROUPS: Record<string, string> = {
  'system:authenticated': 'every authenticated user and service account',
  'system:serviceaccounts': 'every service account in every namespace',
};

const allAuthenticatedAccess = bindingRule(
  {
    id: 'rbac-all-authenticated-access',
    title: 'Permissions granted to every authenticated user',
    severity: 'high',
    tags: ['rbac', 'least-privilege'],
    description:
      'The group system:authenticated holds every user with any valid credential and every service account of every pod; system:serviceaccounts holds every service account. A binding to them grants its role to all of those. The built-in discovery roles (system:basic-user, system:discovery, system:public-info-viewer) are bound to them by default and are not reported.',
    remediation: 'Bind the role to the users, groups or service accounts that need it.',
  },
  {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: discovery
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:discovery
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: system:authenticated
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: everyone-edits
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: edit
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: system:authenticated
`,
    ],
  },
  (binding, role) => {
    if (role?.kind === 'ClusterRole' && DISCOVERY_ROLES.has(role.name)) return [];
    return binding.subjects
      .filter((s) => s.kind === 'Group' && s.name in EVERYONE_GROUPS)
      .map((s) => ({ path: `/subjects/${s.index}`, message: `${grantPhrase(binding, role)} to ${describeSubject(s)}: ${EVERYONE_GROUPS[s.name]}` }));
  },
);

const defaultServiceAccountBound = bindingRule(
  {
    id: 'rbac-default-service-account-bound',
    title: 'Permissions granted to a default service account',
    severity: 'medium',
    tags: ['rbac', 'service-accounts', 'least-privilege'],
    description:
      'Every pod that names no service account runs as its namespace\'s "default" service account, so a permission granted to it is granted to all of them, including pods added later. Give the workload that needs the permission its own service account.',
    remediation: 'Create a service account for the workload, set serviceAccountName, and bind the role to that account instead of "default".',
    references: [SA_DOC],
  },
  {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: catalog-config
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: ServiceAccount
    name: catalog
    namespace: shop
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: default-view
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: ServiceAccount
    name: default
`,
    ],
  },
  (binding, role, context) => {
    // A role that exists and grants nothing gives the default account nothing.
    if (role && RbacModel.of(context.resources).rulesOf(role).length === 0) return [];
    const out: Violation[] = [];
    for (const s of binding.subjects) {
      const sa = s.kind === 'ServiceAccount' ? { namespace: s.namespace, name: s.name } : s.kind === 'User' ? parseServiceAccountUser(s.name) : undefined;
      if (!sa || sa.name !== 'default' || !sa.namespace) continue;
      out.push({ path: `/subjects/${s.index}`, message: `${grantPhrase(binding, role)} to the default service account of namespace "${sa.namespace}": every pod there without its own service account gets it` });
    }
    return out;
  },
);

const bindingRoleNotFound = bindingRule(
  {
    id: 'rbac-binding-role-not-found',
    title: 'Binding refers to a role that does not exist',
    severity: 'medium',
    tags: ['rbac', 'correctness'],
    description:
      'A binding whose roleRef names a missing role grants nothing today, and silently grants whatever a role created later under that name holds. Reported only when the scan could hold the role: a ClusterRole that is not a built-in one, or a Role in a namespace whose Roles (or Namespace object) are in the scan. The Roles the API server creates in kube-system and kube-public (extension-apiserver-authentication-reader, system::leader-locking-kube-scheduler, ...) are built-in. A ClusterRoleBinding can only refer to a ClusterRole.',
    remediation: 'Fix roleRef (kind and name), add the missing role to the manifests, or delete the binding.',
  },
  {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: lease-holder
  namespace: shop
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["get", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: orders-lease
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: lease-holder
subjects:
  - kind: ServiceAccount
    name: orders
`,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: readers
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: Group
    apiGroup: rbac.authorization.k8s.io
    name: auditors
`,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: adapter-config
  namespace: kube-system
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    resourceNames: ["adapter-config"]
    verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: metrics-adapter-auth-reader
  namespace: kube-system
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: extension-apiserver-authentication-reader
subjects:
  - kind: ServiceAccount
    name: metrics-adapter
    namespace: monitoring
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: monitoring
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: prometheus-reader
subjects:
  - kind: ServiceAccount
    name: prometheus
    namespace: monitoring
`,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: lease-holder
  namespace: shop
rules:
  - apiGroups: ["coordination.k8s.io"]
    resources: ["leases"]
    verbs: ["get", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: orders-lease
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: leaseholder
subjects:
  - kind: ServiceAccount
    name: orders
`,
    ],
  },
  (binding, role, context) => {
    if (role) return [];
    const ref = binding.roleRef;
    if (!ref) return [{ path: '/roleRef', message: `${describeBinding(binding)} has no roleRef with a kind and a name: it grants nothing` }];
    if (binding.kind === 'ClusterRoleBinding' && ref.kind !== 'ClusterRole')
      return [{ path: '/roleRef', message: `${describeBinding(binding)} refers to ${ref.kind} "${ref.name}", but a ClusterRoleBinding can only refer to a ClusterRole` }];
    if (ref.kind === 'ClusterRole') {
      if (isBootstrapClusterRoleName(ref.name)) return [];
      return [{ path: '/roleRef', message: `${describeBinding(binding)} refers to ClusterRole "${ref.name}", which is not in the scanned manifests and is not a built-in role` }];
    }
    if (ref.kind === 'Role') {
      const ns = binding.namespace ?? 'default';
      if (!namespaceCovered(context.resources, 'Role', ns)) return [];
      // A RoleBinding to a built-in Role of kube-system, written in the application's namespace.
      const builtIn = bootstrapRoleNamespaces(ref.name);
      const hint = builtIn.length > 0 ? `; the built-in Role of that name is in ${builtIn.map((n) => `"${n}"`).join(' and ')}, where the RoleBinding must be to use it` : '';
      return [{ path: '/roleRef', message: `${describeBinding(binding)} refers to Role "${ref.name}", which namespace "${ns}" does not hold in the scanned manifests${hint}` }];
    }
    return [{ path: '/roleRef', message: `${describeBinding(binding)} refers to a "${ref.kind}", which is neither Role nor ClusterRole` }];
  },
);

const bindingSubjectNotFound = bindingRule(
  {
    id: 'rbac-binding-subject-not-found',
    title: 'Binding names a service account that does not exist',
    severity: 'low',
    tags: ['rbac', 'correctness', 'service-accounts'],
    description:
      'A ServiceAccount subject with no matching ServiceAccount is a leftover or a typo: the workload that was meant to get the permission does not, and whoever later creates an account of that name does. Reported only when the scan holds the namespace (its Namespace object or some ServiceAccount in it); "default" always exists.',
    remediation: 'Fix the subject\'s name or namespace, add the ServiceAccount, or remove the subject.',
    references: [SA_DOC],
  },
  {
    valid: [
      `apiVersion: v1
kind: ServiceAccount
metadata:
  name: orders
  namespace: shop
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: orders-view
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: ServiceAccount
    name: orders
    namespace: shop
`,
    ],
    invalid: [
      `apiVersion: v1
kind: ServiceAccount
metadata:
  name: orders
  namespace: shop
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: orders-view
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: ServiceAccount
    name: order
    namespace: shop
`,
    ],
  },
  (binding, _role, context) => {
    const out: Violation[] = [];
    for (const s of binding.subjects) {
      if (s.kind !== 'ServiceAccount' || !s.namespace || s.name === 'default') continue;
      if (!namespaceCovered(context.resources, 'ServiceAccount', s.namespace)) continue;
      if (context.resources.find('ServiceAccount', s.namespace, s.name)) continue;
      out.push({ path: `/subjects/${s.index}`, message: `${describeBinding(binding)} names ServiceAccount "${s.namespace}/${s.name}", which is not in the scanned manifests` });
    }
    return out;
  },
);

// ---------------------------------------------------------------------------------------------
// Dangerous permissions, reported where they are written

/** A ClusterRole acts cluster-wide when a ClusterRoleBinding grants it, or when nothing in the scan binds it yet. */
function clusterWide(role: RoleInfo, context: RuleContext): boolean {
  if (role.kind !== 'ClusterRole') return false;
  const bindings = RbacModel.of(context.resources).bindingsOf(role);
  return bindings.length === 0 || bindings.some((b) => b.kind === 'ClusterRoleBinding');
}

/**
 * What reading Secrets amounts to. list and watch return every Secret with its data; get reads one
 * Secret by name, so it reaches any Secret whose name is known. Names are seldom secret: they are
 * fixed by the software that uses them (argocd-secret, sh.helm.release.v1.<release>.v<n>, a
 * Certificate's <name>-tls) and written in the pod specs that mount them. CIS Benchmark 5.1.2
 * ("Minimize access to secrets") counts get, list and watch alike, and the RBAC good practices say get
 * reveals a Secret's contents: a get-only grant keeps the rule's severity, and the message says what it
 * needs. Since Kubernetes 1.24 no service account token Secret is created on its own (legacy ones
 * remain where they were made, or are made by hand), so tokens are not named as a general fact.
 */
function secretsJudge(scope: string): NonNullable<CapabilityRuleSpec['judge']> {
  return (granted) => {
    if (granted.some((q) => q.verb === 'list' || q.verb === 'watch'))
      return { requests: granted, consequence: `every Secret of ${scope} with its data (passwords, keys, tokens; legacy service account token Secrets included where they still exist)` };
    return {
      requests: granted,
      consequence: `any Secret of ${scope} whose name is known: get reads one Secret by name, and names are often predictable (fixed by the software that uses them) or visible in the pod specs that mount them`,
    };
  };
}

const secretsReadClusterWide = capabilityRule({
  meta: {
    id: 'rbac-secrets-read-cluster-wide',
    title: 'ClusterRole reads Secrets in every namespace',
    severity: 'high',
    tags: ['rbac', 'secrets', 'least-privilege'],
    description:
      'get, list or watch on secrets in a ClusterRole bound cluster-wide (or not yet bound) reads the Secrets of every namespace: passwords, TLS keys, ' +
      'cloud and registry credentials, and the tokens of legacy service account token Secrets where they still exist (none is created on its own since ' +
      'Kubernetes 1.24), which let the holder act as those accounts. list and watch return every Secret with its data; get reads one Secret by name, ' +
      'which reaches any Secret whose name is known: names are fixed by the software that uses them or written in the pod specs that mount them, so ' +
      'get alone is reported at the same severity, as CIS Benchmark 5.1.2 counts get, list and watch alike; the message says which it is. ' +
      'Rules limited by resourceNames are not reported.',
    remediation: 'Grant Secret access in a Role in the namespace that needs it, limited with resourceNames to the Secrets it reads.',
  },
  capabilities: [CAPABILITIES['read-secrets']],
  pointAt: 'resources',
  consequence: 'the Secrets of every namespace',
  judge: secretsJudge('every namespace'),
  when: clusterWide,
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: cert-reader
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["wildcard-tls"]
    verbs: ["get"]
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: secret-reader
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get", "list", "watch"]
`,
    ],
  },
});

const secretsRead = capabilityRule({
  meta: {
    id: 'rbac-secrets-read',
    title: 'Role reads all Secrets of a namespace',
    severity: 'medium',
    tags: ['rbac', 'secrets', 'least-privilege'],
    description:
      'get, list or watch on secrets without resourceNames, in a Role or a ClusterRole granted only through RoleBindings, reads the Secrets of the namespace ' +
      '(and the tokens of legacy service account token Secrets there, where they still exist). list and watch return the Secrets\' contents, not just their names; ' +
      'get reads any Secret whose name is known.',
    remediation: 'Limit the rule with resourceNames to the Secrets the workload reads, with the get verb only; or mount the Secret as a volume instead of reading it through the API.',
  },
  capabilities: [CAPABILITIES['read-secrets']],
  pointAt: 'resources',
  consequence: 'the Secrets of the namespace',
  judge: secretsJudge('the namespace'),
  when: (role, context) => role.kind === 'Role' || !clusterWide(role, context),
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: payments-keys
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["payments-provider"]
    verbs: ["get"]
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: secret-lister
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["configmaps", "secrets"]
    verbs: ["list"]
`,
    ],
  },
});

const createPods = capabilityRule({
  meta: {
    id: 'rbac-create-pods',
    title: 'Role creates pods or workloads',
    severity: 'medium',
    tags: ['rbac', 'privilege-escalation'],
    description:
      'Whoever can create pods (or create or change Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs or ReplicationControllers, which create pods) in a namespace can run a pod as any service account of that namespace, mount any of its Secrets, and, unless Pod Security admission stops it, run privileged on a node. It is as powerful as every service account of the namespace together.',
    remediation: 'Keep workload creation to deployment pipelines; enforce the restricted Pod Security Standard on the namespace; avoid giving powerful service accounts to namespaces where others create pods.',
    references: [RBAC_GOOD],
  },
  capabilities: [CAPABILITIES['create-pods'], CAPABILITIES['create-workloads']],
  pointAt: 'resources',
  consequence: 'its subjects can run pods as any service account of the namespace and read any Secret there through a mount',
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-watcher
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods", "pods/log"]
    verbs: ["get", "list", "watch"]
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: job-runner
  namespace: shop
rules:
  - apiGroups: ["batch"]
    resources: ["jobs"]
    verbs: ["create", "get"]
`,
    ],
  },
});

/**
 * exec, attach and port-forward at the target Kubernetes version (streamVerbsThatSuffice): `create`
 * always opens a session (SPDY, a POST); `get` alone does over a WebSocket before 1.35, and from 1.35
 * only where the AuthorizePodWebsocketUpgradeCreatePermission gate (beta, on by default) is off.
 */
function streamJudge(consequence: string, session: string): NonNullable<CapabilityRuleSpec['judge']> {
  return (granted, context) => {
    const [major, minor] = targetVersion(context.settings.kubernetesVersion);
    const target = `${major}.${minor}`;
    const suffice = streamVerbsThatSuffice(major > 1 ? Number.POSITIVE_INFINITY : minor);
    const effective = granted.filter((q) => suffice.includes(q.verb));
    if (effective.some((q) => q.verb === 'create')) return { requests: effective, consequence };
    if (effective.length > 0)
      return {
        requests: effective,
        consequence:
          `${consequence}: get alone opens ${session} over a WebSocket on clusters before Kubernetes 1.${WEBSOCKET_CREATE_CHECK_MINOR} (the target is ${target}), ` +
          'and on later ones with the AuthorizePodWebsocketUpgradeCreatePermission feature gate off',
      };
    return {
      requests: granted,
      severity: 'low',
      consequence:
        `get alone opens ${session} over a WebSocket only on clusters before Kubernetes 1.${WEBSOCKET_CREATE_CHECK_MINOR} or with the ` +
        `AuthorizePodWebsocketUpgradeCreatePermission feature gate off; from 1.${WEBSOCKET_CREATE_CHECK_MINOR} (the target is ${target}) create is needed as well`,
    };
  };
}

const podExec = capabilityRule({
  meta: {
    id: 'rbac-pod-exec',
    title: 'Role allows exec into or attach to pods',
    severity: 'high',
    tags: ['rbac', 'privilege-escalation'],
    description:
      'pods/exec and pods/attach run commands in (or take over the terminal of) running containers: the holder gets the container\'s files, its environment with any Secrets, and its service account token if one is mounted. ' +
      'create opens a session (SPDY, a POST request). A WebSocket session is a GET request, authorized as get: before Kubernetes 1.35 get alone is enough ' +
      '(kubernetes/kubernetes#78741); from 1.35 the AuthorizePodWebsocketUpgradeCreatePermission feature gate (beta, on by default) makes the API server require create as well. ' +
      'So a rule granting get without create is judged at the target version (setting `kubernetesVersion`; the API server\'s in `kshield cluster`): high before 1.35, low from 1.35 (it still opens sessions where the gate is turned off). A rule limited to named pods is still reported.',
    remediation: 'Remove pods/exec and pods/attach; debug with logs and metrics, or grant exec only temporarily to named people.',
    references: [RBAC_GOOD],
  },
  capabilities: [CAPABILITIES['exec-pods']],
  pointAt: 'resources',
  consequence: 'its subjects can run commands in running containers and take their secrets and tokens',
  judge: streamJudge('its subjects can run commands in running containers and take their secrets and tokens', 'an exec or attach session'),
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["*"]
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: debugger
rules:
  - apiGroups: [""]
    resources: ["pods", "pods/exec"]
    verbs: ["get", "create"]
`,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: attacher
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["*/attach"]
    verbs: ["create"]
`,
    ],
  },
});

const podPortForward = capabilityRule({
  meta: {
    id: 'rbac-pod-port-forward',
    title: 'Role allows port-forwarding to pods',
    severity: 'medium',
    tags: ['rbac', 'network'],
    description:
      'pods/portforward opens a tunnel from the holder\'s machine to any port of a pod, past Services, Ingresses and NetworkPolicies. ' +
      'As for rbac-pod-exec, get without create is judged at the target version: it opens the tunnel over a WebSocket before Kubernetes 1.35, ' +
      'and from 1.35 only with the AuthorizePodWebsocketUpgradeCreatePermission feature gate off (then reported as low).',
    remediation: 'Remove pods/portforward, or limit it to named pods for the people who debug them.',
  },
  capabilities: [CAPABILITIES['port-forward']],
  pointAt: 'resources',
  consequence: 'its subjects can reach any port of the pods, bypassing NetworkPolicies',
  judge: streamJudge('its subjects can reach any port of the pods, bypassing NetworkPolicies', 'a port-forward tunnel'),
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: log-reader
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods/log"]
    verbs: ["get"]
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: tunnel
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["pods/portforward"]
    verbs: ["create"]
`,
    ],
  },
});

const escalateBind = capabilityRule({
  meta: {
    id: 'rbac-escalate-bind',
    title: 'Role allows the escalate or bind verbs',
    severity: 'high',
    tags: ['rbac', 'privilege-escalation'],
    description:
      'RBAC stops users from granting permissions they do not hold, except for those with escalate (write roles with any permission) or bind (bind any role, cluster-admin included) on roles or clusterroles. Either turns a role editor into a cluster admin.',
    remediation: 'Remove escalate and bind (and "*" verbs on roles and clusterroles); if a controller needs bind, limit it with resourceNames to the roles it hands out.',
    references: [ESCALATION_DOC],
  },
  capabilities: [CAPABILITIES.escalate, CAPABILITIES.bind],
  pointAt: 'verbs',
  consequence: 'its subjects can give themselves any permission',
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: rbac-viewer
rules:
  - apiGroups: ["rbac.authorization.k8s.io"]
    resources: ["roles", "rolebindings", "clusterroles", "clusterrolebindings"]
    verbs: ["get", "list", "watch"]
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: role-granter
rules:
  - apiGroups: ["rbac.authorization.k8s.io"]
    resources: ["clusterroles"]
    verbs: ["bind"]
  - apiGroups: ["rbac.authorization.k8s.io"]
    resources: ["clusterrolebindings"]
    verbs: ["create"]
`,
    ],
  },
});

const impersonate = capabilityRule({
  meta: {
    id: 'rbac-impersonate',
    title: 'Role allows impersonation',
    severity: 'high',
    tags: ['rbac', 'privilege-escalation'],
    description:
      'The impersonate verb on users, groups, serviceaccounts, uids or userextras lets the holder act as those identities (kubectl --as, --as-group). Impersonating the group system:masters, or any user or service account with more rights, is a direct escalation. A rule limited to named identities is still reported.',
    remediation: 'Remove impersonate, or limit it with resourceNames to identities with no more rights than the holder.',
    references: [IMPERSONATION_DOC],
  },
  capabilities: [CAPABILITIES.impersonate],
  pointAt: 'verbs',
  consequence: 'its subjects can act as other identities',
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: user-viewer
rules:
  - apiGroups: [""]
    resources: ["serviceaccounts"]
    verbs: ["get", "list"]
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: impersonator
rules:
  - apiGroups: [""]
    resources: ["users", "groups"]
    verbs: ["impersonate"]
`,
    ],
  },
});

const nodesProxy = capabilityRule({
  meta: {
    id: 'rbac-nodes-proxy',
    title: 'ClusterRole allows nodes/proxy',
    severity: 'high',
    tags: ['rbac', 'privilege-escalation', 'node'],
    description:
      'nodes/proxy reaches the kubelet API of every node through the API server: with create it runs commands in any container on the node (the kubelet\'s exec endpoint), bypassing the audit of pods/exec. Even get reads every pod\'s spec and logs.',
    remediation: 'Grant monitoring agents nodes/metrics, nodes/stats or nodes/log instead of nodes/proxy.',
    references: [KUBELET_AUTHZ_DOC],
  },
  capabilities: [CAPABILITIES['nodes-proxy']],
  pointAt: 'resources',
  consequence: 'its subjects can reach the kubelet API of every node',
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: metrics-scraper
rules:
  - apiGroups: [""]
    resources: ["nodes/metrics", "nodes/stats"]
    verbs: ["get"]
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: node-debugger
rules:
  - apiGroups: [""]
    resources: ["nodes", "nodes/proxy"]
    verbs: ["get"]
`,
    ],
  },
});

const serviceAccountToken = capabilityRule({
  meta: {
    id: 'rbac-serviceaccount-token',
    title: 'Role creates service account tokens',
    severity: 'high',
    tags: ['rbac', 'privilege-escalation', 'service-accounts'],
    description: 'create on serviceaccounts/token issues a token for a service account (kubectl create token): the holder can then act as that account with all its permissions.',
    remediation: 'Remove serviceaccounts/token, or limit it with resourceNames to the accounts the holder may act as.',
    references: [SA_DOC],
  },
  capabilities: [CAPABILITIES['serviceaccount-token']],
  pointAt: 'resources',
  consequence: 'its subjects can act as those service accounts',
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: sa-viewer
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["serviceaccounts"]
    verbs: ["get", "list"]
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: token-minter
  namespace: shop
rules:
  - apiGroups: [""]
    resources: ["serviceaccounts/token"]
    verbs: ["create"]
`,
    ],
  },
});

const approveCsr = capabilityRule({
  meta: {
    id: 'rbac-approve-csr',
    title: 'ClusterRole approves certificate signing requests',
    severity: 'high',
    tags: ['rbac', 'privilege-escalation', 'certificates'],
    description:
      'approve on signers (certificates.k8s.io), together with update on certificatesigningrequests/approval, approves CSRs. For the kubernetes.io/kube-apiserver-client signer that is a client certificate for any user or group, system:masters included. A rule limited to named signers is still reported.',
    remediation: 'Leave CSR approval to the controller manager and dedicated approvers; never grant approve on kubernetes.io/kube-apiserver-client.',
    references: [CSR_DOC],
  },
  capabilities: [CAPABILITIES['approve-csr']],
  pointAt: 'verbs',
  consequence: 'its subjects can approve certificates that authenticate as any identity the signer issues',
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: csr-viewer
rules:
  - apiGroups: ["certificates.k8s.io"]
    resources: ["certificatesigningrequests"]
    verbs: ["get", "list", "watch"]
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: csr-approver
rules:
  - apiGroups: ["certificates.k8s.io"]
    resources: ["certificatesigningrequests/approval"]
    verbs: ["update"]
  - apiGroups: ["certificates.k8s.io"]
    resources: ["signers"]
    resourceNames: ["kubernetes.io/kube-apiserver-client"]
    verbs: ["approve"]
`,
    ],
  },
});

const admissionWebhookModify = capabilityRule({
  meta: {
    id: 'rbac-admission-webhook-modify',
    title: 'ClusterRole changes admission webhooks or policies',
    severity: 'high',
    tags: ['rbac', 'admission'],
    description:
      'create, update, patch or delete on validating or mutating webhook configurations (or admission policies and their bindings) can switch off the checks that enforce policy, or send every object written to the cluster, Secrets included, to a webhook of the holder\'s choosing.',
    remediation: 'Keep admission configuration with the cluster administrators and the controllers that own their webhooks (limited by resourceNames).',
    references: ['https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/'],
  },
  capabilities: [CAPABILITIES['modify-admission']],
  pointAt: 'resources',
  consequence: 'its subjects can disable admission checks or intercept objects',
  examples: {
    valid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: webhook-viewer
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"]
    verbs: ["get", "list", "watch"]
`,
    ],
    invalid: [
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: webhook-editor
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["mutatingwebhookconfigurations"]
    verbs: ["get", "patch"]
`,
    ],
  },
});

export const rbacRules: readonly Rule[] = [
  clusterAdminBinding,
  anonymousAccess,
  allAuthenticatedAccess,
  defaultServiceAccountBound,
  bindingRoleNotFound,
  bindingSubjectNotFound,
  wildcardVerbs,
  wildcardResources,
  wildcardApiGroups,
  secretsReadClusterWide,
  secretsRead,
  createPods,
  podExec,
  podPortForward,
  escalateBind,
  impersonate,
  nodesProxy,
  serviceAccountToken,
  approveCsr,
  admissionWebhookModify,
];
