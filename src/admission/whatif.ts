/**
 * `kshield webhook what-if`: the admission configuration applied to workloads that exist (in files
 * or in the cluster), each judged as the webhook judges an object being created. It answers the
 * question to ask before switching a policy from audit to enforce: what would be refused, what
 * would be warned, and where.
 */
import type { JsonObject, Resource } from '../core/types.js';
import { withCacheScope } from '../core/scoped-cache.js';
import { parseImageReference } from '../k8s/images.js';
import { podKeyring, podPullSecrets, type PullSecretReader } from './pull-secrets.js';
import { podSpecs } from '../k8s/pods.js';
import { isObject } from '../core/values.js';
import { isClusterScoped } from '../k8s/scope.js';
import { controllerUserFor, decide, namespaceToMatch, type Decision, type NamespaceLabels, type SkippedRule } from './decide.js';
import type { AdmissionRequest } from './review.js';
import type { WebhookState } from './server.js';
import { fieldPath } from './format.js';
import type { CoverageGap } from '../sources/cluster.js';
import { VerificationCache } from './signature-cache.js';
import { checkImageSignatures, type SignatureVerdict } from './signatures.js';

export type WhatIfVerdict = 'deny' | 'warn' | 'pass' | 'exempt';

export interface WhatIfFinding {
  rule: string;
  severity: string;
  field: string;
  message: string;
}

export interface WhatIfWorkload {
  apiVersion: string;
  kind: string;
  name: string;
  file: string;
  line: number;
  verdict: WhatIfVerdict;
  denied: WhatIfFinding[];
  warned: WhatIfFinding[];
  /** Findings only logged (audit). */
  audited: number;
  /** Container images the signature rules would refuse, one line each with why (see addSignatureVerdicts). */
  signatures?: string[];
  /** Images admitted without verification (onError: allow), one warning line each, as the webhook would return them. */
  signatureWarnings?: string[];
}

export interface WhatIfNamespace {
  namespace: string;
  /** Why the whole namespace is not judged. */
  exempt: 'name' | 'label' | null;
  workloads: WhatIfWorkload[];
}

export interface WhatIfReport {
  onUpdate: 'new-violations' | 'all';
  namespaces: WhatIfNamespace[];
  summary: Record<WhatIfVerdict, number> & { workloads: number };
  notEnforcedAtAdmission: SkippedRule[];
  notes: string[];
  /** With --cluster: the lists that could not be read (forbidden, broken answers). Empty for files. */
  notCovered: CoverageGap[];
  /**
   * The kinds holding pod specs among `notCovered`: their workloads are missing from the verdicts,
   * which are then a lower bound, not an answer.
   */
  workloadKindsNotCovered: string[];
}

/** The kinds the cluster listing reads that hold pod specs. */
const WORKLOAD_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'];

const CLUSTER_SCOPED = '(cluster-scoped)';

function gvk(apiVersion: string, kind: string): AdmissionRequest['kind'] {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? { group: '', version: apiVersion, kind } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind };
}

function describe(d: Decision, outcome: 'denied' | 'warned', object: unknown): WhatIfFinding[] {
  return d.findings
    .filter((j) => j.outcome === outcome)
    .map((j) => ({ rule: j.finding.rule, severity: j.finding.severity, field: fieldPath(j.finding.path, object), message: j.finding.message }));
}

/** Judges every object holding pod specs as a CREATE of it would be judged now. */
export function whatIf(
  resources: readonly Resource[],
  state: Pick<WebhookState, 'config' | 'prepared'>,
  ownNamespace: string | undefined,
  now?: Date,
  notCovered: readonly CoverageGap[] = [],
): WhatIfReport {
  const labelsByNamespace = new Map<string, Record<string, string>>();
  for (const r of resources) {
    if (r.kind === 'Namespace' && r.apiVersion === 'v1') {
      const labels = isObject(r.object.metadata) && isObject(r.object.metadata.labels) ? r.object.metadata.labels : {};
      labelsByNamespace.set(r.name, Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string')) as Record<string, string>);
    }
  }
  const notes: string[] = [];
  const unknownLabels = new Set<string>();
  const byNamespace = new Map<string, WhatIfNamespace>();
  const summary = { workloads: 0, deny: 0, warn: 0, pass: 0, exempt: 0 };
  for (const r of resources) {
    if (podSpecs(r).length === 0) continue;
    const request: AdmissionRequest = {
      uid: 'what-if',
      kind: gvk(r.apiVersion, r.kind),
      name: r.name,
      // Objects the input left without a namespace (no --apply-namespace) land in "default", as with kubectl apply.
      namespace: r.namespace ?? ((r.clusterScoped ?? isClusterScoped(r.apiVersion, r.kind)) ? undefined : 'default'),
      operation: 'CREATE',
      object: r.object,
      dryRun: true,
    };
    const controllerUser = controllerUserFor(r.object);
    if (controllerUser) request.userInfo = { username: controllerUser };
    const ns = namespaceToMatch(request);
    let namespaceLabels: NamespaceLabels | undefined;
    if (ns !== undefined && state.config.exemptNamespaceSelector !== undefined) {
      const labels = labelsByNamespace.get(ns);
      if (labels) namespaceLabels = { labels };
      else {
        namespaceLabels = { unavailable: 'its Namespace object is not among the inputs' };
        unknownLabels.add(ns);
      }
    }
    const decision = decide(request, { config: state.config, prepared: state.prepared, ownNamespace, namespaceLabels, now });
    const key = ns ?? CLUSTER_SCOPED;
    let group = byNamespace.get(key);
    if (!group) byNamespace.set(key, (group = { namespace: key, exempt: null, workloads: [] }));
    let verdict: WhatIfVerdict;
    if (decision.reason === 'exempt-namespace' || decision.reason === 'exempt-namespace-label' || decision.reason === 'namespace-lookup-failed') {
      verdict = 'exempt';
      group.exempt = decision.reason === 'exempt-namespace' ? 'name' : 'label';
    } else if (!decision.allowed) verdict = 'deny';
    else if (decision.findings.some((j) => j.outcome === 'warned')) verdict = 'warn';
    else verdict = 'pass';
    summary.workloads++;
    summary[verdict]++;
    group.workloads.push({
      apiVersion: r.apiVersion,
      kind: r.kind,
      name: r.name,
      file: r.file,
      line: r.locate('').line,
      verdict,
      denied: describe(decision, 'denied', r.object),
      warned: describe(decision, 'warned', r.object),
      audited: decision.findings.filter((j) => j.outcome === 'audited').length,
    });
  }
  if (unknownLabels.size > 0) {
    const list = [...unknownLabels].sort().join(', ');
    notes.push(
      state.config.namespaceLookupFailure === 'exempt'
        ? `the labels of namespace(s) ${list} are not known (no Namespace object in the inputs): treated as exempt, as namespaceLookupFailure: exempt does`
        : `the labels of namespace(s) ${list} are not known (no Namespace object in the inputs): judged as not exempt by exemptNamespaceSelector`,
    );
  }
  if (state.config.onUpdate === 'new-violations' && summary.deny > 0) {
    notes.push('onUpdate: new-violations: an update that keeps these violations is admitted with a warning; they are refused when the object is created anew or when an update adds one');
  }
  if (state.config.controllerPods !== 'enforce' && summary.deny > 0) {
    notes.push('controllerPods: audit: pods that controllers create for these workloads are logged, never refused, so running workloads keep scaling');
  }
  const namespaces = [...byNamespace.values()].sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
  for (const n of namespaces) n.workloads.sort((a, b) => VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const missing = new Set(notCovered.map((g) => g.kind));
  const workloadKindsNotCovered = WORKLOAD_KINDS.filter((k) => missing.has(k));
  return { onUpdate: state.config.onUpdate, namespaces, summary, notEnforcedAtAdmission: state.prepared.skipped, notes, notCovered: [...notCovered], workloadKindsNotCovered };
}

const VERDICT_ORDER: Record<WhatIfVerdict, number> = { deny: 0, warn: 1, pass: 2, exempt: 3 };

/**
 * The signature rules (`webhook.imagePolicy.requireSignature`) applied to the workloads of a
 * report, as the webhook would apply them to a CREATE of each: every image a rule applies to is
 * resolved and verified now, in the registry, with the webhook's registry settings; a workload with
 * an image that would be refused becomes `deny`, its `signatures` saying which and why. Skipped,
 * as at admission: exempt namespaces and objects Kubernetes' controllers create for a judged owner.
 * One verification per image digest and rule for the whole report.
 */
export interface SignatureWhatIfOptions {
  /** Reads pods' pull secrets (with `registries.pullSecrets` and a live cluster as input), as the webhook would. */
  pullSecrets?: PullSecretReader;
}

/** Running pods' digests are kept for at most this many per container of a workload. */
const MAX_RUNNING_DIGESTS = 8;

/**
 * The digests the pods of `resources` run, by owning workload and container name: a Pod's
 * `status.containerStatuses[].imageID` (`docker-pullable://repo@sha256:...`, or the bare reference
 * containerd reports), followed up the ownerReferences (Pod → ReplicaSet → Deployment, Pod →
 * StatefulSet/DaemonSet/Job → CronJob) to every workload it belongs to.
 */
export function runningDigests(resources: readonly Resource[]): Map<string, Map<string, Set<string>>> {
  const owners = new Map<string, string[]>();
  const key = (namespace: string, kind: string, name: string): string => `${namespace}\u0000${kind}\u0000${name}`;
  const ownersOf = (r: Resource): string[] => {
    const refs = isObject(r.object.metadata) && Array.isArray(r.object.metadata.ownerReferences) ? r.object.metadata.ownerReferences : [];
    return refs.filter((o): o is Record<string, unknown> => isObject(o) && typeof o.kind === 'string' && typeof o.name === 'string').map((o) => key(r.namespace ?? '', o.kind as string, o.name as string));
  };
  for (const r of resources) if (r.kind !== 'Pod') owners.set(key(r.namespace ?? '', r.kind, r.name), ownersOf(r));
  const out = new Map<string, Map<string, Set<string>>>();
  for (const pod of resources) {
    if (pod.kind !== 'Pod' || !isObject(pod.object.status)) continue;
    const statuses = [pod.object.status.containerStatuses, pod.object.status.initContainerStatuses].flatMap((l) => (Array.isArray(l) ? l : []));
    const digests: [string, string][] = [];
    for (const st of statuses) {
      if (!isObject(st) || typeof st.name !== 'string' || typeof st.imageID !== 'string') continue;
      const digest = /@(sha256:[0-9a-f]{64})$/.exec(st.imageID)?.[1];
      if (digest) digests.push([st.name, digest]);
    }
    if (digests.length === 0) continue;
    // The pod itself and every owner up the chain (bounded: a cycle of ownerReferences is not followed twice).
    const seen = new Set<string>();
    const queue = [key(pod.namespace ?? '', 'Pod', pod.name), ...ownersOf(pod)];
    while (queue.length > 0 && seen.size < 8) {
      const at = queue.shift()!;
      if (seen.has(at)) continue;
      seen.add(at);
      queue.push(...(owners.get(at) ?? []));
    }
    for (const at of seen) {
      let byContainer = out.get(at);
      if (!byContainer) out.set(at, (byContainer = new Map()));
      for (const [container, digest] of digests) {
        let set = byContainer.get(container);
        if (!set) byContainer.set(container, (set = new Set()));
        if (set.size < MAX_RUNNING_DIGESTS) set.add(digest);
      }
    }
  }
  return out;
}

/**
 * Copies of a workload with each container's image pinned to a digest its pods run (one copy per
 * distinct digest of a container, bounded), so what-if verifies what runs rather than what the tag
 * names today; the object itself when no pod of it reports a digest.
 */
function asRunning(resource: Resource, running: Map<string, Set<string>> | undefined): JsonObject[] {
  if (!running || running.size === 0) return [resource.object];
  const variants: JsonObject[] = [];
  const rounds = Math.min(MAX_RUNNING_DIGESTS, Math.max(...[...running.values()].map((s) => s.size)));
  for (let i = 0; i < rounds; i++) {
    const copy = structuredClone(resource.object);
    let changed = false;
    for (const pod of withCacheScope(() => podSpecs({ kind: resource.kind, apiVersion: resource.apiVersion, object: copy }))) {
      for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
        const containers = pod.spec[list];
        if (!Array.isArray(containers)) continue;
        for (const c of containers) {
          if (!isObject(c) || typeof c.name !== 'string' || typeof c.image !== 'string') continue;
          const digests = [...(running.get(c.name) ?? [])];
          if (digests.length === 0) continue;
          const digest = digests[Math.min(i, digests.length - 1)];
          const parsed = parseImageReference(c.image);
          if (!parsed.ok || parsed.image.digest === digest) continue;
          c.image = `${c.image.replace(/@sha256:[0-9a-f]{64}$/, '')}@${digest}`;
          changed = true;
        }
      }
    }
    if (changed || i === 0) variants.push(copy);
  }
  return variants;
}

export async function addSignatureVerdicts(report: WhatIfReport, resources: readonly Resource[], state: Pick<WebhookState, 'config'>, options: SignatureWhatIfOptions = {}): Promise<void> {
  const policy = state.config.imagePolicy;
  if (policy.requireSignature.length === 0) return;
  const running = runningDigests(resources);
  const labelsByNamespace = new Map<string, Record<string, string>>();
  for (const r of resources) {
    if (r.kind === 'Namespace' && r.apiVersion === 'v1') {
      const labels = isObject(r.object.metadata) && isObject(r.object.metadata.labels) ? r.object.metadata.labels : {};
      labelsByNamespace.set(r.name, Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string')) as Record<string, string>);
    }
  }
  const byIdentity = new Map<string, Resource>();
  for (const r of resources) byIdentity.set(`${r.file}\u0000${r.locate('').line}\u0000${r.kind}\u0000${r.name}`, r);
  const cache = new VerificationCache<SignatureVerdict>({ ...policy.cache, successTtlMs: Math.max(policy.cache.successTtlMs, 3_600_000), failureTtlMs: 3_600_000 }, (v) => v.status === 'verified');
  for (const group of report.namespaces) {
    if (group.exempt) continue;
    for (const workload of group.workloads) {
      if (workload.verdict === 'exempt') continue;
      const resource = byIdentity.get(`${workload.file}\u0000${workload.line}\u0000${workload.kind}\u0000${workload.name}`);
      if (!resource || controllerUserFor(resource.object)) continue;
      const labels = labelsByNamespace.get(group.namespace);
      const refusals: string[] = [];
      const warnings: string[] = [];
      const signal = AbortSignal.timeout(policy.timeoutMs);
      const reader = state.config.registries.pullSecrets === true ? options.pullSecrets : undefined;
      const namespace = resource.namespace ?? group.namespace;
      for (const object of asRunning(resource, running.get(`${resource.namespace ?? ''}\u0000${resource.kind}\u0000${resource.name}`))) {
        const check = await checkImageSignatures(object, undefined, resource.kind, resource.apiVersion, {
          policy,
          registries: state.config.registries,
          namespaceLabels: labels ? { labels } : { unavailable: 'its Namespace object is not among the inputs' },
          cache,
          signal,
          ...(reader && namespace
            ? { podKeyring: () => podKeyring(namespace, withCacheScope(() => podSpecs({ kind: resource.kind, apiVersion: resource.apiVersion, object }).map((p) => podPullSecrets(p.spec))), reader, signal) }
            : {}),
        });
        for (const refusal of check.refusals) if (!refusals.includes(refusal)) refusals.push(refusal);
        for (const warning of check.warnings) if (!warnings.includes(warning)) warnings.push(warning);
      }
      // The refusals and warnings are also entries of `denied`/`warned`, so a reader of the JSON who
      // looks only there sees why the workload is refused (the lines stay in `signatures` for the table).
      const entry = (message: string): WhatIfFinding => ({ rule: 'image-signature', severity: 'high', field: imageField(resource, message), message });
      if (warnings.length > 0) {
        workload.signatureWarnings = warnings.map((w) => w.replace(/^kshield: /, ''));
        workload.warned.push(...workload.signatureWarnings.map(entry));
        if (workload.verdict === 'pass') {
          report.summary.pass--;
          report.summary.warn++;
          workload.verdict = 'warn';
        }
      }
      if (refusals.length === 0) continue;
      workload.signatures = refusals;
      workload.denied.push(...refusals.map(entry));
      if (workload.verdict !== 'deny') {
        report.summary[workload.verdict]--;
        report.summary.deny++;
        workload.verdict = 'deny';
      }
    }
    group.workloads.sort((a, b) => VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** The image field of the container a signature line names (`container "NAME" image ...`), or '' when it names none. */
function imageField(resource: Resource, line: string): string {
  const name = /^container "([^"]*)"/.exec(line)?.[1];
  if (name === undefined) return '';
  for (const pod of withCacheScope(() => podSpecs(resource))) {
    for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
      const containers = pod.spec[list];
      if (!Array.isArray(containers)) continue;
      const i = containers.findIndex((c) => isObject(c) && c.name === name);
      if (i !== -1) return fieldPath(`${pod.path}/${list}/${i}/image`, resource.object);
    }
  }
  return '';
}
