/**
 * One cause, one finding: findings of one object whose rules name the same cause are folded into
 * the most severe one, the others listed as related (src/core/fold.ts). Every test scans a small
 * manifest of the shape in question through the real pipeline.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadText } from '../src/sources/files.js';
import { exitCode, prepareScan, scanLoaded, type ScanOptions, type ScanResult } from '../src/core/scan.js';
import { evaluate } from '../src/core/engine.js';
import { foldFindings } from '../src/core/fold.js';
import { buildBaseline } from '../src/core/baseline.js';
import { SEVERITIES, type Finding, type Severity } from '../src/core/types.js';
import { reporters } from '../src/report/index.js';
import { parseConfig } from '../src/core/config.js';
import { rules } from '../src/rules/index.js';
import { buildState } from '../src/admission/server.js';
import { decide } from '../src/admission/decide.js';
import { parseReview } from '../src/admission/review.js';
import { parseXml } from './support/xml.js';
import { sarifValidator } from './support/sarif.js';
import { review } from './support/admission.js';

function scan(text: string, options: ScanOptions = {}, file = 'm.yaml'): ScanResult {
  return scanLoaded(loadText(text, file), options);
}

/** The engine's findings before folding: what every earlier release reported. */
function unfolded(text: string, options: ScanOptions = {}, file = 'm.yaml'): Finding[] {
  return evaluate(loadText(text, file).resources, prepareScan(options).engine).findings;
}

const open = (r: ScanResult): Finding[] => r.findings.filter((f) => !f.suppressed);
const rulesOf = (f: Finding): string[] => [f.rule, ...(f.related ?? []).map((r) => r.rule)];

const GOD_ROLE = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: god
rules:
- apiGroups: ['*']
  resources: ['*']
  verbs: ['*']
`;

const OPEN_POLICY = (rules: string): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: open
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
${rules}`;

/** A Pod in a namespace whose network rules are satisfied, so only the container's own findings remain. */
const POD = (containerExtra: string, podExtra = '', annotations = ''): string => `apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: ops
  labels: {app.kubernetes.io/name: agent, owner: ops}${annotations ? `\n  annotations:\n${annotations}` : ''}
spec:
  automountServiceAccountToken: false
  serviceAccountName: agent
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: agent
    image: registry.example.com/agent@sha256:0000000000000000000000000000000000000000000000000000000000000000
    resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 100m, memory: 64Mi}}
    readinessProbe: {httpGet: {path: /ready, port: 8080}}
    livenessProbe: {httpGet: {path: /live, port: 8080}, periodSeconds: 20}
${containerExtra}${podExtra}`;

const SC = (lines: string): string => `    securityContext:\n      readOnlyRootFilesystem: true\n${lines}`;

describe('folding: the shapes seen in real manifests', () => {
  test('a */*/* ClusterRole is one finding, with the twelve others related, each keeping its fingerprint', () => {
    const before = unfolded(GOD_ROLE);
    assert.equal(before.length, 13, 'the engine still judges every rule');
    const r = scan(GOD_ROLE);
    assert.equal(r.findings.length, 1);
    const [f] = r.findings;
    assert.equal(f.severity, 'high', 'the most severe of them');
    assert.equal(f.rule, 'rbac-secrets-read-cluster-wide', 'ties go to the rule listed first in the catalogue');
    assert.deepEqual(new Set(rulesOf(f)), new Set(before.map((b) => b.rule)));
    assert.deepEqual(new Set([f.fingerprint, ...f.related!.map((x) => x.fingerprint)]), new Set(before.map((b) => b.fingerprint)));
    assert.deepEqual(r.summary.bySeverity, { critical: 0, high: 1, medium: 0, low: 0, info: 0 });
    assert.equal(r.summary.related, 12);
    // Related findings keep their own position: the verbs wildcard is on line 8.
    assert.equal(f.related!.find((x) => x.rule === 'rbac-wildcard-verbs')!.line, 8);
  });

  test('a permission listed by name is a cause of its own; only what a "*" grants is folded', () => {
    const role = GOD_ROLE.replace("- apiGroups: ['*']\n  resources: ['*']", "- apiGroups: ['']\n  resources: [secrets, pods/exec]");
    const r = scan(role);
    assert.deepEqual(r.findings.map((f) => [f.rule, f.related?.length ?? 0]).sort(), [
      ['rbac-pod-exec', 0],
      ['rbac-secrets-read-cluster-wide', 0],
      ['rbac-wildcard-verbs', 0],
    ]);
    // Two wildcard rule entries are two causes.
    const two = scan(GOD_ROLE + "- apiGroups: ['apps']\n  resources: ['*']\n  verbs: [get]\n");
    assert.equal(two.findings.length, 2);
    assert.deepEqual(two.findings.map((f) => f.path.split('/').slice(0, 3).join('/')), ['/rules/0', '/rules/1']);
  });

  test('egress: [{}] is one finding (the metadata-address one is related); ingress: [{}] is another', () => {
    const egress = scan(OPEN_POLICY('  egress: [{}]\n'));
    assert.equal(unfolded(OPEN_POLICY('  egress: [{}]\n')).length, 2);
    assert.equal(egress.findings.length, 1);
    assert.deepEqual(rulesOf(egress.findings[0]), ['network-policy-allows-all-egress', 'egress-to-cloud-metadata-allowed']);
    const both = scan(OPEN_POLICY('  ingress: [{}]\n  egress: [{}]\n'));
    assert.deepEqual(both.findings.map(rulesOf), [['network-policy-allows-all-ingress'], ['network-policy-allows-all-egress', 'egress-to-cloud-metadata-allowed']]);
    // An ipBlock of 0.0.0.0/0: the peer is the cause of both.
    const block = scan(OPEN_POLICY('  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n'));
    assert.deepEqual(block.findings.map(rulesOf), [['network-policy-allows-all-egress', 'egress-to-cloud-metadata-allowed']]);
  });

  test('a namespace with no policy at all: one finding, the two default-deny ones related', () => {
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: ops}\n---\n';
    const r = scan(ns + POD(SC('      allowPrivilegeEscalation: false\n      capabilities: {drop: [ALL]}\n')), { only: ['network-policy'] });
    assert.deepEqual(r.findings.map(rulesOf), [['namespace-without-network-policy', 'missing-default-deny-ingress', 'missing-default-deny-egress']]);
    // With a policy that is not a default deny, the default-deny findings are causes of their own.
    const policy = `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: ops}\nspec:\n  podSelector: {matchLabels: {app: x}}\n  ingress: [{from: [{podSelector: {}}]}]\n`;
    const withPolicy = scan(ns + POD(SC('      allowPrivilegeEscalation: false\n')) + policy, { only: ['network-policy'] });
    assert.deepEqual(withPolicy.findings.map(rulesOf).filter((x) => x[0].startsWith('missing-default-deny')).sort(), [['missing-default-deny-egress'], ['missing-default-deny-ingress']]);
  });

  test('a privileged container: allow-privilege-escalation is related (it cannot be turned off); without privileged it stands alone', () => {
    const r = scan(POD(SC('      privileged: true\n      capabilities: {drop: [ALL]}\n')), { only: ['privileged-container', 'allow-privilege-escalation'] });
    assert.deepEqual(r.findings.map(rulesOf), [['privileged-container', 'allow-privilege-escalation']]);
    const plain = scan(POD(SC('      capabilities: {drop: [ALL]}\n')), { only: ['privileged-container', 'allow-privilege-escalation'] });
    assert.deepEqual(plain.findings.map(rulesOf), [['allow-privilege-escalation']]);
  });

  test('an added capability: one finding per entry; a missing drop list: capabilities-drop-all with net-raw-not-dropped related', () => {
    const r = scan(POD(SC('      allowPrivilegeEscalation: false\n      capabilities: {add: [SYS_ADMIN, NET_ADMIN]}\n')), {
      only: ['disallowed-capabilities', 'dangerous-capabilities', 'capabilities-drop-all', 'net-raw-not-dropped'],
    });
    assert.deepEqual(r.findings.map(rulesOf), [
      ['capabilities-drop-all', 'net-raw-not-dropped'],
      ['disallowed-capabilities', 'dangerous-capabilities'],
      ['disallowed-capabilities', 'dangerous-capabilities'],
    ]);
    assert.deepEqual(r.findings.slice(1).map((f) => f.path), ['/spec/containers/0/securityContext/capabilities/add/0', '/spec/containers/0/securityContext/capabilities/add/1']);
  });

  test('a hostPath volume mounted writable by two containers: one finding for the volume', () => {
    const twoContainers = POD(
      SC('      allowPrivilegeEscalation: false\n') + '    volumeMounts: [{name: logs, mountPath: /host/logs}]\n' +
        '  - name: shipper\n    image: registry.example.com/shipper:1.0\n    volumeMounts: [{name: logs, mountPath: /logs}]\n',
      '  volumes:\n  - name: logs\n    hostPath: {path: /var/log}\n',
    );
    const only = ['host-path-volume', 'host-log-mount', 'writable-host-mount'];
    assert.equal(unfolded(twoContainers, { only }).length, 4);
    const r = scan(twoContainers, { only });
    assert.equal(r.findings.length, 1);
    const [f] = r.findings;
    assert.equal(f.rule, 'host-path-volume');
    assert.deepEqual(f.related!.map((x) => [x.rule, x.container]), [
      ['host-log-mount', undefined],
      ['writable-host-mount', 'agent'],
      ['writable-host-mount', 'shipper'],
    ]);
  });
});

describe('folding and suppressions, baselines, selection, exit codes', () => {
  const PRIVILEGED = POD(SC('      privileged: true\n      capabilities: {drop: [ALL]}\n'));
  const ONLY = { only: ['privileged-container', 'allow-privilege-escalation'] };

  test('a suppressed finding never hides an unsuppressed one of the same cause', () => {
    const text = POD(SC('      privileged: true\n      capabilities: {drop: [ALL]}\n'), '', '    kshield.io/ignore: privileged-container\n    kshield.io/ignore-reason: CNI agent');
    const r = scan(text, ONLY);
    assert.deepEqual(open(r).map(rulesOf), [['allow-privilege-escalation']]);
    assert.deepEqual(r.findings.filter((f) => f.suppressed).map(rulesOf), [['privileged-container']]);
    assert.equal(exitCode(r, 'medium'), 1, 'the unsuppressed one still fails the scan');
  });

  test('a container-level ignore of the writable mount leaves the volume finding unsuppressed, unfolded from it', () => {
    const text = POD(SC('      allowPrivilegeEscalation: false\n') + '    volumeMounts: [{name: data, mountPath: /data}]\n', '  volumes:\n  - name: data\n    hostPath: {path: /srv/data}\n', '    kshield.io/ignore.agent: writable-host-mount');
    const r = scan(text, { only: ['host-path-volume', 'writable-host-mount'] });
    assert.deepEqual(open(r).map(rulesOf), [['host-path-volume']]);
    assert.deepEqual(r.findings.filter((f) => f.suppressed).map(rulesOf), [['writable-host-mount']]);
  });

  test('a baseline written before folding still suppresses every finding; one written now records the related ones too', () => {
    const old = new Set(unfolded(GOD_ROLE).map((f) => f.fingerprint));
    const r = scan(GOD_ROLE, { baseline: old });
    assert.equal(open(r).length, 0);
    assert.equal(r.findings.length, 1, 'the suppressed findings are folded among themselves');
    assert.equal(r.findings[0].related!.length, 12);

    const written = new Set(buildBaseline(scan(GOD_ROLE).findings).findings.map((e) => e.fingerprint));
    assert.deepEqual(written, old);

    // A baseline holding only the reported finding: the others are new, and surface (folded together).
    const partial = scan(GOD_ROLE, { baseline: new Set([scan(GOD_ROLE).findings[0].fingerprint]) });
    assert.equal(open(partial).length, 1);
    assert.equal(open(partial)[0].related!.length, 11);
    assert.equal(partial.findings.filter((f) => f.suppressed).length, 1);
  });

  test('--only/--skip act first: folding among the selected rules only', () => {
    const skipped = scan(GOD_ROLE, { skip: ['rbac-secrets-read-cluster-wide'] });
    assert.equal(skipped.findings.length, 1);
    assert.notEqual(skipped.findings[0].rule, 'rbac-secrets-read-cluster-wide');
    assert.ok(!rulesOf(skipped.findings[0]).includes('rbac-secrets-read-cluster-wide'));
    const wildcards = scan(GOD_ROLE, { only: ['rbac-wildcard-verbs', 'rbac-wildcard-api-groups'] });
    assert.deepEqual(wildcards.findings.map(rulesOf), [['rbac-wildcard-verbs', 'rbac-wildcard-api-groups']]);
  });

  test('exit codes are those of the unfolded findings at every --fail-on level', () => {
    const texts = [GOD_ROLE, PRIVILEGED, OPEN_POLICY('  egress: [{}]\n')];
    for (const text of texts) {
      const folded = scan(text);
      const before = unfolded(text);
      for (const level of [...SEVERITIES, 'none'] as (Severity | 'none')[]) {
        assert.equal(exitCode(folded, level), exitCode({ ...folded, findings: before }, level), `${level} on ${text.split('\n')[1]}`);
      }
    }
  });

  test('the kept finding does not depend on the order the rules reported in', () => {
    const findings = unfolded(GOD_ROLE);
    const order = new Map(prepareScan({}).rules.map((r, i) => [r.id, i]));
    const a = foldFindings(findings, order);
    const b = foldFindings([...findings].reverse(), order);
    assert.deepEqual(a.map(rulesOf), b.map(rulesOf));
    assert.equal(findings.length, 13, 'the input is not changed');
  });

  test('only one object at a time: two roles with a wildcard each stay two findings', () => {
    const r = scan(GOD_ROLE + '---\n' + GOD_ROLE.replace('name: god', 'name: god2'));
    assert.deepEqual(r.findings.map((f) => f.resource.name), ['god', 'god2']);
  });
});

describe('folding in every report format', () => {
  const result = scan(GOD_ROLE + '---\n' + OPEN_POLICY('  egress: [{}]\n'));

  test('table: "+N related" under the finding, counted once in the summary line', () => {
    const table = reporters.table(result, { color: false });
    assert.match(table, /rbac-secrets-read-cluster-wide\n +\+12 related: rbac-pod-exec, .*rbac-wildcard-api-groups\n/);
    assert.match(table, /\+1 related: egress-to-cloud-metadata-allowed/);
    assert.match(table, /^2 findings \(1 high, 1 low\); 2 resources in 1 file scanned; 13 related findings folded into these \(same cause\)\.$/m);
  });

  test('markdown: the related rules in the finding\'s cell', () => {
    assert.match(reporters.markdown(result, { color: false }), /\| ClusterRole "god" rule 1 grants get, list, watch on secrets: .* \(\+12 related: rbac-pod-exec, /);
  });

  test('JSON: related entries with their own rule, severity, position and fingerprint', () => {
    const report = JSON.parse(reporters.json(result, { color: false }));
    const f = report.findings.find((x: { rule: string }) => x.rule === 'network-policy-allows-all-egress');
    assert.deepEqual(Object.keys(f.related[0]), ['rule', 'severity', 'message', 'line', 'column', 'path', 'container', 'fingerprint']);
    assert.equal(f.related[0].rule, 'egress-to-cloud-metadata-allowed');
    assert.equal(f.related[0].severity, 'info');
    assert.equal(report.summary.related, 13);
  });

  test('SARIF: relatedLocations with messages, linked from the result message, valid SARIF 2.1.0', () => {
    const sarif = JSON.parse(reporters.sarif(result, { color: false }));
    const { validate, errors } = sarifValidator();
    assert.ok(validate(sarif), errors());
    const egress = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'network-policy-allows-all-egress');
    assert.deepEqual(egress.relatedLocations.map((l: { id: number }) => l.id), [1]);
    assert.match(egress.relatedLocations[0].message.text, /^egress-to-cloud-metadata-allowed \(info\): egress rule 0 /);
    assert.deepEqual(egress.relatedLocations[0].physicalLocation.region, { startLine: 18, startColumn: 12 });
    assert.match(egress.message.text, /\. Same cause, also reported by \[egress-to-cloud-metadata-allowed\]\(1\)\.$/);
    assert.equal(egress.properties.related[0].fingerprint, result.findings.find((x) => x.rule === 'network-policy-allows-all-egress')!.related![0].fingerprint);
  });

  test('JUnit: every rule evaluated keeps its test case, and a related finding fails its own', () => {
    const root = parseXml(reporters.junit(result, { color: false }));
    const suite = root.children.find((s) => s.name === 'testsuite' && s.attrs.name === 'rbac-wildcard-verbs')!;
    const cases = suite.children.filter((c) => c.name === 'testcase');
    assert.equal(cases.length, 1);
    const failure = cases[0].children.find((c) => c.name === 'failure')!;
    assert.match(failure.text, /reported as related to rbac-secrets-read-cluster-wide at m\.yaml:7:15 \(same cause\)/);
    assert.equal(Number(root.attrs.failures), 15, 'thirteen rules on the role, two on the policy');
  });
});

describe('admission decides on every finding, folded or not', () => {
  test('an enforced rule whose finding a scan reports as related still denies', () => {
    const config = 'webhook:\n  actions:\n    rules:\n      privileged-container: warn\n      allow-privilege-escalation: enforce\n    default: audit\n';
    const s = buildState(parseConfig(config, '.kshield.yaml', rules));
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'agent', namespace: 'ops' },
      spec: { containers: [{ name: 'agent', image: 'registry.example.com/agent:1.0', securityContext: { privileged: true } }] },
    };
    const scanned = scanLoaded(loadText(JSON.stringify(pod), 'pod.json'), { only: ['privileged-container', 'allow-privilege-escalation'] });
    assert.deepEqual(scanned.findings.map(rulesOf), [['privileged-container', 'allow-privilege-escalation']], 'a scan folds them');
    const decision = decide(parseReview(JSON.stringify(review(pod))), { config: s.config, prepared: s.prepared });
    assert.equal(decision.allowed, false);
    assert.match(decision.status!.message, /allowPrivilegeEscalation/);
    assert.ok(decision.findings.some((j) => j.finding.rule === 'allow-privilege-escalation' && j.outcome === 'denied'));
    assert.ok(decision.findings.some((j) => j.finding.rule === 'privileged-container' && j.outcome === 'warned'));
  });
});
