import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import { runRuleExamples } from './support/rule-tester.js';
import { secretsRules } from '../src/rules/secrets/index.js';
import { CREDENTIAL_PATTERNS, matchCredentialPattern, decodeBase64Text, detectSecretObjectValue, detectSecrets, isNamedSecretValue, isSecretName, isSecretObjectKeyName, isSecretObjectValue, looksRandom, secretAssignments, shannonEntropy, MIN_NAMED_SECRET_ENTROPY, MIN_NAMED_SECRET_LENGTH } from '../src/core/secrets-detect.js';
import { workloadRules } from '../src/rules/workload/index.js';
import { describeKeyValue, describeLength, redactQuoted } from '../src/core/redact.js';
import { evaluate } from '../src/engine/engine.js';
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

describe('redaction: the key and a length class, nothing computed from the value', () => {
  test('length classes, never the exact length or a digest', () => {
    assert.equal(describeKeyValue('password', 'correct-horse'), 'key "password": 8 to 15 characters');
    assert.equal(describeLength('a'), 'fewer than 8 characters');
    assert.equal(describeLength('hunter2'), 'fewer than 8 characters');
    assert.equal(describeLength('x'.repeat(16)), '16 to 31 characters');
    assert.equal(describeLength('x'.repeat(63)), '32 to 63 characters');
    assert.equal(describeLength('x'.repeat(2000)), '64 characters or more');
    assert.equal(describeLength(Buffer.from([0, 1, 2])), 'fewer than 8 bytes');
    assert.equal(describeLength('👍'.repeat(8)), '8 to 15 characters', 'characters, not UTF-16 units');
    // Two different values of one class read the same: nothing to confirm a guess with.
    assert.equal(describeKeyValue('password', 'hunter22'), describeKeyValue('password', 'letmein1'));
    assert.doesNotMatch(describeKeyValue('password', 'correct-horse'), /sha|[0-9a-f]{8}|13/);
  });
  test('quoted parts of parser messages are replaced', () => {
    assert.equal(redactQuoted('unidentified alias "hunter2hunter2"'), 'unidentified alias "<redacted, 8 to 15 characters>"');
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
    for (const n of ['example.com/api-token', 'spring.datasource.password', 'aws_secret_access_key', 'azure_storage_key', 'AZURE_STORAGE_ACCESS_KEY', 'client-key-data', 'aws_session_token']) assert.ok(isSecretName(n), n);
    for (const n of ['storage_key', 'upload.storage-key', 'aws_kms_key_id', 'client_key_file']) assert.ok(!isSecretName(n), n);
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
      'azure-shared-access-key': ['SharedAccess', 'Key=', rep(alnum + '+/', 43), '='].join(''),
      'azure-sas-token': ['https://shop.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&', 'sig=', rep(alnum, 43), '%3D'].join(''),
      'azure-client-secret': ['ab', 'c1', 'Q~', rep(alnum + '_~.-', 34)].join(''),
      'gcp-oauth-client-secret': ['GOC', 'SPX-', rep(alnum, 28)].join(''),
      'putty-private-key': ['PuTTY-User-Key-', 'File-3: ssh-ed25519\nEncryption: none\nComment: ci\nPublic-Lines: 2\n', rep(alnum, 60), '\nPrivate-Lines: 1\n', rep(alnum, 48)].join(''),
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
  test('binary data counts as real and is measured in bytes', () => {
    const yaml = `apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\ndata:\n  keystore.p12: ${Buffer.from([0x30, 0x82, 0xff, 0xfe, 0x01]).toString('base64')}\n`;
    const f = run('secret-data-committed', yaml);
    assert.equal(f.length, 1);
    assert.match(f[0].message, /key "keystore\.p12" \(in data\), which holds binary data that cannot be read as text \(a keystore, keytab or raw key\): fewer than 8 bytes$/);
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

// ---------------------------------------------------------------------------------------------
// Issue 12, items 2 and 6: judge a Secret by its content; find known credential formats where
// they plainly are. Fakes are assembled from pieces so that no credential-shaped string is committed.

/** Deterministic random-looking text (base64 alphabet by default). */
function noise(seed: string, n: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'): string {
  let out = '';
  for (let i = 0; out.length < n; i++) for (const byte of createHash('sha256').update(`${seed}:${i}`).digest()) if (out.length < n) out += alphabet[byte % alphabet.length];
  // A leading "/" reads as a file path (a reference, not a value): real keys rarely start so, fakes need not.
  out = out.replace(/^\//, 'Q');
  made.add(out);
  return out;
}
/** Every fake made, for the leak checks. */
const made = new Set<string>();
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const pem = (label: string, seed = label): string => [`-----BEGIN ${label}-----`, ...noise(seed, 192).match(/.{1,64}/g)!, `-----END ${label}-----`].join('\n') + '\n';
const PRIVATE = (kind = ''): string => `${kind ? kind + ' ' : ''}${'PRIVATE'} KEY`;
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const indent = (text: string, n: number): string => text.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');

function secretYaml(name: string, body: string, type = 'Opaque'): string {
  return `apiVersion: v1\nkind: Secret\nmetadata: {name: ${name}, namespace: monitoring}\ntype: ${type}\n${body}`;
}
function findings(ids: string[], yaml: string) {
  const rules = ids.map((id) => secretsRules.find((r) => r.id === id)!);
  const loaded = loadText(yaml, 'test.yaml');
  assert.deepEqual(loaded.errors, []);
  return evaluate(loaded.resources, { rules }).findings;
}
/** No message may hold a secret, nor any 8-character piece of one. */
function assertNoLeak(messages: string[], secrets: string[]): void {
  for (const m of messages)
    for (const secret of secrets) for (let i = 0; i + 8 <= secret.length; i++) assert.ok(!m.includes(secret.slice(i, i + 8)), `a message holds part of a secret: ${m}`);
}

describe('secret-data-committed judges the content (kube-prometheus shapes)', () => {
  const GRAFANA_INI = '[date_formats]\ndefault_timezone = UTC\n';
  const DATASOURCES = JSON.stringify({ apiVersion: 1, datasources: [{ access: 'proxy', editable: false, name: 'prometheus', orgId: 1, type: 'prometheus', url: 'http://prometheus-k8s.monitoring.svc:9090', version: 1 }] }, null, 4);
  const ALERTMANAGER = `"global":\n  "resolve_timeout": "5m"\n"inhibit_rules":\n- "equal": ["namespace", "alertname"]\n  "source_matchers": ["severity = critical"]\n  "target_matchers": ["severity =~ warning|info"]\n"receivers":\n- "name": "Default"\n- "name": "Watchdog"\n- "name": "null"\n"route":\n  "group_by": ["namespace"]\n  "group_interval": "5m"\n  "group_wait": "30s"\n  "receiver": "Default"\n  "repeat_interval": "12h"\n  "routes":\n  - "matchers": ["alertname = Watchdog"]\n    "receiver": "Watchdog"\n`;

  test('configuration without credentials is not HIGH: one info finding per Secret', () => {
    const yaml = [
      secretYaml('grafana-config', `data:\n  grafana.ini: ${b64(GRAFANA_INI)}`),
      secretYaml('grafana-datasources', `data:\n  datasources.yaml: ${b64(DATASOURCES)}`),
      secretYaml('alertmanager-main', `stringData:\n  alertmanager.yaml: |-\n${indent(ALERTMANAGER, 4)}`),
    ].join('\n---\n');
    assert.deepEqual(findings(['secret-data-committed'], yaml), []);
    const info = findings(['secret-committed'], yaml);
    assert.deepEqual(info.map((f) => `${f.severity} ${f.resource.name} ${f.path}`), ['info grafana-config /data', 'info grafana-datasources /data', 'info alertmanager-main /stringData']);
    assert.match(info[0].message, /Secret "grafana-config" is committed with data \(key "grafana\.ini"\) in which no credential was recognised/);
  });

  test('the same files with a credential in them stay HIGH, and say where', () => {
    const adminPassword = 'adm' + 'in';
    const yaml = [
      secretYaml('grafana-config', `stringData:\n  grafana.ini: |\n    [security]\n    admin_user = admin\n    admin_password = ${adminPassword}\n    [date_formats]\n    default_timezone = UTC`),
      secretYaml('grafana-datasources', `stringData:\n  datasources.yaml: |\n    datasources:\n    - name: prometheus\n      url: http://prometheus-k8s.monitoring.svc:9090\n      basicAuth: true\n      basicAuthPassword: ${noise('basic', 14, ALNUM)}`),
      secretYaml('alertmanager-main', `stringData:\n  alertmanager.yaml: |\n    receivers:\n    - name: oncall\n      webhook_configs:\n      - url: https://alerts.example.com/hook\n        http_config:\n          authorization:\n            credentials: ${noise('am', 32, ALNUM)}`),
      secretYaml('oauth', `stringData:\n  grafana.ini: |\n    [auth.generic_oauth]\n    client_id = grafana\n    client_secret = ${noise('oauth', 24, ALNUM)}`),
    ].join('\n---\n');
    const f = findings(['secret-data-committed', 'secret-committed'], yaml);
    assert.deepEqual(f.map((x) => `${x.rule} ${x.severity} ${x.resource.name}`), [
      'secret-data-committed high grafana-config',
      'secret-data-committed high grafana-datasources',
      'secret-data-committed high alertmanager-main',
      'secret-data-committed high oauth',
    ]);
    assert.match(f[0].message, /key "grafana\.ini" \(in stringData\), which holds a literal credential \(setting "admin_password", line 3\): fewer than 8 characters$/);
    assert.match(f[2].message, /setting "credentials"/);
    assertNoLeak(f.map((x) => x.message), [noise('basic', 14, ALNUM), noise('am', 32, ALNUM), noise('oauth', 24, ALNUM)]);
  });

  test('credentials by name, format, entropy or type stay HIGH; placeholders, certificates and public keys are not data', () => {
    const random = noise('session', 40, ALNUM);
    const awsSecret = noise('aws', 40);
    const dockerAuth = b64(`ci:${noise('registry', 20, ALNUM)}`);
    const yaml = [
      secretYaml('named', `stringData:\n  password: ${'hunt' + 'er2'}\n  token: ${noise('token', 24, ALNUM)}\n  username: admin\n  DB_HOST: postgres.shop.svc`),
      secretYaml('tls', `data:\n  tls.crt: ${b64(pem('CERTIFICATE'))}\n  tls.key: ${b64(pem(PRIVATE()))}`, 'kubernetes.io/tls'),
      secretYaml('aws', `stringData:\n  AWS_ACCESS_KEY_ID: ${'AK' + 'IA' + noise('akid', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}\n  AWS_SECRET_ACCESS_KEY: ${awsSecret}`),
      secretYaml('session', `stringData:\n  session-signing: ${random}\n  client-id: 0f8fad5b-d9cb-469f-a165-70867728950e`),
      secretYaml('registry', `stringData:\n  .dockerconfigjson: '{"auths":{"registry.example.com":{"auth":"${dockerAuth}"}}}'`, 'kubernetes.io/dockerconfigjson'),
      secretYaml('ssh', `stringData:\n  ssh-privatekey: |\n${indent(pem(PRIVATE('OPENSSH')), 4)}\n  ssh-publickey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${noise('pub', 43, ALNUM)} ci@example.com`, 'kubernetes.io/ssh-auth'),
      secretYaml('placeholders', `stringData:\n  a: ""\n  b: changeme\n  c: "<your-token>"\n  d: "\${API_TOKEN}"\n  e: "{{ .Values.token }}"\n  f: REPLACE_ME\n  public.pem: |\n${indent(pem('PUBLIC KEY'), 4)}`),
    ].join('\n---\n');
    const f = findings(['secret-data-committed', 'secret-committed'], yaml);
    assert.deepEqual(f.map((x) => `${x.rule} ${x.resource.name} ${x.path}`), [
      'secret-data-committed named /stringData/password',
      'secret-data-committed named /stringData/token',
      'secret-data-committed tls /data/tls.key',
      'secret-data-committed aws /stringData/AWS_ACCESS_KEY_ID',
      'secret-data-committed aws /stringData/AWS_SECRET_ACCESS_KEY',
      'secret-data-committed session /stringData/session-signing',
      'secret-data-committed registry /stringData/.dockerconfigjson',
      'secret-data-committed ssh /stringData/ssh-privatekey',
    ]);
    assert.match(f.find((x) => x.path === '/stringData/session-signing')!.message, /key "session-signing" \(in stringData\), which holds a high-entropy value: 32 to 63 characters$/);
    assert.match(f.find((x) => x.resource.name === 'registry')!.message, /a container registry credential \(setting "auth"\)/);
    assert.match(f.find((x) => x.path === '/data/tls.key')!.message, /a PEM private key/);
    assertNoLeak(f.map((x) => x.message), [random, awsSecret, dockerAuth, noise('token', 24, ALNUM)]);
  });

  test('the detector by itself: names, literals and randomness', () => {
    for (const n of ['tls.key', 'cookie-key', 'auth', '.htpasswd', 'krb5.keytab', 'ca.key', 'password']) assert.ok(isSecretObjectKeyName(n), n);
    for (const n of ['public.key', 'signing-key.pub', 'grafana.ini', 'datasources.yaml', 'username', 'key-checksum']) assert.ok(!isSecretObjectKeyName(n), n);
    for (const v of ['admin', 'hunter2', '123456', 'p@ss']) assert.ok(isSecretObjectValue(v), v);
    for (const v of ['', 'abc', 'aaaa', '10m', '-1', '${X}', '<password>', 'changeme', 'true']) assert.ok(!isSecretObjectValue(v), v);
    for (const v of [noise('r1', 16, ALNUM), noise('r2', 40), noise('r3', 64, '0123456789abcdef')]) assert.ok(looksRandom(v), v);
    for (const v of ['prometheus-k8s.monitoring.svc', 'http://prometheus-k8s.monitoring.svc:9090', '0f8fad5b-d9cb-469f-a165-70867728950e', '2024-01-01T00:00:00Z', 'default_timezone', 'alerts@example.com', 'registry.example.com/shop/api:1.4.2', 'v1.2.3']) assert.ok(!looksRandom(v), v);
    assert.deepEqual(detectSecretObjectValue('grafana.ini', '[date_formats]\ndefault_timezone = UTC\n'), []);
  });
});

describe('known credential formats where they plainly are (ConfigMaps, env values, annotations)', () => {
  const cm = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cloud, namespace: shop}\ndata:\n${data}`;
  const key = (name: string, value: string) => `  ${name}: ${JSON.stringify(value)}`;
  const azureSecret = ['Xy', '7', '8Q~', noise('entra', 34, ALNUM)].join('');
  const storageKey = noise('storage', 86) + '==';
  const cases: [string, string, RegExp][] = [
    ['aws_secret_access_key', noise('aws-secret', 40), /a literal credential/],
    ['aws_access_key_id', 'AS' + 'IA' + noise('asia', 16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'), /an AWS access key id/],
    ['aws_session_token', noise('session-token', 120), /a literal credential/],
    ['AZURE_CLIENT_SECRET', azureSecret, /an Azure AD client secret|a literal credential/],
    ['azure_storage_key', storageKey, /a literal credential/],
    ['settings', `DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=${storageKey};EndpointSuffix=core.windows.net`, /an Azure storage account key/],
    ['bus', `Endpoint=sb://shop.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${noise('bus', 43)}=`, /an Azure shared access key/],
    ['upload-url', `https://shop.blob.core.windows.net/uploads?sv=2022-11-02&ss=b&srt=o&sp=rw&se=2030-01-01T00:00:00Z&spr=https&sig=${noise('sas', 44, ALNUM)}%3D`, /an Azure shared access signature/],
    ['app-settings', `entra.tenant=shop\nentra.secret-value=${azureSecret}\n`, /an Azure AD client secret/],
    ['service-account.json', JSON.stringify({ type: 'service_account', project_id: 'shop', private_key_id: noise('kid', 40, '0123456789abcdef'), private_key: pem(PRIVATE(), 'gcp'), client_email: 'up@shop.iam.gserviceaccount.com' }), /a Google Cloud service account key/],
    ['oauth.json', JSON.stringify({ web: { client_id: '123.apps.googleusercontent.com', client_secret: 'GOC' + 'SPX-' + noise('gocspx', 28, ALNUM) } }), /a Google OAuth client secret/],
    ['oci_api_key.pem', pem(PRIVATE(), 'oci') + 'OCI_API_KEY\n', /a PEM private key/],
    ['oci-config', `[DEFAULT]\nuser=ocid1.user.oc1..aaaa\nfingerprint=20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34\nkey_file=/etc/oci/oci_api_key.pem\npass_phrase=${noise('phrase', 16, ALNUM)}\n`, /setting "pass_phrase"/],
    ['rsa', pem(PRIVATE('RSA')), /a PEM private key/],
    ['ec', pem(PRIVATE('EC')), /a PEM private key/],
    ['openssh', pem(PRIVATE('OPENSSH')), /a PEM private key/],
    ['pkcs8-encrypted', pem(PRIVATE('ENCRYPTED')), /a PEM private key/],
    ['pkcs1-encrypted', `-----BEGIN ${PRIVATE('RSA')}-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n${noise('enc', 128)}\n-----END ${PRIVATE('RSA')}-----\n`, /a PEM private key/],
    ['one-line', pem(PRIVATE('EC')).replace(/\n/g, '\\n'), /a PEM private key/],
  ];

  test('each shape in a ConfigMap is reported, by its length class only', () => {
    const rule = secretsRules.find((r) => r.id === 'configmap-credentials')!;
    const loaded = loadText(cm(cases.map(([k, v]) => key(k, v)).join('\n')), 'test.yaml');
    assert.deepEqual(loaded.errors, []);
    const out = evaluate(loaded.resources, { rules: [rule] }).findings;
    for (const [k, , label] of cases) {
      const hit = out.find((x) => x.path === `/data/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      assert.ok(hit, `${k} is reported`);
      assert.match(hit.message, label, k);
    }
    assert.equal(out.length, cases.length);
    assertNoLeak(out.map((x) => x.message), [...made].filter((x) => x.length >= 16));
  });

  test('public keys, certificates and placeholders are not credentials', () => {
    const harmless = cm([
      key('ca.crt', pem('CERTIFICATE')),
      key('jwt-verify.pem', pem('PUBLIC KEY')),
      key('rsa.pub', pem('RSA PUBLIC KEY')),
      key('AZURE_STORAGE_CONNECTION_STRING', 'DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=<key>;EndpointSuffix=core.windows.net'),
      key('aws_secret_access_key', '${AWS_SECRET_ACCESS_KEY}'),
      key('AZURE_CLIENT_ID', '0f8fad5b-d9cb-469f-a165-70867728950e'),
      key('GOOGLE_APPLICATION_CREDENTIALS', '/var/run/secrets/gcp/key.json'),
      key('oci-config', '[DEFAULT]\nfingerprint=20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34\nkey_file=/etc/oci/oci_api_key.pem\nregion=eu-frankfurt-1\n'),
    ].join('\n'));
    assert.deepEqual(run('configmap-credentials', harmless), []);
  });

  const deploymentWithEnv = (env: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata:
      labels: {app: api}
      annotations:
        example.com/signing: ${JSON.stringify(pem(PRIVATE('EC'), 'annotation'))}
        example.com/ca: ${JSON.stringify(pem('CERTIFICATE', 'ca-annotation'))}
    spec:
      containers:
      - name: api
        image: registry.example.com/api:1.0.0
        env:
${env}`;

  test('a PEM private key as an env value (real line breaks or "\\n" escapes) and in an annotation; certificates and public keys are not', () => {
    const env = [
      ['GITHUB_APP_PEM', pem(PRIVATE('RSA'), 'env1')],
      ['JWT_ISSUER', pem(PRIVATE(), 'env2').replace(/\n/g, '\\n')],
      ['TLS_CA', pem('CERTIFICATE', 'env3')],
      ['JWT_VERIFY', pem('PUBLIC KEY', 'env4')],
    ]
      .map(([n, v]) => `        - name: ${n}\n          value: ${JSON.stringify(v)}`)
      .join('\n');
    const workload = workloadRules.find((r) => r.id === 'hardcoded-secret')!;
    const loaded = loadText(deploymentWithEnv(env), 'test.yaml');
    assert.deepEqual(loaded.errors, []);
    const f = evaluate(loaded.resources, { rules: [workload, secretsRules.find((r) => r.id === 'annotation-credentials')!] }).findings;
    assert.deepEqual(f.map((x) => `${x.rule} ${x.path}`).sort(), [
      'annotation-credentials /spec/template/metadata/annotations/example.com~1signing',
      'hardcoded-secret /spec/template/spec/containers/0/env/0/value',
      'hardcoded-secret /spec/template/spec/containers/0/env/1/value',
    ]);
    for (const x of f) assert.match(x.message, /a PEM private key/);
    assertNoLeak(f.map((x) => x.message), [noise('env1', 192), noise('env2', 192), noise('annotation', 192)]);
  });
});

describe('secret findings read as sentences, with the credential\'s own length class (new-user trial)', () => {
  // Assembled from pieces, so that no complete fake key sits in the source.
  const keyId = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
  const secretKey = ['wJalrXUtnFEMI', '/K7MDENG/bPxRf', 'iCYEXAMPLEKEY'].join('');
  const credentialsFile = `[default]\naws_access_key_id = ${keyId}\naws_secret_access_key = ${secretKey}\n`;
  const b64file = Buffer.from(credentialsFile).toString('base64');
  test('a Secret key holding an AWS credentials file: "commits key ..., which holds ..."', () => {
    const f = run('secret-data-committed', `apiVersion: v1\nkind: Secret\nmetadata: {name: aws-b64, namespace: x}\ndata:\n  credentials: ${b64file}\n`);
    assert.deepEqual(f.map((x) => x.message), ['Secret "aws-b64" commits key "credentials" (in data), which holds an AWS access key id (line 2): 16 to 31 characters']);
  });
  test('an AWS secret access key is measured alone, not with its setting name, in a ConfigMap and a Secret alike', () => {
    const cm = run('configmap-credentials', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: x}\ndata:\n  config: |\n    aws_secret_access_key = ${secretKey}\n  creds: ${b64file}\n`);
    assert.deepEqual(cm.map((x) => x.message), [
      'ConfigMap "cm" key "config" holds an AWS secret access key (line 1): 32 to 63 characters',
      'ConfigMap "cm" key "creds" holds an AWS access key id (line 2, after base64 decoding): 16 to 31 characters',
    ]);
    const s = run('secret-data-committed', `apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: x}\nstringData:\n  config: "aws_secret_access_key = ${secretKey}"\n`);
    assert.deepEqual(s.map((x) => x.message), ['Secret "s" commits key "config" (in stringData), which holds an AWS secret access key: 32 to 63 characters']);
    assertNoLeak([...cm, ...s].map((x) => x.message), [keyId, secretKey]);
  });
});
