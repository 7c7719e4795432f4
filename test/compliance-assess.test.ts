/**
 * assessCompliance: per control pass / fail / manual / not assessed from what the input examined,
 * never pass on evidence that did not run; attestations count until they expire; scores follow the
 * documented formula.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFramework } from '../src/compliance/frameworks.js';
import { assessCompliance, emptyComplianceInput, type Attestation, type ComplianceInput } from '../src/compliance/assess.js';

const framework = parseFramework(
  `framework: demo
version: "1"
title: Demo
source: https://example.org/demo
sections:
  - { id: "A", title: Pods }
  - { id: "B", title: Nodes }
controls:
  - { id: "A.1", section: "A", assessment: automated, title: No privileged pods, evidence: [rule:privileged-container] }
  - { id: "A.2", section: "A", assessment: automated, title: No host namespaces, evidence: [rule:host-pid, rule:host-network] }
  - { id: "A.3", section: "A", assessment: automated, title: RBAC is tight, evidence: [rule:rbac-wildcard-verbs] }
  - { id: "A.4", section: "A", assessment: manual, title: Someone reviews, guidance: Read the reviews }
  - { id: "A.5", section: "A", assessment: automated, title: Nothing checks this }
  - { id: "B.1", section: "B", assessment: automated, title: Anonymous auth off, evidence: [node:1.2.1, rule:control-plane-open-access] }
  - { id: "B.2", section: "B", assessment: automated, title: Profiling off, evidence: [node:1.2.16, rule:control-plane-insecure-flag] }
  - { id: "B.3", section: "B", assessment: automated, title: Token file, evidence: [node:1.2.2, rule:control-plane-insecure-flag] }
`,
  'demo.yaml',
);

const NOW = new Date('2026-06-01T00:00:00Z');
const byId = (a: ReturnType<typeof assessCompliance>, id: string) => a.controls.find((c) => c.id === id)!;

function input(over: Partial<ComplianceInput>): ComplianceInput {
  return { ...emptyComplianceInput(), ...over };
}

test('a rule that did not run, or ran on nothing it judges, leaves its control not assessed, never pass', () => {
  const a = assessCompliance(framework, input({ rules: { 'privileged-container': 3, 'host-pid': 3, 'rbac-wildcard-verbs': 0 } }), { now: NOW });
  assert.equal(byId(a, 'A.1').status, 'pass');
  // host-network did not run: one of two pieces of evidence unseen.
  assert.equal(byId(a, 'A.2').status, 'not-assessed');
  assert.match(byId(a, 'A.2').reason, /1 of 2 checks ran/);
  assert.equal(byId(a, 'A.3').status, 'not-assessed');
  assert.equal(byId(a, 'A.3').evidence[0].detail, 'the rule ran, but the input held no object it judges');
  assert.equal(byId(a, 'A.5').status, 'not-assessed');
  assert.equal(byId(a, 'A.4').status, 'manual');
  assert.equal(byId(a, 'B.1').status, 'not-assessed');
});

test('a finding fails the control and is listed; an accepted (exempted) finding does not fail it, a baselined one does', () => {
  const finding = { rule: 'privileged-container', severity: 'high' as const, message: 'privileged', object: 'Pod default/web', file: 'web.yaml', line: 7 };
  const failing = assessCompliance(framework, input({ rules: { 'privileged-container': 1 }, findings: [{ ...finding, suppressed: false }] }), { now: NOW });
  assert.equal(byId(failing, 'A.1').status, 'fail');
  assert.deepEqual(byId(failing, 'A.1').evidence[0].findings, [{ rule: 'privileged-container', severity: 'high', message: 'privileged', object: 'Pod default/web', file: 'web.yaml', line: 7 }]);
  const exempted = assessCompliance(
    framework,
    input({ rules: { 'privileged-container': 1 }, findings: [{ ...finding, suppressed: true, suppression: { kind: 'exemption', reason: 'CNI agent', owner: 'net-team' } }] }),
    { now: NOW },
  );
  assert.equal(byId(exempted, 'A.1').status, 'pass');
  assert.equal(byId(exempted, 'A.1').evidence[0].accepted?.[0].suppression.owner, 'net-team');
  const baselined = assessCompliance(
    framework,
    input({ rules: { 'privileged-container': 1 }, findings: [{ ...finding, suppressed: true, suppression: { kind: 'baseline', reason: null, owner: null } }] }),
    { now: NOW },
  );
  assert.equal(byId(baselined, 'A.1').status, 'fail');
});

test('node checks decide controls that also list a control-plane rule; a control-plane finding fails only the check it names', () => {
  const nodeOnly = assessCompliance(
    framework,
    input({
      checks: {
        'node:1.2.1': [{ status: 'pass', title: 'anonymous auth', evidence: '--anonymous-auth=false', where: 'cp-1' }],
        'node:1.2.16': [{ status: 'warn', title: 'profiling', evidence: 'cannot tell', where: 'cp-1' }],
      },
    }),
    { now: NOW },
  );
  assert.equal(byId(nodeOnly, 'B.1').status, 'pass');
  assert.equal(byId(nodeOnly, 'B.2').status, 'not-assessed', 'a warn cannot pass a control');
  const cluster = assessCompliance(
    framework,
    input({
      rules: { 'control-plane-insecure-flag': 1 },
      findings: [{ rule: 'control-plane-insecure-flag', severity: 'medium', message: 'kube-apiserver (mirror pod of node "cp-1") fails CIS 1.2.16 "profiling": --profiling=true', suppressed: false }],
      checks: {
        'node:1.2.16': [{ status: 'fail', title: 'profiling', evidence: '--profiling=true', where: 'mirror pod kube-apiserver-cp-1' }],
        'node:1.2.2': [{ status: 'pass', title: 'token file', evidence: 'not set', where: 'mirror pod kube-apiserver-cp-1' }],
      },
    }),
    { now: NOW },
  );
  assert.equal(byId(cluster, 'B.2').status, 'fail');
  assert.equal(byId(cluster, 'B.3').status, 'pass', 'the profiling finding does not fail the token-file control');
});

test('an attestation answers a manual control until it expires; an expired one is reported and stops counting', () => {
  const att: Attestation = { control: 'demo@1:A.4', status: 'pass', by: 'Ana', evidence: 'https://wiki/reviews', at: '2026-05-01T00:00:00Z', expires: '2026-07-01T00:00:00Z' };
  const valid = assessCompliance(framework, emptyComplianceInput(), { attestations: [att], now: NOW });
  assert.equal(byId(valid, 'A.4').status, 'pass');
  assert.equal(byId(valid, 'A.4').attestation?.by, 'Ana');
  assert.equal(valid.sections[0].attested, 1);
  const later = assessCompliance(framework, emptyComplianceInput(), { attestations: [att], now: new Date('2026-08-01T00:00:00Z') });
  assert.equal(byId(later, 'A.4').status, 'manual');
  assert.equal(byId(later, 'A.4').expiredAttestation?.by, 'Ana');
  assert.match(byId(later, 'A.4').reason, /expired 2026-07-01/);
  // Another framework's control of the same id is not answered by it.
  const other = assessCompliance(framework, emptyComplianceInput(), { attestations: [{ ...att, control: 'other@1:A.4' }], now: NOW });
  assert.equal(byId(other, 'A.4').status, 'manual');
});

test('scores: pass / (pass + fail + manual); not assessed is left out and shown as coverage', () => {
  const a = assessCompliance(
    framework,
    input({ rules: { 'privileged-container': 1, 'host-pid': 1, 'host-network': 1 }, findings: [{ rule: 'host-pid', severity: 'high', message: 'hostPID', suppressed: false }] }),
    { now: NOW },
  );
  const A = a.sections.find((s) => s.id === 'A')!;
  assert.deepEqual({ pass: A.pass, fail: A.fail, manual: A.manual, notAssessed: A.notAssessed, total: A.total, score: A.score, coverage: A.coverage }, { pass: 1, fail: 1, manual: 1, notAssessed: 2, total: 5, score: 33.3, coverage: 60 });
  const B = a.sections.find((s) => s.id === 'B')!;
  assert.equal(B.score, null);
  assert.equal(a.overall.total, 8);
  assert.equal(a.overall.score, 33.3);
  assert.match(a.formula, /pass \/ \(pass \+ fail \+ manual\)/);
});
