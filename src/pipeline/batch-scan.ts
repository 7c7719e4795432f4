/**
 * A scan fed objects a batch at a time, as a live cluster's list pages arrive: each batch is
 * judged at once by the rules that look at one object, and only the objects some cross-object rule
 * judges or reads are kept for the end (as `runShard` does for files). A page's other objects, and
 * the payloads of ConfigMaps and Secrets that are only read, are garbage as soon as the page is done.
 *
 *   const scan = new ObjectScan(options, 'cluster:prod');
 *   scan.add(pageItems, orderKeys);   // any number of times, in any order
 *   const result = scan.finish(rulesToLeaveOut);
 *
 * Batches may arrive in any order (lists run concurrently); each object carries an order key, and
 * the cross-object rules see the objects sorted by it, so the report does not depend on timing.
 */
import type { InputError, JsonObject, Note, Resource } from '../core/types.js';
import { contextView, evaluations, Evaluator, type ExemptionUse } from '../engine/engine.js';
import { assembleResult, prepareScan, type ScanOptions, type ScanResult } from './run.js';
import { resourcesFromObjects } from '../sources/files.js';

export class ObjectScan {
  private readonly prepared: ReturnType<typeof prepareScan>;
  private readonly alone: Evaluator;
  /** Knows every selected rule: decides what to keep for the cross-object rules. */
  private readonly selector: Evaluator;
  private readonly subjects: Resource[] = [];
  private readonly read: Resource[] = [];
  private readonly kept: Resource[] = [];
  private readonly errors: InputError[] = [];
  private readonly notes: Note[] = [];
  private count = 0;
  private finished = false;

  /** Throws SelectionError when the options select no rule, before anything is listed. */
  constructor(
    private readonly options: ScanOptions,
    private readonly file: string,
  ) {
    this.prepared = prepareScan(options);
    const engine = this.prepared.engine;
    this.alone = new Evaluator({ ...engine, rules: engine.rules.filter((r) => r.reads === undefined) });
    this.selector = new Evaluator(engine);
  }

  /** The ids of the rules this scan runs (after --only, --skip and the configuration). */
  get selectedRuleIds(): string[] {
    return this.prepared.rules.map((r) => r.id);
  }

  /** Judges `objects` by the single-object rules; `order[i]` is objects[i]'s place in the report's input order. */
  add(objects: JsonObject[], order: readonly number[]): void {
    if (this.finished) throw new Error('ObjectScan: add after finish');
    const loaded = resourcesFromObjects(objects, this.file);
    for (const r of loaded.resources) r.documentIndex = order[r.documentIndex] ?? r.documentIndex;
    for (const e of loaded.errors) this.errors.push(e);
    for (const n of loaded.notes) this.notes.push(n);
    this.count += loaded.resources.length;
    this.alone.judgeAlone(loaded.resources);
    const keepAll = this.options.keepResources === true;
    for (const r of loaded.resources) {
      if (keepAll) this.kept.push(r);
      const subject = this.selector.isSubject(r);
      const isRead = this.selector.isRead(r);
      if (subject) this.subjects.push(r);
      if (isRead) this.read.push(subject || keepAll ? r : contextView(r));
    }
  }

  /**
   * Runs the cross-object rules over what was kept and assembles the report. `leaveOut`: ids of
   * cross-object rules not to run (they read a kind that could not be listed).
   */
  finish(leaveOut: readonly string[] = []): ScanResult {
    this.finished = true;
    const skipped = new Set(leaveOut);
    const engine = this.prepared.engine;
    const together = new Evaluator({ ...engine, rules: engine.rules.filter((r) => r.reads !== undefined && !skipped.has(r.id)) });
    const byOrder = (a: Resource, b: Resource): number => a.documentIndex - b.documentIndex;
    this.subjects.sort(byOrder);
    this.read.sort(byOrder);
    together.judgeTogether(this.subjects, this.read);
    this.subjects.length = 0;
    this.read.length = 0;
    const findings = this.alone.findings;
    for (const f of together.findings) findings.push(f);
    const exemptions: ExemptionUse[] = this.alone.exemptionUses.map((use, i) => ({ ...use, matched: use.matched + (together.exemptionUses[i]?.matched ?? 0) }));
    const rules = this.prepared.rules.filter((r) => !skipped.has(r.id));
    const scan = assembleResult({
      findings,
      errors: [...this.errors, ...this.alone.errors, ...together.errors],
      notes: this.notes,
      rules,
      exemptions,
      resources: this.count,
      files: 0,
    }) as ScanResult;
    // Only JUnit needs every (object, rule) pair: with keepResources the objects are kept, in input order.
    this.kept.sort(byOrder);
    this.kept.forEach((r, i) => (r.documentIndex = i));
    scan.resources = this.kept;
    let pairs: ScanResult['evaluations'] | undefined;
    return Object.defineProperty(scan, 'evaluations', {
      enumerable: false,
      get: () => (pairs ??= evaluations(scan.resources, rules, scan.findings)),
    });
  }
}
