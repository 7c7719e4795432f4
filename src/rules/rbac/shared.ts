/** Helpers the rbac rules share. */
import type { Rule, RuleContext, RuleMeta } from '../../engine/rule.js';
import type { Resource, Violation } from '../../core/types.js';
import type { ResourceSet } from '../../k8s/resource-set.js';
import { RbacModel, bindingFromResource, describeBinding, describeRole, describeSubject, isFullAccessRule, rawIndex, resourceEntryMatches, roleFromResource, rulePointer, type BindingInfo, type PolicyRule, type RoleInfo, type ResourceRequest } from '../../analysis/rbac.js';
import { WEBSOCKET_CREATE_CHECK_MINOR, allowedRequests, describeRequests, streamVerbsThatSuffice, type Capability } from '../../analysis/rbac-capabilities.js';
import { targetVersion } from '../metadata/shared.js';
import type { Severity } from '../../core/types.js';
import { resourceInfo } from '../../analysis/rbac-resources.js';
import { defineRule } from '../define.js';
import { ScopedCache } from '../../core/scoped-cache.js';

export const RBAC_DOC = 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/';

export const RBAC_GOOD = 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/';

export const SA_DOC = 'https://kubernetes.io/docs/concepts/security/service-accounts/';

export const ROLES = ['Role', 'ClusterRole'];

export const BINDINGS = ['RoleBinding', 'ClusterRoleBinding'];

/**
 * Every RBAC rule reads the same kinds, so they share one ResourceSet and one RbacModel: roles and
 * bindings (who is granted what), ServiceAccounts and Namespaces (is a missing subject or role
 * really missing), CRDs (whether a custom resource is namespaced).
 */
export const RBAC_READS = ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ServiceAccount', 'Namespace', 'CustomResourceDefinition'];

export const BASE: Pick<RuleMeta, 'category' | 'references' | 'reads'> = { category: 'rbac', references: [RBAC_DOC, RBAC_GOOD], reads: RBAC_READS };

// ---------------------------------------------------------------------------------------------
// Helpers

export function roleName(role: RoleInfo): string {
  return role.kind === 'Role' ? `Role "${role.namespace}/${role.name}"` : `ClusterRole "${role.name}"`;
}

/**
 * The role a rule judges, unless it is aggregated (its own rules are not what it grants) or one of
 * the API server's default roles as a cluster dump shows them (labelled kubernetes.io/bootstrapping).
 */
export function judgedRole(resource: Resource): RoleInfo | undefined {
  const role = roleFromResource(resource);
  if (!role || role.aggregation || role.labels['kubernetes.io/bootstrapping'] === 'rbac-defaults') return undefined;
  return role;
}

/** " (bound to ServiceAccount shop/x by ClusterRoleBinding x)" from the bindings in the scan. */
export function boundTo(role: RoleInfo, context: RuleContext): string {
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
export function responsibleEntry(
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

export const namespacedOnly = new Map<Capability, Capability>();

/** A Role's rules only act inside its namespace: requests for cluster-scoped resources are not granted by it. */
export function effectiveForRole(role: RoleInfo, capability: Capability): Capability {
  if (role.kind !== 'Role') return capability;
  let narrowed = namespacedOnly.get(capability);
  if (!narrowed) {
    narrowed = { ...capability, requests: capability.requests.filter((q) => resourceInfo(q.resource, q.apiGroup)?.namespaced !== false) };
    namespacedOnly.set(capability, narrowed);
  }
  return narrowed;
}

/** Rule metadata as the family writes it: category, scope and the RBAC reference are added. */
export type MetaInput = Omit<RuleMeta, 'category' | 'appliesTo' | 'references'> & { references?: string[] };

export function withReferences(meta: MetaInput): Omit<RuleMeta, 'category' | 'appliesTo'> {
  return { ...meta, references: [...new Set([...(meta.references ?? []), RBAC_DOC, RBAC_GOOD])] };
}

export interface CapabilityRuleSpec {
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

export function capabilityRule(spec: CapabilityRuleSpec): Rule {
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

export interface NamespaceIndex {
  /** `kind \0 namespace` present in the scan. */
  kindsInNamespace: Set<string>;
}

export const namespaceIndexes = new ScopedCache<ResourceSet, NamespaceIndex>();

export function namespaceIndex(set: ResourceSet): NamespaceIndex {
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
export function namespaceCovered(set: ResourceSet, kind: string, namespace: string): boolean {
  const index = namespaceIndex(set);
  return index.kindsInNamespace.has(`Namespace\u0000${namespace}`) || index.kindsInNamespace.has(`${kind}\u0000${namespace}`);
}

export function bindingRule(
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

export function grantPhrase(binding: BindingInfo, role: RoleInfo | undefined): string {
  const where = binding.kind === 'ClusterRoleBinding' ? 'cluster-wide' : `in namespace "${binding.namespace}"`;
  return `${describeBinding(binding)} grants ${describeRole(role, binding.roleRef)} ${where}`;
}

// ---------------------------------------------------------------------------------------------
// Wildcards

export function wildcardRule(id: string, field: 'verbs' | 'resources' | 'apiGroups', severity: RuleMeta['severity'], what: string, examples: Rule['examples']): Rule {
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

// ---------------------------------------------------------------------------------------------
// Dangerous permissions, reported where they are written

/** A ClusterRole acts cluster-wide when a ClusterRoleBinding grants it, or when nothing in the scan binds it yet. */
export function clusterWide(role: RoleInfo, context: RuleContext): boolean {
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
export function secretsJudge(scope: string): NonNullable<CapabilityRuleSpec['judge']> {
  return (granted) => {
    if (granted.some((q) => q.verb === 'list' || q.verb === 'watch'))
      return { requests: granted, consequence: `every Secret of ${scope} with its data (passwords, keys, tokens; legacy service account token Secrets included where they still exist)` };
    return {
      requests: granted,
      consequence: `any Secret of ${scope} whose name is known: get reads one Secret by name, and names are often predictable (fixed by the software that uses them) or visible in the pod specs that mount them`,
    };
  };
}

/**
 * exec, attach and port-forward at the target Kubernetes version (streamVerbsThatSuffice): `create`
 * always opens a session (SPDY, a POST); `get` alone does over a WebSocket before 1.35, and from 1.35
 * only where the AuthorizePodWebsocketUpgradeCreatePermission gate (beta, on by default) is off.
 */
export function streamJudge(consequence: string, session: string): NonNullable<CapabilityRuleSpec['judge']> {
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
