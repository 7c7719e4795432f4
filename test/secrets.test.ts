import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runRuleExamples } from './support/rule-tester.js';
import { secretsRules } from '../src/rules/secrets.js';
import { CREDENTIAL_PATTERNS, matchCredentialPattern, decodeBase64Text, detectSecrets, isNamedSecretValue, isSecretName, secretAssignments, shannonEntropy, MIN_NAMED_SECRET_ENTROPY, MIN_NAMED_SECRET_LENGTH } from '../src/core/secrets-detect.js';
import { describeKeyValue, fingerprint, redactQuoted } from '../src/core/redact.js';
import { evaluate } from '../src/core/engine.js';
import { loadText } from '../src/sources/files.js';

describe('secrets rule examples', () => runRuleExamples(secretsRules));

function run(id: string, yaml: string) {
  const rule = secretsRules.find((r) => r.id === id)!;
  const loaded = loadText(yaml, 'test.yaml');
  assert.deepEqual(loaded.errors, []);
  const result = evaluate(loaded.resources, { rules: [rule] });
  assert.deepEqual(result.errors, []);
  return result.findings;
}

describe('redacted fingerprints', () => {
  test('key, length and 8 hex digits of SHA-256, nothing of the value', () => {
    assert.equal(describeKeyValue('password', 'correct-horse'), `key "password": 13 chars, ${'sha256:'}${fingerprint('correct-horse').split('sha256:')[1]}`);
    assert.match(fingerprint('correct-horse'), /^13 chars, sha256:[0-9a-f]{8}$/);
    assert.equal(fingerprint('a'), '1 char, sha256:ca978112');
    assert.match(fingerprint(Buffer.from([0, 1, 2])), /^3 bytes, sha256:/);
  });
  test('quoted parts of parser messages are replaced', () => {
    assert.equal(redactQuoted('unidentified alias "hunter2hunter2"'), `unidentified alias "${fingerprint('hunter2hunter2')}"`);
    assert.doesNotMatch(redactQuoted('unknown tag !<!s3cretvalue>'), /s3cret/);
    assert.doesNotMatch(redactQuoted('tag name is malformed: !s3cret<x>'), /s3cret/);
    assert.equal(redactQuoted('it should be "scalar", not "mapping"'), 'it should be "scalar", not "mapping"');
  });
});

describe('the shared detector', () => {
  test('entropy and length thresholds for values under secret-named keys', () => {
    assert.equal(MIN_NAMED_SECRET_LENGTH, 6);
    assert.equal(MIN_NAMED_SECRET_ENTROPY, 2.0);
    assert.equal(shannonEntropy('aaaa'), 0);
    assert.equal(shannonEntropy('abab'), 1);
    for (const v of ['hunter2', '123456', 's3cr3t', 'changeme-not-a-real-password']) assert.ok(isNamedSecretValue(v), v);
    for (const v of ['aaaaaaaa', 'abababab', 'admin', '', '<changeme>', '${VAR}', 'REPLACE_ME', 'ENC[AES256_GCM,data:abc,iv:x,type:str]']) assert.ok(!isNamedSecretValue(v), v);
  });
  test('digests and settings about secrets are not secrets', () => {
    for (const n of ['checksum/secret', 'secret-hash', 'password_encryption', 'token_endpoint_auth_method', 'PASSWORD_MIN_LENGTH']) assert.ok(!isSecretName(n), n);
    for (const n of ['example.com/api-token', 'spring.datasource.password', 'aws_secret_access_key']) assert.ok(isSecretName(n), n);
  });
  test('assignments in config files: properties, env files, YAML and JSON', () => {
    const text = 'url=jdbc:x\ndb.password = p4ssw0rd-long\nexport API_TOKEN="t0k3n-value-x"\nnested:\n  client_secret: cl13nt-s3cret\n{"apiKey": "k3y-value-json"}\npassword=${DB_PASSWORD}\n';
    assert.deepEqual(secretAssignments(text).map((h) => [h.setting, h.line]), [['db.password', 2], ['API_TOKEN', 3], ['client_secret', 5], ['apiKey', 6]]);
  });
  test('every credential format is found (the quick pre-check lets each one through)', () => {
    // Samples are assembled here so that no token-shaped string is committed.
    const rep = (alphabet: string, n: number): string => Array.from({ length: n }, (_, i) => alphabet[(i * 7) % alphabet.length]).join('');
    const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const samples: Record<string, string> = {
      'private-key': ['-----BEGIN ', 'EC PRIVATE KEY-----\n', rep(alnum, 64)].join(''),
      'gcp-service-account': ['{"type": "service_account", "project_id": "x", "private_key": "-----BEGIN', ' PRIVATE KEY-----"}'].join(''),
      'aws-access-key-id': ['AS', 'IA', rep('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)].join(''),
      'aws-secret-access-key': ['AWS_SECRET', '_ACCESS_KEY=', rep(alnum + '/+', 40)].join(''),
      'github-token': ['gh', 's_', rep(alnum, 36)].join(''),
      'github-fine-grained-token': ['github', '_pat_', rep(alnum, 22), '_', rep(alnum, 59)].join(''),
      'gitlab-token': ['gl', 'pat-', rep(alnum, 20)].join(''),
      'slack-token': ['xo', 'xp-', rep('0123456789', 12)].join(''),
      'slack-webhook': ['https://hooks.', 'slack.com/services/T', rep('ABCDEF0123', 8), '/B', rep('ABCDEF0123', 8), '/', rep(alnum, 24)].join(''),
      'stripe-key': ['rk', '_test_', rep(alnum, 24)].join(''),
      'npm-token': ['np', 'm_', rep(alnum, 36)].join(''),
      'google-api-key': ['AI', 'za', rep(alnum, 35)].join(''),
      'sendgrid-key': ['SG', '.', rep(alnum, 22), '.', rep(alnum, 43)].join(''),
      'openai-key': ['sk', '-proj-', rep(alnum, 20), 'T3Blbk', 'FJ', rep(alnum, 20)].join(''),
      'anthropic-key': ['sk', '-ant-api03-', rep(alnum, 80)].join(''),
      'pypi-token': ['pypi', '-AgEIcHlwaS5vcmc', rep(alnum, 50)].join(''),
      'vault-token': ['hv', 's.', rep(alnum, 90)].join(''),
      'azure-storage-key': ['Account', 'Key=', rep(alnum + '+/', 86), '=='].join(''),
      jwt: ['ey', 'J', rep(alnum, 12), '.ey', 'J', rep(alnum, 12), '.', rep(alnum, 20)].join(''),
    };
    assert.deepEqual(Object.keys(samples).sort(), CREDENTIAL_PATTERNS.map((p) => p.id).sort(), 'a sample per format');
    for (const p of CREDENTIAL_PATTERNS) {
      assert.ok(p.regex.test(samples[p.id]), `${p.id}: the sample is one`);
      assert.ok(matchCredentialPattern(`value: ${samples[p.id]}`) !== undefined, `${p.id} is found`);
    }
    assert.equal(matchCredentialPattern('image: registry.example.com/shop/api:1.2.3'), undefined);
  });
  test('base64 is decoded only when it decodes to text', () => {
    assert.equal(decodeBase64Text(Buffer.from('password=hunter2hunter2').toString('base64')), 'password=hunter2hunter2');
    assert.equal(decodeBase64Text('not base64 at all!'), undefined);
    assert.equal(decodeBase64Text(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87]).toString('base64')), undefined);
    assert.equal(detectSecrets('blob', Buffer.from('password=hunter2hunter2').toString('base64'))[0]?.decoded, true);
  });
});

describe('secret-data-committed', () => {
  test('data that is not base64 is judged as written (a template placeholder is not real)', () => {
    const yaml = 'apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\ndata:\n  a: "${A_B64}"\n  b: ""\n  c: PGNoYW5nZW1lPg==\n';
    assert.deepEqual(run('secret-data-committed', yaml), []);
  });
  test('binary data counts as real and is fingerprinted in bytes', () => {
    const yaml = `apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\ndata:\n  keystore.p12: ${Buffer.from([0x30, 0x82, 0xff, 0xfe, 0x01]).toString('base64')}\n`;
    const f = run('secret-data-committed', yaml);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /key "keystore\.p12": 5 bytes, sha256:[0-9a-f]{8}/);
  });
  test('a payload stripped to empty strings (another shard\'s copy) reports nothing', () => {
    const yaml = 'apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\ndata: {a: ""}\nstringData: {b: ""}\n';
    assert.deepEqual(run('secret-data-committed', yaml), []);
  });
});

describe('annotation-credentials', () => {
  test('last-applied-configuration carrying Secret data is found; kshield annotations are skipped', () => {
    const applied = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', data: { password: Buffer.from('hunter2hunter2').toString('base64') } });
    const yaml = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: shop\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '${applied}'\n    kshield.io/ignore-reason: "token rotation tracked in OPS-1"\n`;
    const f = run('annotation-credentials', yaml);
    assert.deepEqual(f.map((x) => x.path), ['/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration']);
    assert.match(f[0].message, /setting "password"/);
  });
});
