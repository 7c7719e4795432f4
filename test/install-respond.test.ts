/** `kshield install respond`: least-privilege RBAC, a hardened Deployment, and kshield's own scan passing on the output. */
import assert from 'node:assert/strict';
import { test, describe } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { kshield } from './support/cli.js';
import { parseResponsePolicy } from '../src/runtime/respond/policy.js';
import { BUILTIN_ACTIONS } from '../src/runtime/respond/builtin-actions.js';
import { recordingAction } from './support/respond.js';

type Obj = Record<string, any>;

function install(args: string[]): { docs: Obj[]; text: string; stderr: string } {
  const r = kshield(['install', 'respond', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return { docs: yaml.loadAll(r.stdout) as Obj[], text: r.stdout, stderr: r.stderr };
}

function scan(text: string): Obj {
  const dir = mkdtempSync(path.join(tmpdir(), 'kshield-install-respond-'));
  writeFileSync(path.join(dir, 'respond.yaml'), text);
  const r = kshield(['scan', dir, '--fail-on', 'medium', '-o', 'json', '--show-suppressed']);
  return { code: r.code, report: JSON.parse(r.stdout) };
}

describe('kshield install respond', () => {
  test('with an existing TLS Secret: no finding at medium or above; each suppression gives its reason', () => {
    // Without posture's reads too.
    assert.equal(scan(install(['--tls-secret', 'respond-tls', '--no-posture']).text).code, 0);
    const { text } = install(['--tls-secret', 'respond-tls']);
    const { code, report } = scan(text);
    const open = report.findings.filter((f: Obj) => !f.suppressed);
    assert.equal(code, 0, JSON.stringify(open.map((f: Obj) => [f.rule, f.severity])));
    assert.deepEqual(open.map((f: Obj) => f.rule).sort(), ['image-pull-policy-not-always', 'missing-default-deny-egress', 'single-replica']);
    const suppressed = report.findings.filter((f: Obj) => f.suppressed);
    assert.deepEqual(suppressed.map((f: Obj) => f.rule).sort(), ['network-policy-allows-all-ingress', 'rbac-create-pods']);
    const { docs } = install(['--tls-secret', 'respond-tls']);
    for (const d of docs) if (d.metadata.annotations?.['kshield.io/ignore']) assert.ok(d.metadata.annotations['kshield.io/ignore-reason'].length > 40, `${d.kind} says why`);
  });

  test('--generate-certs: the only finding above low is the committed TLS key, and it is reported', () => {
    const { text, stderr } = install(['--generate-certs']);
    assert.match(stderr, /contains the TLS private key/);
    const { code, report } = scan(text);
    assert.equal(code, 1);
    const serious = report.findings.filter((f: Obj) => !f.suppressed && ['critical', 'high', 'medium'].includes(f.severity));
    assert.deepEqual(serious.map((f: Obj) => [f.rule, f.resource.kind]), [['secret-data-committed', 'Secret']]);
    // With a Secret of the namespace in the scan, the token Secret the operator creates is looked for: suppressed, with the reason.
    assert.ok(report.findings.some((f: Obj) => f.rule === 'config-reference-missing' && f.suppressed && /token Secret kshield-respond-tokens/.test(f.suppression.reason)));
  });

  const ACTION_GRANTS = [
    'core/pods: get,list,patch,delete',
    'core/events: create',
    'core/nodes: get,patch',
    'networking.k8s.io/networkpolicies: create,delete',
    'cilium.io/ciliumnetworkpolicies: create,delete',
    'crd.projectcalico.org/networkpolicies: create,delete',
    'apps/deployments: get,patch',
    'apps/statefulsets: get,patch',
    'apps/deployments/scale: get,patch,update',
    'apps/statefulsets/scale: get,patch,update',
    'apps/replicasets: get',
    'apps/daemonsets: get',
  ];
  const grantsOf = (role: Obj): string[] => role.rules.flatMap((r: Obj) => r.apiGroups.flatMap((g: string) => r.resources.map((res: string) => `${g || 'core'}/${res}: ${r.verbs.join(',')}`)));

  test('--no-posture: the ClusterRole grants only the verbs the actions use: no Secrets, no wildcards, no create of workloads', () => {
    const { docs } = install(['--tls-secret', 't', '--no-posture']);
    const role = docs.find((d) => d.kind === 'ClusterRole')!;
    assert.deepEqual(grantsOf(role), ACTION_GRANTS);
    assert.doesNotMatch(JSON.stringify(role.rules), /secrets|"\*"|escalate|bind|impersonate/);
    const dep = docs.find((d) => d.kind === 'Deployment')!;
    assert.ok(dep.spec.template.spec.containers[0].args.includes('--no-posture'));
    assert.equal(dep.spec.template.spec.containers[0].resources.limits.memory, '256Mi');
  });

  test('posture (the default): the actions\' verbs plus get/list/watch on the kinds posture keeps, never Secrets or ConfigMaps', () => {
    const { docs } = install(['--tls-secret', 't']);
    const role = docs.find((d) => d.kind === 'ClusterRole')!;
    const grants = grantsOf(role);
    assert.deepEqual(grants.slice(0, ACTION_GRANTS.length), ACTION_GRANTS);
    const reads = grants.slice(ACTION_GRANTS.length);
    assert.ok(reads.every((g) => g.endsWith(': get,list,watch')), reads.join('\n'));
    for (const kind of ['core/pods', 'core/namespaces', 'core/serviceaccounts', 'core/services', 'apps/deployments', 'apps/replicasets', 'batch/jobs', 'networking.k8s.io/networkpolicies', 'rbac.authorization.k8s.io/clusterrolebindings', 'cilium.io/ciliumnetworkpolicies'])
      assert.ok(reads.includes(`${kind}: get,list,watch`), kind);
    // Reading rolebindings is no bind verb: the verbs and resources are checked apart.
    assert.doesNotMatch(JSON.stringify(role.rules.map((r: Obj) => r.resources)), /secrets|configmaps|"\*"/);
    assert.doesNotMatch(JSON.stringify(role.rules.map((r: Obj) => r.verbs)), /"\*"|escalate|bind|impersonate/);
    const dep = docs.find((d) => d.kind === 'Deployment')!;
    assert.ok(!dep.spec.template.spec.containers[0].args.includes('--no-posture'));
    assert.equal(dep.spec.template.spec.containers[0].resources.limits.memory, '1Gi');
  });

  test('the Deployment: one replica, Recreate, hardened, protected from its own actions, tokens from files', () => {
    const dep = install(['--tls-secret', 't']).docs.find((d) => d.kind === 'Deployment')!;
    assert.equal(dep.spec.replicas, 1);
    assert.equal(dep.spec.strategy.type, 'Recreate');
    const pod = dep.spec.template.spec;
    assert.equal(dep.spec.template.metadata.labels['kshield.io/protected'], 'true');
    assert.equal(pod.automountServiceAccountToken, false);
    const c = pod.containers[0];
    assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.ok(c.args.includes('--token-file') && c.args.includes('--approver-token-file'));
    assert.ok(!c.args.includes('--insecure-http'));
  });

  test('the policy in the ConfigMap is valid and starts in dry-run (--act turns it off)', () => {
    const actions = [...BUILTIN_ACTIONS, recordingAction('label', []), recordingAction('isolate', [])];
    const policyOf = (args: string[]) => parseResponsePolicy(install(args).docs.find((d) => d.kind === 'ConfigMap')!.data['policy.yaml'], 'policy.yaml', actions);
    assert.equal(policyOf(['--tls-secret', 't']).settings.dryRun, true);
    assert.equal(policyOf(['--tls-secret', 't', '--act']).settings.dryRun, false);
  });

  test('usage errors: no TLS choice, both, a shared namespace', () => {
    assert.match(kshield(['install', 'respond']).stderr, /--generate-certs .* or --tls-secret NAME/);
    assert.match(kshield(['install', 'respond', '--generate-certs', '--tls-secret', 'x']).stderr, /choose the TLS certificate/);
    const r = kshield(['install', 'respond', '--tls-secret', 'x', '-n', 'kube-system']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /namespace of its own/);
  });

  test("--audit-policy and --audit-webhook-config write the API server's side: the policy never records Secret bodies, the kubeconfig names the token file and the generated CA", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kshield-install-respond-audit-'));
    const policyFile = path.join(dir, 'audit-policy.yaml');
    const configFile = path.join(dir, 'audit-webhook.kubeconfig');
    const { docs, stderr } = install(['--generate-certs', '--audit-policy', policyFile, '--audit-webhook-config', configFile, '--audit-url', 'https://10.0.0.5:30443', '--audit-token-file', '/etc/kubernetes/kshield-respond.token']);
    const policy = yaml.load(readFileSync(policyFile, 'utf8')) as Obj;
    assert.equal(policy.kind, 'Policy');
    const secretRules = (policy.rules as Obj[]).filter((r) => (r.resources ?? []).some((g: Obj) => (g.resources ?? []).includes('secrets')));
    assert.ok(secretRules.length > 0 && secretRules.every((r) => r.level === 'Metadata' || r.level === 'None'), JSON.stringify(secretRules));
    const kubeconfig = yaml.load(readFileSync(configFile, 'utf8')) as Obj;
    assert.equal(kubeconfig.clusters[0].cluster.server, 'https://10.0.0.5:30443/v1/alerts/audit');
    assert.equal(kubeconfig.users[0].user.tokenFile, '/etc/kubernetes/kshield-respond.token');
    // The CA in the kubeconfig is the one the printed TLS Secret's certificate was signed with.
    const tls = docs.find((d) => d?.kind === 'Secret' && d.type === 'kubernetes.io/tls');
    const ca = Buffer.from(kubeconfig.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
    assert.ok(ca.includes('BEGIN CERTIFICATE') && tls, 'a CA and the TLS Secret');
    assert.match(stderr, /--audit-policy-file=.*audit-policy\.yaml --audit-webhook-config-file=.*audit-webhook\.kubeconfig/);
    // The API server checks the certificate against --audit-url's host, which the Service names do not cover.
    const serving = new X509Certificate(tls.stringData['tls.crt']);
    assert.ok(serving.checkIP('10.0.0.5'), `the serving certificate names 10.0.0.5: ${serving.subjectAltName}`);
    assert.ok(serving.verify(new X509Certificate(ca).publicKey));
    const named = install(['--generate-certs', '--audit-webhook-config', configFile, '--audit-url', 'https://respond.example.internal:8443/', '--audit-token-file', '/t']);
    const namedCert = new X509Certificate(named.docs.find((d) => d?.kind === 'Secret' && d.type === 'kubernetes.io/tls')!.stringData['tls.crt']);
    assert.equal(namedCert.checkHost('respond.example.internal'), 'respond.example.internal');
    assert.equal(namedCert.checkHost('kshield-respond.kshield-system.svc'), 'kshield-respond.kshield-system.svc');
    const missing = kshield(['install', 'respond', '--generate-certs', '--audit-webhook-config', configFile]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--audit-webhook-config needs --audit-url/);
    const noCa = kshield(['install', 'respond', '--tls-secret', 'x', '--audit-webhook-config', configFile, '--audit-url', 'https://10.0.0.5:30443', '--audit-token-file', '/t']);
    assert.equal(noCa.code, 2);
    assert.match(noCa.stderr, /needs --audit-ca/);
  });
});
