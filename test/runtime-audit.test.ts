import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditDecoder, readAuditEventList } from '../src/runtime/audit.js';
import { AlertInputError } from '../src/runtime/alert.js';
import { resourcesFromObjects } from '../src/sources/files.js';
import type { JsonObject } from '../src/core/types.js';

const NOW = new Date('2026-03-02T10:16:00Z');
const admin = { username: 'alice', groups: ['developers', 'system:authenticated'] };

function event(fields: JsonObject): JsonObject {
  return {
    level: 'Metadata',
    auditID: 'a-1',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/shop/pods/web-0/exec?command=sh&command=-c&command=mysql+-pHunter2secretvalue&container=app&stdin=true',
    verb: 'create',
    user: admin,
    sourceIPs: ['10.0.4.12'],
    userAgent: 'kubectl/v1.20.2',
    objectRef: { resource: 'pods', namespace: 'shop', name: 'web-0', apiVersion: 'v1', subresource: 'exec' },
    responseStatus: { metadata: {}, code: 101 },
    requestReceivedTimestamp: '2026-03-02T10:15:30.120000Z',
    stageTimestamp: '2026-03-02T10:15:30.180000Z',
    ...fields,
  };
}

const list = (...items: JsonObject[]) => ({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });

test('an exec request, recorded at three stages, is one alert about the pod with its MITRE technique and tactic', () => {
  const decoder = auditDecoder();
  const alerts = decoder.decode(
    list(event({ stage: 'RequestReceived', responseStatus: undefined }), event({ stage: 'ResponseStarted', responseStatus: { code: 101 } }), event({})),
    NOW,
  );
  assert.equal(alerts.length, 1);
  const [alert] = alerts;
  assert.equal(alert.source, 'audit');
  assert.equal(alert.rule, 'audit-pod-exec');
  assert.equal(alert.priority, 'error');
  assert.equal(alert.time, '2026-03-02T10:15:30.180000Z');
  assert.deepEqual(alert.target, { namespace: 'shop', pod: 'web-0', container: 'app' });
  assert.deepEqual(alert.mitre, { techniques: ['T1609'], tactics: ['execution'] });
  assert.equal(alert.output, '"alice" opened an exec session in pod shop/web-0 (container "app")');
  assert.equal(alert.fields['k8s.ns.name'], 'shop');
  assert.equal(alert.fields['k8s.pod.name'], 'web-0');
  assert.equal(alert.fields['audit.id'], 'a-1');
  assert.equal(alert.fields['audit.code'], 101);
  // The command line is in the query: never in the alert.
  assert.ok(!JSON.stringify(alert).includes('Hunter2'), 'the exec command line is left out');
  assert.match(alert.id, /^[0-9a-f]{32}$/);
});

test('the same auditID posted again (a retried batch) gives no second alert; a new request does', () => {
  const decoder = auditDecoder();
  assert.equal(decoder.decode(list(event({})), NOW).length, 1);
  assert.equal(decoder.decode(list(event({})), NOW).length, 0);
  assert.equal(decoder.decode(list(event({ auditID: 'a-2' }), event({ auditID: 'a-2' })), NOW).length, 1);
});

test('a body that is not an audit EventList is refused whole, with what is wrong', () => {
  const decoder = auditDecoder();
  const refuses = (body: unknown, message: RegExp) => assert.throws(() => decoder.decode(body, NOW), (e: unknown) => e instanceof AlertInputError && message.test(e.message));
  refuses('{"kind": "EventList"', /not JSON/);
  refuses([], /must be a JSON object/);
  refuses({ kind: 'PodList', apiVersion: 'v1', items: [] }, /kind must be "EventList", not "PodList"/);
  refuses({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1beta1', items: [] }, /apiVersion must be "audit.k8s.io\/v1"/);
  refuses({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: {} }, /items must be a list/);
  refuses(list(event({}), event({ auditID: 7 })), /items\[1\]\.auditID must be a non-empty string/);
  refuses(list(event({ user: 'alice' })), /items\[0\]\.user must be an object/);
  refuses(list(event({ kind: 'Event', apiVersion: 'v1' })), /items\[0\] must be an audit.k8s.io\/v1 Event/);
  const small = auditDecoder({ maxEvents: 2, maxEventBytes: 2000, maxBodyBytes: 4000 });
  assert.throws(() => small.decode(list(event({}), event({}), event({})), NOW), /3 events, more than the limit of 2/);
  assert.throws(() => small.decode(list(event({ requestObject: { kind: 'Pod', data: 'x'.repeat(3000) } })), NOW), /items\[0\] is \d+ bytes, more than the limit of 2000/);
  assert.throws(() => small.decode(JSON.stringify(list(...Array.from({ length: 2 }, () => event({ userAgent: 'y'.repeat(2500) })))), NOW), /more than the limit of 4000/);
  // A refused body is not remembered: sent again, fixed, it is judged.
  assert.equal(decoder.decode(list(event({})), NOW).length, 1);
});

test('bytes and text bodies are parsed; items without kind and apiVersion (as the webhook sends them) are Events', () => {
  const body = Buffer.from(JSON.stringify(list(event({}))));
  assert.equal(auditDecoder().decode(body, NOW)[0].rule, 'audit-pod-exec');
  assert.equal(auditDecoder().decode(body.toString(), NOW)[0].rule, 'audit-pod-exec');
  assert.equal(readAuditEventList(list(event({})))[0].kind, 'Event');
});

const saUser = (pod?: string) => ({
  username: 'system:serviceaccount:shop:web',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'],
  ...(pod ? { extra: { 'authentication.kubernetes.io/pod-name': [pod], 'authentication.kubernetes.io/pod-uid': ['0b1c'] } } : {}),
});
const secretGet = (name: string, pod?: string) =>
  event({
    auditID: `s-${name}`,
    verb: 'get',
    user: saUser(pod),
    requestURI: `/api/v1/namespaces/shop/secrets/${name}`,
    objectRef: { resource: 'secrets', namespace: 'shop', name, apiVersion: 'v1' },
    responseStatus: { code: 200 },
  });

test('a Secret read is judged against the live objects: its own Secret passes, another one alerts (on the pod whose token read it), unknown without them', () => {
  const live = resourcesFromObjects([
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop' } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', namespace: 'shop' },
      spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: 'registry.example.com/web:1', envFrom: [{ secretRef: { name: 'web-db' } }] }] },
    },
  ]).resources;
  let asked = 0;
  const decoder = auditDecoder({
    liveObjects: () => {
      asked++;
      return live;
    },
  });
  const alerts = decoder.decode(list(secretGet('web-db'), secretGet('payments-api', 'web-0')), NOW);
  assert.deepEqual(
    alerts.map((a) => [a.rule, a.output, a.target, a.priority]),
    [['audit-secret-read-unmounted', '"system:serviceaccount:shop:web" (1 pod spec runs as it) read Secret shop/payments-api, which its pods do not mount (get)', { namespace: 'shop', pod: 'web-0' }, 'warning']],
  );
  assert.equal(asked, 1);
  // An exec alone does not need the live objects.
  decoder.decode(list(event({ auditID: 'x-1' })), NOW);
  assert.equal(asked, 1);
  // Not assessable without them: nothing reported.
  assert.deepEqual(auditDecoder().decode(list(secretGet('payments-api')), NOW), []);
});

test('auditAllowedNetworks: a request from elsewhere alerts; a wrong entry is refused when the decoder is made', () => {
  const decoder = auditDecoder({ settings: { auditAllowedNetworks: ['10.0.0.0/8'] } });
  const alerts = decoder.decode(list(event({ auditID: 'n-1', sourceIPs: ['203.0.113.9'], verb: 'list', requestURI: '/api/v1/namespaces/shop/pods', objectRef: { resource: 'pods', namespace: 'shop', apiVersion: 'v1' }, responseStatus: { code: 200 } })), NOW);
  assert.deepEqual(alerts.map((a) => [a.rule, a.fields['source.ip'], a.mitre?.tactics]), [['audit-request-outside-networks', '203.0.113.9', ['persistence', 'initial-access']]]);
  assert.throws(() => auditDecoder({ settings: { auditAllowedNetworks: ['10.0.0.0/8', 'office'] } }), /"office" is neither a CIDR block nor an IP address/);
});

test('a privileged pod create with a hostPath volume is one alert (both causes in its output) about the new pod', () => {
  const alerts = auditDecoder().decode(
    list(
      event({
        auditID: 'p-1',
        level: 'Request',
        verb: 'create',
        requestURI: '/api/v1/namespaces/shop/pods',
        objectRef: { resource: 'pods', namespace: 'shop', apiVersion: 'v1' },
        responseStatus: { code: 201 },
        requestObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'debug' }, spec: { containers: [{ name: 'sh', image: 'busybox', securityContext: { privileged: true } }], volumes: [{ name: 'root', hostPath: { path: '/' } }] } },
      }),
    ),
    NOW,
  );
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0].rule, 'audit-privileged-pod-created');
  assert.deepEqual(alerts[0].target, { namespace: 'shop', pod: 'debug' });
  assert.match(alerts[0].output, /privileged container "sh"; .*hostPath volume "root"/);
  assert.deepEqual(alerts[0].mitre, { techniques: ['T1610', 'T1611'], tactics: ['defense-evasion', 'execution', 'privilege-escalation'] });
});
