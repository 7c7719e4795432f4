/**
 * Privilege-escalation paths: a graph whose nodes are identities (the subjects of the scanned
 * bindings and the service accounts they can become), capabilities ("can create pods in shop") and
 * goals ("full control of the cluster"), and whose edges say how one leads to the next:
 *
 * - identity -> capability: a binding grants it (every check goes through RbacModel.authorize);
 * - create pods in N, or create or change workloads in N -> every service account of N (a pod can
 *   name any of them, and set automountServiceAccountToken: true whatever its account says);
 * - exec into pods in N (create on pods/exec or pods/attach; get, over a WebSocket, only when the
 *   target Kubernetes version is before 1.35) -> the service accounts the scanned pods of N run as, for pods that hold an
 *   API token (automounted, the pod spec's setting winning over the account's, or a projected
 *   serviceAccountToken volume for the API server), pods operators make from custom resources in the
 *   input included (see operator-workloads.ts);
 * - read Secrets in N -> the service accounts whose token Secret (type
 *   kubernetes.io/service-account-token, annotation kubernetes.io/service-account.name) is in the
 *   input, each Secret checked by name so resourceNames count. Since Kubernetes 1.24 no such Secret
 *   is created on its own: an account without one is not reached by reading Secrets;
 * - create serviceaccounts/token (TokenRequest) -> the accounts it may mint tokens for
 *   (resourceNames respected);
 * - impersonate -> the users, groups and service accounts it may impersonate; the group
 *   system:masters is cluster-admin;
 * - bind or escalate roles -> any role: full control of the scope;
 * - approve CSRs for kubernetes.io/kube-apiserver-client -> a certificate for system:masters;
 * - nodes/proxy -> the kubelet API of every node;
 * - a binding to cluster-admin (or a `*` `*` `*` role) -> full control of its scope.
 *
 * Only service accounts that hold some permission are nodes: becoming one with none gains nothing.
 */
import type { ResourceSet } from '../k8s/resource-set.js';
import { apiTokenMount, podServiceAccountName, podSpecs } from '../k8s/pods.js';
import { asObject, asString } from '../core/values.js';
import {
  RbacModel,
  describeBinding,
  describeRole,
  serviceAccountIdentity,
  userIdentity,
  groupIdentity,
  isFullAccessRule,
  ruleAllowsSomeName,
  type ResourceRequest,
  parseServiceAccountUser,
  type AccessRequest,
  type Grant,
  type Identity,
  type Permit,
  DEFAULT_NAMESPACE,
} from './rbac.js';
import { CAPABILITIES, WEBSOCKET_CREATE_CHECK_MINOR, streamVerbsThatSuffice, type CapabilityId } from './rbac-capabilities.js';
import { DEFAULT_RULE_SETTINGS } from '../engine/rule.js';
import { POD_CONTROLLERS } from './rbac-resources.js';
import { expandOperatorResources, operatorTable } from './operator-workloads.js';
import type { OperatorWorkloadConfig } from '../engine/rule.js';

/** The minor release of a kubernetesVersion setting ("1.34", "v1.35.2"); the default's when unreadable; a major past 1 is newer than any 1.x. */
function targetMinor(version: string | undefined): number {
  const read = (v: string | undefined) => /^v?(\d+)\.(\d+)/.exec(v ?? '');
  const m = read(version) ?? read(DEFAULT_RULE_SETTINGS.kubernetesVersion)!;
  return Number(m[1]) > 1 ? Number.POSITIVE_INFINITY : Number(m[2]);
}

export type NodeType = 'identity' | 'capability' | 'goal';

export interface GraphNode {
  id: string;
  type: NodeType;
  label: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** Why: the role and binding, or the mechanism. */
  label: string;
}

export interface EscalationPath {
  from: string;
  to: string;
  /** Node ids from start to goal. */
  nodes: string[];
  /** Edge labels, one per hop. */
  steps: string[];
}

export interface EscalationGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  paths: EscalationPath[];
}

const GOAL_CLUSTER = 'goal:cluster-admin';
const GOAL_NODES = 'goal:nodes';
const GOAL_ALL_SECRETS = 'goal:all-secrets';
const goalNamespace = (ns: string): string => `goal:namespace-admin:${ns}`;
const CLUSTER_ADMIN_LABEL = 'full control of the cluster (cluster-admin)';
/** Goals from worst to least bad: a start reaching one is not also listed for those it implies. */
const GOAL_RANK = (id: string): number => (id === GOAL_CLUSTER ? 0 : id === GOAL_NODES ? 1 : id === GOAL_ALL_SECRETS ? 2 : 3);
const CLUSTER_SCOPED_CAPABILITIES = new Set<CapabilityId>(['nodes-proxy', 'approve-csr', 'modify-admission']);
const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
/** The API requests that read one Secret by name: get, or list/watch narrowed to it by a field selector. */
const SECRET_READ_VERBS = ['get', 'list', 'watch'];

interface Target {
  namespace: string;
  name: string;
  identity: Identity;
}

function where(ns: string | undefined): string {
  return ns === undefined ? 'every namespace' : ns;
}

function via(p: Grant): string {
  return `${describeRole(p.role, p.binding.roleRef)} via ${describeBinding(p.binding)}`;
}

/**
 * `from`: only the paths of these subjects (specs as `sa:ns:name`, `user:name`, `group:name`; each
 * must be a subject of some binding of the set): the graph then holds only what they reach.
 */
export function buildEscalationGraph(set: ResourceSet, options: { operatorWorkloads?: readonly OperatorWorkloadConfig[]; kubernetesVersion?: string; from?: readonly string[] } = {}): EscalationGraph {
  const model = RbacModel.of(set);
  // Which verbs on pods/exec and pods/attach open a session depends on the target version.
  const streamVerbs = streamVerbsThatSuffice(targetMinor(options.kubernetesVersion));
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const node = (id: string, type: NodeType, label: string): string => {
    if (!nodes.has(id)) nodes.set(id, { id, type, label });
    return id;
  };
  const edge = (from: string, to: string, label: string): void => {
    const key = `${from}\u0000${to}`;
    if (!edges.has(key)) edges.set(key, { from, to, label });
  };

  // Service accounts by namespace: named by bindings, defined as objects, or used by pods.
  const accounts = new Map<string, Set<string>>();
  const podAccounts = new Map<string, Set<string>>();
  const addTo = (map: Map<string, Set<string>>, ns: string, name: string): void => {
    const names = map.get(ns) ?? new Set<string>();
    names.add(name);
    map.set(ns, names);
  };
  for (const r of set.ofKind('ServiceAccount')) addTo(accounts, r.namespace ?? DEFAULT_NAMESPACE, r.name);
  // Pods an operator makes from custom resources run as the account their custom resource names.
  const operators = expandOperatorResources(set.all, operatorTable(options.operatorWorkloads));
  for (const w of operators.workloads) {
    const ns = w.source.namespace ?? DEFAULT_NAMESPACE;
    addTo(accounts, ns, w.serviceAccountName);
    if (w.tokenMounted) addTo(podAccounts, ns, w.serviceAccountName);
  }
  for (const r of set.all) {
    if (operators.handled.has(r)) continue;
    for (const pod of podSpecs(r)) {
      const ns = r.namespace ?? DEFAULT_NAMESPACE;
      const name = podServiceAccountName(pod.spec);
      addTo(accounts, ns, name);
      // Exec into a pod yields its account's token only when the pod holds one.
      const mount = apiTokenMount(pod.spec, set.find('ServiceAccount', r.namespace, name)?.object);
      if (mount.automount || mount.projected.length > 0) addTo(podAccounts, ns, name);
    }
  }
  // Legacy token Secrets: `namespace` -> the Secrets' names by account.
  const tokenSecrets = new Map<string, Map<string, string[]>>();
  for (const r of set.ofKind('Secret')) {
    if (r.object.type !== SERVICE_ACCOUNT_TOKEN_TYPE) continue;
    const account = asString(asObject(asObject(r.object.metadata)?.annotations)?.[SERVICE_ACCOUNT_NAME_ANNOTATION]);
    if (!account) continue;
    const ns = r.namespace ?? DEFAULT_NAMESPACE;
    const byAccount = tokenSecrets.get(ns) ?? new Map<string, string[]>();
    byAccount.set(account, [...(byAccount.get(account) ?? []), r.name]);
    tokenSecrets.set(ns, byAccount);
    addTo(accounts, ns, account);
  }
  const starts = new Map<string, { spec: string; identity: Identity }>();
  for (const b of model.bindings)
    for (const s of b.subjects) {
      if (s.kind === 'ServiceAccount') {
        if (!s.namespace) continue;
        addTo(accounts, s.namespace, s.name);
        starts.set(`sa:${s.namespace}:${s.name}`, { spec: `sa:${s.namespace}:${s.name}`, identity: serviceAccountIdentity(s.namespace, s.name) });
      } else if (s.kind === 'User') {
        // A User subject may spell a service account's user name: it is that account.
        const sa = parseServiceAccountUser(s.name);
        if (sa) {
          addTo(accounts, sa.namespace, sa.name);
          starts.set(`sa:${sa.namespace}:${sa.name}`, { spec: `sa:${sa.namespace}:${sa.name}`, identity: serviceAccountIdentity(sa.namespace, sa.name) });
        } else starts.set(`user:${s.name}`, { spec: `user:${s.name}`, identity: userIdentity(s.name) });
      } else starts.set(`group:${s.name}`, { spec: `group:${s.name}`, identity: groupIdentity(s.name) });
    }

  const grantsCache = new Map<string, Grant[]>();
  const hasGrants = (ns: string, name: string): boolean => {
    const key = `${ns}:${name}`;
    let grants = grantsCache.get(key);
    if (!grants) {
      grants = model.grantsFor(serviceAccountIdentity(ns, name)).filter((g) => g.role && model.rulesOf(g.role).length > 0);
      grantsCache.set(key, grants);
    }
    return grants.length > 0;
  };
  const targetsIn = (ns: string | undefined, from: Map<string, Set<string>>): Target[] => {
    const out: Target[] = [];
    const namespaces = ns === undefined ? [...from.keys()] : [ns];
    for (const n of namespaces) for (const name of from.get(n) ?? []) if (hasGrants(n, name)) out.push({ namespace: n, name, identity: serviceAccountIdentity(n, name) });
    return out;
  };
  const accountNode = (t: Target): string => {
    const spec = `sa:${t.namespace}:${t.name}`;
    if (!starts.has(spec)) starts.set(spec, { spec, identity: t.identity });
    return node(`identity:${spec}`, 'identity', spec);
  };

  /** Scopes where the identity holds the request: undefined = cluster-wide, else namespaces; with the first permit of each. */
  const scopesOf = (identity: Identity, request: (namespace: string) => AccessRequest, namespaces: Iterable<string>): Map<string | undefined, Permit> => {
    const out = new Map<string | undefined, Permit>();
    const cluster = model.authorize(identity, request(''));
    if (cluster.length > 0) {
      out.set(undefined, cluster[0]);
      return out;
    }
    for (const ns of namespaces) {
      const permits = model.authorize(identity, request(ns));
      if (permits.length > 0) out.set(ns, permits[0]);
    }
    return out;
  };

  const subjects = options.from ? new Set(options.from.filter((spec) => starts.has(spec))) : new Set(starts.keys());
  // Breadth-first over identities: becoming a service account makes it a start in turn.
  const queue = [...subjects].map((spec) => starts.get(spec)!);
  const done = new Set<string>();
  while (queue.length > 0) {
    const start = queue.shift()!;
    if (done.has(start.spec)) continue;
    done.add(start.spec);
    const grants = model.grantsFor(start.identity);
    if (grants.length === 0) continue;
    const me = node(`identity:${start.spec}`, 'identity', start.spec);
    const grantNamespaces = new Set<string>();
    for (const g of grants) if (g.scope !== undefined) grantNamespaces.add(g.scope);
    const capNode = (id: CapabilityId, ns: string | undefined, permit: Grant): string => {
      const scope = CLUSTER_SCOPED_CAPABILITIES.has(id) || (id === 'impersonate' && ns === undefined) ? '' : ` in ${where(ns)}`;
      const capId = node(`capability:${id}:${ns ?? '*'}`, 'capability', `can ${CAPABILITIES[id].phrase}${scope}`);
      edge(me, capId, via(permit));
      return capId;
    };
    const reach = (from: string, targets: Target[], label: string): void => {
      for (const t of targets) {
        const id = accountNode(t);
        if (id === me) continue;
        edge(from, id, label);
        const spec = `sa:${t.namespace}:${t.name}`;
        if (!done.has(spec)) queue.push({ spec, identity: t.identity });
      }
    };

    // Direct full control. Cluster-wide, it is every capability at once: nothing more to draw.
    let clusterAdmin = false;
    for (const g of grants) {
      if (!g.role || !model.rulesOf(g.role).some((r) => isFullAccessRule(r.rule))) continue;
      const goal = g.scope === undefined ? node(GOAL_CLUSTER, 'goal', CLUSTER_ADMIN_LABEL) : node(goalNamespace(g.scope), 'goal', `full control of namespace ${g.scope}`);
      edge(me, goal, via(g));
      if (g.scope === undefined) clusterAdmin = true;
    }
    if (clusterAdmin) continue;

    const resourceScopes = (verbs: string[], apiGroup: string, resource: string, subresource?: string, name?: string) =>
      scopesOf(start.identity, (namespace) => ({ verb: verbs[0], apiGroup, resource, subresource, name, namespace }), grantNamespaces);
    const anyOf = (list: Map<string | undefined, Permit>[]): Map<string | undefined, Permit> => {
      const out = new Map<string | undefined, Permit>();
      for (const m of list) for (const [k, v] of m) if (!out.has(k)) out.set(k, v);
      if (out.has(undefined)) return new Map([[undefined, out.get(undefined)!]]);
      return out;
    };

    // Running pods: as any service account of the namespace, by creating pods, or by creating a
    // workload or changing the pod template of one (its controller then creates the pods).
    const podScopes = resourceScopes(['create'], '', 'pods');
    for (const [ns, permit] of podScopes) reach(capNode('create-pods', ns, permit), targetsIn(ns, accounts), 'run a pod as this service account');
    const workloadScopes = anyOf(POD_CONTROLLERS.flatMap((c) => ['create', 'update', 'patch'].map((verb) => resourceScopes([verb], c.group, c.resource))));
    for (const [ns, permit] of workloadScopes) {
      // Where pods can be created directly, that is the shorter story: the same accounts are reached.
      if (podScopes.has(undefined) || podScopes.has(ns)) continue;
      reach(capNode('create-workloads', ns, permit), targetsIn(ns, accounts), 'run a pod as this service account through a workload');
    }

    // Exec into running pods: the tokens of the accounts they run as. create opens a session at any
    // version; get alone, over a WebSocket, only before 1.35 (see streamVerbsThatSuffice).
    const sessionScopes = (verb: string) => anyOf([resourceScopes([verb], '', 'pods', 'exec'), resourceScopes([verb], '', 'pods', 'attach')]);
    const createScopes = sessionScopes('create');
    const execScopes = anyOf(streamVerbs.map(sessionScopes));
    for (const [ns, permit] of execScopes) {
      const byCreate = createScopes.has(undefined) || createScopes.has(ns);
      const label = byCreate
        ? 'exec into its pods and take the mounted token'
        : `exec into its pods over a WebSocket (get alone suffices before Kubernetes 1.${WEBSOCKET_CREATE_CHECK_MINOR}) and take the mounted token`;
      reach(capNode('exec-pods', ns, byCreate ? (createScopes.get(ns) ?? createScopes.get(undefined) ?? permit) : permit), targetsIn(ns, podAccounts), label);
    }

    // Every Secret of the cluster: list or watch them in all namespaces (get alone needs each name).
    const allSecrets = ['list', 'watch'].map((verb) => model.authorize(start.identity, { verb, apiGroup: '', resource: 'secrets', namespace: '' })[0]).find((p) => p);
    if (allSecrets) edge(capNode('read-secrets', undefined, allSecrets), node(GOAL_ALL_SECRETS, 'goal', 'every Secret of the cluster'), 'list all Secrets');

    /**
     * Where some grant could allow the request for some name: the namespaces to try account by
     * account (undefined = all of them), or null when no grant comes close. Keeps the per-account
     * checks to identities that hold the verb at all.
     */
    const candidateNamespaces = (request: Omit<ResourceRequest, 'namespace'>): string | undefined | null | string[] => {
      const found: string[] = [];
      for (const g of grants) {
        if (!g.role || !model.rulesOf(g.role).some((r) => ruleAllowsSomeName(r.rule, { ...request, namespace: g.scope ?? '' }))) continue;
        if (g.scope === undefined) return undefined;
        found.push(g.scope);
      }
      return found.length > 0 ? found : null;
    };
    const candidates = (request: Omit<ResourceRequest, 'namespace'>): Target[] => {
      const namespaces = candidateNamespaces(request);
      if (namespaces === null) return [];
      if (namespaces === undefined) return targetsIn(undefined, accounts);
      return [...new Set(namespaces as string[])].flatMap((ns) => targetsIn(ns, accounts));
    };

    // Legacy token Secrets in the input: each checked by name, since resourceNames may allow it.
    const readsSomeSecret = tokenSecrets.size > 0 && SECRET_READ_VERBS.some((verb) => candidateNamespaces({ verb, apiGroup: '', resource: 'secrets' }) !== null);
    for (const [ns, byAccount] of readsSomeSecret ? tokenSecrets : [])
      for (const [account, secrets] of byAccount) {
        if (!hasGrants(ns, account)) continue;
        for (const secret of secrets) {
          const permit = SECRET_READ_VERBS.map((verb) => model.authorize(start.identity, { verb, apiGroup: '', resource: 'secrets', name: secret, namespace: ns })[0]).find((p) => p);
          if (!permit) continue;
          reach(capNode('read-secrets', permit.scope, permit), [{ namespace: ns, name: account, identity: serviceAccountIdentity(ns, account) }], `read its token Secret ${secret}`);
          break;
        }
      }

    // Minting tokens (TokenRequest): per account, since resourceNames may limit it.
    for (const t of candidates({ verb: 'create', apiGroup: '', resource: 'serviceaccounts', subresource: 'token' })) {
      const permits = model.authorize(start.identity, { verb: 'create', apiGroup: '', resource: 'serviceaccounts', subresource: 'token', name: t.name, namespace: t.namespace });
      if (permits.length === 0) continue;
      const scope = permits[0].scope;
      reach(capNode('serviceaccount-token', scope, permits[0]), [t], 'create a token for it (TokenRequest)');
    }

    // Impersonation.
    for (const t of candidates({ verb: 'impersonate', apiGroup: '', resource: 'serviceaccounts' })) {
      const permits = model.authorize(start.identity, { verb: 'impersonate', apiGroup: '', resource: 'serviceaccounts', name: t.name, namespace: t.namespace });
      if (permits.length > 0) reach(capNode('impersonate', permits[0].scope, permits[0]), [t], 'impersonate it');
    }
    const masters = model.authorize(start.identity, { verb: 'impersonate', apiGroup: '', resource: 'groups', name: 'system:masters', namespace: '' });
    if (masters.length > 0) edge(capNode('impersonate', undefined, masters[0]), node(GOAL_CLUSTER, 'goal', CLUSTER_ADMIN_LABEL), 'impersonate group system:masters');
    const impersonatesUsers = candidateNamespaces({ verb: 'impersonate', apiGroup: '', resource: 'users' }) !== null;
    const impersonatesGroups = candidateNamespaces({ verb: 'impersonate', apiGroup: '', resource: 'groups' }) !== null;
    for (const other of impersonatesUsers || impersonatesGroups ? starts.values() : []) {
      if (other.spec === start.spec || other.spec.startsWith('sa:')) continue;
      const isUser = other.spec.startsWith('user:');
      const name = other.spec.slice(other.spec.indexOf(':') + 1);
      const permits = model.authorize(start.identity, { verb: 'impersonate', apiGroup: '', resource: isUser ? 'users' : 'groups', name, namespace: '' });
      if (permits.length === 0) continue;
      const id = node(`identity:${other.spec}`, 'identity', other.spec);
      edge(capNode('impersonate', undefined, permits[0]), id, `impersonate ${isUser ? 'user' : 'group'} ${name}`);
      if (!done.has(other.spec)) queue.push(other);
    }

    // bind / escalate: any role in the scope.
    const bindScopes = anyOf([
      resourceScopes(['bind'], 'rbac.authorization.k8s.io', 'clusterroles'),
      resourceScopes(['bind'], 'rbac.authorization.k8s.io', 'roles'),
      resourceScopes(['escalate'], 'rbac.authorization.k8s.io', 'clusterroles'),
      resourceScopes(['escalate'], 'rbac.authorization.k8s.io', 'roles'),
    ]);
    for (const [ns, permit] of bindScopes) {
      const isBind = model.authorize(start.identity, { verb: 'bind', apiGroup: 'rbac.authorization.k8s.io', resource: ns === undefined ? 'clusterroles' : 'roles', namespace: ns ?? '' }).length > 0;
      const cap = capNode(isBind ? 'bind' : 'escalate', ns, permit);
      const goal = ns === undefined ? node(GOAL_CLUSTER, 'goal', CLUSTER_ADMIN_LABEL) : node(goalNamespace(ns), 'goal', `full control of namespace ${ns}`);
      edge(cap, goal, isBind ? 'bind any role, cluster-admin included' : 'write a role with any permission');
    }

    // CSR approval for the API server client signer: a certificate in group system:masters.
    const approve = ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/*'].some(
      (signer) => model.authorize(start.identity, { verb: 'approve', apiGroup: 'certificates.k8s.io', resource: 'signers', name: signer, namespace: '' }).length > 0,
    );
    const approval = model.authorize(start.identity, { verb: 'update', apiGroup: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource: 'approval', namespace: '' });
    if (approve && approval.length > 0) edge(capNode('approve-csr', undefined, approval[0]), node(GOAL_CLUSTER, 'goal', CLUSTER_ADMIN_LABEL), 'approve a client certificate for group system:masters');

    // The kubelet API.
    const proxy = anyOf([resourceScopes(['create'], '', 'nodes', 'proxy'), resourceScopes(['get'], '', 'nodes', 'proxy')]);
    const proxyPermit = proxy.get(undefined);
    if (proxyPermit) edge(capNode('nodes-proxy', undefined, proxyPermit), node(GOAL_NODES, 'goal', 'the kubelet API of every node (exec into any pod)'), 'call the kubelet through the API server');
  }

  const nodeList = [...nodes.values()];
  const edgeList = [...edges.values()];
  // Paths start at the subjects the bindings name; accounts reached only through broad groups are waypoints.
  const origins = new Set([...subjects].map((spec) => `identity:${spec}`));
  return { nodes: nodeList, edges: edgeList, paths: shortestPaths(nodeList, edgeList, origins) };
}

/** For every identity and every goal it reaches, the shortest way there. */
function shortestPaths(nodes: GraphNode[], edges: GraphEdge[], origins: Set<string>): EscalationPath[] {
  const out = new Map<string, GraphEdge[]>();
  for (const e of edges) {
    const list = out.get(e.from) ?? [];
    list.push(e);
    out.set(e.from, list);
  }
  const paths: EscalationPath[] = [];
  for (const start of nodes) {
    if (start.type !== 'identity' || !origins.has(start.id)) continue;
    const previous = new Map<string, GraphEdge | null>([[start.id, null]]);
    const queue = [start.id];
    while (queue.length > 0) {
      const at = queue.shift()!;
      for (const e of out.get(at) ?? []) {
        if (previous.has(e.to)) continue;
        previous.set(e.to, e);
        queue.push(e.to);
      }
    }
    // Whoever reaches cluster-admin reaches everything: that one path says it all.
    const reachesClusterAdmin = previous.has(GOAL_CLUSTER);
    for (const goal of nodes) {
      if (goal.type !== 'goal' || !previous.has(goal.id)) continue;
      if (reachesClusterAdmin && goal.id !== GOAL_CLUSTER) continue;
      const hops: GraphEdge[] = [];
      for (let e = previous.get(goal.id); e; e = previous.get(e.from)) hops.unshift(e);
      paths.push({ from: start.id, to: goal.id, nodes: [start.id, ...hops.map((h) => h.to)], steps: hops.map((h) => h.label) });
    }
  }
  return paths.sort((a, b) => GOAL_RANK(a.to) - GOAL_RANK(b.to) || a.to.localeCompare(b.to) || a.nodes.length - b.nodes.length || a.from.localeCompare(b.from));
}
