/**
 * `-o html`: the report as one self-contained page (inline CSS, JS and SVG, no request when
 * opened): severity and framework score charts, a namespace × category heatmap, the findings
 * table (filter, search, sort; virtualised, fast at 100,000 findings), each finding's remediation
 * and source, the RBAC escalation graph, the reachability map, and the compliance view.
 */
import type { EscalationGraph } from '../../analysis/rbac-paths.js';
import { buildEscalationGraph } from '../../analysis/rbac-paths.js';
import { buildModel, reach } from '../../analysis/netpol.js';
import { ResourceSet } from '../../k8s/resource-set.js';
import type { Resource } from '../../core/types.js';
import { SEVERITIES } from '../../core/types.js';
import { VERSION } from '../../core/version.js';
import type { OperatorWorkloadConfig } from '../../engine/rule.js';
import type { ScanResult } from '../scan-report.js';
import type { Reporter } from '../reporter.js';
import { formatLocation } from '../describe.js';
import { escapeHtml } from './escape.js';
import { findingsData, heatmap } from './model.js';
import { frameworkScoreChart, heatmapChart, severityChart } from './charts.js';
import { rbacSection, reachSection, reachView, type ReachView } from './graphs.js';
import { complianceSection } from './compliance.js';
import type { ComplianceAssessment } from './compliance-types.js';
import { htmlPage, htmlPageChunks, type PageOptions, type PageSection } from './page.js';
import { reportClient } from './client.js';

export type { ComplianceAssessment } from './compliance-types.js';
export { reachView, type ReachView } from './graphs.js';
export { htmlPage, htmlPageChunks, type PageSection } from './page.js';
export { escapeHtml, jsonForScript, frameworkLabel } from './escape.js';

export interface HtmlReportInput {
  /** The scan whose findings the page shows; absent for a compliance-only report (`kshield report -o html`). */
  scan?: Pick<ScanResult, 'version' | 'findings' | 'summary' | 'errors' | 'notes' | 'rules'> & Partial<Pick<ScanResult, 'cluster'>>;
  compliance?: readonly ComplianceAssessment[];
  /** buildEscalationGraph's answer over the scanned objects. */
  rbac?: EscalationGraph;
  /** reachView of the scanned objects' reachability. */
  reachability?: ReachView;
  title?: string;
  /** What was scanned, one line each (e.g. the command's paths, or the cluster). */
  source?: string[];
  /** Shown in the header; default now. */
  generatedAt?: Date;
  /** Notes of a compliance-only report (what the results could not say); a scan's are its own. */
  notes?: readonly string[];
}

/** The RBAC graph and the reachability of the scanned objects, computed as `kshield rbac paths` and `netpol reach` do. */
export function analysesForHtml(resources: readonly Resource[], settings: { operatorWorkloads?: readonly OperatorWorkloadConfig[]; kubernetesVersion?: string } = {}): { rbac: EscalationGraph; reachability: ReachView } {
  const options = { operatorWorkloads: settings.operatorWorkloads, kubernetesVersion: settings.kubernetesVersion?.replace(/^v/, '') };
  const rbac = buildEscalationGraph(new ResourceSet(resources), options);
  const model = buildModel(resources, options);
  return { rbac, reachability: reachView(model, reach(model)) };
}

/** The `-o html` reporter of a scan result: the objects it kept (a single-threaded scan keeps them) are analysed for the drawings. */
export const renderHtml: Reporter = (result) =>
  renderHtmlReport({ scan: result, ...(result.resources.length > 0 ? analysesForHtml(result.resources) : {}) });

/** Input errors and notes listed before the rest are counted. */
export const MAX_PROBLEMS_LISTED = 500;

const CLIENT = `(${reportClient.toString()})();`;

function pageOf(input: HtmlReportInput): PageOptions {
  const scan = input.scan;
  const when = (input.generatedAt ?? new Date()).toISOString();
  const subtitle: string[] = [];
  if (scan?.cluster) subtitle.push(`cluster ${scan.cluster.server} (context ${scan.cluster.context}${scan.cluster.version ? `, Kubernetes ${scan.cluster.version}` : ''})`);
  for (const s of input.source ?? []) subtitle.push(s);
  subtitle.push(`generated ${when} by kshield ${scan?.version ?? VERSION}`);
  const sections: PageSection[] = [];
  const compliance = input.compliance ?? [];
  if (scan) {
    const data = findingsData(scan.findings, scan.rules);
    const s = scan.summary;
    const totals = SEVERITIES.map((sev) => `${s.bySeverity[sev] ?? 0} ${sev}`).join(', ');
    const facts =
      `<p>${scan.findings.length - s.suppressed} finding(s) (${totals}) in ${s.resources} object(s) from ${s.files} source(s); ${s.suppressed} suppressed, ${s.related} folded into related findings.` +
      (s.minSeverity ? ` Findings below ${s.minSeverity} are left out (${s.hidden ?? 0}).` : '') +
      '</p>';
    sections.push({
      id: 'overview',
      title: 'Overview',
      body:
        facts +
        '<div class="cards">' +
        `<div class="card"><h3>Findings by severity</h3>${severityChart(s.bySeverity)}</div>` +
        (compliance.length ? `<div class="card"><h3>Compliance score by framework</h3>${frameworkScoreChart(compliance)}</div>` : '') +
        `<div class="card"><h3>Namespace × category</h3>${heatmapChart(heatmap(data))}</div>` +
        '</div>',
    });
    sections.push({ id: 'findings', title: 'Findings', body: findingsTable() });
    if (compliance.length) sections.push({ id: 'compliance', title: 'Compliance', body: complianceSection(compliance) });
    // The drawings need the scanned objects: a report made without them (an image's) has none.
    if (input.rbac) sections.push({ id: 'rbac', title: 'RBAC escalation', body: rbacSection(input.rbac) });
    if (input.reachability) sections.push({ id: 'reachability', title: 'Reachability', body: reachSection(input.reachability) });
    const problems = problemsSection(scan.errors, scan.notes);
    if (problems) sections.push({ id: 'problems', title: 'Errors and notes', body: problems });
    return { title: input.title ?? 'kshield report', subtitle, sections, data, script: CLIENT };
  }
  sections.push({ id: 'overview', title: 'Overview', body: `<div class="card"><h3>Compliance score by framework</h3>${frameworkScoreChart(compliance)}</div>` });
  sections.push({ id: 'compliance', title: 'Compliance', body: complianceSection(compliance) });
  if (input.rbac) sections.push({ id: 'rbac', title: 'RBAC escalation', body: rbacSection(input.rbac) });
  if (input.reachability) sections.push({ id: 'reachability', title: 'Reachability', body: reachSection(input.reachability) });
  if (input.notes && input.notes.length > 0) sections.push({ id: 'problems', title: 'Notes', body: `<ul class="problems">${input.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` });
  return { title: input.title ?? 'kshield compliance report', subtitle, sections };
}

/** `kshield rbac paths -o html`: the escalation section alone. */
export function renderRbacPathsHtml(graph: EscalationGraph, source: string[]): string {
  return htmlPage({ title: 'kshield RBAC escalation paths', subtitle: [...source, `generated ${new Date().toISOString()} by kshield ${VERSION}`], sections: [{ id: 'rbac', title: 'RBAC escalation', body: rbacSection(graph) }] });
}

/** `kshield netpol reach -o html`: the reachability map alone. */
export function renderReachHtml(view: ReachView, source: string[]): string {
  return htmlPage({ title: 'kshield reachability', subtitle: [...source, `generated ${new Date().toISOString()} by kshield ${VERSION}`], sections: [{ id: 'reachability', title: 'Reachability', body: reachSection(view) }] });
}

/** The page as one string. */
export function renderHtmlReport(input: HtmlReportInput): string {
  return htmlPage(pageOf(input));
}

/** The page in pieces, for writing a large report without building it as one string. */
export function renderHtmlReportChunks(input: HtmlReportInput): Iterable<string> {
  return htmlPageChunks(pageOf(input));
}

function findingsTable(): string {
  const boxes = SEVERITIES.map((s) => `<label><input type="checkbox" data-severity="${s}" checked> <span class="sev ${s}">${s}</span></label>`).join(' ');
  return (
    '<div id="filters">' +
    `<fieldset><legend class="muted">severity</legend>${boxes}</fieldset>` +
    '<label>rule <select id="f-rule"><option value="">all</option></select></label>' +
    '<label>namespace <select id="f-namespace"><option value="">all</option></select></label>' +
    '<label>category <select id="f-category"><option value="">all</option></select></label>' +
    '<label>search <input type="search" id="f-search" placeholder="message, object, file…" autocomplete="off"></label>' +
    '<label><input type="checkbox" id="f-suppressed"> show suppressed</label>' +
    '<button type="button" id="f-reset">reset</button>' +
    '</div>' +
    '<div id="count" aria-live="polite"></div>' +
    '<div class="grid-head" role="row">' +
    ['severity', 'rule', 'object', 'location', 'message'].map((k) => `<button type="button" role="columnheader" data-sort="${k}">${k === 'location' ? 'source' : k}</button>`).join('') +
    '</div>' +
    '<div id="viewport" class="viewport" role="table" aria-label="findings"><div id="spacer"></div><div id="rows" role="rowgroup"></div></div>' +
    '<div id="detail" hidden></div>' +
    '<noscript><p>The findings table needs JavaScript; the JSON report (<code>-o json</code>) holds the same findings.</p></noscript>'
  );
}

function problemsSection(errors: ScanResult['errors'], notes: ScanResult['notes']): string | undefined {
  if (errors.length === 0 && notes.length === 0) return undefined;
  const list = (items: { file: string; line?: number; message: string }[], what: string): string => {
    if (items.length === 0) return '';
    const shown = items.slice(0, MAX_PROBLEMS_LISTED);
    return (
      `<h3>${items.length} ${what}(s)</h3><ul class="problems">${shown.map((e) => `<li><code>${escapeHtml(formatLocation(e.file, e.line))}</code> ${escapeHtml(e.message)}</li>`).join('')}</ul>` +
      (items.length > shown.length ? `<p class="muted">${items.length - shown.length} more not listed.</p>` : '')
    );
  };
  return list(errors, 'error') + list(notes, 'note');
}
