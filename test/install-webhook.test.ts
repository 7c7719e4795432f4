/**
 * `kshield install webhook`: the manifests a user applies. Checked as a user and as the API server
 * would: command output and exit codes, every field against the Kubernetes API models (generated
 * from the OpenAPI of Kubernetes 1.34 by @kubernetes/client-node), the references between the
 * objects, the TLS material, kshield's own scan, and deploy/webhook kept in sync.
 */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { kshield, root } from './support/cli.js';
import { selectorMatches } from '../src/k8s/labels.js';
import { defaultWebhookPolicy, type K8sObject } from '../src/admission/install.js';
import { VERSION } from '../src/core/version.js';
import { parseConfig } from '../src/config/config-file.js';
import { webhookConfigFrom } from '../src/admission/config.js';
import { rules } from '../src/rules/index.js';

type Obj = Record<string, any>;

const DEPLOY_FILE = path.join(root, 'deploy/webhook/kshield-webhook.yaml');

function parseAll(text: string): K8sObject[] {
  return yaml.loadAll(text).filter((d) => d !== null && d !== undefined) as K8sObject[];
}

function find(objects: K8sObject[], kind: string, name?: string): Obj {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.equal(found.length, 1, `expected one ${kind}${name ? ` "${name}"` : ''}, found ${found.length}`);
  return found[0];
}

// ------------------------------------------------------------------------------------------
// Schema: every field must be one the Kubernetes API defines, with the right JSON type.

type AttributeMap = { baseName: string; type: string }[];
let models: Record<string, { getAttributeTypeMap?: () => AttributeMap }>;

function typeProblems(value: unknown, type: string, at: string, out: string[]): void {
  const array = /^Array<(.+)>$/.exec(type);
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (type === 'any' || type === 'object') return;
  if (type === 'string' || type === 'Date') {
    if (typeof value !== 'string') out.push(`${at}: expected a string, found ${JSON.stringify(value)}`);
  } else if (type === 'number') {
    if (typeof value !== 'number') out.push(`${at}: expected a number, found ${JSON.stringify(value)}`);
  } else if (type === 'boolean') {
    if (typeof value !== 'boolean') out.push(`${at}: expected a boolean, found ${JSON.stringify(value)}`);
  } else if (type === 'IntOrString') {
    if (typeof value !== 'string' && typeof value !== 'number') out.push(`${at}: expected an int or string`);
  } else if (array) {
    if (!Array.isArray(value)) out.push(`${at}: expected a list`);
    else value.forEach((v, i) => typeProblems(v, array[1], `${at}/${i}`, out));
  } else if (map) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) out.push(`${at}: expected a map`);
    else for (const [k, v] of Object.entries(value)) typeProblems(v, map[1], `${at}/${k}`, out);
  } else {
    const model = models[type];
    if (!model?.getAttributeTypeMap) {
      out.push(`${at}: no API model ${type}`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      out.push(`${at}: expected an object (${type})`);
      return;
    }
    const attributes = model.getAttributeTypeMap();
    for (const [key, v] of Object.entries(value)) {
      const attribute = attributes.find((a) => a.baseName === key);
      if (!attribute) out.push(`${at}/${key}: ${type} has no field "${key}"`);
      else typeProblems(v, attribute.type, `${at}/${key}`, out);
    }
  }
}

const CERT_MANAGER_FIELDS: Record<string, Record<string, readonly string[]>> = {
  // From the cert-manager v1 API reference (cert-manager.io/docs/reference/api-docs).
  Issuer: { spec: ['selfSigned', 'ca', 'acme', 'vault', 'venafi'], 'spec.ca': ['secretName', 'crlDistributionPoints', 'ocspServers', 'issuingCertificateURLs'] },
  Certificate: {
    spec: ['secretName', 'secretTemplate', 'commonName', 'dnsNames', 'ipAddresses', 'uris', 'emailAddresses', 'duration', 'renewBefore', 'subject', 'isCA', 'usages', 'privateKey', 'issuerRef', 'keystores', 'literalSubject', 'revisionHistoryLimit', 'additionalOutputFormats', 'nameConstraints', 'otherNames', 'encodeUsagesInRequest'],
    'spec.privateKey': ['algorithm', 'size', 'encoding', 'rotationPolicy'],
    'spec.issuerRef': ['name', 'kind', 'group'],
  },
};
const CERT_MANAGER_USAGES = ['signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment', 'cert sign', 'crl sign', 'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing', 'email protection', 's/mime', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing', 'microsoft sgc', 'netscape sgc'];

function schemaProblems(object: K8sObject): string[] {
  const out: string[] = [];
  const where = `${object.kind}/${object.metadata.name}`;
  if (object.apiVersion === 'cert-manager.io/v1') {
    const fields = CERT_MANAGER_FIELDS[object.kind];
    if (!fields) return [`${where}: unexpected cert-manager kind`];
    for (const [dotted, allowed] of Object.entries(fields)) {
      const value = dotted.split('.').reduce<any>((v, k) => v?.[k], object);
      if (value === undefined) continue;
      for (const key of Object.keys(value)) if (!allowed.includes(key)) out.push(`${where} ${dotted}: unknown field "${key}"`);
    }
    const privateKey = (object as Obj).spec?.privateKey;
    if (privateKey) {
      if (!['RSA', 'ECDSA', 'Ed25519'].includes(privateKey.algorithm)) out.push(`${where}: privateKey.algorithm ${privateKey.algorithm}`);
      if (!['Never', 'Always'].includes(privateKey.rotationPolicy)) out.push(`${where}: privateKey.rotationPolicy ${privateKey.rotationPolicy}`);
      if (!['PKCS1', 'PKCS8'].includes(privateKey.encoding)) out.push(`${where}: privateKey.encoding ${privateKey.encoding}`);
    }
    for (const usage of (object as Obj).spec?.usages ?? []) if (!CERT_MANAGER_USAGES.includes(usage)) out.push(`${where}: unknown usage "${usage}"`);
    for (const d of ['duration', 'renewBefore']) {
      const v = (object as Obj).spec?.[d];
      if (v !== undefined && !/^\d+h$/.test(v)) out.push(`${where}: ${d} "${v}" is not a Go duration in hours`);
    }
    return out;
  }
  typeProblems(object, `V1${object.kind}`, where, out);
  return out;
}

// ------------------------------------------------------------------------------------------

describe('kshield install webhook', () => {
  let dir: string;
  let certManager: { stdout: string; stderr: string; objects: K8sObject[] };
  let generated: { stdout: string; stderr: string; objects: K8sObject[] };

  before(async () => {
    models = (await import('@kubernetes/client-node')) as unknown as typeof models;
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-install-'));
    const a = kshield(['install', 'webhook', '--cert-manager']);
    assert.equal(a.code, 0, a.stderr);
    certManager = { stdout: a.stdout, stderr: a.stderr, objects: parseAll(a.stdout) };
    const b = kshield(['install', 'webhook', '--generate-certs']);
    assert.equal(b.code, 0, b.stderr);
    generated = { stdout: b.stdout, stderr: b.stderr, objects: parseAll(b.stdout) };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('usage', () => {
    test('without a TLS choice it is a usage error that explains both choices', () => {
      const r = kshield(['install', 'webhook']);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /--cert-manager \(cert-manager/);
      assert.match(r.stderr, /--generate-certs \(kshield generates a CA/);
    });

    test('both TLS choices at once are refused', () => {
      const r = kshield(['install', 'webhook', '--cert-manager', '--generate-certs']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--cert-manager and --generate-certs exclude each other/);
    });

    const bad: [string[], RegExp][] = [
      [['--failure-policy', 'Sometimes'], /--failure-policy must be Fail or Ignore, not "Sometimes"/],
      [['--timeout-seconds', '31'], /--timeout-seconds must be a whole number from 1 to 30/],
      [['--timeout-seconds', '2.5'], /--timeout-seconds must be a whole number/],
      [['--replicas', '0'], /--replicas must be a whole number from 1 to 100/],
      [['--namespace', 'Security'], /--namespace "Security" must be lowercase/],
      [['--namespace', 'kube-system'], /--namespace kube-system: the manifests label their namespace with Pod Security "enforce: restricted"/],
      [['-n', 'default'], /--namespace default: .*give the webhook a namespace of its own/],
      [['--service-name', '1webhook'], /--service-name "1webhook" must start with a letter/],
      [['--exempt-namespace', 'ok,not_ok'], /--exempt-namespace "not_ok"/],
      [['--image', 'ghcr.io/kshield/kshield:bad tag'], /--image "ghcr.io\/kshield\/kshield:bad tag" contains whitespace/],
      [['--apiserver-cidr', '10.0.0.0/33'], /--apiserver-cidr "10.0.0.0\/33" is not an address range/],
      [['--cert-days', '0'], /--cert-days must be a whole number from 1 to 3650/],
      [['--priority-class', 'Critical!'], /--priority-class "Critical!" is not a PriorityClass name/],
    ];
    for (const [args, message] of bad) {
      test(`${args.join(' ')} is a usage error`, () => {
        const r = kshield(['install', 'webhook', '--cert-manager', ...args]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
        assert.equal(r.stdout, '');
      });
    }

    test('--failure-policy is read case-insensitively', () => {
      const r = kshield(['install', 'webhook', '--cert-manager', '--failure-policy', 'ignore']);
      assert.equal(r.code, 0, r.stderr);
      for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) assert.equal(find(parseAll(r.stdout), kind).webhooks[0].failurePolicy, 'Ignore');
      assert.match(r.stderr, /Ignore: whenever the webhook is down or slow, workloads are admitted without any check/);
    });
  });

  describe('the objects', () => {
    test('cert-manager output: the expected objects in an order kubectl can apply', () => {
      assert.deepEqual(
        certManager.objects.map((o) => `${o.kind}/${o.metadata.name}`),
        [
          'Namespace/kshield-system',
          'ServiceAccount/kshield-webhook',
          'ClusterRole/kshield-webhook',
          'ClusterRoleBinding/kshield-webhook',
          'ConfigMap/kshield-webhook-config',
          'Issuer/kshield-webhook-selfsigned',
          'Certificate/kshield-webhook-ca',
          'Issuer/kshield-webhook-ca',
          'Certificate/kshield-webhook-tls',
          'Service/kshield-webhook',
          'Deployment/kshield-webhook',
          'PodDisruptionBudget/kshield-webhook',
          'NetworkPolicy/default-deny-ingress',
          'NetworkPolicy/kshield-webhook',
          'MutatingWebhookConfiguration/kshield-webhook',
          'ValidatingWebhookConfiguration/kshield-webhook',
        ],
      );
      assert.equal(certManager.stderr, '', 'nothing secret, nothing to warn about');
      assert.doesNotMatch(certManager.stdout, /PRIVATE KEY|caBundle/);
    });

    test('every field of every object is one the Kubernetes (or cert-manager) API defines, with the right type', () => {
      for (const objects of [certManager.objects, generated.objects]) {
        const problems = objects.flatMap(schemaProblems);
        assert.deepEqual(problems, []);
      }
      // The check itself catches a misspelt or misplaced field.
      const broken = structuredClone(find(certManager.objects, 'ValidatingWebhookConfiguration')) as K8sObject;
      (broken as Obj).webhooks[0].clientConfig.service.url = 'https://x';
      (broken as Obj).webhooks[0].timeout = 10;
      (broken as Obj).webhooks[0].sideEffects = 1;
      assert.deepEqual(schemaProblems(broken), [
        'ValidatingWebhookConfiguration/kshield-webhook/webhooks/0/clientConfig/service/url: AdmissionregistrationV1ServiceReference has no field "url"',
        'ValidatingWebhookConfiguration/kshield-webhook/webhooks/0/sideEffects: expected a string, found 1',
        'ValidatingWebhookConfiguration/kshield-webhook/webhooks/0/timeout: V1ValidatingWebhook has no field "timeout"',
      ]);
    });

    test('the webhook configurations: v1 reviews, no side effects, the Service by name, namespace, path and port', () => {
      const service = find(certManager.objects, 'Service', 'kshield-webhook');
      const servicePorts = service.spec.ports.map((p: Obj) => p.port);
      for (const [kind, hookName, hookPath] of [
        ['ValidatingWebhookConfiguration', 'validate.kshield.io', '/validate'],
        ['MutatingWebhookConfiguration', 'mutate.kshield.io', '/mutate'],
      ]) {
        const config = find(certManager.objects, kind);
        assert.equal(config.metadata.namespace, undefined, 'webhook configurations are cluster-scoped');
        assert.equal(config.webhooks.length, 1);
        const hook = config.webhooks[0];
        // Required fields of admissionregistration.k8s.io/v1 webhooks.
        for (const field of ['name', 'clientConfig', 'sideEffects', 'admissionReviewVersions']) assert.ok(hook[field] !== undefined, `${kind} webhook has ${field}`);
        assert.equal(hook.name, hookName);
        assert.ok(hook.name.split('.').length >= 3, 'a webhook name is a fully qualified name with at least three segments');
        assert.deepEqual(hook.admissionReviewVersions, ['v1']);
        assert.equal(hook.sideEffects, 'None');
        assert.equal(hook.failurePolicy, 'Fail');
        assert.equal(hook.matchPolicy, 'Equivalent');
        assert.equal(hook.timeoutSeconds, 10);
        assert.deepEqual(hook.clientConfig, { service: { namespace: 'kshield-system', name: 'kshield-webhook', path: hookPath, port: 443 } });
        assert.ok(servicePorts.includes(hook.clientConfig.service.port));
        assert.deepEqual(hook.namespaceSelector, { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kshield-system', 'kube-system'] }] });
        for (const rule of hook.rules) {
          assert.ok(rule.operations.every((op: string) => ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', '*'].includes(op)));
          assert.equal(rule.scope, 'Namespaced');
          assert.deepEqual(rule.apiVersions, ['v1']);
        }
        assert.equal(config.metadata.annotations['cert-manager.io/inject-ca-from'], 'kshield-system/kshield-webhook-tls');
      }
      const mutating = find(certManager.objects, 'MutatingWebhookConfiguration').webhooks[0];
      assert.equal(mutating.reinvocationPolicy, 'IfNeeded');
      assert.equal(find(certManager.objects, 'ValidatingWebhookConfiguration').webhooks[0].reinvocationPolicy, undefined, 'validating webhooks have no reinvocationPolicy');
    });

    test('the webhooks see pods and every workload that creates them, ReplicaSets applied directly included; pods and Jobs are mutated on CREATE only', () => {
      const operations = (kind: string): Record<string, string[]> => {
        const out: Record<string, string[]> = {};
        for (const rule of find(certManager.objects, kind).webhooks[0].rules) for (const r of rule.resources) out[`${rule.apiGroups[0] || 'core'}/${r}`] = rule.operations;
        return out;
      };
      assert.deepEqual(operations('ValidatingWebhookConfiguration'), {
        'core/pods': ['CREATE', 'UPDATE'],
        'core/pods/ephemeralcontainers': ['CREATE', 'UPDATE'],
        'core/replicationcontrollers': ['CREATE', 'UPDATE'],
        'apps/deployments': ['CREATE', 'UPDATE'],
        'apps/replicasets': ['CREATE', 'UPDATE'],
        'apps/statefulsets': ['CREATE', 'UPDATE'],
        'apps/daemonsets': ['CREATE', 'UPDATE'],
        'batch/jobs': ['CREATE', 'UPDATE'],
        'batch/cronjobs': ['CREATE', 'UPDATE'],
      });
      assert.deepEqual(operations('MutatingWebhookConfiguration'), {
        'core/pods': ['CREATE'],
        'batch/jobs': ['CREATE'],
        'core/replicationcontrollers': ['CREATE', 'UPDATE'],
        'apps/deployments': ['CREATE', 'UPDATE'],
        'apps/replicasets': ['CREATE', 'UPDATE'],
        'apps/statefulsets': ['CREATE', 'UPDATE'],
        'apps/daemonsets': ['CREATE', 'UPDATE'],
        'batch/cronjobs': ['CREATE', 'UPDATE'],
      });
    });

    test('the Deployment: replicas, spreading, probes over HTTPS, resources, hardened security context, read-only mounts', () => {
      const deployment = find(certManager.objects, 'Deployment');
      const pod = deployment.spec.template.spec;
      const [container] = pod.containers;
      assert.equal(deployment.spec.replicas, 2);
      assert.ok(selectorMatches(deployment.spec.selector, deployment.spec.template.metadata.labels), 'the selector matches the pod template');
      assert.deepEqual(deployment.spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });
      const anti = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
      assert.equal(anti.topologyKey, 'kubernetes.io/hostname');
      assert.ok(selectorMatches(anti.labelSelector, deployment.spec.template.metadata.labels));
      assert.ok(selectorMatches(pod.topologySpreadConstraints[0].labelSelector, deployment.spec.template.metadata.labels));

      assert.equal(container.image, `ghcr.io/kshield/kshield:${VERSION}`);
      assert.deepEqual(container.ports, [{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
      assert.deepEqual(container.readinessProbe.httpGet, { path: '/readyz', port: 'https', scheme: 'HTTPS' });
      assert.deepEqual(container.livenessProbe.httpGet, { path: '/healthz', port: 'https', scheme: 'HTTPS' });
      assert.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.cpu && container.resources.limits.memory);

      assert.deepEqual(container.securityContext, {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.securityContext.fsGroup, 65532, 'the non-root user can read the mounted key through its group');
      assert.equal(pod.automountServiceAccountToken, false);

      // Every mount names a volume, is read-only, and the TLS and config paths are the ones the args name.
      const volumes = new Map(pod.volumes.map((v: Obj) => [v.name, v]));
      for (const mount of container.volumeMounts) {
        assert.ok(volumes.has(mount.name), `volume ${mount.name} exists`);
        assert.equal(mount.readOnly, true);
        assert.equal(mount.subPath, undefined, 'subPath mounts never see updates');
      }
      const mountOf = (volume: string): string => container.volumeMounts.find((m: Obj) => m.name === volume).mountPath;
      const arg = (flag: string): string => container.args[container.args.indexOf(flag) + 1];
      assert.equal(container.args[0], 'webhook');
      assert.equal(arg('--tls-cert'), `${mountOf('tls')}/tls.crt`);
      assert.equal(arg('--tls-key'), `${mountOf('tls')}/tls.key`);
      assert.equal(arg('--port'), '8443');
      assert.equal(arg('--namespace'), 'kshield-system');
      const config = find(certManager.objects, 'ConfigMap');
      assert.equal((volumes.get('config') as Obj).configMap.name, config.metadata.name);
      assert.equal(arg('--config'), `${mountOf('config')}/${Object.keys(config.data)[0]}`);
      assert.equal((volumes.get('tls') as Obj).secret.secretName, find(certManager.objects, 'Certificate', 'kshield-webhook-tls').spec.secretName);

      // The API token: projected, short-lived, at the path client libraries look in.
      const token = (volumes.get('kube-api-access') as Obj).projected.sources;
      assert.equal(token[0].serviceAccountToken.expirationSeconds, 3600);
      assert.equal(mountOf('kube-api-access'), '/var/run/secrets/kubernetes.io/serviceaccount');
    });

    test('the Service, the PodDisruptionBudget and the webhook NetworkPolicy select the webhook pods', () => {
      const deployment = find(certManager.objects, 'Deployment');
      const podLabels = deployment.spec.template.metadata.labels;
      const service = find(certManager.objects, 'Service');
      assert.ok(selectorMatches({ matchLabels: service.spec.selector }, podLabels));
      assert.deepEqual(service.spec.ports, [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]);
      assert.ok(deployment.spec.template.spec.containers[0].ports.some((p: Obj) => p.name === service.spec.ports[0].targetPort));
      const pdb = find(certManager.objects, 'PodDisruptionBudget');
      assert.ok(selectorMatches(pdb.spec.selector, podLabels));
      assert.equal(pdb.spec.minAvailable, 1);
      assert.equal(pdb.spec.unhealthyPodEvictionPolicy, 'AlwaysAllow');
      const policy = find(certManager.objects, 'NetworkPolicy', 'kshield-webhook');
      assert.ok(selectorMatches(policy.spec.podSelector, podLabels));
      assert.deepEqual(policy.spec.ingress, [{ ports: [{ protocol: 'TCP', port: 8443 }] }]);
      assert.deepEqual(find(certManager.objects, 'NetworkPolicy', 'default-deny-ingress').spec, { podSelector: {}, policyTypes: ['Ingress'] });
    });

    test('RBAC: the pods\' ServiceAccount may only get, list and watch namespaces', () => {
      const sa = find(certManager.objects, 'ServiceAccount');
      assert.equal(sa.automountServiceAccountToken, false);
      assert.equal(find(certManager.objects, 'Deployment').spec.template.spec.serviceAccountName, sa.metadata.name);
      const role = find(certManager.objects, 'ClusterRole');
      assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] }]);
      const binding = find(certManager.objects, 'ClusterRoleBinding');
      assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'kshield-system' }]);
    });

    test('--pull-secrets: the ClusterRole adds get on secrets and serviceaccounts, and the policy turns registries.pullSecrets on', () => {
      assert.ok(!find(certManager.objects, 'ConfigMap').data['kshield.yaml'].includes('pullSecrets'));
      const r = kshield(['install', 'webhook', '--cert-manager', '--pull-secrets']);
      assert.equal(r.code, 0, r.stderr);
      const objects = parseAll(r.stdout);
      assert.deepEqual(find(objects, 'ClusterRole').rules, [
        { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['secrets', 'serviceaccounts'], verbs: ['get'] },
      ]);
      const policy = yaml.load(find(objects, 'ConfigMap').data['kshield.yaml']) as Obj;
      assert.equal(policy.webhook.registries.pullSecrets, true);
      assert.match(r.stdout, /generated by `kshield install webhook --cert-manager --pull-secrets`/);
      // The schema accepts it and the webhook's configuration carries it.
      assert.equal(webhookConfigFrom(parseConfig(find(objects, 'ConfigMap').data['kshield.yaml'], '/etc/kshield/kshield.yaml', rules)).registries.pullSecrets, true);
      assert.throws(() => parseConfig('webhook:\n  registries:\n    pullSecrets: yes please\n', '/tmp/.kshield.yaml', rules), /:3: .*pullSecrets/);
    });

    test('cert-manager: self-signed issuer → CA certificate → CA issuer → serving certificate for every Service name', () => {
      const selfSigned = find(certManager.objects, 'Issuer', 'kshield-webhook-selfsigned');
      assert.deepEqual(selfSigned.spec, { selfSigned: {} });
      const ca = find(certManager.objects, 'Certificate', 'kshield-webhook-ca');
      assert.equal(ca.spec.isCA, true);
      assert.equal(ca.spec.issuerRef.name, selfSigned.metadata.name);
      const caIssuer = find(certManager.objects, 'Issuer', 'kshield-webhook-ca');
      assert.equal(caIssuer.spec.ca.secretName, ca.spec.secretName);
      const serving = find(certManager.objects, 'Certificate', 'kshield-webhook-tls');
      assert.equal(serving.spec.issuerRef.name, caIssuer.metadata.name);
      assert.equal(serving.spec.isCA, undefined);
      assert.deepEqual(serving.spec.dnsNames, ['kshield-webhook', 'kshield-webhook.kshield-system', 'kshield-webhook.kshield-system.svc', 'kshield-webhook.kshield-system.svc.cluster.local']);
      assert.ok(serving.spec.usages.includes('server auth'));
      assert.equal(serving.spec.duration, '2160h');
      for (const o of [selfSigned, ca, caIssuer, serving]) assert.equal(o.metadata.namespace, 'kshield-system');
    });

    test('the Namespace enforces the Restricted standard and matches the one in deploy/scanner-rbac.yaml', () => {
      const ns = find(certManager.objects, 'Namespace');
      assert.equal(ns.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted');
      const scanner = find(parseAll(readFileSync(path.join(root, 'deploy/scanner-rbac.yaml'), 'utf8')), 'Namespace');
      assert.deepEqual(ns, scanner, 'both files apply the same Namespace, so applying one after the other changes nothing');
    });

    test('the mounted configuration holds the webhook section of src/admission/types.ts', () => {
      const text = find(certManager.objects, 'ConfigMap').data['kshield.yaml'];
      const parsed = yaml.load(text) as Obj;
      assert.deepEqual(Object.keys(parsed), ['webhook']);
      assert.deepEqual(parsed.webhook.actions.severities, { critical: 'enforce', high: 'enforce', medium: 'warn' });
      assert.deepEqual(parsed.webhook, defaultWebhookPolicy({ namespace: 'kshield-system', exemptNamespaces: [] }));
    });
  });

  describe('--generate-certs', () => {
    test('a kubernetes.io/tls Secret whose certificate the caBundle of both configurations verifies', () => {
      const secret = find(generated.objects, 'Secret', 'kshield-webhook-tls');
      assert.equal(secret.type, 'kubernetes.io/tls');
      const decode = (key: string): string => Buffer.from(secret.data[key], 'base64').toString('utf8');
      const cert = new X509Certificate(decode('tls.crt'));
      assert.equal(cert.checkPrivateKey(createPrivateKey(decode('tls.key'))), true, 'tls.key belongs to tls.crt');
      assert.equal(cert.checkHost('kshield-webhook.kshield-system.svc'), 'kshield-webhook.kshield-system.svc');
      for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
        const config = find(generated.objects, kind);
        assert.equal(config.metadata.annotations, undefined, 'no cert-manager injection');
        const ca = new X509Certificate(Buffer.from(config.webhooks[0].clientConfig.caBundle, 'base64'));
        assert.equal(ca.ca, true);
        assert.equal(cert.verify(ca.publicKey), true, `${kind} caBundle verifies the serving certificate`);
        assert.equal(ca.toString(), new X509Certificate(decode('ca.crt')).toString());
      }
      assert.equal(find(generated.objects, 'Deployment').spec.template.spec.volumes[0].secret.secretName, secret.metadata.name);
      assert.ok(!generated.objects.some((o) => o.apiVersion.startsWith('cert-manager.io/')));
      const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
      assert.ok(days > 364 && days <= 365, `valid ${days} days`);
    });

    test('standard error warns that the output holds a private key, and never shows it', () => {
      assert.match(generated.stderr, /note: the output contains the webhook's TLS private key \(Secret kshield-system\/kshield-webhook-tls\): apply it, but do not commit it/);
      assert.doesNotMatch(generated.stderr, /BEGIN|PRIVATE KEY-----|LS0t/);
      assert.equal(generated.stdout.includes(find(generated.objects, 'Secret').data['tls.key']), true);
    });

    test('-o writes the file readable by its owner only', () => {
      const file = path.join(dir, 'webhook.yaml');
      writeFileSync(file, 'old content', { mode: 0o644 });
      const r = kshield(['install', 'webhook', '--generate-certs', '--cert-days', '30', '-o', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const objects = parseAll(readFileSync(file, 'utf8'));
      const cert = new X509Certificate(Buffer.from(find(objects, 'Secret').data['tls.crt'], 'base64'));
      const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
      assert.ok(days > 29 && days <= 30);
      assert.match(r.stderr, /wrote the webhook manifests to/);
    });

    test('-o creates missing parent directories, like scan -o', () => {
      const file = path.join(dir, 'new', 'nested', 'webhook.yaml');
      const r = kshield(['install', 'webhook', '--cert-manager', '-o', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(file, 'utf8'), certManager.stdout);
      const secret = path.join(dir, 'new', 'secret', 'webhook.yaml');
      assert.equal(kshield(['install', 'webhook', '--generate-certs', '-o', secret]).code, 0);
      assert.equal(statSync(secret).mode & 0o777, 0o600);
    });

    test('-o into a directory that cannot be written is an output error', () => {
      mkdirSync(path.join(dir, 'is-a-dir'));
      const r = kshield(['install', 'webhook', '--cert-manager', '-o', path.join(dir, 'is-a-dir')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /cannot write the manifests to .*is-a-dir: it is a directory/);
    });

    test('kshield scan reports the committed key as a finding', () => {
      const file = path.join(dir, 'generated', 'webhook.yaml');
      mkdirSync(path.dirname(file));
      writeFileSync(file, generated.stdout);
      const r = kshield(['scan', path.dirname(file), '--fail-on', 'medium', '-o', 'json']);
      assert.equal(r.code, 1);
      const findings = (JSON.parse(r.stdout).findings as Obj[]).filter((f) => !f.suppressed && ['critical', 'high', 'medium'].includes(f.severity));
      assert.deepEqual(findings.map((f) => `${f.rule} ${f.resource.kind}/${f.resource.name}`), ['secret-data-committed Secret/kshield-webhook-tls']);
    });
  });

  describe('options', () => {
    test('namespace, service name, exemptions, policy, timeout, replicas, API server ranges and priority class reach the objects', () => {
      const r = kshield([
        'install', 'webhook', '--cert-manager',
        '-n', 'guard', '--service-name', 'policy', '--exempt-namespace', 'monitoring,cert-manager', '--exempt-namespace', 'guard',
        '--failure-policy', 'Fail', '--timeout-seconds', '5', '--replicas', '3', '--apiserver-cidr', '10.0.0.0/24',
        '--image', 'registry.example/kshield@sha256:' + 'a'.repeat(64), '--priority-class', 'system-cluster-critical', '--cert-days', '30',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const objects = parseAll(r.stdout);
      assert.ok(objects.every((o) => ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'].includes(o.kind) || o.metadata.namespace === 'guard'));
      for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
        const config = find(objects, kind, 'policy');
        const hook = config.webhooks[0];
        assert.deepEqual(hook.namespaceSelector.matchExpressions[0].values, ['cert-manager', 'guard', 'kube-system', 'monitoring']);
        assert.equal(hook.timeoutSeconds, 5);
        assert.deepEqual(hook.clientConfig.service, { namespace: 'guard', name: 'policy', path: hook.clientConfig.service.path, port: 443 });
        assert.equal(config.metadata.annotations['cert-manager.io/inject-ca-from'], 'guard/policy-tls');
      }
      const deployment = find(objects, 'Deployment', 'policy');
      assert.equal(deployment.spec.replicas, 3);
      assert.equal(deployment.spec.template.spec.priorityClassName, 'system-cluster-critical');
      assert.equal(deployment.spec.template.spec.containers[0].image, 'registry.example/kshield@sha256:' + 'a'.repeat(64));
      const policy = find(objects, 'NetworkPolicy', 'policy');
      assert.deepEqual(policy.spec.ingress, [{ from: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 8443 }] }]);
      assert.equal(policy.metadata.annotations, undefined, 'no suppression needed once the source is restricted');
      assert.deepEqual(find(objects, 'Certificate', 'policy-tls').spec.dnsNames, ['policy', 'policy.guard', 'policy.guard.svc', 'policy.guard.svc.cluster.local']);
      assert.equal(find(objects, 'Certificate', 'policy-tls').spec.duration, '720h');
      assert.deepEqual((yaml.load(find(objects, 'ConfigMap').data['kshield.yaml']) as Obj).webhook.exemptNamespaces, ['cert-manager', 'monitoring']);
      assert.match(r.stdout, /^# kshield admission webhook: generated by `kshield install webhook --cert-manager --namespace guard --service-name policy --replicas 3 --timeout-seconds 5 --image registry\.example\/kshield@sha256:a+ --exempt-namespace monitoring --exempt-namespace cert-manager --exempt-namespace guard --apiserver-cidr 10\.0\.0\.0\/24 --cert-days 30 --priority-class system-cluster-critical`/);
      assert.deepEqual(objects.flatMap(schemaProblems), []);
    });

    test('one replica: no PodDisruptionBudget (it would block every drain) and a warning', () => {
      const r = kshield(['install', 'webhook', '--cert-manager', '--replicas', '1']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!parseAll(r.stdout).some((o) => o.kind === 'PodDisruptionBudget'));
      assert.match(r.stderr, /one replica: while that pod restarts, the API server cannot reach the webhook and refuses pods in every non-exempt namespace/);
    });
  });

  describe('deploy/webhook', () => {
    test('is exactly what `kshield install webhook --cert-manager` prints (regenerate: npm run deploy:webhook)', () => {
      assert.equal(readFileSync(DEPLOY_FILE, 'utf8'), certManager.stdout);
    });

    test('kshield scan deploy/ has no finding at medium or above; the only suppression carries a reason', () => {
      const r = kshield(['scan', 'deploy/', '--fail-on', 'medium', '-o', 'json']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const findings = JSON.parse(r.stdout).findings as Obj[];
      assert.deepEqual(findings.filter((f) => !f.suppressed && ['critical', 'high', 'medium'].includes(f.severity)), []);
      for (const f of findings.filter((f) => f.suppressed)) assert.ok(f.suppression.reason?.length > 20, `${f.rule} on ${f.resource.name} is suppressed with a reason`);
      const ours = findings.filter((f) => f.suppressed && f.file === 'deploy/webhook/kshield-webhook.yaml');
      assert.deepEqual(ours.map((f) => `${f.rule} ${f.resource.kind}/${f.resource.name}`), ['network-policy-allows-all-ingress NetworkPolicy/kshield-webhook']);
      assert.match(ours[0].suppression.reason, /--apiserver-cidr/);
    });
  });
});
