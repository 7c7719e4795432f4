/**
 * Incremental evaluation for `kshield watch`: the rules run on what changed, not on the cluster,
 * and what a change did to the findings comes out as events.
 *
 * - Rules that look at one object (no `reads`) judge the changed object, from the event's full
 *   copy. A Namespace whose Pod Security labels changed has its workloads judged again (the
 *   labels set the policy version they are judged at).
 * - Cross-object rules (`reads`): a change to an object some of them read, or judge, makes those
 *   rules judge again every object they apply to **in the changed object's namespace**, or in the
 *   whole cluster when the changed object is cluster-scoped (a ClusterRole, a Namespace, a Node).
 *   That covers every rule whose inputs are one namespace's objects plus cluster-scoped ones,
 *   which is most of them. A rule that reads across namespaces (a RoleBinding naming another
 *   namespace's ServiceAccount, a NetworkPolicy admitting another namespace's pods) is brought up
 *   to date by the periodic full pass (`resyncMs`) at the latest; the watch says so in its docs.
 * - Owned objects (a Deployment's ReplicaSets and Pods) are judged through their owner, as
 *   `kshield cluster` does: a problem of the template is one finding, not three.
 * - Every change also becomes an `ObjectChange` object (k8s/object-change.ts), judged by the rules
 *   whose `appliesTo` names that kind (drift rules), with the watched objects as their context.
 *
 * An object's open findings are its unsuppressed findings, folded by cause as every report folds
 * them; comparing them by fingerprint before and after gives the events: `new` (a fingerprint that
 * was not open), `fixed` (one that is no longer), `changed` (same fingerprint, another severity or
 * message).
 */
import { desiredDrift } from '../desired.js';
import type { Finding, JsonObject, Resource, Severity } from '../../core/types.js';
import { foldFindings, type RuleOrder } from '../../core/fold.js';
import { isObject } from '../../core/values.js';
import { StreamingEvaluator, readsResource, ruleApplies, type EngineOptions } from '../../engine/engine.js';
import type { Rule } from '../../engine/rule.js';
import { OBJECT_CHANGE_KIND, objectChange, type ObjectChangeType } from '../../k8s/object-change.js';
import { namespacePssVersions, type NamespacePssVersions } from '../../k8s/pss.js';
import { podSpecs } from '../../k8s/pods.js';
import { withCacheScope } from '../../core/scoped-cache.js';
import { metadataOf, objectKey, slim, toResource, type ObjectStore, type StoredObject } from './store.js';

const WORKLOAD_KINDS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'];

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

/** What is kept of an open finding, and what events carry. */
export interface OpenFinding {
  rule: string;
  severity: Severity;
  message: string;
  path: string;
  container?: string;
  fingerprint: string;
  /** Rules folded into this one (same cause). */
  related?: string[];
}

export type FindingEventType = 'new' | 'fixed' | 'changed';

export interface FindingEvent {
  event: FindingEventType;
  object: ObjectRef;
  finding: OpenFinding;
  /** For `changed`: the finding as it was. */
  previous?: OpenFinding;
  /** For `fixed`: the object itself was deleted. */
  objectDeleted?: boolean;
}

/** A finding on an ObjectChange: something a drift rule saw happen. */
export interface DriftEvent {
  change: ObjectChangeType;
  object: ObjectRef;
  finding: OpenFinding;
}

/** One observed change; `after` is the event's full object (absent when deleted), `before` what the store held. */
export interface Change {
  type: ObjectChangeType;
  key: string;
  ref: ObjectRef;
  before?: StoredObject;
  after?: JsonObject;
  observedAt: Date;
}

/** What is kept of one unsuppressed finding between changes: enough to fold again, nothing else. */
interface KeptFinding extends Omit<OpenFinding, 'related'> {
  cause?: string;
}

/**
 * An object's findings: those of the single-object rules and of the cross-object rules (kept apart:
 * a change may judge again only one side), and the open ones (both, folded), which events compare.
 * Suppressed findings are not kept, and an object with none is not kept at all.
 */
interface ObjectFindings {
  ref: ObjectRef;
  alone: KeptFinding[];
  cross: KeptFinding[];
  open: OpenFinding[];
}

const NO_FINDINGS: KeptFinding[] = [];

export interface JudgeResult {
  findingEvents: FindingEvent[];
  driftEvents: DriftEvent[];
  /** Objects judged by the cross-object rules in this batch. */
  crossJudged: number;
  errors: string[];
}

export function refOf(object: JsonObject): ObjectRef {
  const meta = metadataOf(object);
  const ref: ObjectRef = { apiVersion: String(object.apiVersion ?? ''), kind: String(object.kind ?? ''), name: String(meta.name ?? '') };
  if (typeof meta.namespace === 'string' && meta.namespace !== '') ref.namespace = meta.namespace;
  if (typeof meta.uid === 'string') ref.uid = meta.uid;
  return ref;
}

function resourceKey(r: { apiVersion: string; kind: string; namespace?: string; name: string }): string {
  return objectKey(r.apiVersion, r.kind, r.namespace, r.name);
}

export class IncrementalJudge {
  private readonly alone: Rule[];
  private cross: Rule[];
  private changeRules: Rule[];
  private readonly order: RuleOrder;
  private readonly byObject = new Map<string, ObjectFindings>();
  /** Open findings by rule, severity and namespace, for /metrics. */
  readonly openCounts = new Map<string, number>();

  constructor(
    private readonly engine: EngineOptions,
    private readonly store: ObjectStore,
    /** The policy versions namespaces' labels set: the map the engine's settings hold, kept current here. */
    private readonly pssNamespaces: Map<string, NamespacePssVersions>,
    private readonly file: string,
  ) {
    const rules = engine.rules;
    this.changeRules = rules.filter((r) => Array.isArray(r.appliesTo) && r.appliesTo.includes(OBJECT_CHANGE_KIND));
    const change = new Set(this.changeRules);
    this.alone = rules.filter((r) => r.reads === undefined && !change.has(r));
    this.cross = rules.filter((r) => r.reads !== undefined && !change.has(r));
    this.order = new Map((engine.catalogue ?? rules).map((r, i) => [r.id, i]));
  }

  /**
   * Leaves out the cross-object and ObjectChange rules that read a kind the watch cannot see (its
   * list was forbidden): they would report what they cannot see as missing. Returns their ids.
   */
  leaveOut(kinds: ReadonlySet<string>): string[] {
    if (kinds.size === 0) return [];
    const blind = (rule: Rule): boolean => (rule.reads ?? []).some((k) => kinds.has(k) || (k === 'workloads' && WORKLOAD_KINDS.some((w) => kinds.has(w))));
    const out = [...this.cross, ...this.changeRules].filter(blind);
    this.cross = this.cross.filter((r) => !blind(r));
    this.changeRules = this.changeRules.filter((r) => !blind(r));
    return out.map((r) => r.id);
  }

  get ruleCounts(): { alone: number; cross: number; change: number } {
    return { alone: this.alone.length, cross: this.cross.length, change: this.changeRules.length };
  }

  /** Whether the store's object is left to its controller (a listed owner judges its template). */
  isOwned(object: JsonObject): boolean {
    const kind = object.kind;
    if (kind !== 'Pod' && kind !== 'ReplicaSet' && kind !== 'Job' && kind !== 'ReplicationController') return false;
    const refs = metadataOf(object).ownerReferences;
    if (!Array.isArray(refs)) return false;
    const controller = refs.find((r) => isObject(r) && r.controller === true) as JsonObject | undefined;
    return !!controller && controller.kind !== 'Node' && typeof controller.uid === 'string' && this.store.hasUid(controller.uid);
  }

  /** Notes a Namespace's Pod Security labels; true when the versions they set changed. */
  notePssLabels(object: JsonObject | undefined, name: string): boolean {
    const before = JSON.stringify(this.pssNamespaces.get(name) ?? null);
    const labels = object ? metadataOf(object).labels : undefined;
    const versions = isObject(labels) ? namespacePssVersions(labels as Record<string, unknown>) : undefined;
    if (versions) this.pssNamespaces.set(name, versions);
    else this.pssNamespaces.delete(name);
    return JSON.stringify(versions ?? null) !== before;
  }

  /** Judges objects of a first list by the single-object rules, without events (the state the watch starts from). */
  judgeInitial(objects: readonly JsonObject[]): string[] {
    const resources = objects.map((o) => toResource(o, this.file)).filter((r): r is Resource => r !== undefined);
    const { byKey, errors } = this.judgeAlone(resources.filter((r) => !this.isOwned(r.object)));
    for (const [key, findings] of byKey) this.setAlone(key, findings.ref, findings.findings);
    return errors;
  }

  /** Every cross-object rule over every kept object, then each object's open findings, without events. */
  fullPass(emitEvents: boolean): JudgeResult {
    const result: JudgeResult = { findingEvents: [], driftEvents: [], crossJudged: 0, errors: [] };
    // Objects judged as their lists came in, before their owner's list: their owner speaks for them.
    for (const [key, entry] of this.byObject) {
      const stored = this.store.get(key);
      if (!stored) this.byObject.delete(key);
      else if (this.isOwned(stored.resource.object)) entry.alone = NO_FINDINGS;
    }
    for (const entry of this.byObject.values()) entry.cross = NO_FINDINGS;
    this.crossPass(this.cross, undefined, result);
    for (const [key, entry] of this.byObject) this.settle(key, entry, emitEvents ? result.findingEvents : undefined, false);
    return result;
  }

  /** Drops what is known of an object deleted before the watch synced. */
  forget(key: string): void {
    this.byObject.delete(key);
  }

  /** The open findings of one object (by key), for tests and the API. */
  openFindings(key: string): OpenFinding[] {
    return [...(this.byObject.get(key)?.open ?? [])];
  }

  /** Judges a batch of changes; the store already holds their after-state. */
  apply(changes: readonly Change[]): JudgeResult {
    return withCacheScope(() => this.applyInScope(changes));
  }

  private applyInScope(changes: readonly Change[]): JudgeResult {
    const result: JudgeResult = { findingEvents: [], driftEvents: [], crossJudged: 0, errors: [] };
    // 1. ObjectChange objects, one per observed change, in order.
    if (this.changeRules.length > 0) this.judgeChanges(changes, result);
    if (this.desired.length > 0) this.judgeDesired(changes, result);

    // 2. The last state of each changed object, judged alone.
    const last = new Map<string, Change>();
    for (const c of changes) last.set(c.key, c);
    const touched = new Set<string>();
    const toJudge: Resource[] = [];
    const relabelled: string[] = [];
    for (const [key, c] of last) {
      touched.add(key);
      const entry = this.entry(key, c.ref);
      entry.ref = c.ref;
      if (c.ref.kind === 'Namespace' && c.ref.apiVersion === 'v1' && this.notePssLabels(c.after, c.ref.name)) relabelled.push(c.ref.name);
      if (!c.after || this.isOwned(c.after)) {
        entry.alone = NO_FINDINGS;
        if (!c.after) entry.cross = NO_FINDINGS;
        continue;
      }
      const r = toResource(c.after, this.file);
      if (r) toJudge.push(r);
      else entry.alone = NO_FINDINGS;
    }
    // Workloads of a namespace whose Pod Security labels changed are judged at the new version.
    if (relabelled.length > 0) {
      const namespaces = new Set(relabelled);
      for (const s of this.store.values()) {
        if (touched.has(s.key) || s.resource.namespace === undefined || !namespaces.has(s.resource.namespace)) continue;
        if (podSpecs(s.resource).length === 0 || this.isOwned(s.resource.object)) continue;
        touched.add(s.key);
        toJudge.push(s.resource);
      }
    }
    const alone = this.judgeAlone(toJudge);
    for (const [key, f] of alone.byKey) this.setAlone(key, f.ref, f.findings);
    for (const r of toJudge) if (!alone.byKey.has(resourceKey(r))) this.setAlone(resourceKey(r), refOfResource(r), []);
    result.errors.push(...alone.errors);

    // 3. Cross-object rules whose inputs changed, over the changed objects' namespaces; those that
    // only judge the changed object (they do not read its kind), over that object alone. An owned
    // object is neither judged nor read by them, but for the rules that judge owned objects
    // (`judgesOwned`: drift rules comparing a pod with its ReplicaSet). A change of status alone is
    // seen only by the rules that read status (`judgesStatus`): the others read none, so most of a
    // cluster's churn starts no cross-object pass at all.
    const rules = new Set<Rule>();
    const scopes = new Set<string | undefined>();
    const only = new Set<string>();
    let everywhere = false;
    for (const c of changes) {
      const now = c.after ? this.store.get(c.key)?.resource : undefined;
      const was = c.before?.resource;
      const specSeen = !was || !now || specChanged(was.object, now.object);
      for (const r of [was, now]) {
        if (!r) continue;
        const owned = this.isOwned(r.object);
        for (const rule of this.cross) {
          if (owned && rule.judgesOwned !== true) continue;
          const seen = specSeen || rule.judgesStatus === true;
          if (!seen) continue;
          if (readsResource(rule.reads!, r)) {
            rules.add(rule);
            if (r.namespace === undefined) everywhere = true;
            else scopes.add(r.namespace);
          } else if (r === now && ruleApplies(rule, r)) {
            rules.add(rule);
            only.add(c.key);
          }
        }
      }
    }
    if (rules.size > 0) {
      const judged = this.crossPass([...rules], everywhere ? undefined : scopes, result, only);
      for (const key of judged) touched.add(key);
    }

    // 4. Events: each touched object's open findings against what they were.
    for (const key of touched) {
      const entry = this.byObject.get(key);
      if (!entry) continue;
      const deleted = last.get(key)?.after === undefined && last.has(key);
      this.settle(key, entry, result.findingEvents, deleted);
      if (deleted) this.byObject.delete(key);
    }
    return result;
  }

  private entry(key: string, ref: ObjectRef): ObjectFindings {
    let e = this.byObject.get(key);
    if (!e) this.byObject.set(key, (e = { ref, alone: NO_FINDINGS, cross: NO_FINDINGS, open: [] }));
    return e;
  }

  private setAlone(key: string, ref: ObjectRef, findings: readonly Finding[]): void {
    const kept = keepFindings(findings);
    if (kept.length === 0 && !this.byObject.has(key)) return;
    this.entry(key, ref).alone = kept.length === 0 ? NO_FINDINGS : kept;
  }

  private judgeAlone(resources: readonly Resource[]): { byKey: Map<string, { ref: ObjectRef; findings: Finding[] }>; errors: string[] } {
    const byKey = new Map<string, { ref: ObjectRef; findings: Finding[] }>();
    if (resources.length === 0 || this.alone.length === 0) return { byKey, errors: [] };
    const stream = new StreamingEvaluator({ ...this.engine, rules: this.alone });
    stream.add(resources);
    const out = stream.finish();
    for (const r of resources) byKey.set(resourceKey(r), { ref: refOfResource(r), findings: [] });
    for (const f of out.findings) byKey.get(resourceKey(f.resource))?.findings.push(f);
    return { byKey, errors: out.errors.map((e) => e.message) };
  }

  /**
   * Runs `rules` on every kept object they apply to in `scopes` (undefined: everywhere), with every
   * kept object they read; replaces those rules' findings on each object judged. Objects a listed
   * controller owns are left to it, except for the rules that judge owned objects (`judgesOwned`).
   */
  private crossPass(rules: readonly Rule[], scopes: ReadonlySet<string | undefined> | undefined, result: JudgeResult, only?: ReadonlySet<string>): string[] {
    const ownedToo = rules.filter((r) => r.judgesOwned === true);
    if (ownedToo.length === 0) return this.crossPassOf(rules, scopes, result, only, false);
    const judged = new Set(this.crossPassOf(rules.filter((r) => r.judgesOwned !== true), scopes, result, only, false));
    for (const key of this.crossPassOf(ownedToo, scopes, result, only, true)) judged.add(key);
    return [...judged];
  }

  private crossPassOf(rules: readonly Rule[], scopes: ReadonlySet<string | undefined> | undefined, result: JudgeResult, only: ReadonlySet<string> | undefined, ownedToo: boolean): string[] {
    if (rules.length === 0) return [];
    const subjects: Resource[] = [];
    const context: Resource[] = [];
    for (const s of this.store.values()) {
      const r = s.resource;
      if (!ownedToo && this.isOwned(r.object)) continue;
      context.push(r);
      // A namespace's own object is in its scope: namespace-level findings are carried by it.
      if (scopes && !scopes.has(r.namespace) && !(r.kind === 'Namespace' && r.apiVersion === 'v1' && scopes.has(r.name)) && !only?.has(s.key)) continue;
      if (rules.some((rule) => ruleApplies(rule, r))) subjects.push(r);
    }
    const ids = new Set(rules.map((r) => r.id));
    const stream = new StreamingEvaluator({ ...this.engine, rules: rules === this.cross ? this.cross : rules });
    stream.add(subjects);
    const out = stream.finish({ context });
    const found = new Map<string, Finding[]>();
    for (const f of out.findings) {
      const key = resourceKey(f.resource);
      let list = found.get(key);
      if (!list) found.set(key, (list = []));
      list.push(f);
    }
    const judged: string[] = [];
    for (const r of subjects) {
      const key = resourceKey(r);
      const entry = this.entry(key, refOfResource(r));
      const kept = entry.cross.filter((f) => !ids.has(f.rule));
      const fresh = keepFindings(found.get(key) ?? []);
      entry.cross = kept.length + fresh.length === 0 ? NO_FINDINGS : [...kept, ...fresh];
      judged.push(key);
    }
    result.crossJudged += subjects.length;
    result.errors.push(...out.errors.map((e) => e.message));
    return judged;
  }

  /** Recomputes an object's open findings; pushes the differences as events when `events` is given. */
  private settle(key: string, entry: ObjectFindings, events: FindingEvent[] | undefined, deleted: boolean): void {
    const next = new Map<string, OpenFinding>();
    if (!deleted && entry.alone.length + entry.cross.length > 0) {
      // Folding takes findings: the kept ones are dressed as findings of one object for it.
      const resource = { apiVersion: entry.ref.apiVersion, kind: entry.ref.kind, namespace: entry.ref.namespace, name: entry.ref.name };
      const dressed = [...entry.alone, ...entry.cross].map((k): Finding => ({ ...k, resource, file: '', line: 0, column: 0, remediation: '', suppressed: false }));
      for (const f of foldFindings(dressed, this.order)) next.set(f.fingerprint, openFinding(f));
    }
    const namespace = entry.ref.namespace ?? '';
    const before = new Map(entry.open.map((f) => [f.fingerprint, f]));
    for (const [fp, was] of before) {
      const now = next.get(fp);
      if (!now) {
        this.count(was, namespace, -1);
        events?.push({ event: 'fixed', object: entry.ref, finding: was, ...(deleted ? { objectDeleted: true } : {}) });
      } else if (now.severity !== was.severity || now.message !== was.message) {
        this.count(was, namespace, -1);
        this.count(now, namespace, 1);
        events?.push({ event: 'changed', object: entry.ref, finding: now, previous: was });
      }
    }
    for (const [fp, now] of next) {
      if (before.has(fp)) continue;
      this.count(now, namespace, 1);
      events?.push({ event: 'new', object: entry.ref, finding: now });
    }
    entry.open = [...next.values()];
    // An object without findings costs nothing here.
    if (entry.open.length === 0 && entry.alone.length === 0 && entry.cross.length === 0) this.byObject.delete(key);
  }

  private count(f: OpenFinding, namespace: string, by: number): void {
    const k = `${f.rule}\u0000${f.severity}\u0000${namespace}`;
    const n = (this.openCounts.get(k) ?? 0) + by;
    if (n <= 0) this.openCounts.delete(k);
    else this.openCounts.set(k, n);
  }

  /** Manifests the cluster is declared by (`kshield watch --desired DIR`): workloads that drift from them are drift events. */
  desired: readonly Resource[] = [];

  private judgeDesired(changes: readonly Change[], result: JudgeResult): void {
    for (const c of changes) {
      if (!c.after || c.type === 'Deleted') continue;
      let findings;
      try {
        findings = desiredDrift(this.desired, c.after, { settings: this.engine.settings, liveSource: this.file });
      } catch (err) {
        result.errors.push(`--desired: ${(err as Error).message}`);
        continue;
      }
      for (const f of findings) if (!f.suppressed) result.driftEvents.push({ change: c.type, object: c.ref, finding: openFinding(f) });
    }
  }

  private judgeChanges(changes: readonly Change[], result: JudgeResult): void {
    let context: Resource[] | undefined;
    // Findings name their ObjectChange by namespace and name only: a batch holding two changes of
    // one object is judged in rounds, each object at most once per round.
    let pending = changes;
    while (pending.length > 0) {
      const seen = new Set<string>();
      const round: Change[] = [];
      const later: Change[] = [];
      for (const c of pending) (seen.has(c.key) ? later : round).push(c);
      for (const c of round) seen.add(c.key);
      pending = later;
      const byName = new Map<string, Change>();
      const resources: Resource[] = [];
      for (const c of round) {
        const target = { apiVersion: c.ref.apiVersion, kind: c.ref.kind, name: c.ref.name, ...(c.ref.namespace ? { namespace: c.ref.namespace } : {}) };
        // Both sides without Secret and ConfigMap values: drift rules compare fields, and values must not travel into findings.
        const object = objectChange(c.type, target, c.before?.resource.object, c.after ? slim(c.after) : undefined, c.observedAt);
        const r = toResource(object, this.file);
        if (!r) continue;
        resources.push(r);
        byName.set(`${r.namespace ?? ''}/${r.name}`, c);
      }
      if (resources.length === 0) continue;
      if (!context) {
        context = [];
        if (this.changeRules.some((r) => r.reads !== undefined)) for (const s of this.store.values()) context.push(s.resource);
      }
      const stream = new StreamingEvaluator({ ...this.engine, rules: this.changeRules });
      stream.add(resources);
      const out = stream.finish({ context: [...resources, ...context] });
      for (const f of out.findings) {
        if (f.suppressed) continue;
        const c = byName.get(`${f.resource.namespace ?? ''}/${f.resource.name}`);
        if (c) result.driftEvents.push({ change: c.type, object: c.ref, finding: openFinding(f) });
      }
      result.errors.push(...out.errors.map((e) => e.message));
    }
  }
}

/** Whether two states of an object differ in more than their status and resourceVersion. */
function specChanged(before: JsonObject, after: JsonObject): boolean {
  const strip = (o: JsonObject): string => {
    const { status: _s, metadata, ...rest } = o;
    const { resourceVersion: _r, ...meta } = isObject(metadata) ? metadata : {};
    return JSON.stringify([rest, meta]);
  };
  return strip(before) !== strip(after);
}

function refOfResource(r: Resource): ObjectRef {
  const ref = refOf(r.object);
  return { ...ref, apiVersion: r.apiVersion, kind: r.kind, name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) };
}

/** The unsuppressed findings, as kept between changes. */
function keepFindings(findings: readonly Finding[]): KeptFinding[] {
  const out: KeptFinding[] = [];
  for (const f of findings) {
    if (f.suppressed) continue;
    const k: KeptFinding = { rule: f.rule, severity: f.severity, message: f.message, path: f.path, fingerprint: f.fingerprint };
    if (f.container !== undefined) k.container = f.container;
    if (f.cause !== undefined) k.cause = f.cause;
    out.push(k);
  }
  return out;
}

function openFinding(f: Finding): OpenFinding {
  const o: OpenFinding = { rule: f.rule, severity: f.severity, message: f.message, path: f.path, fingerprint: f.fingerprint };
  if (f.container !== undefined) o.container = f.container;
  if (f.related && f.related.length > 0) o.related = f.related.map((r) => r.rule);
  return o;
}
