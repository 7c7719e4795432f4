/**
 * The admission decision, pure: an AdmissionRequest, the configuration and the prepared rules in;
 * allowed or denied, with warnings and the findings behind them, out. The object is judged by the
 * engine `kshield scan` uses (same rules, settings, severity overrides, inline suppressions and
 * configuration exemptions), so a finding reads the same in CI and at admission.
 *
 * Decisions that need I/O are made by the caller and passed in: the namespace's labels (for
 * `exemptNamespaceSelector`) come from the server's namespace cache.
 */
import type { KshieldConfig } from '../config/config-file.js';
import { evaluate, ruleApplies, type EngineOptions } from '../engine/engine.js';
import type { Rule } from '../engine/rule.js';
import { prepareScan } from '../pipeline/prepare.js';
import type { Finding, JsonObject, Resource } from '../core/types.js';
import { isObject, asString } from '../core/values.js';
import { matchesParsed, parseLabelSelector } from '../k8s/labels.js';
import { resourcesFromObjects } from '../sources/files.js';
import { actionFor, exemptNamespaceNames } from './config.js';
import { capWarnings, denyMessage, oneLine, warningText } from './format.js';
import type { AdmissionRequest } from './review.js';
import type { AdmissionAction, WebhookConfig } from '../config/webhook.js';
import { withCacheScope } from '../core/scoped-cache.js';
import { CONTAINER_TYPES, podSpecs } from '../k8s/pods.js';

/** Where findings of admitted objects say they came from (scan says the file). */
const ADMISSION_SOURCE = 'admission';

/**
 * Most containers (of every kind, in every pod spec) an object may hold to be judged at admission.
 * Judging costs some 50-100 us per container, and a review holds the event loop while it runs: a
 * 3 MiB Deployment of 100,000 one-line containers took 10-15 s, past the API server's webhook
 * timeout and with every other review waiting. No real pod comes near this; a larger object is
 * refused unjudged (admitting it unjudged would let padding hide a privileged container).
 */
export const MAX_CONTAINERS_PER_OBJECT = 1000;

/** Containers, init containers and ephemeral containers in all the object's pod specs. */
export function containerCount(object: JsonObject, request: Pick<AdmissionRequest, 'kind'>): number {
  const kind = asString(object.kind) ?? request.kind.kind;
  const apiVersion = asString(object.apiVersion) ?? (request.kind.group ? `${request.kind.group}/${request.kind.version}` : request.kind.version);
  let count = 0;
  for (const pod of podSpecs({ kind, apiVersion, object })) {
    for (const type of CONTAINER_TYPES) {
      const list = pod.spec[type];
      if (Array.isArray(list)) count += list.length;
    }
  }
  return count;
}

/**
 * Rules about what a repository commits: at admission every Secret holds real values, so they say
 * nothing there (the same list `kshield cluster` leaves out).
 */
const MANIFEST_ONLY_RULES = new Set(['secret-data-committed', 'secret-committed']);

export interface SkippedRule {
  id: string;
  /** Why, in one word: it judges an object by others, or it judges what a repository commits. */
  kind: 'reads-other-objects' | 'repository-only' | 'runtime-only';
  reason: string;
}

/** The rules admission runs, prepared once per configuration. */
export interface PreparedAdmission {
  rules: Rule[];
  engine: EngineOptions;
  /** Rules the configuration selects that admission cannot run, with why. */
  skipped: SkippedRule[];
  byId: ReadonlyMap<string, Rule>;
}

/**
 * The configuration's rules minus those admission cannot run: cross-object rules (with `reads`)
 * judge an object by others (its namespace's LimitRange, the ServiceAccount it names, the
 * PodDisruptionBudget that covers it), and a review carries one object; judging it alone would
 * report what it cannot see as missing.
 */
export function prepareAdmission(config: KshieldConfig | undefined): PreparedAdmission {
  const prepared = prepareScan({ config });
  const skipped: SkippedRule[] = [];
  const rules = prepared.rules.filter((rule) => {
    // Drift and audit rules judge a live cluster's history (kshield watch, respond): at admission the
    // object's own rules already judge what it asks for, and a second finding would double it.
    if (rule.category === 'drift' || rule.category === 'audit') {
      skipped.push({ id: rule.id, kind: 'runtime-only', reason: 'judges a live cluster over time (kshield watch and respond), not one request' });
      return false;
    }
    if (rule.reads !== undefined) {
      skipped.push({ id: rule.id, kind: 'reads-other-objects', reason: `reads other objects (${rule.reads.join(', ')}), which a single admission request does not carry` });
      return false;
    }
    if (MANIFEST_ONLY_RULES.has(rule.id)) {
      skipped.push({ id: rule.id, kind: 'repository-only', reason: 'judges what a repository commits; every Secret reaching the API holds real values' });
      return false;
    }
    return true;
  });
  return { rules, engine: { ...prepared.engine, rules }, skipped, byId: new Map(rules.map((r) => [r.id, r])) };
}

/** What happened to one unsuppressed finding. */
export type FindingOutcome =
  /** enforce: the reason for the denial */
  | 'denied'
  /** warn: returned as a warning */
  | 'warned'
  /** audit: logged only */
  | 'audited'
  /** enforce, but the old object already had it (UPDATE with onUpdate: new-violations): warned */
  | 'preexisting'
  /** enforce, on an object Kubernetes' controllers made for a judged owner (controllerPods: audit): logged */
  | 'controller';

export interface JudgedFinding {
  finding: Finding;
  action: AdmissionAction;
  outcome: FindingOutcome;
}

export type DecisionReason =
  | 'judged'
  | 'operation-not-judged'
  | 'subresource-not-judged'
  | 'being-deleted'
  | 'exempt-namespace'
  | 'exempt-namespace-label'
  | 'namespace-lookup-failed'
  | 'too-many-containers';

export interface Decision {
  allowed: boolean;
  reason: DecisionReason;
  /** Unsuppressed findings with their outcome (empty when the object was not judged). */
  findings: JudgedFinding[];
  /** Findings suppressed by annotation or configuration exemption. */
  suppressed: number;
  warnings: string[];
  /** On denial: the status the API server passes to the client. */
  status?: { code: number; message: string };
  /** Whether the request came from one of Kubernetes' controllers for an owner judged at its own level. */
  controllerRequest: boolean;
  /**
   * Ids of rules that threw on this object (a bug in kshield; the other rules still ran). Only the
   * ids: an exception's text may quote a field value.
   */
  ruleErrors?: string[];
}

/** The namespace labels as the caller could read them. */
export type NamespaceLabels = { labels: Readonly<Record<string, string>> } | { unavailable: string };

export interface DecisionContext {
  config: WebhookConfig;
  prepared: PreparedAdmission;
  /** The webhook's own namespace, exempt by default. */
  ownNamespace?: string;
  /**
   * Labels of the request's namespace, when `exemptNamespaceSelector` is set and the request is
   * namespaced (see `namespaceToMatch`). For a Namespace object the object's own labels are used.
   */
  namespaceLabels?: NamespaceLabels;
  now?: Date;
}

/**
 * Kubernetes' controllers and what each creates objects for. With
 * --use-service-account-credentials (kubeadm's default) each controller has its own service
 * account in kube-system; without it they all act as system:kube-controller-manager. The request's
 * user is authenticated by the API server, unlike the object's ownerReferences, which anyone may
 * write: both must agree.
 */
const CONTROLLER_OWNERS: Record<string, readonly string[]> = {
  'system:serviceaccount:kube-system:replicaset-controller': ['ReplicaSet'],
  'system:serviceaccount:kube-system:replication-controller': ['ReplicationController'],
  'system:serviceaccount:kube-system:daemon-set-controller': ['DaemonSet'],
  'system:serviceaccount:kube-system:statefulset-controller': ['StatefulSet'],
  'system:serviceaccount:kube-system:job-controller': ['Job'],
  'system:serviceaccount:kube-system:deployment-controller': ['Deployment'],
  'system:serviceaccount:kube-system:cronjob-controller': ['CronJob'],
  'system:kube-controller-manager': ['ReplicaSet', 'ReplicationController', 'DaemonSet', 'StatefulSet', 'Job', 'Deployment', 'CronJob'],
};

/** Which owner kinds create which objects. */
const OWNED_BY: Record<string, readonly string[]> = {
  Pod: ['ReplicaSet', 'ReplicationController', 'DaemonSet', 'StatefulSet', 'Job'],
  ReplicaSet: ['Deployment'],
  Job: ['CronJob'],
  ControllerRevision: ['DaemonSet', 'StatefulSet'],
};

/** True when a built-in controller made this request for an owner kshield judges at its own level. */
export function isControllerRequest(request: AdmissionRequest, object: JsonObject | undefined): boolean {
  const username = request.userInfo?.username;
  const ownerKinds = username ? CONTROLLER_OWNERS[username] : undefined;
  if (!ownerKinds || !object) return false;
  const creates = OWNED_BY[asString(object.kind) ?? request.kind.kind];
  if (!creates) return false;
  const metadata = isObject(object.metadata) ? object.metadata : undefined;
  const refs = Array.isArray(metadata?.ownerReferences) ? metadata.ownerReferences : [];
  return refs.some((r) => isObject(r) && r.controller === true && typeof r.kind === 'string' && creates.includes(r.kind) && ownerKinds.includes(r.kind));
}

/**
 * Who re-creates this object when its controller needs a new one: the built-in controller its
 * controller ownerReference names (with --use-service-account-credentials, kubeadm's default), or
 * undefined when no built-in controller owns it. `what-if` judges such an object as its next
 * creation will be made: by that controller.
 */
export function controllerUserFor(object: JsonObject): string | undefined {
  const creates = OWNED_BY[asString(object.kind) ?? ''];
  if (!creates) return undefined;
  const metadata = isObject(object.metadata) ? object.metadata : undefined;
  const refs = Array.isArray(metadata?.ownerReferences) ? metadata.ownerReferences : [];
  const owner = refs.find((r) => isObject(r) && r.controller === true && typeof r.kind === 'string' && creates.includes(r.kind));
  if (!isObject(owner)) return undefined;
  return Object.keys(CONTROLLER_OWNERS).find((user) => user.startsWith('system:serviceaccount:') && CONTROLLER_OWNERS[user].length === 1 && CONTROLLER_OWNERS[user][0] === owner.kind);
}

/**
 * The namespace whose exemption applies: the request's namespace; for a Namespace object its own
 * name (as a webhook's namespaceSelector matches a Namespace by its own labels); none for other
 * cluster-scoped objects, which no namespace exemption covers.
 */
export function namespaceToMatch(request: AdmissionRequest): string | undefined {
  if (request.kind.kind === 'Namespace' && request.kind.group === '') return request.name ?? asString((request.object?.metadata as JsonObject | undefined)?.name);
  return request.namespace;
}

function allow(reason: DecisionReason, warnings: string[] = []): Decision {
  return { allowed: true, reason, findings: [], suppressed: 0, warnings, controllerRequest: false };
}

/** The object as the engine sees it: typed from the request when the object leaves it out, in the request's namespace. */
function admissionResources(object: JsonObject, request: AdmissionRequest): Resource[] {
  let subject = object;
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
    const gv = request.kind.group ? `${request.kind.group}/${request.kind.version}` : request.kind.version;
    subject = { ...object, apiVersion: typeof object.apiVersion === 'string' ? object.apiVersion : gv, kind: typeof object.kind === 'string' ? object.kind : request.kind.kind };
  }
  // Field-type problems are not reported at admission: the API server validates the object's schema
  // itself (before /validate is called), and the rules read every field defensively.
  const resources = resourcesFromObjects([subject], ADMISSION_SOURCE, { shapeChecks: false }).resources;
  // On CREATE the API server may not have copied the namespace from the URL into the object yet.
  if (request.namespace) for (const r of resources) r.namespace ??= request.namespace;
  return resources;
}

/** Judges one object with the engine; findings in engine order. */
function judgeObject(object: JsonObject, request: AdmissionRequest, prepared: PreparedAdmission, now?: Date): { findings: Finding[]; resources: Resource[]; errors: string[] } {
  const resources = admissionResources(object, request);
  const engine = now ? { ...prepared.engine, now } : prepared.engine;
  const result = evaluate(resources, engine);
  return { findings: result.findings, resources, errors: result.errors.map((e) => /^rule (\S+) failed/.exec(e.message)?.[1] ?? 'unknown') };
}

function kindLabel(request: AdmissionRequest, object: JsonObject | undefined): string {
  const metadata = isObject(object?.metadata) ? object.metadata : undefined;
  const name = request.name ?? asString(metadata?.name) ?? (asString(metadata?.generateName) ? `${asString(metadata?.generateName)}*` : '<unnamed>');
  const ns = request.namespace;
  return `${request.kind.kind} ${ns ? `${ns}/` : ''}${name}`;
}

/**
 * The exemption of the request's namespace, by name or by label, or undefined when it is judged.
 * With `namespaceLookupFailure: exempt`, unreadable labels exempt too (with a warning).
 */
export function namespaceExemption(request: AdmissionRequest, context: Omit<DecisionContext, 'prepared'>): Decision | undefined {
  const { config } = context;
  const namespace = namespaceToMatch(request);
  if (namespace === undefined) return undefined;
  if (exemptNamespaceNames(config, context.ownNamespace).has(namespace)) return allow('exempt-namespace');
  if (config.exemptNamespaceSelector === undefined) return undefined;
  const labels = request.kind.kind === 'Namespace' && request.kind.group === '' && request.object ? { labels: labelsOf(request.object) } : context.namespaceLabels;
  if (labels && 'labels' in labels) {
    return matchesParsed(parseLabelSelector(config.exemptNamespaceSelector), labels.labels) ? allow('exempt-namespace-label') : undefined;
  }
  if (config.namespaceLookupFailure === 'exempt') {
    return allow('namespace-lookup-failed', [cut256(`kshield could not read the labels of namespace ${namespace} (${labels?.unavailable ?? 'not looked up'}); admitted without checks`)]);
  }
  return undefined;
}

export function decide(request: AdmissionRequest, context: DecisionContext): Decision {
  // One scope for the whole review: the object is read before the engine runs, and the old object too (see core/scoped-cache.ts).
  return withCacheScope(() => decideInScope(request, context));
}

function decideInScope(request: AdmissionRequest, context: DecisionContext): Decision {
  const { config, prepared } = context;
  if (request.operation === 'DELETE' || request.operation === 'CONNECT') return allow('operation-not-judged');
  // Subresources carry something else than the object (a Scale, a Binding, an Eviction) or only its
  // status; ephemeral containers are the one subresource that adds containers to a running pod.
  if (request.subResource !== undefined && request.subResource !== 'ephemeralcontainers') return allow('subresource-not-judged');
  const object = request.object;
  if (!object) return allow('operation-not-judged');
  // Removing the last finalizer of an object being deleted is an UPDATE; refusing it would keep the
  // object forever.
  if (request.operation === 'UPDATE' && isObject(object.metadata) && object.metadata.deletionTimestamp) return allow('being-deleted');

  const exemption = namespaceExemption(request, context);
  if (exemption) return exemption;

  const count = containerCount(object, request);
  if (count > MAX_CONTAINERS_PER_OBJECT) {
    const message = `kshield judges objects with at most ${MAX_CONTAINERS_PER_OBJECT} containers; this ${request.kind.kind} has ${count}, so it was not judged and is refused`;
    return { allowed: false, reason: 'too-many-containers', findings: [], suppressed: 0, warnings: [], status: { code: 403, message }, controllerRequest: false };
  }

  const { findings, resources, errors } = judgeObject(object, request, prepared, context.now);
  const ruleErrors = errors.length > 0 ? errors : undefined;
  const controllerRequest = config.controllerPods !== 'enforce' && isControllerRequest(request, object);
  // The old object matters only for a finding that would deny: judged the first time one does,
  // so the usual update (nothing enforced in it) pays for one judgement, not two.
  const oldObject =
    request.operation === 'UPDATE' && config.onUpdate === 'new-violations' && request.oldObject && containerCount(request.oldObject, request) <= MAX_CONTAINERS_PER_OBJECT ? request.oldObject : undefined;
  let before: Set<string> | undefined;
  const hadBefore = (fingerprint: string): boolean => {
    if (!oldObject) return false;
    if (!before) {
      // Only what the old object already had unsuppressed counts as old: dropping an ignore
      // annotation exposes a finding anew.
      const old = judgeObject(oldObject, request, prepared, context.now).findings;
      before = new Set(old.filter((f) => !f.suppressed).map((f) => f.fingerprint));
    }
    return before.has(fingerprint);
  };

  const judged: JudgedFinding[] = [];
  let suppressed = 0;
  for (const finding of findings) {
    if (finding.suppressed) {
      suppressed++;
      continue;
    }
    const rule = prepared.byId.get(finding.rule);
    const action: AdmissionAction = rule ? actionFor(rule, finding.severity, config.actions) : 'audit';
    let outcome: FindingOutcome;
    if (action === 'warn') outcome = 'warned';
    else if (action === 'audit') outcome = 'audited';
    else if (controllerRequest) outcome = 'controller';
    else if (hadBefore(finding.fingerprint)) outcome = 'preexisting';
    else outcome = 'denied';
    judged.push({ finding, action, outcome });
  }

  const warningItems: { text: string; rule: string }[] = [];
  for (const j of judged) {
    if (j.outcome === 'warned') warningItems.push({ text: warningText(j.finding, object), rule: j.finding.rule });
    else if (j.outcome === 'preexisting') warningItems.push({ text: warningText(j.finding, object, 'already there before this update, not blocking'), rule: j.finding.rule });
  }
  if (resources.length > 0 && !resources.some((r) => prepared.rules.some((rule) => rule.appliesTo !== undefined && rule.appliesTo !== 'all' && ruleApplies(rule, r)))) {
    // Registered for a kind kshield knows nothing specific about: answered (a 400 would fall to the
    // webhook's failurePolicy), with the generic checks only, and said so.
    warningItems.unshift({ text: cut256(`kshield has no rules for ${request.kind.kind}${request.kind.group ? `.${request.kind.group}` : ''}; only generic checks ran`), rule: 'kind' });
  }
  const warnings = capWarnings(warningItems);
  const blocking = judged.filter((j) => j.outcome === 'denied').map((j) => j.finding);
  if (blocking.length > 0) {
    return {
      allowed: false,
      reason: 'judged',
      findings: judged,
      suppressed,
      warnings,
      status: { code: 403, message: denyMessage(kindLabel(request, object), blocking, object) },
      controllerRequest,
      ruleErrors,
    };
  }
  return { allowed: true, reason: 'judged', findings: judged, suppressed, warnings, controllerRequest, ruleErrors };
}

function labelsOf(object: JsonObject): Record<string, string> {
  const metadata = isObject(object.metadata) ? object.metadata : undefined;
  const labels = isObject(metadata?.labels) ? metadata.labels : {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}

function cut256(text: string): string {
  const flat = oneLine(text);
  return flat.length > 256 ? `${flat.slice(0, 255)}…` : flat;
}
