/**
 * The admission decision without a server: configuration, actions, UPDATE semantics, exemptions,
 * suppressions, controller-made pods, and the text a user reads (deny message, warnings).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig, ConfigError } from '../src/config/config-file.js';
import { rules } from '../src/rules/index.js';
import { scanObjects } from '../src/pipeline/scan-files.js';
import { findRule } from '../src/rules/index.js';
import { actionFor, DEFAULT_SEVERITY_ACTIONS, webhookConfigFrom } from '../src/admission/config.js';
import { decide, MAX_CONTAINERS_PER_OBJECT, type DecisionContext } from '../src/admission/decide.js';
import { parseReview, ReviewError } from '../src/admission/review.js';
import { buildState } from '../src/admission/server.js';
import { capWarnings, denyMessage, fieldPath, firstSentence, MAX_WARNINGS_TOTAL_CHARS } from '../src/admission/format.js';
import { DEFAULT_MUTATION } from '../src/config/webhook.js';
import { compliantDeployment, hardenedContainer, pod, privilegedDeployment, review, rootDeployment, type ReviewOptions } from './support/admission.js';

type Obj = Record<string, any>;

function state(configText = '') {
  return buildState(configText ? parseConfig(configText, '.kshield.yaml', rules) : undefined);
}

function judge(object: Obj, options: ReviewOptions = {}, configText = '', extra: Partial<DecisionContext> = {}) {
  const s = state(configText);
  return decide(parseReview(JSON.stringify(review(object, options))), { config: s.config, prepared: s.prepared, ...extra });
}

function configError(text: string): ConfigError {
  try {
    parseConfig(text, '.kshield.yaml', rules);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('webhook configuration', () => {
  test('defaults: new-violations, kube-system exempt, controller pods audited, mutation defaults', () => {
    const c = webhookConfigFrom(undefined);
    assert.equal(c.onUpdate, 'new-violations');
    assert.equal(c.exemptDefaults, true);
    assert.equal(c.controllerPods, 'audit');
    assert.equal(c.namespaceLookupFailure, 'judge');
    assert.deepEqual(c.mutate, DEFAULT_MUTATION);
  });

  test('the webhook section is read with the rest of the file, and scan still accepts the file', () => {
    const config = parseConfig(
      'failOn: medium\nwebhook:\n  onUpdate: all\n  exemptNamespaces: [monitoring]\n  actions:\n    rules:\n      run-as-non-root: enforce\n    tags:\n      pss-baseline: enforce\n    severities:\n      low: warn\n    default: audit\n  mutate:\n    readOnlyRootFilesystem: true\n  registries:\n    hosts:\n      "127.0.0.1:5000": { insecureHttp: true }\n',
      '.kshield.yaml',
      rules,
    );
    const c = webhookConfigFrom(config);
    assert.equal(c.onUpdate, 'all');
    assert.deepEqual(c.exemptNamespaces, ['monitoring']);
    assert.equal(c.mutate.readOnlyRootFilesystem, true);
    assert.equal(c.mutate.runAsNonRoot, true, 'unset mutation options keep their defaults');
    assert.equal(c.registries.hosts?.['127.0.0.1:5000']?.insecureHttp, true);
    assert.equal(config.failOn, 'medium');
  });

  test('an unknown rule id in actions.rules is an error at its line', () => {
    const err = configError('webhook:\n  actions:\n    rules:\n      privileged-container: enforce\n      privilged-container: warn\n');
    assert.equal(err.line, 5);
    assert.match(err.message, /webhook\.actions\.rules: unknown rule id "privilged-container"/);
  });

  test('an unknown tag is an error at its line; a rule id under tags says where it belongs', () => {
    assert.equal(configError('webhook:\n  actions:\n    tags:\n      no-such-tag: warn\n').line, 4);
    assert.match(configError('webhook:\n  actions:\n    tags:\n      host-pid: warn\n').message, /is a rule id: put it under webhook\.actions\.rules/);
  });

  test('wrong values and keys name the key and line', () => {
    const bad = configError('webhook:\n  onUpdate: sometimes\n');
    assert.equal(bad.line, 2);
    assert.match(bad.message, /webhook\.onUpdate: must be one of "new-violations", "all"/);
    const typo = configError('webhook:\n  exemptNamespace: [a]\n');
    assert.equal(typo.line, 2);
    assert.match(typo.message, /unknown key "webhook\.exemptNamespace"; did you mean "exemptNamespaces"\?/);
    const notAName = configError('webhook:\n  exemptNamespaces: [shop, Not_A_Namespace]\n');
    assert.equal(notAName.line, 2);
    assert.match(notAName.message, /webhook\.exemptNamespaces\[1\]: has the wrong form: a namespace name: lowercase letters, digits and -/);
    assert.match(configError('webhook:\n  actions:\n    severities:\n      high: block\n').message, /must be one of "enforce", "warn", "audit"/);
  });

  test('a label selector the API server would refuse is an error at its line', () => {
    const err = configError('webhook:\n  exemptNamespaceSelector:\n    matchExpressions:\n      - key: tier\n        operator: In\n');
    assert.equal(err.line, 4);
    assert.match(err.message, /uses In without values/);
  });
});

describe('actions', () => {
  const privileged = findRule('privileged-container')!;
  test('rule id, then the first listed tag the rule carries, then severity, then default, then built-in', () => {
    assert.equal(actionFor(privileged, 'critical', {}), DEFAULT_SEVERITY_ACTIONS.critical);
    assert.equal(actionFor(privileged, 'critical', { default: 'warn' }), 'warn', 'default comes before the built-in mapping');
    assert.equal(actionFor(privileged, 'low', { default: 'warn' }), 'warn');
    assert.equal(actionFor(privileged, 'critical', { severities: { critical: 'audit' } }), 'audit');
    const tag = privileged.tags[0];
    assert.equal(actionFor(privileged, 'critical', { severities: { critical: 'audit' }, tags: { [tag]: 'warn' } }), 'warn');
    assert.equal(actionFor(privileged, 'critical', { tags: { [tag]: 'warn' }, rules: { 'privileged-container': 'audit' } }), 'audit');
    const [first, second] = privileged.tags;
    assert.ok(second, 'the rule has two tags');
    assert.equal(actionFor(privileged, 'critical', { tags: { [second]: 'audit', [first]: 'warn' } }), 'audit', 'the order written in the file decides');
  });
});

describe('decision', () => {
  test('a compliant Deployment is allowed without warnings', () => {
    const d = judge(compliantDeployment());
    assert.equal(d.allowed, true);
    assert.deepEqual(d.warnings, []);
  });

  test('findings and messages are the ones kshield scan reports for the same object', () => {
    const object = privilegedDeployment();
    const d = judge(object);
    const scanned = scanObjects([object]).findings.filter((f) => !f.suppressed);
    const admitted = new Map(d.findings.map((j) => [`${j.finding.rule}\u0000${j.finding.path}`, j.finding.message]));
    const judgedRules = new Set(state().prepared.rules.map((r) => r.id));
    for (const f of scanned) {
      if (!judgedRules.has(f.rule)) continue;
      assert.equal(admitted.get(`${f.rule}\u0000${f.path}`), f.message, `${f.rule} at ${f.path}`);
    }
    assert.ok(admitted.size > 0);
  });

  test('a critical finding denies with rule id, field, message and remediation', () => {
    const d = judge(privilegedDeployment());
    assert.equal(d.allowed, false);
    assert.equal(d.status?.code, 403);
    const message = d.status!.message;
    assert.match(message, /^kshield: Deployment shop\/web violates 1 enforced rule:/);
    assert.match(message, /\[privileged-container\] spec\.template\.spec\.containers\[0\]\.securityContext\.privileged: container "app" runs privileged\. Fix: /);
    assert.ok(d.warnings.some((w) => w.includes('[allow-privilege-escalation]')), 'the medium finding comes back as a warning');
  });

  test('actions from the configuration: a medium rule enforced, a critical one only audited', () => {
    const denied = judge(rootDeployment(), {}, 'webhook:\n  actions:\n    rules:\n      run-as-non-root: enforce\n');
    assert.equal(denied.allowed, false);
    assert.match(denied.status!.message, /\[run-as-non-root\]/);
    const audited = judge(privilegedDeployment(), {}, 'webhook:\n  actions:\n    rules:\n      privileged-container: audit\n');
    assert.equal(audited.allowed, true);
    assert.deepEqual(audited.findings.filter((j) => j.finding.rule === 'privileged-container').map((j) => j.outcome), ['audited']);
    assert.ok(!audited.warnings.some((w) => w.includes('privileged-container')), 'audit is not shown to the client');
  });

  test('UPDATE: a violation the old object had does not block; a new one does; onUpdate: all blocks both', () => {
    const old = privilegedDeployment();
    const changed = structuredClone(old);
    // What the API server changes between two versions must not change a finding's identity.
    changed.metadata.resourceVersion = '999';
    changed.metadata.generation = 7;
    changed.metadata.managedFields = [{ manager: 'kubectl', operation: 'Apply' }];
    changed.spec.replicas = 5;
    const sidecar = { ...hardenedContainer('sidecar'), ports: [{ name: 'admin', containerPort: 9090 }], readinessProbe: { httpGet: { path: '/ready', port: 'admin' } }, livenessProbe: { httpGet: { path: '/live', port: 'admin' }, periodSeconds: 20 } };
    changed.spec.template.spec.containers.unshift(sidecar);
    const kept = judge(changed, { operation: 'UPDATE', oldObject: old });
    assert.equal(kept.allowed, true, kept.status?.message);
    assert.ok(kept.warnings.some((w) => w.includes('[privileged-container; already there before this update, not blocking]')), kept.warnings.join('\n'));

    const worse = structuredClone(old);
    worse.spec.template.spec.hostPID = true;
    const blocked = judge(worse, { operation: 'UPDATE', oldObject: old });
    assert.equal(blocked.allowed, false);
    assert.match(blocked.status!.message, /\[host-pid\]/);
    assert.doesNotMatch(blocked.status!.message, /privileged-container/);

    const all = judge(changed, { operation: 'UPDATE', oldObject: old }, 'webhook:\n  onUpdate: all\n');
    assert.equal(all.allowed, false);
    assert.match(all.status!.message, /\[privileged-container\]/);
  });

  test('UPDATE: removing an ignore annotation exposes the finding anew', () => {
    const old = privilegedDeployment();
    old.metadata.annotations = { 'kshield.io/ignore': 'privileged-container', 'kshield.io/ignore-reason': 'node agent' };
    assert.equal(judge(old).allowed, true, 'the annotation suppresses, as in scan');
    const d = judge(privilegedDeployment(), { operation: 'UPDATE', oldObject: old });
    assert.equal(d.allowed, false);
  });

  test('DELETE and CONNECT are allowed without evaluation; so are status and scale subresources', () => {
    for (const operation of ['DELETE', 'CONNECT'] as const) {
      const d = judge(privilegedDeployment(), { operation });
      assert.equal(d.allowed, true);
      assert.equal(d.reason, 'operation-not-judged');
    }
    assert.equal(judge(privilegedDeployment(), { operation: 'UPDATE', subResource: 'status' }).reason, 'subresource-not-judged');
    const ephemeral = pod('debug', 'shop', { name: 'app', image: 'busybox:1.36' });
    ephemeral.spec.ephemeralContainers = [{ name: 'shell', image: 'busybox:1.36', securityContext: { privileged: true } }];
    assert.equal(judge(ephemeral, { operation: 'UPDATE', subResource: 'ephemeralcontainers', oldObject: pod('debug', 'shop') }).allowed, false, 'ephemeral containers are judged');
  });

  test('an UPDATE of an object being deleted (finalizer removal) is never refused', () => {
    const d = privilegedDeployment();
    d.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    assert.equal(judge(d, { operation: 'UPDATE', oldObject: d }, 'webhook:\n  onUpdate: all\n').reason, 'being-deleted');
  });

  test('namespace exemptions by name: kube-system and the webhook namespace by default, configured ones', () => {
    assert.equal(judge(privilegedDeployment('x', 'kube-system')).reason, 'exempt-namespace');
    assert.equal(judge(privilegedDeployment('x', 'kshield'), {}, '', { ownNamespace: 'kshield' }).reason, 'exempt-namespace');
    assert.equal(judge(privilegedDeployment('x', 'monitoring'), {}, 'webhook:\n  exemptNamespaces: [monitoring]\n').reason, 'exempt-namespace');
    assert.equal(judge(privilegedDeployment('x', 'kube-system'), {}, 'webhook:\n  exemptDefaults: false\n').allowed, false);
  });

  test('namespace exemptions by label, and what happens when labels cannot be read', () => {
    const config = 'webhook:\n  exemptNamespaceSelector:\n    matchLabels:\n      kshield.io/exempt: "true"\n';
    assert.equal(judge(privilegedDeployment(), {}, config, { namespaceLabels: { labels: { 'kshield.io/exempt': 'true' } } }).reason, 'exempt-namespace-label');
    assert.equal(judge(privilegedDeployment(), {}, config, { namespaceLabels: { labels: { 'kshield.io/exempt': 'false' } } }).allowed, false);
    const closed = judge(privilegedDeployment(), {}, config, { namespaceLabels: { unavailable: 'connection refused' } });
    assert.equal(closed.allowed, false, 'judge (the default) fails closed: the object is judged');
    const open = judge(privilegedDeployment(), {}, config + '  namespaceLookupFailure: exempt\n', { namespaceLabels: { unavailable: 'connection refused' } });
    assert.equal(open.allowed, true);
    assert.match(open.warnings[0], /could not read the labels of namespace shop \(connection refused\)/);
    // A Namespace is matched by its own labels, as a webhook namespaceSelector matches it.
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tools', labels: { 'kshield.io/exempt': 'true' } } };
    assert.equal(judge(ns, {}, config).reason, 'exempt-namespace-label');
  });

  test('configuration exemptions apply as in scan', () => {
    const d = judge(privilegedDeployment('node-agent'), {}, 'exemptions:\n  - rules: [privileged-container]\n    names: [node-*]\n    reason: needs the host\n    owner: platform\n');
    assert.equal(d.allowed, true);
    assert.ok(d.suppressed >= 1);
  });

  test('pods a ReplicaSet controller creates are judged and audited, never denied; a forged ownerReference is denied', () => {
    const p = pod('', 'shop', { name: 'app', image: 'registry.example.com/app:1.0', securityContext: { privileged: true } });
    delete p.metadata.name;
    p.metadata.generateName = 'web-5d9f8-';
    p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d9f8', uid: 'u1', controller: true, blockOwnerDeletion: true }];
    const byController = judge(p, { username: 'system:serviceaccount:kube-system:replicaset-controller' });
    assert.equal(byController.allowed, true);
    assert.equal(byController.controllerRequest, true);
    assert.ok(byController.findings.some((j) => j.finding.rule === 'privileged-container' && j.outcome === 'controller'));
    const byAlice = judge(p, { username: 'alice' });
    assert.equal(byAlice.allowed, false, 'ownerReferences alone are not trusted');
    assert.match(byAlice.status!.message, /Pod shop\/web-5d9f8-\*/);
    const wrongController = judge(p, { username: 'system:serviceaccount:kube-system:job-controller' });
    assert.equal(wrongController.allowed, false, 'the job controller does not create pods for ReplicaSets');
    assert.equal(judge(p, { username: 'system:serviceaccount:kube-system:replicaset-controller' }, 'webhook:\n  controllerPods: enforce\n').allowed, false);
  });

  test('a kind kshield has no rules for is allowed with a warning saying so', () => {
    const d = judge({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' }, spec: { size: 3 } });
    assert.equal(d.allowed, true);
    assert.match(d.warnings[0], /kshield has no rules for Widget\.example\.com; only generic checks ran/);
  });

  test('cross-object and repository-only rules are listed as not enforced, and not run', () => {
    const skipped = state().prepared.skipped.map((s) => s.id);
    for (const id of ['cpu-limits-missing', 'service-account-token-automount', 'secret-data-committed', 'secret-committed', 'rbac-wildcard-verbs']) assert.ok(skipped.includes(id), id);
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'shop' }, data: { password: Buffer.from('hunter2-hunter2').toString('base64') } };
    assert.ok(!judge(secret).findings.some((j) => j.finding.rule === 'secret-data-committed'));
    const config = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'c', namespace: 'shop' }, stringData: { 'grafana.ini': '[date_formats]\ndefault_timezone = UTC\n' } };
    assert.ok(!judge(config).findings.some((j) => j.finding.rule === 'secret-committed'));
  });
});

describe('objects too large to judge', () => {
  const withContainers = (n: number): Obj => {
    const d = compliantDeployment('wide', 'shop');
    const template = d.spec.template.spec.containers[0];
    d.spec.template.spec.containers = Array.from({ length: n }, (_, i) => ({ ...structuredClone(template), name: `c${i}` }));
    return d;
  };

  test(`more than ${MAX_CONTAINERS_PER_OBJECT} containers: refused unjudged, saying why`, () => {
    const d = withContainers(MAX_CONTAINERS_PER_OBJECT - 1);
    d.spec.template.spec.initContainers = [{ ...structuredClone(d.spec.template.spec.containers[0]), name: 'init' }, { ...structuredClone(d.spec.template.spec.containers[0]), name: 'init2', securityContext: { privileged: true } }];
    const decision = judge(d);
    assert.equal(decision.allowed, false);
    assert.equal(decision.reason, 'too-many-containers');
    assert.deepEqual(decision.findings, []);
    assert.equal(decision.status?.message, `kshield judges objects with at most ${MAX_CONTAINERS_PER_OBJECT} containers; this Deployment has ${MAX_CONTAINERS_PER_OBJECT + 1}, so it was not judged and is refused`);
  });

  test(`${MAX_CONTAINERS_PER_OBJECT} containers are judged`, () => {
    const decision = judge(withContainers(MAX_CONTAINERS_PER_OBJECT));
    assert.equal(decision.reason, 'judged');
    assert.ok(!decision.status?.message.includes('at most'), decision.status?.message);
  });

  test('an old object too large to judge leaves every finding of the update new', () => {
    const old = withContainers(MAX_CONTAINERS_PER_OBJECT + 5);
    const updated = privilegedDeployment('wide', 'shop');
    const decision = judge(updated, { operation: 'UPDATE', oldObject: old });
    assert.equal(decision.allowed, false);
    assert.ok(decision.findings.some((j) => j.outcome === 'denied'));
  });
});

describe('review parsing', () => {
  const ok = review(compliantDeployment());
  const cases: [string, unknown, RegExp][] = [
    ['not JSON', '{"apiVersion": ', /not valid JSON/],
    ['a list', '[]', /must be a JSON object/],
    ['v1beta1', { ...ok, apiVersion: 'admission.k8s.io/v1beta1' }, /admission\.k8s\.io\/v1 only: set admissionReviewVersions/],
    ['wrong apiVersion', { ...ok, apiVersion: 'v1' }, /apiVersion must be "admission\.k8s\.io\/v1", got another string \(2 characters\)$/],
    ['wrong kind', { ...ok, kind: 'Pod' }, /kind must be "AdmissionReview", got another string \(3 characters\)$/],
    ['no request', { apiVersion: ok.apiVersion, kind: ok.kind }, /has no request/],
    ['no uid', { ...ok, request: { ...ok.request, uid: '' } }, /request\.uid is missing/],
    ['bad operation', { ...ok, request: { ...ok.request, operation: 'PATCH' } }, /request\.operation must be one of CREATE, UPDATE, DELETE, CONNECT, got another string \(5 characters\)$/],
    ['no object', { ...ok, request: { ...ok.request, object: null } }, /request\.object is missing: a CREATE request carries the object/],
    ['no kind', { ...ok, request: { ...ok.request, kind: undefined } }, /request\.kind is missing/],
    ['kind a string', { ...ok, request: { ...ok.request, kind: 'Pod' } }, /request\.kind must be an object \{group, version, kind\}, got another string/],
    ['userInfo a string', { ...ok, request: { ...ok.request, userInfo: 'root' } }, /request\.userInfo must be an object, got another string/],
  ];
  for (const [name, body, pattern] of cases) {
    test(name, () => {
      assert.throws(() => parseReview(typeof body === 'string' ? body : JSON.stringify(body)), (err: unknown) => err instanceof ReviewError && pattern.test(err.message));
    });
  }
  test('no error quotes a value from the request (it may be a Secret)', () => {
    const secret = 'S3cr3tV4lue-DoNotLeak';
    for (const body of [{ ...ok, apiVersion: secret }, { ...ok, kind: secret }, { ...ok, request: { ...ok.request, operation: secret } }, { ...ok, request: { ...ok.request, uid: 7, kind: secret } }]) {
      assert.throws(() => parseReview(JSON.stringify(body)), (err: Error) => err instanceof ReviewError && !err.message.includes('S3cr3t'));
    }
  });

  test('a JSON error never quotes the input (it may be a Secret)', () => {
    assert.throws(() => parseReview('{"data": {"password": "hunter2-s3cret" oops}}'), (err: Error) => !err.message.includes('hunter2'));
  });
});

describe('text shown to users', () => {
  test('JSON Pointers become the dotted paths of Kubernetes field errors', () => {
    const object = { spec: { containers: [{ env: [{ name: 'A' }] }] }, metadata: { annotations: { 'kshield.io/ignore': 'x' } }, data: { '0': 'v' } };
    assert.equal(fieldPath('/spec/containers/0/env/0/name', object), 'spec.containers[0].env[0].name');
    assert.equal(fieldPath('/metadata/annotations/kshield.io~1ignore', object), 'metadata.annotations["kshield.io/ignore"]');
    assert.equal(fieldPath('/data/0', object), 'data["0"]');
    assert.equal(fieldPath('', object), '');
  });

  test('the deny message counts rules, and says how many findings when one rule has several', () => {
    const d = privilegedDeployment('web', 'shop');
    const second = { ...structuredClone(d.spec.template.spec.containers[0]), name: 'sidecar' };
    d.spec.template.spec.containers.push(second);
    const decision = judge(d, {}, 'webhook:\n  actions:\n    rules:\n      privileged-container: enforce\n    default: audit\n');
    assert.match(decision.status!.message, /^kshield: Deployment shop\/web violates 1 enforced rule \(2 findings\):\n- \[privileged-container\] /);
  });

  test('an ignore annotation of 120,000 unknown words: a few findings about it, and the rest still judged', () => {
    const p = privilegedDeployment('web', 'shop');
    p.metadata.annotations = { 'kshield.io/ignore': Array.from({ length: 120_000 }, (_, i) => `w${i}`).join(',') };
    const decision = judge(p);
    assert.equal(decision.allowed, false);
    const unknown = decision.findings.filter((j) => j.finding.rule === 'unknown-suppression');
    assert.equal(unknown.length, 21);
    assert.match(unknown[20].finding.message, /lists 119980 more words that are no rule id or tag/);
    assert.ok(decision.findings.some((j) => j.finding.rule === 'privileged-container' && j.outcome === 'denied'));
  });

  test('remediations are cut to their first sentence', () => {
    assert.equal(firstSentence('Set it to false. Then redeploy.'), 'Set it to false.');
    assert.equal(firstSentence('Remove it; or move it elsewhere'), 'Remove it.');
  });

  test('warnings stay within the API server limits and what is left out is named', () => {
    const items = Array.from({ length: 60 }, (_, i) => ({ text: `field${i}: ${'x'.repeat(150)}`, rule: `rule-${i}` }));
    const out = capWarnings(items);
    const total = out.reduce((n, w) => n + [...w].length, 0);
    assert.ok(total <= MAX_WARNINGS_TOTAL_CHARS, `${total}`);
    assert.match(out[out.length - 1], /^\d+ more kshield warning\(s\) not shown \(rule-/);
    assert.ok(out.every((w) => [...w].length <= 256));
  });

  test('the deny message lists at most ten findings and names the rest', () => {
    const f = scanObjects([privilegedDeployment()]).findings[0];
    const many = Array.from({ length: 14 }, (_, i) => ({ ...f, rule: `rule-${i}` }));
    const message = denyMessage('Deployment shop/web', many, {});
    assert.equal(message.split('\n').length, 1 + 10 + 1);
    assert.match(message, /- and 4 more: rule-10, rule-11, rule-12, rule-13/);
  });
});
