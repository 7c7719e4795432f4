/**
 * Kubernetes RBAC authorization, evaluated the way the API server's RBAC authorizer does
 * (plugin/pkg/auth/authorizer/rbac, documented at
 * https://kubernetes.io/docs/reference/access-authn-authz/rbac/), over the scanned objects.
 * Used by the rbac-* rules and by `kshield rbac who-can | access | paths`.
 *
 * Matching a request against a PolicyRule:
 * - verbs: `*` or the request verb; apiGroups: `*` or the request group (`""` is the core group; a rule
 *   with no apiGroups matches no resource request, which is why the API server rejects it).
 * - resources: `*` matches every resource and subresource; otherwise the rule entry must equal
 *   `resource` or `resource/subresource` exactly, so `pods` does not grant `pods/exec`. An entry
 *   made of a star, a slash and a subresource name (as in "star-slash-scale") matches that
 *   subresource of any resource. "pods" slash star is not a pattern: it only matches a
 *   subresource literally named "*".
 * - resourceNames: empty matches any name; otherwise the request must carry one of the names. Requests
 *   without a name (create of a new object, list, watch, deletecollection) therefore never match a rule
 *   with resourceNames (list/watch carry a name only with a `metadata.name` field selector).
 * - nonResourceURLs: `*`, an exact path, or a prefix when the entry ends in `*`. They are only checked
 *   for non-resource requests, which are never namespaced, so only ClusterRoleBindings grant them.
 *
 * Bindings: a ClusterRoleBinding grants its ClusterRole everywhere; a RoleBinding grants its Role or
 * ClusterRole only inside the binding's namespace (and never for cluster-scoped resources). Subjects:
 * User and Group match by name; a ServiceAccount subject matches the user
 * `system:serviceaccount:<ns>:<name>` (its namespace defaults to the RoleBinding's). A service account
 * is in the groups `system:serviceaccounts`, `system:serviceaccounts:<ns>` and `system:authenticated`;
 * an anonymous request is the user `system:anonymous` in the group `system:unauthenticated`.
 *
 * Aggregated ClusterRoles: the rules of a ClusterRole with an `aggregationRule` are the union of the
 * rules of every other ClusterRole one of its `clusterRoleSelectors` selects (label selectors with the
 * shared semantics of core/labels.ts), whatever the aggregate lists itself; aggregation is transitive.
 *
 * Namespaced RBAC objects without metadata.namespace are analysed as if in `default`, where kubectl
 * puts them without `-n`, unless the loader placed them (`--apply-namespace`, sources/placement.ts). Bootstrap ClusterRoles, and the bootstrap Roles of kube-system and
 * kube-public, come from rbac-bootstrap.ts unless the scan holds a role of the same kind, namespace
 * and name.
 */
import type { JsonObject, Resource } from '../core/types.js';
import type { ResourceSet } from '../k8s/resource-set.js';
import { asArray, fieldAt, isObject, asObject, asString } from '../core/values.js';
import { labelsOf, matchesParsed, parseLabelSelector, type ParsedSelector } from '../k8s/labels.js';
import { BOOTSTRAP_CLUSTER_ROLES, BOOTSTRAP_NAMESPACE_ROLES } from './rbac-bootstrap.js';
import { ScopedCache } from '../core/scoped-cache.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const DEFAULT_NAMESPACE = 'default';

// ---------------------------------------------------------------------------------------------
// Policy rules and requests

export interface PolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

/** Reads a PolicyRule from a manifest; entries that are not strings are dropped (the API would reject them). */
export function parsePolicyRule(raw: unknown): PolicyRule | undefined {
  if (!isObject(raw)) return undefined;
  const strings = (v: unknown): string[] => asArray(v).filter((x): x is string => typeof x === 'string');
  return {
    verbs: strings(raw.verbs),
    apiGroups: strings(raw.apiGroups),
    resources: strings(raw.resources),
    resourceNames: strings(raw.resourceNames),
    nonResourceURLs: strings(raw.nonResourceURLs),
  };
}

export interface ResourceRequest {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  /** The object's name; absent for create, list, watch and deletecollection. */
  name?: string;
  /** "" for cluster-scoped resources and for requests across all namespaces. */
  namespace: string;
}

export interface NonResourceRequest {
  verb: string;
  path: string;
}

export type AccessRequest = ResourceRequest | NonResourceRequest;

function isResourceRequest(request: AccessRequest): request is ResourceRequest {
  return 'resource' in request;
}

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.some((v) => v === '*' || v === verb);
}

function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return rule.apiGroups.some((g) => g === '*' || g === group);
}

/** One entry of `resources` against a request (the authorizer's ResourceMatches, entry by entry). */
export function resourceEntryMatches(entry: string, resource: string, subresource: string | undefined): boolean {
  if (entry === '*') return true;
  const combined = subresource ? `${resource}/${subresource}` : resource;
  if (entry === combined) return true;
  return !!subresource && entry === `*/${subresource}`;
}

function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  return rule.resources.some((e) => resourceEntryMatches(e, resource, subresource));
}

function resourceNameMatches(rule: PolicyRule, name: string | undefined): boolean {
  if (rule.resourceNames.length === 0) return true;
  return name !== undefined && name !== '' && rule.resourceNames.includes(name);
}

function nonResourceURLEntryMatches(entry: string, path: string): boolean {
  if (entry === '*' || entry === path) return true;
  return entry.endsWith('*') && path.startsWith(entry.replace(/\*+$/, ''));
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return rule.nonResourceURLs.some((e) => nonResourceURLEntryMatches(e, path));
}

/** Does this one rule allow the request? (RuleAllows in the authorizer.) */
export function ruleAllows(rule: PolicyRule, request: AccessRequest): boolean {
  if (!isResourceRequest(request)) return verbMatches(rule, request.verb) && nonResourceURLMatches(rule, request.path);
  return (
    verbMatches(rule, request.verb) &&
    apiGroupMatches(rule, request.apiGroup) &&
    resourceMatches(rule, request.resource, request.subresource) &&
    resourceNameMatches(rule, request.name)
  );
}

/** Like ruleAllows, but whatever the rule's resourceNames: "could this rule allow it for some object?". */
export function ruleAllowsSomeName(rule: PolicyRule, request: ResourceRequest): boolean {
  return verbMatches(rule, request.verb) && apiGroupMatches(rule, request.apiGroup) && resourceMatches(rule, request.resource, request.subresource);
}

/** A rule granting every verb on every resource of every group, for any name: cluster-admin's first rule. */
export function isFullAccessRule(rule: PolicyRule): boolean {
  return rule.verbs.includes('*') && rule.apiGroups.includes('*') && rule.resources.includes('*') && rule.resourceNames.length === 0;
}

// ---------------------------------------------------------------------------------------------
// Roles, bindings, subjects

export type RoleKind = 'Role' | 'ClusterRole';

export interface RoleInfo {
  kind: RoleKind;
  name: string;
  /** Roles only. */
  namespace?: string;
  /** The scanned object; undefined for a bootstrap role the scan does not hold. */
  resource?: Resource;
  bootstrap: boolean;
  labels: Record<string, string>;
  /** The role's own rules, with their index in `rules` (ignored for aggregated ClusterRoles). */
  ownRules: RuleRef[];
  /** Selectors of `aggregationRule.clusterRoleSelectors`; undefined when the role is not aggregated. */
  aggregation?: ParsedSelector[];
}

/** A rule and where it is written: the role and its index in that role's `rules`. */
export interface RuleRef {
  rule: PolicyRule;
  role: RoleInfo;
  index: number;
}

export type SubjectKind = 'User' | 'Group' | 'ServiceAccount';

export interface SubjectInfo {
  kind: SubjectKind;
  name: string;
  /** ServiceAccount only: the subject's namespace, defaulted to the RoleBinding's. */
  namespace?: string;
  /** Index in the binding's `subjects`. */
  index: number;
}

export interface BindingInfo {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  /** RoleBinding only. */
  namespace?: string;
  resource: Resource;
  roleRef?: { kind: string; name: string };
  subjects: SubjectInfo[];
}

/** Someone asking the API server: a user name and the groups the authenticator put them in. */
export interface Identity {
  /** Absent for a group taken on its own (`group:devs`). */
  user?: string;
  groups: string[];
}

const SA_PREFIX = 'system:serviceaccount:';

function serviceAccountUser(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

/** `system:serviceaccount:ns:name` -> { namespace, name }. */
export function parseServiceAccountUser(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SA_PREFIX)) return undefined;
  const rest = user.slice(SA_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon <= 0 || colon === rest.length - 1) return undefined;
  return { namespace: rest.slice(0, colon), name: rest.slice(colon + 1) };
}

export function serviceAccountIdentity(namespace: string, name: string): Identity {
  return { user: serviceAccountUser(namespace, name), groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] };
}

/** A user as the authenticators present them: anonymous, a service account, or an authenticated user with extra groups. */
export function userIdentity(user: string, groups: string[] = []): Identity {
  if (user === 'system:anonymous') return { user, groups: ['system:unauthenticated', ...groups] };
  const sa = parseServiceAccountUser(user);
  if (sa) return serviceAccountIdentity(sa.namespace, sa.name);
  return { user, groups: ['system:authenticated', ...groups.filter((g) => g !== 'system:authenticated')] };
}

export function groupIdentity(group: string): Identity {
  return { groups: [group] };
}

/** The user name a subject stands for (ServiceAccounts become their user name), or a group key. */
function subjectKey(subject: SubjectInfo): string | undefined {
  if (subject.kind === 'Group') return `g:${subject.name}`;
  if (subject.kind === 'User') return `u:${subject.name}`;
  if (!subject.namespace) return undefined; // a ServiceAccount subject without namespace matches no one
  return `u:${serviceAccountUser(subject.namespace, subject.name)}`;
}

export function describeSubject(subject: SubjectInfo): string {
  if (subject.kind === 'ServiceAccount') return `ServiceAccount ${subject.namespace ?? '?'}/${subject.name}`;
  return `${subject.kind} ${subject.name}`;
}

/** `sa:ns:name`, `user:name`, `group:name`: the spelling the commands take and print. */
export function subjectSpec(subject: SubjectInfo): string {
  if (subject.kind === 'ServiceAccount') return `sa:${subject.namespace ?? '?'}:${subject.name}`;
  return `${subject.kind === 'User' ? 'user' : 'group'}:${subject.name}`;
}

export class SubjectSyntaxError extends Error {}

/** Parses `sa:NS:NAME` (also `serviceaccount:`), `user:NAME`, `group:NAME` into an identity. */
export function parseSubjectSpec(spec: string): { identity: Identity; label: string } {
  const colon = spec.indexOf(':');
  const kind = colon > 0 ? spec.slice(0, colon).toLowerCase() : '';
  const rest = colon > 0 ? spec.slice(colon + 1) : '';
  const usage = `expected sa:NAMESPACE:NAME, user:NAME or group:NAME, got "${spec}"`;
  if (kind === 'sa' || kind === 'serviceaccount') {
    const sep = rest.indexOf(':');
    const ns = sep > 0 ? rest.slice(0, sep) : '';
    const name = sep > 0 ? rest.slice(sep + 1) : '';
    if (!ns || !name || name.includes(':')) throw new SubjectSyntaxError(usage);
    return { identity: serviceAccountIdentity(ns, name), label: `sa:${ns}:${name}` };
  }
  if ((kind === 'user' || kind === 'group') && rest !== '') {
    if (kind === 'group') return { identity: groupIdentity(rest), label: `group:${rest}` };
    const sa = parseServiceAccountUser(rest);
    return { identity: userIdentity(rest), label: sa ? `sa:${sa.namespace}:${sa.name}` : `user:${rest}` };
  }
  throw new SubjectSyntaxError(usage);
}

// ---------------------------------------------------------------------------------------------
// The model of one run

/** A binding granting a role to a subject, in a scope (undefined = cluster-wide). */
export interface Grant {
  binding: BindingInfo;
  subject: SubjectInfo;
  /** undefined when the roleRef names a role that is neither scanned nor a bootstrap role. */
  role?: RoleInfo;
  /** Namespace the grant is limited to; undefined for a ClusterRoleBinding. */
  scope?: string;
}

/** A grant and the rule in it that allows a request. */
export interface Permit extends Grant {
  rule: RuleRef;
}

function roleKey(kind: RoleKind, namespace: string | undefined, name: string): string {
  return kind === 'ClusterRole' ? `ClusterRole\u0000${name}` : `Role\u0000${namespace ?? DEFAULT_NAMESPACE}\u0000${name}`;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function readRole(kind: RoleKind, object: JsonObject, resource: Resource | undefined, bootstrap: boolean): RoleInfo {
  const metadata = asObject(object.metadata);
  const name = asString(metadata?.name) ?? resource?.name ?? '<unnamed>';
  const role: RoleInfo = {
    kind,
    name,
    // The resource's namespace, not the manifest's: the loader may have placed it (--apply-namespace).
    namespace: kind === 'Role' ? (resource?.namespace || asString(metadata?.namespace) || DEFAULT_NAMESPACE) : undefined,
    resource,
    bootstrap,
    labels: labelsOf(metadata),
    ownRules: [],
  };
  asArray(object.rules).forEach((raw, index) => {
    const rule = parsePolicyRule(raw);
    if (rule) role.ownRules.push({ rule, role, index });
  });
  if (kind === 'ClusterRole' && isObject(object.aggregationRule)) {
    role.aggregation = asArray(object.aggregationRule.clusterRoleSelectors).map((s) => parseLabelSelector(s));
  }
  return role;
}

// Some twenty rules judge each role and binding: read each object once.
const rolesRead = new ScopedCache<Resource, RoleInfo>();
const bindingsRead = new ScopedCache<Resource, BindingInfo>();

/** The role an object defines, read on its own (for rules judging that object). */
export function roleFromResource(resource: Resource): RoleInfo | undefined {
  if (resource.kind !== 'Role' && resource.kind !== 'ClusterRole') return undefined;
  let role = rolesRead.get(resource);
  if (!role) rolesRead.set(resource, (role = readRole(resource.kind, resource.object, resource, false)));
  return role;
}

export function bindingFromResource(resource: Resource): BindingInfo | undefined {
  if (resource.kind !== 'RoleBinding' && resource.kind !== 'ClusterRoleBinding') return undefined;
  let binding = bindingsRead.get(resource);
  if (!binding) bindingsRead.set(resource, (binding = readBinding(resource)));
  return binding;
}

function readBinding(resource: Resource): BindingInfo {
  const kind = resource.kind as BindingInfo['kind'];
  const namespace = kind === 'RoleBinding' ? (resource.namespace ?? DEFAULT_NAMESPACE) : undefined;
  const ref = asObject(resource.object.roleRef);
  const refKind = asString(ref?.kind);
  const refName = asString(ref?.name);
  const subjects: SubjectInfo[] = [];
  asArray(resource.object.subjects).forEach((raw, index) => {
    if (!isObject(raw)) return;
    const k = asString(raw.kind);
    const name = asString(raw.name);
    if (!name || (k !== 'User' && k !== 'Group' && k !== 'ServiceAccount')) return;
    const subject: SubjectInfo = { kind: k, name, index };
    if (k === 'ServiceAccount') {
      const ns = asString(raw.namespace);
      subject.namespace = ns && ns !== '' ? ns : namespace;
    }
    subjects.push(subject);
  });
  return { kind, name: resource.name, namespace, resource, roleRef: refKind && refName ? { kind: refKind, name: refName } : undefined, subjects };
}

const models = new ScopedCache<ResourceSet, RbacModel>();
let bootstrapRoles: RoleInfo[] | undefined;

export class RbacModel {
  readonly roles = new Map<string, RoleInfo>();
  readonly clusterRoles: RoleInfo[] = [];
  readonly bindings: BindingInfo[] = [];
  /** `u:<user>` / `g:<group>` -> the grants naming that user or group. */
  private readonly bySubject = new Map<string, { binding: BindingInfo; subject: SubjectInfo }[]>();
  /** Role key -> bindings referring to it. */
  private readonly byRole = new Map<string, BindingInfo[]>();
  /** `key \0 value` -> ClusterRoles carrying that label, for aggregation selectors. */
  private readonly clusterRolesByLabel = new Map<string, RoleInfo[]>();
  private readonly effective = new Map<RoleInfo, RuleRef[]>();

  /** The model of a scan, built once per ResourceSet. */
  static of(set: ResourceSet): RbacModel {
    let model = models.get(set);
    if (!model) {
      model = new RbacModel(set.all);
      models.set(set, model);
    }
    return model;
  }

  constructor(resources: readonly Resource[]) {
    for (const r of resources) {
      if (r.kind === 'Role' || r.kind === 'ClusterRole') {
        if (!r.apiVersion.startsWith(`${RBAC_GROUP}/`)) continue;
        const role = readRole(r.kind, r.object, r, false);
        const key = roleKey(role.kind, role.namespace, role.name);
        if (!this.roles.has(key)) this.roles.set(key, role);
      } else if (r.kind === 'RoleBinding' || r.kind === 'ClusterRoleBinding') {
        if (!r.apiVersion.startsWith(`${RBAC_GROUP}/`)) continue;
        this.bindings.push(readBinding(r));
      }
    }
    bootstrapRoles ??= [
      ...BOOTSTRAP_CLUSTER_ROLES.map((o) => readRole('ClusterRole', o, undefined, true)),
      ...BOOTSTRAP_NAMESPACE_ROLES.map((o) => readRole('Role', o, undefined, true)),
    ];
    for (const role of bootstrapRoles) {
      const key = roleKey(role.kind, role.namespace, role.name);
      if (!this.roles.has(key)) this.roles.set(key, role);
    }
    for (const role of this.roles.values()) {
      if (role.kind !== 'ClusterRole') continue;
      this.clusterRoles.push(role);
      for (const [k, v] of Object.entries(role.labels)) push(this.clusterRolesByLabel, `${k}\u0000${v}`, role);
    }
    for (const b of this.bindings) {
      for (const s of b.subjects) {
        const key = subjectKey(s);
        if (key) push(this.bySubject, key, { binding: b, subject: s });
      }
      const ref = b.roleRef;
      if (ref && (ref.kind === 'Role' || ref.kind === 'ClusterRole')) push(this.byRole, roleKey(ref.kind, b.namespace, ref.name), b);
    }
  }

  /** A role by kind, namespace and name: the scanned one, else the bootstrap role of that name. */
  role(kind: RoleKind, namespace: string | undefined, name: string): RoleInfo | undefined {
    return this.roles.get(roleKey(kind, namespace, name));
  }

  /** The role a binding grants, as the API server resolves roleRef; undefined when it is not there or not allowed. */
  roleOf(binding: BindingInfo): RoleInfo | undefined {
    const ref = binding.roleRef;
    if (!ref) return undefined;
    if (ref.kind === 'ClusterRole') return this.role('ClusterRole', undefined, ref.name);
    // A ClusterRoleBinding may only refer to a ClusterRole; a RoleBinding's Role is in its own namespace.
    if (ref.kind === 'Role' && binding.kind === 'RoleBinding') return this.role('Role', binding.namespace, ref.name);
    return undefined;
  }

  bindingsOf(role: RoleInfo): BindingInfo[] {
    if (role.kind === 'ClusterRole') return this.byRole.get(roleKey('ClusterRole', undefined, role.name)) ?? [];
    return this.byRole.get(roleKey('Role', role.namespace, role.name)) ?? [];
  }

  /** ClusterRoles an aggregated ClusterRole selects (never itself). */
  aggregatedFrom(role: RoleInfo): RoleInfo[] {
    if (!role.aggregation) return [];
    const out = new Set<RoleInfo>();
    for (const selector of role.aggregation) {
      if (selector.kind !== 'selector') continue;
      const pair = selector.selector.requirements.find((r) => r.operator === 'In' && r.values.length === 1);
      const pool = pair ? (this.clusterRolesByLabel.get(`${pair.key}\u0000${pair.values[0]}`) ?? []) : this.clusterRoles;
      for (const candidate of pool) if (candidate !== role && matchesParsed(selector, candidate.labels)) out.add(candidate);
    }
    return [...out];
  }

  /** The rules a role grants: its own, or for an aggregated ClusterRole the union of the selected roles' rules. */
  rulesOf(role: RoleInfo): RuleRef[] {
    const cached = this.effective.get(role);
    if (cached) return cached;
    const result = this.collectRules(role, new Set());
    this.effective.set(role, result);
    return result;
  }

  private collectRules(role: RoleInfo, visiting: Set<RoleInfo>): RuleRef[] {
    if (!role.aggregation) return role.ownRules;
    const cached = this.effective.get(role);
    if (cached) return cached;
    visiting.add(role);
    const seen = new Set<RuleRef>();
    for (const source of this.aggregatedFrom(role)) {
      if (visiting.has(source)) continue; // a cycle of aggregates adds nothing new
      for (const r of this.collectRules(source, visiting)) seen.add(r);
    }
    visiting.delete(role);
    return [...seen];
  }

  /** Does the role grant everything (cluster-admin or a role with a `*` / `*` / `*` rule)? */
  isFullAccess(role: RoleInfo): boolean {
    return this.rulesOf(role).some((r) => isFullAccessRule(r.rule));
  }

  /** Every grant reaching this identity: bindings naming its user or one of its groups. */
  grantsFor(identity: Identity): Grant[] {
    const keys = [...(identity.user !== undefined ? [`u:${identity.user}`] : []), ...identity.groups.map((g) => `g:${g}`)];
    const out: Grant[] = [];
    for (const key of keys)
      for (const { binding, subject } of this.bySubject.get(key) ?? []) out.push({ binding, subject, role: this.roleOf(binding), scope: binding.namespace });
    return out;
  }

  /** Every (grant, rule) that allows the identity's request; empty = denied. */
  authorize(identity: Identity, request: AccessRequest): Permit[] {
    const out: Permit[] = [];
    for (const grant of this.grantsFor(identity)) {
      if (!grantApplies(grant.scope, request)) continue;
      if (!grant.role) continue;
      for (const rule of this.rulesOf(grant.role)) if (ruleAllows(rule.rule, request)) out.push({ ...grant, rule });
    }
    return out;
  }

  /**
   * Everyone a request is allowed for. `namespace` "*" asks "in any namespace": each RoleBinding is
   * then evaluated in its own namespace (for namespaced resources), ClusterRoleBindings cluster-wide.
   */
  whoCan(request: ResourceRequest | NonResourceRequest, options: { anyNamespace?: boolean; namespaced?: boolean } = {}): Permit[] {
    const out: Permit[] = [];
    for (const binding of this.bindings) {
      const role = this.roleOf(binding);
      if (!role) continue;
      let effective: AccessRequest = request;
      if (binding.kind === 'RoleBinding') {
        if (!isResourceRequest(request) || options.namespaced === false) continue;
        if (options.anyNamespace) effective = { ...request, namespace: binding.namespace ?? DEFAULT_NAMESPACE };
        else if (request.namespace !== binding.namespace) continue;
      }
      const rule = this.rulesOf(role).find((r) => ruleAllows(r.rule, effective));
      if (!rule) continue;
      for (const subject of binding.subjects) out.push({ binding, subject, role, scope: binding.namespace, rule });
    }
    return out;
  }
}

/** A RoleBinding's grant counts only for resource requests inside its namespace. */
function grantApplies(scope: string | undefined, request: AccessRequest): boolean {
  if (scope === undefined) return true;
  return isResourceRequest(request) && request.namespace === scope;
}

/** "cluster-wide" or `namespace "shop"`. */
export function describeScope(scope: string | undefined): string {
  return scope === undefined ? 'cluster-wide' : `namespace ${scope}`;
}

export function describeRole(role: RoleInfo | undefined, ref?: { kind: string; name: string }): string {
  if (!role) return ref ? `${ref.kind} ${ref.name} (not found)` : '(no roleRef)';
  return `${role.kind} ${role.kind === 'Role' ? `${role.namespace}/` : ''}${role.name}${role.bootstrap ? ' (built-in)' : ''}`;
}

export function describeBinding(binding: BindingInfo): string {
  return `${binding.kind} ${binding.namespace ? `${binding.namespace}/` : ''}${binding.name}`;
}

/** Read a field of a rule with a JSON Pointer for findings: `/rules/<i>/<field>/<j>`. */
export function rulePointer(index: number, field?: keyof PolicyRule, item?: number): string {
  if (field === undefined) return `/rules/${index}`;
  return item === undefined ? `/rules/${index}/${field}` : `/rules/${index}/${field}/${item}`;
}

/** Index of the raw list item that a string entry came from (parsePolicyRule drops non-strings). */
export function rawIndex(resource: Resource, ruleIndex: number, field: keyof PolicyRule, value: string): number | undefined {
  const list = fieldAt(resource.object, 'rules', ruleIndex, field);
  if (!Array.isArray(list)) return undefined;
  const i = list.indexOf(value);
  return i >= 0 ? i : undefined;
}
