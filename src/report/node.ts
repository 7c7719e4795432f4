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
import { sanitize, wrap } from './table.js';

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
export function describeLayout(d: NodeFacts['detected']): string {
  if ((d.layout === 'k3s' || d.layout === 'rke2') && d.role) {
    const name = d.layout === 'k3s' ? 'k3s' : 'RKE2';
    return `${name} ${d.role} node${d.datastore ? ` (${d.datastore === 'sqlite' ? 'SQLite datastore through kine' : d.datastore === 'external' ? 'external datastore' : 'embedded etcd'})` : ''}`;
  }
  return LAYOUT_NAMES[d.layout];
}

function groupByComponent(results: CheckResult[]): Map<string, CheckResult[]> {
  const groups = new Map<string, CheckResult[]>();
  for (const r of results) groups.set(r.component, [...(groups.get(r.component) ?? []), r]);
  return groups;
}

export function renderNodeTable(facts: NodeFacts, results: CheckResult[], color: boolean, width = 100): string {
  const paint = (status: CheckStatus): string => {
    const label = status.toUpperCase().padEnd(7);
    if (!color) return label;
    const code = status === 'pass' ? 32 : status === 'fail' ? 31 : 33;
    return `\u001b[${code}m${label}\u001b[0m`;
  };
  const lines: string[] = [];
  const d = facts.detected;
  lines.push(`Detected: ${describeLayout(d)} under ${sanitize(facts.root)}${d.evidence.length ? ` (${d.evidence.map(sanitize).join(', ')})` : ''}`);
  if (d.configFiles?.length) lines.push(`Configuration: ${d.configFiles.map(sanitize).join(', ')}`);
  const sources = Object.entries(d.components).map(([c, s]) => `${c} from ${sanitize(s!)}`);
  if (sources.length) lines.push(`Components: ${sources.join('; ')}`);
  // Long named ids (4.2.protect-kernel-defaults) overflow their column rather than widen every line.
  const idWidth = Math.min(10, Math.max(6, ...results.map((r) => r.id.length)));
  const indent = ' '.repeat(idWidth + 11);
  for (const [component, group] of groupByComponent(results)) {
    lines.push('', `== ${component} ==`);
    for (const r of group) {
      lines.push(`  ${r.id.padEnd(idWidth)}  ${paint(r.status)}${r.title}`);
      for (const l of wrap(sanitize(r.evidence), Math.max(40, width - indent.length))) lines.push(`${indent}${l}`);
      if (r.status !== 'pass') for (const l of wrap(`fix: ${sanitize(r.remediation)}`, Math.max(40, width - indent.length))) lines.push(`${indent}${l}`);
    }
  }
  const s = summarize(results);
  lines.push('', `${results.length} checks: ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.manual} manual`);
  return lines.join('\n') + '\n';
}

/** Markdown for a pull request or a ticket: one table per component. */
export function renderNodeMarkdown(facts: NodeFacts, results: CheckResult[]): string {
  const cell = (text: string): string => sanitize(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
  const s = summarize(results);
  const lines = [
    '# kshield node report',
    '',
    `Detected: ${describeLayout(facts.detected)} under \`${cell(facts.root)}\`. ${results.length} checks: ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.manual} manual.`,
  ];
  for (const [component, group] of groupByComponent(results)) {
    lines.push('', `## ${component}`, '', '| id | status | check | evidence | remediation |', '| --- | --- | --- | --- | --- |');
    for (const r of group) lines.push(`| ${cell(r.id)} | ${r.status} | ${cell(r.title)} | ${cell(r.evidence)} | ${r.status === 'pass' ? '' : cell(r.remediation)} |`);
  }
  return lines.join('\n') + '\n';
}

const LEVEL: Record<Exclude<CheckStatus, 'pass'>, SarifLevel> = { fail: 'error', warn: 'warning', manual: 'note' };

/** The base id results' URIs are relative to: the directory given as --root. */
export const NODE_ROOT_BASE = 'NODEROOT';

/** A node path as a URI relative to the node root: segments percent-encoded, no leading slash. */
export function nodeUri(nodePath: string): string {
  return nodePath.split('/').filter(Boolean).map(encodeURIComponent).join('/');
}

export interface NodeSarifOptions {
  version: string;
  /** The --root directory as an absolute path (for originalUriBaseIds). */
  absoluteRoot: string;
}

/** The SARIF log as a plain object. */
export function toNodeSarif(facts: NodeFacts, results: CheckResult[], options: NodeSarifOptions): Record<string, unknown> {
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
  for (const [component, group] of groupByComponent(results)) {
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
