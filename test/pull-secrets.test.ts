/**
 * The pod's pull-secret keyring (src/admission/pull-secrets.ts), matched as the kubelet's
 * credential keyring (pkg/credentialprovider/keyring.go) matches: host parts by glob, port, path
 * prefix, most specific key first, Docker Hub's default key; both Secret types; malformed Secrets
 * skipped with a reason that never holds a secret value.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addSecret, keyMatches, keyringKey, lookupCredentials, podKeyring, podPullSecrets, type PullKeyring, type PullSecretReader, type SecretObject } from '../src/admission/pull-secrets.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const auth = (user: string, password: string): { auth: string } => ({ auth: b64(`${user}:${password}`) });
const dockerconfigjson = (auths: Record<string, unknown>): SecretObject => ({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) } });
const dockercfg = (auths: Record<string, unknown>): SecretObject => ({ type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify(auths)) } });
const empty = (): PullKeyring => ({ entries: [], skipped: [] });
const users = (keyring: PullKeyring, registry: string, repository: string): string[] => lookupCredentials(keyring, registry, repository).map((e) => e.credentials.username);

describe('keyring keys and matching, as the kubelet', () => {
  test('keys drop the scheme, keep a path prefix, and treat /v1/ and /v2/ as no path', () => {
    assert.equal(keyringKey('registry.example.com'), 'registry.example.com');
    assert.equal(keyringKey('https://registry.example.com'), 'registry.example.com');
    assert.equal(keyringKey('http://registry.example.com:5000/'), 'registry.example.com:5000');
    assert.equal(keyringKey('https://index.docker.io/v1/'), 'index.docker.io');
    assert.equal(keyringKey('https://quay.io/v2/acme'), 'quay.io/acme');
    assert.equal(keyringKey('quay.io/acme/team'), 'quay.io/acme/team');
    assert.equal(keyringKey(''), undefined);
  });

  test('host parts match one for one, with * and ? globs; the port must be equal; the path is a prefix', () => {
    assert.ok(keyMatches('*.example.com', 'eu.example.com/app'));
    assert.ok(!keyMatches('*.example.com', 'a.eu.example.com/app'), '* covers one label only');
    assert.ok(!keyMatches('*.example.com', 'example.com/app'));
    assert.ok(keyMatches('reg?.example.com', 'reg1.example.com/app'));
    assert.ok(keyMatches('registry.example.com:5000', 'registry.example.com:5000/app'));
    assert.ok(!keyMatches('registry.example.com', 'registry.example.com:5000/app'));
    assert.ok(!keyMatches('registry.example.com:5000', 'registry.example.com/app'));
    assert.ok(keyMatches('quay.io/acme', 'quay.io/acme/api'));
    assert.ok(!keyMatches('quay.io/acme', 'quay.io/other/api'));
    assert.ok(keyMatches('quay.io/acme', 'quay.io/acme-labs/api'), 'a string prefix, as keyring.go compares paths');
    assert.ok(!keyMatches('[a-', 'a/app'), 'a malformed glob matches nothing');
  });

  test('the most specific key first, then the host; Docker Hub images fall back to index.docker.io', () => {
    const keyring = empty();
    addSecret(keyring, dockerconfigjson({ 'quay.io': auth('host', 'p1'), 'quay.io/acme': auth('org', 'p2'), 'https://quay.io/acme/api': auth('repo', 'p3') }), 'shop/pull');
    assert.deepEqual(users(keyring, 'quay.io', 'acme/api'), ['repo', 'org', 'host']);
    assert.deepEqual(users(keyring, 'quay.io', 'acme/web'), ['org', 'host']);
    assert.deepEqual(users(keyring, 'quay.io', 'other/web'), ['host']);
    assert.deepEqual(users(keyring, 'ghcr.io', 'acme/api'), []);
    const hub = empty();
    addSecret(hub, dockerconfigjson({ 'https://index.docker.io/v1/': auth('hub', 'p4') }), 'shop/hub');
    assert.deepEqual(users(hub, 'docker.io', 'library/nginx'), ['hub']);
  });

  test('kubernetes.io/dockercfg holds the bare map; username and password fields work as auth does', () => {
    const keyring = empty();
    addSecret(keyring, dockercfg({ 'registry.example.com': { username: 'cfg-user', password: 'cfg-pass' } }), 'shop/legacy');
    assert.deepEqual(lookupCredentials(keyring, 'registry.example.com', 'app').map((e) => e.credentials), [{ username: 'cfg-user', password: 'cfg-pass' }]);
    assert.equal(lookupCredentials(keyring, 'registry.example.com', 'app')[0].source, 'shop/legacy');
  });

  test('malformed Secrets are skipped with a reason that holds no secret value', () => {
    const keyring = empty();
    const secretText = 'hunter2-do-not-print';
    addSecret(keyring, { type: 'Opaque', data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'r.example.com': auth('u', secretText) } })) } }, 'shop/opaque');
    addSecret(keyring, { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(`{"auths": {"r.example.com": {"password": "${secretText}"`) } }, 'shop/truncated');
    addSecret(keyring, { type: 'kubernetes.io/dockerconfigjson', data: {} }, 'shop/empty');
    addSecret(keyring, dockerconfigjson({ 'r.example.com': { auth: b64(`${secretText}-no-colon`) }, 'other.example.com': auth('fine', 'x') }), 'shop/bad-auth');
    addSecret(keyring, { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64('["not", "a map"]') } }, 'shop/array');
    assert.equal(keyring.entries.length, 0, 'a Secret with one bad "auth" gives nothing, as the kubelet fails to decode it whole');
    assert.deepEqual(keyring.skipped.map((s) => s.source), ['shop/opaque', 'shop/truncated', 'shop/empty', 'shop/bad-auth', 'shop/array']);
    for (const s of keyring.skipped) {
      assert.ok(!s.why.includes(secretText) && !s.why.includes(b64(secretText).slice(0, 12)), s.why);
    }
    assert.match(keyring.skipped[1].why, /\.dockerconfigjson is not JSON/);
    assert.match(keyring.skipped[3].why, /not base64 of "username:password"/);
  });
});

describe("a pod's keyring", () => {
  const secrets: Record<string, SecretObject> = {
    'shop/own': dockerconfigjson({ 'registry.example.com': auth('own', 'a') }),
    'shop/from-sa': dockerconfigjson({ 'registry.example.com': auth('sa', 'b') }),
  };
  const reads: string[] = [];
  const reader: PullSecretReader = {
    getSecret: async (ns, name) => (reads.push(`secret ${ns}/${name}`), secrets[`${ns}/${name}`]),
    getServiceAccount: async (ns, name) => {
      reads.push(`sa ${ns}/${name}`);
      if (name === 'broken') throw Object.assign(new Error('forbidden: body'), { code: 403 });
      return name === 'builder' ? { imagePullSecrets: [{ name: 'from-sa' }, { name: 'gone' }] } : undefined;
    },
  };

  test("the pod's own secrets, or its service account's when it names none (as the ServiceAccount admission plugin fills them in); a missing Secret or SA is skipped, not fatal", async () => {
    const spec = podPullSecrets({ serviceAccountName: 'builder', imagePullSecrets: [{ name: 'own' }, {}] });
    assert.deepEqual(spec, { imagePullSecrets: ['own'], serviceAccountName: 'builder' });
    const own = await podKeyring('shop', [spec], reader, new AbortController().signal);
    assert.deepEqual(users(own, 'registry.example.com', 'app'), ['own']);
    assert.ok(!reads.includes('sa shop/builder'), 'a pod that names pull secrets does not get its service account\'s');
    const keyring = await podKeyring('shop', [podPullSecrets({ serviceAccountName: 'builder' })], reader, new AbortController().signal);
    assert.deepEqual(users(keyring, 'registry.example.com', 'app'), ['sa']);
    assert.deepEqual(keyring.skipped, [{ source: 'shop/gone', why: 'not found' }]);
    const both = await podKeyring('shop', [podPullSecrets({ imagePullSecrets: [{ name: 'own' }] }), podPullSecrets({ serviceAccountName: 'builder' })], reader, new AbortController().signal);
    assert.deepEqual(users(both, 'registry.example.com', 'app'), ['own', 'sa'], 'an object with two pod specs: each its own way, in order');
    const none = await podKeyring('shop', [podPullSecrets({})], reader, new AbortController().signal);
    assert.deepEqual(none.entries, []);
    assert.deepEqual(none.skipped, [{ source: 'serviceaccount shop/default', why: 'not found' }]);
    const forbidden = await podKeyring('shop', [podPullSecrets({ serviceAccountName: 'broken' })], reader, new AbortController().signal);
    assert.deepEqual(forbidden.entries, []);
    assert.deepEqual(forbidden.skipped, [{ source: 'serviceaccount shop/broken', why: 'HTTP 403' }]);
  });
});
