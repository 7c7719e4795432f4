/**
 * The bundled example application: the hardened shop must scan clean at medium and above, the
 * insecure one must trip the rules it was written to trip, and every finding must point at the
 * field it is about.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scanFiles, type ScanResult } from '../src/core/scan.js';
import { rules } from '../src/rules/index.js';
import { pointerTokens } from '../src/sources/yaml.js';
import { severityRank, type Finding } from '../src/core/types.js';

/** The repo root, whether this runs compiled from dist/test or from test/. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'examples'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repository root not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

const EXAMPLE = path.join(repoRoot(), 'examples', 'ecommerce');
const HARDENED = path.join(EXAMPLE, 'hardened');
const INSECURE = path.join(EXAMPLE, 'insecure');

/**
 * Rules the insecure variant was written to trip, each with the mistake that trips it. Only ids
 * in the catalogue belong here; the first test says which one is missing if a rule is renamed.
 */
const EXPECTED_IN_INSECURE: Record<string, string> = {
  'privileged-container': 'node-agent runs privileged',
  'host-network': 'node-agent uses hostNetwork',
  'host-pid': 'node-agent uses hostPID',
  'host-port': 'node-agent binds hostPort 9100',
  'host-path-volume': 'docker socket, /var/log, / and the postgres data dir',
  'disallowed-capabilities': 'SYS_ADMIN on node-agent, NET_ADMIN on cart',
  'allow-privilege-escalation': 'cart sets allowPrivilegeEscalation: true',
  'run-as-non-root': 'payments sets runAsNonRoot: false, most pods say nothing',
  'run-as-root-user': 'storefront, checkout and node-agent run as UID 0',
  'seccomp-profile-required': 'no pod sets a seccomp profile',
  'capabilities-drop-all': 'no container drops ALL',
};

const MEDIUM = severityRank('medium');

function describeFinding(f: Finding): string {
  return `${f.severity} ${f.rule} ${path.relative(EXAMPLE, f.file)}:${f.line}:${f.column} ${f.path}: ${f.message}`;
}

function workloadCount(result: ScanResult): number {
  return result.resources.filter((r) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(r.kind)).length;
}

const fileLines = new Map<string, string[]>();
function linesOf(file: string): string[] {
  let lines = fileLines.get(file);
  if (!lines) {
    lines = readFileSync(file, 'utf8').split(/\r?\n/);
    fileLines.set(file, lines);
  }
  return lines;
}

/** A finding's line and column lie inside its file, and that line names the field the pointer ends in. */
function assertPointsAtField(f: Finding): void {
  const lines = linesOf(f.file);
  assert.ok(f.line >= 1 && f.line <= lines.length, `line out of range: ${describeFinding(f)}`);
  const text = lines[f.line - 1];
  assert.ok(f.column >= 1 && f.column <= text.length + 1, `column out of range: ${describeFinding(f)}`);
  const last = pointerTokens(f.path).at(-1);
  if (last !== undefined && !/^\d+$/.test(last)) {
    assert.ok(text.includes(last), `line ${f.line} ("${text.trim()}") does not hold "${last}": ${describeFinding(f)}`);
  }
}

describe('example application: hardened shop', () => {
  let result: ScanResult;
  before(async () => {
    result = await scanFiles([HARDENED]);
  });

  test('loads without input errors', () => {
    assert.deepEqual(result.errors, []);
    assert.ok(result.resources.length > 40, `expected the whole shop, got ${result.resources.length} objects`);
  });

  test('has no unsuppressed finding at medium or above', () => {
    const serious = result.findings.filter((f) => !f.suppressed && severityRank(f.severity) >= MEDIUM);
    assert.deepEqual(serious.map(describeFinding), []);
  });

  test('suppresses nothing: it is clean, not silenced', () => {
    assert.deepEqual(result.findings.filter((f) => f.suppressed).map(describeFinding), []);
  });

  test('runs about eight services', () => {
    assert.ok(workloadCount(result) >= 8, `only ${workloadCount(result)} Deployments/StatefulSets/DaemonSets`);
  });

  test('any lower-severity finding points at its field', () => {
    for (const f of result.findings) assertPointsAtField(f);
  });
});

describe('example application: insecure shop', () => {
  let result: ScanResult;
  before(async () => {
    result = await scanFiles([INSECURE]);
  });

  test('loads without input errors', () => {
    assert.deepEqual(result.errors, []);
  });

  test('every expected rule is in the catalogue', () => {
    const ids = new Set(rules.map((r) => r.id));
    for (const id of Object.keys(EXPECTED_IN_INSECURE)) assert.ok(ids.has(id), `rule ${id} is not in the catalogue`);
  });

  test('flags the privileged node agent as critical', () => {
    const privileged = result.findings.filter((f) => f.rule === 'privileged-container');
    assert.ok(privileged.length > 0, 'no privileged-container finding');
    for (const f of privileged) {
      assert.equal(f.severity, 'critical');
      assert.equal(f.resource.kind, 'DaemonSet');
      assert.equal(f.resource.name, 'node-agent');
      assert.equal(path.basename(f.file), 'node-agent.yaml');
    }
  });

  test('trips every rule it was written to trip', () => {
    const fired = new Set(result.findings.map((f) => f.rule));
    const missing = Object.entries(EXPECTED_IN_INSECURE)
      .filter(([id]) => !fired.has(id))
      .map(([id, why]) => `${id} (${why})`);
    assert.deepEqual(missing, []);
  });

  test('has many findings across many files', () => {
    const serious = result.findings.filter((f) => !f.suppressed && severityRank(f.severity) >= MEDIUM);
    assert.ok(serious.length >= 40, `only ${serious.length} findings at medium or above`);
    const files = new Set(serious.map((f) => path.basename(f.file)));
    assert.ok(files.size >= 8, `findings in only ${files.size} files: ${[...files].join(', ')}`);
  });

  test('every finding points inside its file, at the offending field', () => {
    assert.ok(result.findings.length > 0);
    for (const f of result.findings) assertPointsAtField(f);
  });

  test('runs about eight services', () => {
    assert.ok(workloadCount(result) >= 8, `only ${workloadCount(result)} Deployments/StatefulSets/DaemonSets`);
  });
});
