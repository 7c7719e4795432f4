/**
 * A scan fed objects a page at a time, as a live cluster's lists arrive: the engine's streaming
 * loop (`StreamingEvaluator`) judges each page at once with the rules that look at one object and
 * keeps only what the cross-object rules need. A page's other objects, and the payloads of
 * ConfigMaps and Secrets that are only read, are garbage as soon as the page is done.
 *
 *   const scan = new PagedScan(options, 'cluster:prod');
 *   scan.add(pageItems, orderKeys);   // any number of times, in any order
 *   const result = scan.finish(rulesToLeaveOut);
 *
 * Pages may arrive in any order (lists run concurrently); each object carries an order key, and
 * the cross-object rules see the objects sorted by it, so the report does not depend on timing.
 */
import type { InputError, JsonObject, Note, Resource } from '../core/types.js';
import { StreamingEvaluator } from '../engine/engine.js';
import { resourcesFromObjects } from '../sources/files.js';
import type { ScanResult } from '../report/scan-report.js';
import { prepareScan, type PreparedScan, type ScanOptions } from './prepare.js';
import { assembleResult, withEvaluations } from './assemble.js';

export class PagedScan {
  private readonly prepared: PreparedScan;
  private readonly stream: StreamingEvaluator;
  /** With `keepResources` (JUnit): every object, for the (object, rule) pairs. */
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
    this.stream = new StreamingEvaluator(this.prepared.engine);
  }

  /** The ids of the rules this scan runs (after --only, --skip and the configuration). */
  get selectedRuleIds(): string[] {
    return this.prepared.rules.map((r) => r.id);
  }

  /** Judges `objects` by the single-object rules; `order[i]` is objects[i]'s place in the report's input order. */
  add(objects: JsonObject[], order: readonly number[]): void {
    if (this.finished) throw new Error('PagedScan: add after finish');
    const loaded = resourcesFromObjects(objects, this.file);
    for (const r of loaded.resources) r.documentIndex = order[r.documentIndex] ?? r.documentIndex;
    for (const e of loaded.errors) this.errors.push(e);
    for (const n of loaded.notes) this.notes.push(n);
    this.count += loaded.resources.length;
    this.stream.add(loaded.resources);
    if (this.options.keepResources === true) for (const r of loaded.resources) this.kept.push(r);
  }

  /**
   * Judges objects already loaded, with their own files and positions (`--desired`'s DesiredState
   * pairs, whose findings point into the manifests), and their load errors and notes.
   */
  addResources(resources: Resource[], errors: readonly InputError[] = [], notes: readonly Note[] = []): void {
    if (this.finished) throw new Error('PagedScan: add after finish');
    for (const e of errors) this.errors.push(e);
    for (const n of notes) this.notes.push(n);
    this.count += resources.length;
    this.stream.add(resources);
    if (this.options.keepResources === true) for (const r of resources) this.kept.push(r);
  }

  /**
   * Runs the cross-object rules over what was kept and assembles the report. `leaveOut`: ids of
   * cross-object rules not to run (they read a kind that could not be listed).
   */
  finish(leaveOut: readonly string[] = []): ScanResult {
    this.finished = true;
    const skipped = new Set(leaveOut);
    const byOrder = (a: Resource, b: Resource): number => a.documentIndex - b.documentIndex;
    const result = this.stream.finish({ order: byOrder, leaveOut: skipped });
    const rules = this.prepared.rules.filter((r) => !skipped.has(r.id));
    const scan = assembleResult({
      findings: result.findings,
      errors: [...this.errors, ...result.errors],
      notes: this.notes,
      rules,
      exemptions: result.exemptions,
      resources: this.count,
      files: 0,
      judged: result.judged,
    });
    // JUnit's (object, rule) pairs: with keepResources the objects are kept, in input order.
    this.kept.sort(byOrder);
    this.kept.forEach((r, i) => (r.documentIndex = i));
    return withEvaluations(scan, this.kept, rules);
  }
}
