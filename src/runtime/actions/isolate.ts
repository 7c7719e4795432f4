/**
 * `isolate`: a network policy selecting only the alert's pod (by `kshield.io/isolate=<pod UID>`,
 * a label this action sets) that denies all its ingress and egress, or, when the alert names the
 * remote end of a connection (`alert.destination`), only egress to that address.
 *
 * Three dialects, chosen by `variant` (`auto`: Cilium when the API server serves
 * cilium.io/v2 CiliumNetworkPolicy, else Calico when it serves projectcalico.org/v3 or
 * crd.projectcalico.org/v1 NetworkPolicy, else Kubernetes):
 *
 * - Kubernetes NetworkPolicy (networking.k8s.io/v1) is an allow-list, and policies selecting a pod
 *   add up: a policy can only ever allow more. Deny-all is a policy with both policy types and no
 *   rules — it isolates the pod only from traffic no other policy allows, so the outcome names the
 *   policies that still allow some. "Deny only X" is written as "allow egress to 0.0.0.0/0 and ::/0
 *   except X/32 (or X/128), and to every pod": exact when no other policy restricts the pod's
 *   egress, and a widening when one does (the union would then allow everything but X), so the
 *   action refuses in that case. All destinations of one pod go in ONE policy: two "all but X"
 *   policies would together allow X. A NetworkPolicy cannot exclude one port, so the whole address
 *   is denied. ipBlock is meant for addresses outside the cluster (the API reference: pod IPs are
 *   ephemeral, and CNIs differ on whether ipBlock matches them), so an X that is a pod's IP is refused.
 * - CiliumNetworkPolicy (cilium.io/v2) has deny rules that win over every allow, whatever policy
 *   allows it: deny-all is `ingressDeny`/`egressDeny` to entity `all`; "deny only X" is one
 *   `egressDeny` rule per destination (with its port and protocol) and `enableDefaultDeny: false`,
 *   so the policy does not also switch the pod to default-deny (a Cilium before 1.16 drops that field:
 *   the action reads the stored policy back and removes it rather than cutting all egress).
 * - Calico NetworkPolicy (projectcalico.org/v3 through the Calico API server, else the
 *   crd.projectcalico.org/v1 resource its datastore uses, named `default.<name>` as Calico itself
 *   does) with `Deny` rules at a low `order`, evaluated before Kubernetes policies (order 1000).
 *   Calico drops traffic that no policy in a tier decided when any policy of the tier selects the
 *   pod, so "deny only X" ends with an `Allow` rule when nothing else restricts the pod's egress,
 *   and with nothing (falling through to the policies that do) otherwise; when Calico policies
 *   exist that kshield cannot evaluate, it refuses rather than guess. A higher tier's Allow still
 *   wins over the default tier, where this policy lives.
 *
 * Connections already established may survive, depending on the CNI's connection tracking.
 */
import { isIP } from 'node:net';
import { createHash } from 'node:crypto';
import type { JsonObject } from '../../core/types.js';
import { isObject } from '../../core/values.js';
import { labelsOf, selectorMatches } from '../../k8s/labels.js';
import type { ActionContext, ActionDefinition, ActionOutcome, TouchedObject } from '../action.js';
import { describeApiError, isNotFound, type KubeRest } from './kube.js';
import {
  ISOLATED_POD_ANNOTATION,
  ISOLATE_LABEL,
  ISOLATION_ANNOTATION,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  annotationsOf,
  isTerminating,
  listText,
  metadataChange,
  metadataOf,
  nameOf,
  outcome,
  ownerSelectorProblem,
  patchWithRetry,
  podOwner,
  podPath,
  podRef,
  readTargetPod,
  uidOf,
} from './shared.js';

export type IsolationVariant = 'kubernetes' | 'cilium' | 'calico' | 'calico-crd';

export interface IsolateParams {
  variant?: 'auto' | 'kubernetes' | 'cilium' | 'calico';
  /** `auto`: only the alert's destination when it names one, else everything. */
  scope?: 'auto' | 'all' | 'destination';
  /** Calico `order` of the policy (lower is evaluated first). */
  'calico-order'?: number;
}

export interface IsolationDialect {
  apiVersion: string;
  kind: string;
  resource: string;
}

export const ISOLATION_DIALECTS: Record<IsolationVariant, IsolationDialect> = {
  kubernetes: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', resource: 'networkpolicies' },
  cilium: { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', resource: 'ciliumnetworkpolicies' },
  calico: { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', resource: 'networkpolicies' },
  'calico-crd': { apiVersion: 'crd.projectcalico.org/v1', kind: 'NetworkPolicy', resource: 'networkpolicies' },
};

export const policyCollectionPath = (variant: IsolationVariant, namespace: string): string =>
  `/apis/${ISOLATION_DIALECTS[variant].apiVersion}/namespaces/${encodeURIComponent(namespace)}/${ISOLATION_DIALECTS[variant].resource}`;

/** `kshield-isolate-<pod>`, shortened with a hash when the pod's name is long (object names stop at 253). */
export function isolationPolicyName(pod: string, variant: IsolationVariant): string {
  // Calico stores default-tier policies in its CRD under `default.<name>`.
  const prefix = variant === 'calico-crd' ? 'default.kshield-isolate-' : 'kshield-isolate-';
  const name = `${prefix}${pod}`;
  if (name.length <= 253) return name;
  const hash = createHash('sha256').update(pod).digest('hex').slice(0, 10);
  return `${name.slice(0, 253 - 11).replace(/[-.]+$/, '')}-${hash}`;
}

export interface IsolatedDestination {
  ip: string;
  port?: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** What one pod's isolation policy denies; kept on the policy so a later alert adds to it. */
export interface Isolation {
  all: boolean;
  destinations: IsolatedDestination[];
}

const cidrOf = (ip: string): string => `${ip}/${isIP(ip) === 6 ? 128 : 32}`;

/** An IPv4-mapped IPv6 address (::ffff:1.2.3.4) is the IPv4 address. */
function normaliseIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? mapped[1] : ip.toLowerCase();
}

const sameDestination = (a: IsolatedDestination, b: IsolatedDestination): boolean => a.ip === b.ip && a.port === b.port && a.protocol === b.protocol;

function readIsolation(policy: JsonObject | undefined): Isolation | undefined {
  const raw = annotationsOf(policy)[ISOLATION_ANNOTATION];
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (!isObject(parsed)) return undefined;
    const destinations = Array.isArray(parsed.destinations)
      ? (parsed.destinations as unknown[]).filter((d): d is IsolatedDestination => isObject(d) && typeof d.ip === 'string' && isIP(d.ip) !== 0)
      : [];
    return { all: parsed.all === true, destinations };
  } catch {
    return undefined;
  }
}

function mergeIsolation(previous: Isolation | undefined, next: Isolation): Isolation {
  if (!previous) return next;
  const destinations = [...previous.destinations];
  for (const d of next.destinations) if (!destinations.some((e) => sameDestination(d, e))) destinations.push(d);
  return { all: previous.all || next.all, destinations };
}

const describeDestination = (d: IsolatedDestination): string => `${d.ip}${d.port ? `:${d.port}${d.protocol ? `/${d.protocol}` : ''}` : ''}`;

function describeIsolation(state: Isolation): string {
  return state.all ? 'all ingress and egress' : `egress to ${listText(state.destinations.map(describeDestination))}`;
}

/** The spec of the Kubernetes NetworkPolicy for `state`. */
export function kubernetesSpec(uid: string, state: Isolation): JsonObject {
  const podSelector = { matchLabels: { [ISOLATE_LABEL]: uid } };
  if (state.all) return { podSelector, policyTypes: ['Ingress', 'Egress'] };
  const v4 = [...new Set(state.destinations.filter((d) => isIP(d.ip) === 4).map((d) => cidrOf(d.ip)))];
  const v6 = [...new Set(state.destinations.filter((d) => isIP(d.ip) === 6).map((d) => cidrOf(d.ip)))];
  const block = (cidr: string, except: string[]): JsonObject => ({ ipBlock: except.length > 0 ? { cidr, except } : { cidr } });
  return {
    podSelector,
    policyTypes: ['Egress'],
    // Every pod stays reachable: CNIs that do not match pod IPs with ipBlock would otherwise cut all in-cluster egress (DNS included).
    egress: [{ to: [block('0.0.0.0/0', v4), block('::/0', v6), { namespaceSelector: {} }] }],
  };
}

export function ciliumSpec(uid: string, state: Isolation): JsonObject {
  const endpointSelector = { matchLabels: { [ISOLATE_LABEL]: uid } };
  if (state.all) return { endpointSelector, ingressDeny: [{ fromEntities: ['all'] }], egressDeny: [{ toEntities: ['all'] }] };
  return {
    endpointSelector,
    egressDeny: state.destinations.map((d) => ({
      toCIDR: [cidrOf(d.ip)],
      ...(d.port ? { toPorts: [{ ports: [{ port: String(d.port), protocol: d.protocol ?? 'ANY' }] }] } : {}),
    })),
    enableDefaultDeny: { ingress: false, egress: false },
  };
}

export function calicoSpec(uid: string, state: Isolation, order: number, allowRest: boolean): JsonObject {
  const selector = `${ISOLATE_LABEL} == '${uid}'`;
  if (state.all) return { order, selector, types: ['Ingress', 'Egress'], ingress: [{ action: 'Deny' }], egress: [{ action: 'Deny' }] };
  const egress: JsonObject[] = [];
  for (const d of state.destinations) {
    if (!d.port) egress.push({ action: 'Deny', destination: { nets: [cidrOf(d.ip)] } });
    // Calico needs a protocol with ports; a port without one is denied on TCP and UDP.
    else for (const protocol of d.protocol ? [d.protocol] : ['TCP', 'UDP']) egress.push({ action: 'Deny', protocol, destination: { nets: [cidrOf(d.ip)], ports: [d.port] } });
  }
  if (allowRest) egress.push({ action: 'Allow' });
  return { order, selector, types: ['Egress'], egress };
}

/** The dialect `requested` names, or the one `auto` finds; a sentence when it cannot be used. */
export async function chooseVariant(rest: KubeRest, requested: IsolateParams['variant'], signal?: AbortSignal): Promise<IsolationVariant | { refusal: string }> {
  const serves = async (v: IsolationVariant): Promise<boolean> => rest.serves(ISOLATION_DIALECTS[v].apiVersion, ISOLATION_DIALECTS[v].resource, signal);
  const want = requested ?? 'auto';
  if (want === 'kubernetes') return 'kubernetes';
  if (want === 'cilium' || want === 'auto') {
    if (await serves('cilium')) return 'cilium';
    if (want === 'cilium') return { refusal: 'variant cilium: the API server does not serve cilium.io/v2 CiliumNetworkPolicy (is Cilium installed?)' };
  }
  if (await serves('calico')) return 'calico';
  if (await serves('calico-crd')) return 'calico-crd';
  if (want === 'calico') return { refusal: 'variant calico: the API server serves neither projectcalico.org/v3 nor crd.projectcalico.org/v1 NetworkPolicy (is Calico installed?)' };
  return 'kubernetes';
}

interface OtherPolicies {
  /** Kubernetes NetworkPolicies (other than kshield's) that select the pod and allow some ingress. */
  allowingIngress: string[];
  /** … that select the pod for egress (it is then default-deny for egress, allowed only what they list). */
  selectingEgress: string[];
  allowingEgress: string[];
}

async function otherKubernetesPolicies(rest: KubeRest, namespace: string, podLabels: Record<string, string>, ours: string, signal?: AbortSignal): Promise<OtherPolicies> {
  const policies = await rest.list(policyCollectionPath('kubernetes', namespace), {}, signal);
  const result: OtherPolicies = { allowingIngress: [], selectingEgress: [], allowingEgress: [] };
  for (const policy of policies) {
    const name = nameOf(policy);
    if (name === ours) continue;
    const spec = (policy.spec ?? {}) as JsonObject;
    if (!selectorMatches(spec.podSelector, podLabels, { absent: 'everything' })) continue;
    const egressRules = Array.isArray(spec.egress) ? spec.egress : [];
    const ingressRules = Array.isArray(spec.ingress) ? spec.ingress : [];
    // The API server defaults policyTypes on write; this fallback is the same rule for objects read otherwise.
    const types = Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0 ? (spec.policyTypes as string[]) : ['Ingress', ...(egressRules.length > 0 ? ['Egress'] : [])];
    if (types.includes('Ingress') && ingressRules.length > 0) result.allowingIngress.push(name);
    if (types.includes('Egress')) {
      result.selectingEgress.push(name);
      if (egressRules.length > 0) result.allowingEgress.push(name);
    }
  }
  return result;
}

/** Names of Calico policies other than kshield's that may select the pod (their selectors are Calico's own language). */
async function otherCalicoPolicies(rest: KubeRest, variant: 'calico' | 'calico-crd', namespace: string, ours: string, signal?: AbortSignal): Promise<string[]> {
  const { apiVersion } = ISOLATION_DIALECTS[variant];
  const names: string[] = [];
  for (const p of await rest.list(policyCollectionPath(variant, namespace), {}, signal)) {
    const name = nameOf(p);
    // The Calico API server also lists Kubernetes NetworkPolicies, as knp.default.<name>: those are judged separately.
    // kshield's own select one other pod each, by its UID label.
    const kshields = (metadataOf(p).labels as JsonObject | undefined)?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
    if (name !== ours && !name.startsWith('knp.') && !kshields) names.push(`${namespace}/${name}`);
  }
  if (await rest.serves(apiVersion, 'globalnetworkpolicies', signal)) {
    for (const p of await rest.list(`/apis/${apiVersion}/globalnetworkpolicies`, {}, signal)) names.push(`GlobalNetworkPolicy ${nameOf(p)}`);
  }
  return names;
}

/** The alert's destination, checked; a sentence when it cannot be used. */
function alertDestination(ctx: ActionContext): IsolatedDestination | { refusal: string } | undefined {
  const d = ctx.alert.destination;
  if (!d || d.ip === undefined || d.ip === '') return undefined;
  const ip = normaliseIp(String(d.ip).trim());
  if (isIP(ip) === 0) return { refusal: `the alert's destination "${String(d.ip).slice(0, 64)}" is not an IP address` };
  if (d.port !== undefined && (!Number.isInteger(d.port) || d.port < 1 || d.port > 65535)) return { refusal: `the alert's destination port ${String(d.port).slice(0, 16)} is not a port number (1-65535)` };
  const protocol = d.protocol && ['TCP', 'UDP', 'SCTP'].includes(d.protocol) ? d.protocol : undefined;
  return { ip, ...(d.port ? { port: d.port } : {}), ...(protocol && d.port ? { protocol } : {}) };
}

function policyObject(variant: IsolationVariant, name: string, namespace: string, podName: string, state: Isolation, spec: JsonObject, previous?: JsonObject): JsonObject {
  const { apiVersion, kind } = ISOLATION_DIALECTS[variant];
  const metadata: JsonObject = {
    name,
    namespace,
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    annotations: { [ISOLATED_POD_ANNOTATION]: podName, [ISOLATION_ANNOTATION]: JSON.stringify(state) },
  };
  if (previous) metadata.resourceVersion = metadataOf(previous).resourceVersion;
  return { apiVersion, kind, metadata, spec };
}

export const isolateAction: ActionDefinition<IsolateParams> = {
  name: 'isolate',
  mutates: true,
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      variant: { enum: ['auto', 'kubernetes', 'cilium', 'calico'], default: 'auto' },
      scope: { enum: ['auto', 'all', 'destination'], default: 'auto' },
      'calico-order': { type: 'number', default: 0 },
    },
  } as JsonObject,
  async run(params, ctx): Promise<ActionOutcome> {
    const { namespace, pod: podName } = ctx.target;
    const scope = params.scope ?? 'auto';
    // scope all ignores the alert's destination, even a malformed one.
    const destination = scope === 'all' ? undefined : alertDestination(ctx);
    if (destination && 'refusal' in destination) return outcome('isolate', 'refused', destination.refusal);
    if (scope === 'destination' && !destination) return outcome('isolate', 'refused', 'scope destination: the alert names no destination address');
    const wanted: Isolation = scope === 'all' || !destination ? { all: true, destinations: [] } : { all: false, destinations: [destination] };

    const read = await readTargetPod('isolate', ctx);
    if ('outcome' in read) return read.outcome;
    const { pod, rest } = read;
    if (isTerminating(pod)) return outcome('isolate', 'skipped', `pod ${namespace}/${podName} is being deleted`);
    if ((pod.spec as JsonObject | undefined)?.hostNetwork === true) {
      // The NetworkPolicy API leaves host-network pods' traffic to the implementation, and CNIs do not apply pod policies to it.
      return outcome('isolate', 'refused', `pod ${namespace}/${podName} uses the node's network (hostNetwork): network policies do not apply to its traffic; use kill or scale-to-zero`);
    }
    const uid = uidOf(pod);

    let variant: IsolationVariant;
    try {
      const chosen = await chooseVariant(rest, params.variant, ctx.signal);
      if (typeof chosen !== 'string') return outcome('isolate', 'refused', chosen.refusal);
      variant = chosen;
    } catch (error) {
      return outcome('isolate', 'failed', `could not discover the network policy kinds the API server serves: ${describeApiError(error)}`);
    }
    const dialect = ISOLATION_DIALECTS[variant];
    const name = isolationPolicyName(podName, variant);
    const collection = policyCollectionPath(variant, namespace);
    const path = `${collection}/${encodeURIComponent(name)}`;
    const policyRef = (change: string): TouchedObject => ({ apiVersion: dialect.apiVersion, kind: dialect.kind, namespace, name, change });

    let existing: JsonObject | undefined;
    try {
      existing = await rest.find(path, ctx.signal);
    } catch (error) {
      return outcome('isolate', 'failed', `could not read ${dialect.kind} ${namespace}/${name}: ${describeApiError(error)}`);
    }
    // A policy of this name kshield did not make (or one for an earlier pod of the same name) is replaced only if it is kshield's.
    if (existing && (metadataOf(existing).labels as JsonObject | undefined)?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
      return outcome('isolate', 'refused', `${dialect.kind} ${namespace}/${name} exists and was not made by kshield: not replacing it`);
    }
    // What the policy denies already: only when it is this pod's (a StatefulSet's replacement pod has the same name, another UID).
    const previous = existing && JSON.stringify(existing.spec ?? {}).includes(uid) ? readIsolation(existing) : undefined;
    const state = mergeIsolation(previous, wanted);
    const podLabels = labelsOf(metadataOf(pod));
    const podLabelled = podLabels[ISOLATE_LABEL] === uid;
    if (previous && podLabelled && (previous.all || (!state.all && state.destinations.length === previous.destinations.length))) {
      return outcome('isolate', 'skipped', `pod ${namespace}/${podName} is already isolated from ${describeIsolation(previous)} by ${dialect.kind} ${name}`);
    }

    const notes: string[] = [];
    let spec: JsonObject;
    try {
      if (variant === 'kubernetes') {
        const others = await otherKubernetesPolicies(rest, namespace, podLabels, name, ctx.signal);
        if (!state.all) {
          if (others.selectingEgress.length > 0) {
            return outcome(
              'isolate',
              'refused',
              `NetworkPolicy ${listText(others.selectingEgress)} already restricts the egress of pod ${namespace}/${podName}; Kubernetes NetworkPolicies only add allowed traffic, so a policy allowing all but ${listText(state.destinations.map((d) => d.ip))} would widen it: use scope all, or the cilium or calico variant`,
            );
          }
          for (const d of wanted.destinations) {
            const owners = await rest.list('/api/v1/pods', { fieldSelector: `status.podIP=${d.ip}` }, ctx.signal).catch(() => undefined);
            if (owners === undefined) notes.push(`could not check whether ${d.ip} is a pod's address`);
            else if (owners.length > 0) {
              const owner = owners[0];
              return outcome(
                'isolate',
                'refused',
                `${d.ip} is the address of pod ${String(metadataOf(owner).namespace)}/${nameOf(owner)}: a NetworkPolicy ipBlock is meant for addresses outside the cluster and CNIs differ on matching pod IPs with it; use scope all, or the cilium or calico variant`,
              );
            }
          }
          if (state.destinations.some((d) => d.port)) notes.push('a Kubernetes NetworkPolicy cannot exclude a single port, so every port of the address is denied');
        } else {
          const still = [...new Set([...others.allowingIngress, ...others.allowingEgress])];
          if (still.length > 0) {
            notes.push(
              `NetworkPolicy ${listText(still)} also select${still.length === 1 ? 's' : ''} the pod and still allow${still.length === 1 ? 's' : ''} the traffic ${still.length === 1 ? 'it lists' : 'they list'} (Kubernetes NetworkPolicies add up; the cilium or calico variant denies over them)`,
            );
          }
        }
        spec = kubernetesSpec(uid, state);
      } else if (variant === 'cilium') {
        spec = ciliumSpec(uid, state);
      } else {
        let allowRest = false;
        if (!state.all) {
          const others = await otherKubernetesPolicies(rest, namespace, podLabels, '', ctx.signal);
          if (others.selectingEgress.length === 0) {
            const calico = await otherCalicoPolicies(rest, variant, namespace, name, ctx.signal);
            if (calico.length > 0) {
              return outcome(
                'isolate',
                'refused',
                `Calico policies ${listText(calico.slice(0, 5))}${calico.length > 5 ? ' and others' : ''} may select pod ${namespace}/${podName}; kshield does not evaluate Calico selectors, and a deny-only policy could drop all its other egress while an added Allow could widen theirs: use scope all`,
              );
            }
            // Nothing else restricts the pod's egress: without a final Allow, Calico's end-of-tier drop would cut all of it.
            allowRest = true;
          }
        }
        spec = calicoSpec(uid, state, params['calico-order'] ?? 0, allowRest);
      }
    } catch (error) {
      return outcome('isolate', 'failed', `could not read the policies that already select pod ${namespace}/${podName}: ${describeApiError(error)}`);
    }

    // The label the policy selects by must not take the pod out of its controller's selector.
    const labelChange = podLabelled ? undefined : metadataChange(pod, { [ISOLATE_LABEL]: uid }, {});
    if (labelChange) {
      try {
        const owner = await podOwner(rest, pod, ctx.signal);
        const problem = ownerSelectorProblem(owner, podLabels, { ...podLabels, [ISOLATE_LABEL]: uid });
        if (problem) return outcome('isolate', 'refused', `not isolating pod ${namespace}/${podName}: ${problem}`);
      } catch (error) {
        return outcome('isolate', 'failed', `could not read the controller of pod ${namespace}/${podName}: ${describeApiError(error)}`);
      }
    }

    const what = `${dialect.kind} ${namespace}/${name} (${dialect.apiVersion}) denying ${describeIsolation(state)} of pod ${namespace}/${podName}`;
    const noteText = notes.length > 0 ? `; note: ${notes.join('; ')}` : '';
    if (ctx.dryRun) {
      return outcome('isolate', 'dry-run', `would ${existing ? 'replace' : 'create'} ${what}${noteText}`, [
        policyRef(existing ? 'would-replace' : 'would-create'),
        ...(labelChange ? [podRef(namespace, podName, 'would-patch')] : []),
      ]);
    }

    const body = policyObject(variant, name, namespace, podName, state, spec, existing);
    let stored: JsonObject;
    try {
      stored = existing ? await rest.replace(path, body, ctx.signal) : await rest.create(collection, body, ctx.signal);
    } catch (error) {
      return outcome('isolate', 'failed', `could not ${existing ? 'replace' : 'create'} ${dialect.kind} ${namespace}/${name}: ${describeApiError(error)}`);
    }
    const touched: TouchedObject[] = [policyRef(existing ? 'replaced' : 'created')];
    const undo = async (): Promise<string> => {
      try {
        if (existing) await rest.replace(path, { ...existing, metadata: { ...metadataOf(existing), resourceVersion: metadataOf(stored).resourceVersion } }, ctx.signal);
        else await rest.delete(path, { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: uidOf(stored) } }, ctx.signal);
        return existing ? 'the previous policy was put back' : 'the policy was removed again';
      } catch (error) {
        if (isNotFound(error)) return 'the policy is gone';
        return `and putting the policy back failed too (${describeApiError(error)})`;
      }
    };

    if (variant === 'cilium' && !state.all) {
      const kept = ((stored.spec as JsonObject | undefined)?.enableDefaultDeny as JsonObject | undefined)?.egress;
      if (kept !== false) {
        const undone = await undo();
        return outcome('isolate', 'refused', `this Cilium does not keep enableDefaultDeny (Cilium before 1.16): a deny-only policy would switch pod ${namespace}/${podName} to default-deny and cut all its egress; ${undone}. Use scope all, or another variant`, []);
      }
    }

    if (labelChange) {
      try {
        await patchWithRetry(rest, podPath(namespace, podName), pod, (current) => {
          if (uidOf(current) !== uid) throw new Error(`pod ${namespace}/${podName} was replaced by another pod of the same name`);
          return metadataChange(current, { [ISOLATE_LABEL]: uid }, {})?.patch;
        }, ctx.signal);
        touched.push(podRef(namespace, podName, 'patched'));
      } catch (error) {
        const undone = await undo();
        return outcome('isolate', 'failed', `could not label pod ${namespace}/${podName} ${ISOLATE_LABEL} for the policy to select it: ${describeApiError(error)}; ${undone}`, []);
      }
    }
    ctx.log.info({ action: 'isolate', namespace, pod: podName, variant, policy: name, all: state.all, destinations: state.destinations.length }, 'pod isolated');
    return outcome('isolate', 'done', `${existing ? 'replaced' : 'created'} ${what}${noteText}`, touched);
  },
};
