/**
 * Reports of `kshield node`: table, markdown, JSON, SARIF 2.1.0 and JUnit XML of the checks of
 * one node. Pure functions of the node's facts and check results.
 *
 * SARIF: one rule per check that ran, one result per check that did not pass (fail -> error,
 * warn -> warning, manual -> note), located in the file the evidence names as a URI relative to
 * the node root (base id NODEROOT, which `originalUriBaseIds` maps to the --root directory), with
 * the line of the flag or field when the source knows it. JUnit: one suite per component, one
 * test case per check; a fail, or a warn/manual at or above --fail-on, is a <failure>, any other
 * warn/manual is <skipped> with its status and evidence.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NodeFacts } from '../sources/node.js';
import { STATUS_RANK, summarize, type CheckResult, type CheckStatus } from '../node/checks.js';
import { INFORMATION_URI, SARIF_SCHEMA_URI, TOOL_NAME, type SarifLevel } from './sarif.js';
import { xmlAttr, xmlText } from './junit.js';
import { sanitize } from '../core/text.js';
import { checksSummaryLine, groupRows, markdownCell, renderChecksMarkdown, renderChecksTable } from './checks.js';
import { renderChecksHtml } from './html/checks.js';

export interface NodeReport {
  checks: Omit<CheckResult, 'component' | 'location'>[];
  detected: NodeFacts['detected'] & { root: string };
  summary: Record<CheckStatus, number>;
}

/** The JSON report: exactly id, title, status, evidence and remediation per check. */
export function buildNodeReport(facts: NodeFacts, results: CheckResult[]): NodeReport {
  return {
    checks: results.map(({ id, title, status, evidence, remediation }) => ({ id, title, status, evidence, remediation })),
    detected: { root: facts.root, ...facts.detected },
    summary: summarize(results),
  };
}

const LAYOUT_NAMES: Record<string, string> = {
  kubeadm: 'kubeadm control-plane node',
  k3s: 'k3s node',
  rke2: 'RKE2 node',
  processes: 'control plane running as host processes (no static pod manifests)',
  worker: 'worker node (kubelet, no control-plane manifests)',
  unknown: 'no Kubernetes node layout found',
};

/** "k3s server node (embedded etcd)", "kubeadm control-plane node". */
function describeLayout(d: NodeFacts['detected']): string {
  if ((d.layout === 'k3s' || d.layout === 'rke2') && d.role) {
    const name = d.layout === 'k3s' ? 'k3s' : 'RKE2';
    return `${name} ${d.role} node${d.datastore ? ` (${d.datastore === 'sqlite' ? 'SQLite datastore through kine' : d.datastore === 'external' ? 'external datastore' : 'embedded etcd'})` : ''}`;
  }
  return LAYOUT_NAMES[d.layout];
}

export function renderNodeTable(facts: NodeFacts, results: CheckResult[], color: boolean, width = 100): string {
  const d = facts.detected;
  const header = [`Detected: ${describeLayout(d)} under ${sanitize(facts.root)}${d.evidence.length ? ` (${d.evidence.map(sanitize).join(', ')})` : ''}`];
  if (d.configFiles?.length) header.push(`Configuration: ${d.configFiles.map(sanitize).join(', ')}`);
  if (facts.configProblems?.length) header.push(`Configuration problems: ${configProblemsText(facts).map(sanitize).join('; ')}`);
  const sources = Object.entries(d.components).map(([c, s]) => `${c} from ${sanitize(s!)}`);
  if (sources.length) header.push(`Components: ${sources.join('; ')}`);
  return renderChecksTable({ header, rows: results, groupOf: (r) => r.component, color, width });
}

/** k3s/RKE2 configuration files that could not be used: "file: why". */
function configProblemsText(facts: NodeFacts): string[] {
  return (facts.configProblems ?? []).map((p) => `${p.file}: ${p.message}`);
}

/** Markdown for a pull request or a ticket: one table per component. */
export function renderNodeMarkdown(facts: NodeFacts, results: CheckResult[]): string {
  const header = [
    '# kshield node report',
    '',
    `Detected: ${describeLayout(facts.detected)} under \`${markdownCell(facts.root)}\`. ${checksSummaryLine(results)}.`,
  ];
  if (facts.configProblems?.length) header.push('', `Configuration problems: ${configProblemsText(facts).map(markdownCell).join('; ')}.`);
  return renderChecksMarkdown({ header, rows: results, groupOf: (r) => r.component });
}

/** One page (see report/html/checks.ts): a chart of the statuses, a table per component. */
export function renderNodeHtml(facts: NodeFacts, results: CheckResult[]): string {
  const subtitle = [`Detected: ${describeLayout(facts.detected)} under ${facts.root}. ${checksSummaryLine(results)}.`];
  if (facts.configProblems?.length) subtitle.push(`Configuration problems: ${configProblemsText(facts).join('; ')}.`);
  return renderChecksHtml({ title: 'kshield node report', subtitle, rows: results, groupOf: (r) => r.component });
}

const LEVEL: Record<Exclude<CheckStatus, 'pass'>, SarifLevel> = { fail: 'error', warn: 'warning', manual: 'note' };

/** The base id results' URIs are relative to: the directory given as --root. */
const NODE_ROOT_BASE = 'NODEROOT';

/** A node path as a URI relative to the node root: segments percent-encoded, no leading slash. */
function nodeUri(nodePath: string): string {
  return nodePath.split('/').filter(Boolean).map(encodeURIComponent).join('/');
}

export interface NodeSarifOptions {
  version: string;
  /** The --root directory as an absolute path (for originalUriBaseIds). */
  absoluteRoot: string;
}

/** The SARIF log as a plain object. */
function toNodeSarif(facts: NodeFacts, results: CheckResult[], options: NodeSarifOptions): Record<string, unknown> {
  const ruleIndex = new Map<string, number>();
  const rules: Record<string, unknown>[] = [];
  for (const r of results) {
    if (ruleIndex.has(r.id)) continue;
    ruleIndex.set(r.id, rules.length);
    rules.push({
      id: r.id,
      shortDescription: { text: r.title },
      fullDescription: { text: `CIS Kubernetes Benchmark v1.8 ${r.id} (${r.component}): ${r.title}` },
      help: { text: `Remediation: ${r.remediation}` },
      defaultConfiguration: { level: 'error' },
      properties: { tags: ['cis-kubernetes-1.8', 'node', r.component] },
    });
  }
  const sarifResults = results
    .filter((r) => r.status !== 'pass')
    .map((r) => {
      const result: Record<string, unknown> = {
        ruleId: r.id,
        ruleIndex: ruleIndex.get(r.id),
        level: LEVEL[r.status as Exclude<CheckStatus, 'pass'>],
        message: { text: `${r.title}: ${r.evidence}` },
      };
      if (r.location) {
        const physical: Record<string, unknown> = { artifactLocation: { uri: nodeUri(r.location.file), uriBaseId: NODE_ROOT_BASE } };
        if (r.location.line && r.location.line > 0) physical.region = { startLine: r.location.line };
        result.locations = [{ physicalLocation: physical }];
      }
      result.partialFingerprints = { 'kshield-node/v1': createHash('sha256').update(`${r.id}\0${r.location?.file ?? ''}`).digest('hex').slice(0, 32) };
      result.properties = { status: r.status, component: r.component, remediation: r.remediation };
      return result;
    });
  const rootUri = pathToFileURL(options.absoluteRoot.endsWith(path.sep) ? options.absoluteRoot : options.absoluteRoot + path.sep).href;
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: TOOL_NAME, version: options.version, semanticVersion: options.version, informationUri: INFORMATION_URI, rules } },
        originalUriBaseIds: { [NODE_ROOT_BASE]: { uri: rootUri, description: { text: 'The node root that was read (--root)' } } },
        invocations: [{ executionSuccessful: true }],
        results: sarifResults,
        properties: { detected: { root: facts.root, ...facts.detected }, summary: summarize(results) },
      },
    ],
  };
}

export function renderNodeSarif(facts: NodeFacts, results: CheckResult[], options: NodeSarifOptions): string {
  return JSON.stringify(toNodeSarif(facts, results, options), null, 2) + '\n';
}

function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('');
}

/** JUnit XML; `failOn` decides whether warn and manual results count as failures (fail always does). */
export function renderNodeJunit(facts: NodeFacts, results: CheckResult[], failOn: CheckStatus | 'none'): string {
  const failing = (s: CheckStatus): boolean => s === 'fail' || (failOn !== 'none' && s !== 'pass' && STATUS_RANK[s] >= STATUS_RANK[failOn]);
  const suites: string[] = [];
  const total = { tests: 0, failures: 0, skipped: 0 };
  for (const [component, group] of groupRows(results, (r) => r.component)) {
    const failures = group.filter((r) => failing(r.status)).length;
    const skipped = group.filter((r) => r.status !== 'pass' && !failing(r.status)).length;
    total.tests += group.length;
    total.failures += failures;
    total.skipped += skipped;
    const lines = [`  <testsuite${attrs({ name: `kshield.node.${component}`, tests: group.length, failures, errors: 0, skipped, time: '0' })}>`];
    const classname = `kshield.node.${component.replace(/\s+/g, '-')}`;
    for (const r of group) {
      const head = `    <testcase${attrs({ name: `${r.id} ${r.title}`, classname, file: r.location?.file, line: r.location?.line, time: '0' })}`;
      if (r.status === 'pass') lines.push(`${head}>\n      <system-out>${xmlText(r.evidence)}</system-out>\n    </testcase>`);
      else if (failing(r.status)) lines.push(`${head}>\n      <failure${attrs({ message: r.evidence, type: r.status })}>${xmlText(`${r.status}: ${r.evidence}\nremediation: ${r.remediation}`)}</failure>\n    </testcase>`);
      else lines.push(`${head}>\n      <skipped${attrs({ message: `${r.status}: ${r.evidence}` })}/>\n    </testcase>`);
    }
    lines.push('  </testsuite>');
    suites.push(lines.join('\n'));
  }
  const d = facts.detected;
  const head = `<testsuites${attrs({ name: `kshield node ${d.layout}`, tests: total.tests, failures: total.failures, errors: 0, skipped: total.skipped, time: '0' })}>`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...suites, '</testsuites>', ''].join('\n');
}
