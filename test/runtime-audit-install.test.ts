import assert from 'node:assert/strict';
import { test } from 'node:test';
import yaml from 'js-yaml';
import { auditApiServerFlags, auditPolicy, auditWebhookKubeconfig, toYaml } from '../src/runtime/audit-install.js';
import type { JsonObject } from '../src/core/types.js';

interface Request {
  user: string;
  groups: string[];
  verb: string;
  group?: string;
  resource?: string;
  subresource?: string;
  path?: string;
}

/** The API server's policy checker (staging/src/k8s.io/apiserver/pkg/audit/policy/checker.go): first rule that matches. */
function levelFor(policy: JsonObject, req: Request): string {
  for (const rule of policy.rules as JsonObject[]) {
    const users = rule.users as string[] | undefined;
    const groups = rule.userGroups as string[] | undefined;
    const verbs = rule.verbs as string[] | undefined;
    if (users?.length && !users.includes(req.user)) continue;
    if (groups?.length && !groups.some((g) => req.groups.includes(g))) continue;
    if (verbs?.length && !verbs.includes(req.verb)) continue;
    const resources = rule.resources as { group?: string; resources?: string[] }[] | undefined;
    const urls = rule.nonResourceURLs as string[] | undefined;
    if (resources?.length || urls?.length) {
      if (req.resource === undefined) {
        if (!urls?.some((u) => (u.endsWith('*') ? req.path!.startsWith(u.slice(0, -1)) : u === req.path))) continue;
      } else {
        const combined = req.subresource ? `${req.resource}/${req.subresource}` : req.resource;
        const match = resources?.some(
          (gr) =>
            (gr.group ?? '') === (req.group ?? '') &&
            (!gr.resources?.length || gr.resources.some((r) => r === combined || r === '*' || (req.subresource && (r === `*/${req.subresource}` || r === `${req.resource}/*`)))),
        );
        if (!match) continue;
      }
    }
    return rule.level as string;
  }
  return 'None';
}

const alice = { user: 'alice', groups: ['developers', 'system:authenticated'] };
const anonymous = { user: 'system:anonymous', groups: ['system:unauthenticated'] };

test('the audit policy records bodies only where a rule reads them, and never a Secret value or a token', () => {
  const policy = auditPolicy();
  assert.equal(policy.apiVersion, 'audit.k8s.io/v1');
  assert.equal(policy.kind, 'Policy');
  assert.deepEqual(policy.omitStages, ['RequestReceived']);
  const cases: [Request, string][] = [
    [{ ...alice, verb: 'get', resource: 'secrets' }, 'Metadata'],
    [{ ...alice, verb: 'list', resource: 'secrets' }, 'Metadata'],
    [{ ...alice, verb: 'create', resource: 'secrets' }, 'Metadata'],
    [{ ...alice, verb: 'update', resource: 'configmaps' }, 'Metadata'],
    [{ ...alice, verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews' }, 'Metadata'],
    [{ ...alice, verb: 'create', resource: 'serviceaccounts', subresource: 'token' }, 'Request'],
    [{ ...alice, verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' }, 'RequestResponse'],
    [{ ...alice, verb: 'patch', group: 'rbac.authorization.k8s.io', resource: 'rolebindings' }, 'RequestResponse'],
    [{ ...alice, verb: 'delete', group: 'rbac.authorization.k8s.io', resource: 'rolebindings' }, 'Metadata'],
    [{ ...alice, verb: 'create', resource: 'pods' }, 'Request'],
    [{ ...alice, verb: 'create', group: 'apps', resource: 'daemonsets' }, 'Request'],
    [{ ...alice, verb: 'update', resource: 'pods' }, 'Metadata'],
    [{ ...alice, verb: 'create', resource: 'pods', subresource: 'exec' }, 'Metadata'],
    [{ ...alice, verb: 'get', resource: 'pods', subresource: 'portforward' }, 'Metadata'],
    [{ ...alice, verb: 'get', path: '/healthz' }, 'None'],
    [{ ...alice, verb: 'get', path: '/readyz/etcd' }, 'None'],
    [{ ...anonymous, verb: 'get', path: '/healthz' }, 'Metadata'],
    [{ ...anonymous, verb: 'get', path: '/api/v1/namespaces' }, 'Metadata'],
    [{ ...alice, verb: 'get', path: '/metrics' }, 'Metadata'],
  ];
  for (const [req, level] of cases) assert.equal(levelFor(policy, req), level, JSON.stringify(req));
  // Whatever the verb, Secrets, ConfigMaps and TokenReviews have no body in the stream.
  for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'])
    for (const [group, resource] of [['', 'secrets'], ['', 'configmaps'], ['authentication.k8s.io', 'tokenreviews']])
      assert.equal(levelFor(policy, { ...alice, verb, group, resource }), 'Metadata', `${verb} ${resource}`);
  // No rule anywhere records the response of a TokenRequest (the token).
  for (const verb of ['create', 'get', 'update'])
    assert.notEqual(levelFor(policy, { ...alice, verb, resource: 'serviceaccounts', subresource: 'token' }), 'RequestResponse');
  // The YAML the command prints reads back as the same policy.
  assert.deepEqual(yaml.load(toYaml(policy)), policy);
});

const CA = '-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIUJ\n-----END CERTIFICATE-----\n';

test('the webhook kubeconfig points at the respond server with its CA and one credential', () => {
  const config = auditWebhookKubeconfig({ url: 'https://10.96.0.40:8443', caPem: CA, tokenFile: '/etc/kubernetes/kshield/token' });
  const cluster = (config.clusters as JsonObject[])[0].cluster as JsonObject;
  assert.equal(cluster.server, 'https://10.96.0.40:8443/v1/alerts/audit');
  assert.equal(Buffer.from(cluster['certificate-authority-data'] as string, 'base64').toString(), CA);
  assert.deepEqual((config.users as JsonObject[])[0].user, { tokenFile: '/etc/kubernetes/kshield/token' });
  assert.equal(config['current-context'], 'kshield-respond');
  const withCert = auditWebhookKubeconfig({ url: 'https://respond.example:8443/custom/audit', caPem: CA, clientCertificateFile: '/pki/audit.crt', clientKeyFile: '/pki/audit.key' });
  assert.equal(((withCert.clusters as JsonObject[])[0].cluster as JsonObject).server, 'https://respond.example:8443/custom/audit');
  assert.deepEqual((withCert.users as JsonObject[])[0].user, { 'client-certificate': '/pki/audit.crt', 'client-key': '/pki/audit.key' });
  assert.throws(() => auditWebhookKubeconfig({ url: 'http://10.96.0.40:8080', caPem: CA, token: 't' }), /must be https/);
  assert.throws(() => auditWebhookKubeconfig({ url: 'not a url', caPem: CA, token: 't' }), /is not a URL/);
  assert.throws(() => auditWebhookKubeconfig({ url: 'https://x', caPem: CA }), /exactly one credential/);
  assert.throws(() => auditWebhookKubeconfig({ url: 'https://x', caPem: CA, token: 't', tokenFile: '/t' }), /exactly one credential/);
  assert.throws(() => auditWebhookKubeconfig({ url: 'https://x', caPem: CA, clientCertificateFile: '/c' }), /needs its key/);
  assert.throws(() => auditWebhookKubeconfig({ url: 'https://x', caPem: 'abc', token: 't' }), /PEM certificate/);
  assert.deepEqual(auditApiServerFlags({ policyFile: '/p.yaml', webhookConfigFile: '/w.kubeconfig' }).slice(0, 2), ['--audit-policy-file=/p.yaml', '--audit-webhook-config-file=/w.kubeconfig']);
});
