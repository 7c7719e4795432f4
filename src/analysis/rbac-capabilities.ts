/**
 * Dangerous permissions, each written as the API requests that exercise it, so that the rules (which
 * judge one PolicyRule) and the escalation graph (which judges what a subject holds) ask the same
 * questions of the same matcher.
 */
import { ruleAllows, ruleAllowsSomeName, type PolicyRule, type ResourceRequest } from './rbac.js';
import { POD_CONTROLLERS } from './rbac-resources.js';
import { ScopedCache } from '../core/scoped-cache.js';

export type CapabilityId =
  | 'read-secrets'
  | 'create-pods'
  | 'create-workloads'
  | 'exec-pods'
  | 'port-forward'
  | 'escalate'
  | 'bind'
  | 'impersonate'
  | 'nodes-proxy'
  | 'serviceaccount-token'
  | 'approve-csr'
  | 'modify-admission';

export interface Capability {
  id: CapabilityId;
  /** "read Secrets": completes "can ...". */
  phrase: string;
  requests: Omit<ResourceRequest, 'namespace'>[];
  /**
   * true: a rule limited by resourceNames still counts (exec into one named pod is still exec; approving
   * for one signer can mint cluster credentials). false: only rules that allow the request for any object.
   */
  anyName: boolean;
}

const r = (verb: string, apiGroup: string, resource: string, subresource?: string): Omit<ResourceRequest, 'namespace'> => ({ verb, apiGroup, resource, subresource });
const each = (verbs: string[], apiGroup: string, resource: string, subresource?: string) => verbs.map((v) => r(v, apiGroup, resource, subresource));

// kubectl exec/attach/port-forward use POST (create) over SPDY and GET (get) over WebSockets. Which of
// them is enough depends on the Kubernetes version: see streamVerbsThatSuffice.
const STREAM_VERBS = ['create', 'get'];

/**
 * The first Kubernetes minor release in which a WebSocket exec, attach or port-forward (a GET request,
 * authorized as `get`) also needs `create` on the subresource: the API server's pods/exec, pods/attach
 * and pods/portforward handlers make a second authorization check for `create` when the
 * AuthorizePodWebsocketUpgradeCreatePermission feature gate is on (pkg/registry/core/pod/rest/subresources.go;
 * kubernetes/kubernetes#134577, issue #133515). The gate is beta and on by default from 1.35
 * (pkg/features/kube_features.go). Before that, `get` alone opened the session over a WebSocket
 * (kubernetes/kubernetes#78741); `create` alone always does, over SPDY (a POST).
 */
export const WEBSOCKET_CREATE_CHECK_MINOR = 35;

/** The verbs on pods/exec, pods/attach and pods/portforward that open a session on a cluster of this minor version. */
export function streamVerbsThatSuffice(minor: number): string[] {
  return minor >= WEBSOCKET_CREATE_CHECK_MINOR ? ['create'] : ['create', 'get'];
}
const MODIFY = ['create', 'update', 'patch', 'delete'];

export const CAPABILITIES: Readonly<Record<CapabilityId, Capability>> = {
  'read-secrets': { id: 'read-secrets', phrase: 'read Secrets', requests: each(['get', 'list', 'watch'], '', 'secrets'), anyName: false },
  'create-pods': { id: 'create-pods', phrase: 'create pods', requests: [r('create', '', 'pods')], anyName: false },
  'create-workloads': {
    id: 'create-workloads',
    phrase: 'create or change workloads',
    requests: POD_CONTROLLERS.flatMap((c) => each(['create', 'update', 'patch'], c.group, c.resource)),
    anyName: false,
  },
  'exec-pods': { id: 'exec-pods', phrase: 'exec into or attach to pods', requests: [...each(STREAM_VERBS, '', 'pods', 'exec'), ...each(STREAM_VERBS, '', 'pods', 'attach')], anyName: true },
  'port-forward': { id: 'port-forward', phrase: 'port-forward to pods', requests: each(STREAM_VERBS, '', 'pods', 'portforward'), anyName: true },
  escalate: { id: 'escalate', phrase: 'escalate roles', requests: [r('escalate', 'rbac.authorization.k8s.io', 'roles'), r('escalate', 'rbac.authorization.k8s.io', 'clusterroles')], anyName: true },
  bind: { id: 'bind', phrase: 'bind roles', requests: [r('bind', 'rbac.authorization.k8s.io', 'roles'), r('bind', 'rbac.authorization.k8s.io', 'clusterroles')], anyName: true },
  impersonate: {
    id: 'impersonate',
    phrase: 'impersonate users, groups or service accounts',
    requests: [r('impersonate', '', 'users'), r('impersonate', '', 'groups'), r('impersonate', '', 'serviceaccounts'), r('impersonate', 'authentication.k8s.io', 'uids'), r('impersonate', 'authentication.k8s.io', 'userextras', 'scopes')],
    anyName: true,
  },
  'nodes-proxy': { id: 'nodes-proxy', phrase: 'use the kubelet API through nodes/proxy', requests: each(['get', 'create', 'update', 'patch', 'delete'], '', 'nodes', 'proxy'), anyName: true },
  'serviceaccount-token': { id: 'serviceaccount-token', phrase: 'create service account tokens', requests: [r('create', '', 'serviceaccounts', 'token')], anyName: true },
  'approve-csr': { id: 'approve-csr', phrase: 'approve certificate signing requests', requests: [r('approve', 'certificates.k8s.io', 'signers')], anyName: true },
  'modify-admission': {
    id: 'modify-admission',
    phrase: 'change admission webhooks and policies',
    requests: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings'].flatMap((res) =>
      each(MODIFY, 'admissionregistration.k8s.io', res),
    ),
    anyName: true,
  },
};

/** Every resources entry that could match one of the capability's requests ("*", "r", "r/s", "*\/s"). */
const entriesOf = new WeakMap<Capability, Set<string>>();

/**
 * A quick no: most role rules name none of the resources a capability is about, and then none
 * of its requests can match, whatever the verbs and groups.
 */
function mayTouch(rule: PolicyRule, capability: Capability): boolean {
  let entries = entriesOf.get(capability);
  if (!entries) {
    entries = new Set(['*']);
    for (const q of capability.requests) {
      if (q.subresource) {
        entries.add(`${q.resource}/${q.subresource}`);
        entries.add(`*/${q.subresource}`);
      } else entries.add(q.resource);
    }
    entriesOf.set(capability, entries);
  }
  for (const e of rule.resources) if (entries.has(e)) return true;
  return false;
}

const allowedCache = new ScopedCache<PolicyRule, WeakMap<Capability, Omit<ResourceRequest, 'namespace'>[]>>();

/** The requests of a capability this rule allows (empty: it grants none of it). */
export function allowedRequests(rule: PolicyRule, capability: Capability): Omit<ResourceRequest, 'namespace'>[] {
  // Each role rule meets every capability of a dozen rules; the answer depends on nothing else.
  let perRule = allowedCache.get(rule);
  if (!perRule) allowedCache.set(rule, (perRule = new WeakMap()));
  let allowed = perRule.get(capability);
  if (!allowed && !mayTouch(rule, capability)) perRule.set(capability, (allowed = []));
  if (!allowed) {
    allowed = capability.requests.filter((req) => {
      const full: ResourceRequest = { ...req, namespace: '' };
      return capability.anyName ? ruleAllowsSomeName(rule, full) : ruleAllows(rule, full);
    });
    perRule.set(capability, allowed);
  }
  return allowed;
}

/** "get, list on secrets; create on deployments.apps, jobs.batch" for messages: resources sharing verbs share a clause. */
export function describeRequests(requests: Omit<ResourceRequest, 'namespace'>[]): string {
  const verbsByResource = new Map<string, string[]>();
  for (const q of requests) {
    const res = `${q.subresource ? `${q.resource}/${q.subresource}` : q.resource}${q.apiGroup ? `.${q.apiGroup}` : ''}`;
    const verbs = verbsByResource.get(res) ?? [];
    if (!verbs.includes(q.verb)) verbs.push(q.verb);
    verbsByResource.set(res, verbs);
  }
  const resourcesByVerbs = new Map<string, string[]>();
  for (const [res, verbs] of verbsByResource) {
    const key = verbs.join(', ');
    resourcesByVerbs.set(key, [...(resourcesByVerbs.get(key) ?? []), res]);
  }
  return [...resourcesByVerbs].map(([verbs, resources]) => `${verbs} on ${resources.join(', ')}`).join('; ');
}
