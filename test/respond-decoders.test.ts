/** The alert decoders of `kshield respond`: Falco's HTTP output, falcosidekick's webhook, the generic form; MITRE from tags. */
import assert from 'node:assert/strict';
import { test, describe } from 'node:test';
import { falcoDecoder, falcosidekickDecoder, genericDecoder } from '../src/runtime/respond/decoders/index.js';
import { AlertInputError } from '../src/runtime/alert.js';
import { mitreFromTags, tacticsOf } from '../src/runtime/mitre.js';
import { falcoShellAlert } from './support/respond.js';

const at = new Date('2026-01-30T12:00:01Z');

describe('Falco HTTP output', () => {
  test('a shell alert becomes one alert with its pod, container, priority and MITRE fields', () => {
    const [alert] = falcoDecoder.decode(falcoShellAlert(), at);
    assert.equal(alert.source, 'falco');
    assert.equal(alert.rule, 'Terminal shell in container');
    assert.equal(alert.priority, 'notice');
    assert.equal(alert.time, '2026-01-30T12:00:00.123456789Z');
    assert.deepEqual(alert.target, { namespace: 'shop', pod: 'cart-5d9c7', container: 'cart', containerId: '3ad7b26ded6d', node: 'node-1' });
    assert.deepEqual(alert.mitre, { techniques: ['T1059'], tactics: ['execution'] });
    assert.equal(alert.fields['proc.name'], 'bash');
    assert.equal(alert.fields['falco.source'], 'syscall');
    assert.match(alert.id, /^[0-9a-f]{20}$/);
    assert.equal(falcoDecoder.decode(falcoShellAlert(), at)[0].id, alert.id, 'the same event posted twice has the same id');
  });

  test('an outbound connection names its destination (fd.rip, fd.rport, fd.l4proto)', () => {
    const body = falcoShellAlert('shop', 'cart-1', {
      rule: 'Unexpected outbound connection destination',
      priority: 'Critical',
      tags: ['network', 'mitre_command_and_control', 'T1071'],
      output_fields: { 'k8s.ns.name': 'shop', 'k8s.pod.name': 'cart-1', 'fd.sip': '203.0.113.7', 'fd.sport': 4444, 'fd.rip': '203.0.113.7', 'fd.rport': '4444', 'fd.l4proto': 'tcp', 'fd.name': '10.0.0.5:51234->203.0.113.7:4444' },
    });
    const [alert] = falcoDecoder.decode(body, at);
    assert.equal(alert.priority, 'critical');
    assert.deepEqual(alert.destination, { ip: '203.0.113.7', port: 4444, protocol: 'TCP' });
    assert.deepEqual(alert.mitre, { techniques: ['T1071'], tactics: ['command-and-control'] });
  });

  test('fields Falco could not resolve (<NA>) and the host container name no pod', () => {
    const [alert] = falcoDecoder.decode(falcoShellAlert('shop', 'x', { hostname: '<NA>', output_fields: { 'k8s.ns.name': '<NA>', 'k8s.pod.name': null, 'container.id': 'host' } }), at);
    assert.equal(alert.target, undefined);
  });

  test('k8smeta plugin fields are taken when k8s.* are absent', () => {
    const [alert] = falcoDecoder.decode(falcoShellAlert('a', 'b', { output_fields: { 'k8smeta.ns.name': 'prod', 'k8smeta.pod.name': 'api-0' } }), at);
    assert.equal(alert.target?.namespace, 'prod');
    assert.equal(alert.target?.pod, 'api-0');
  });

  const malformed: [string, unknown, RegExp][] = [
    ['not an object', 'hello', /JSON object/],
    ['no rule', { ...falcoShellAlert(), rule: undefined }, /rule: required/],
    ['an unknown priority', { ...falcoShellAlert(), priority: 'Severe' }, /priority: "Severe" is not one of/],
    ['a time that is no date', { ...falcoShellAlert(), time: 'yesterday' }, /time: must be an ISO 8601/],
    ['tags that are not strings', { ...falcoShellAlert(), tags: [1, 2] }, /tags: must be a list of strings/],
    ['no output_fields', { ...falcoShellAlert(), output_fields: undefined }, /output_fields: required/],
    ['a nested output field', { ...falcoShellAlert(), output_fields: { 'k8s.pod.name': { a: 1 } } }, /output_fields\.k8s\.pod\.name: must be/],
  ];
  for (const [what, body, message] of malformed) {
    test(`refused whole: ${what}`, () => {
      assert.throws(() => falcoDecoder.decode(body, at), (err: unknown) => err instanceof AlertInputError && message.test((err as Error).message));
    });
  }

  test('a secret in the output text is redacted', () => {
    const [alert] = falcoDecoder.decode(falcoShellAlert('a', 'b', { output: 'curl -H "Authorization: token ghp_0123456789abcdefghijklmnopqrstuvwxyz" https://api.github.com' }), at);
    assert.doesNotMatch(alert.output, /ghp_0123456789abcdefghij/);
  });
});

describe('falcosidekick webhook', () => {
  test('the Falco payload with uuid and hostname; a list of alerts is taken whole', () => {
    const one: Record<string, any> = { ...falcoShellAlert(), uuid: '8a3f7d0e-3e0c-4a0e-9c68-2f7c1f3d9b11', priority: 'Warning' };
    const alerts = falcosidekickDecoder.decode([one, { ...one, output_fields: { ...one.output_fields, 'k8s.pod.name': 'cart-2' } }], at);
    assert.equal(alerts.length, 2);
    assert.equal(alerts[0].source, 'falcosidekick');
    assert.equal(alerts[0].priority, 'warning');
    assert.equal(alerts[0].fields['falcosidekick.uuid'], one.uuid);
    assert.equal(alerts[1].target?.pod, 'cart-2');
  });

  test('one bad alert in a list refuses the body', () => {
    assert.throws(() => falcosidekickDecoder.decode([falcoShellAlert(), { rule: 'x' }], at), /\[1\]\.priority/);
  });
});

describe('the generic form', () => {
  test('one alert, with target, destination and technique tags', () => {
    const [alert] = genericDecoder.decode({ rule: 'crypto-miner', priority: 'critical', message: 'xmrig started', tags: ['T1496'], target: { namespace: 'shop', pod: 'cart-1' }, destination: { ip: '198.51.100.9', port: 3333, protocol: 'TCP' } }, at);
    assert.equal(alert.source, 'generic');
    assert.equal(alert.time, at.toISOString());
    assert.equal(alert.output, 'xmrig started');
    assert.deepEqual(alert.mitre, { techniques: ['T1496'], tactics: ['impact'] });
    assert.deepEqual(alert.destination, { ip: '198.51.100.9', port: 3333, protocol: 'TCP' });
  });

  test('a batch under "alerts"; unknown keys and bad names are refused', () => {
    assert.equal(genericDecoder.decode({ alerts: [{ rule: 'a', priority: 'error' }, { rule: 'b', priority: 'debug' }] }, at).length, 2);
    assert.throws(() => genericDecoder.decode({ rule: 'a', priority: 'error', severity: 'x' }, at), /severity: unknown key/);
    assert.throws(() => genericDecoder.decode({ rule: 'a', priority: 'error', target: { namespace: 'Bad_NS' } }, at), /not a Kubernetes object name/);
    assert.throws(() => genericDecoder.decode({ rule: 'a', priority: 'error', destination: { ip: '999.1.1.1' } }, at), /not an IP address/);
    assert.throws(() => genericDecoder.decode({ alerts: [] }, at), /non-empty list/);
  });
});

describe('MITRE table', () => {
  test('sub-techniques take their parent tactics; mitre_* tags add tactics; unknown techniques keep their id only', () => {
    assert.deepEqual(tacticsOf(['T1552.007']), ['credential-access']);
    assert.deepEqual(tacticsOf(['T1611', 'T1059']), ['execution', 'privilege-escalation']);
    assert.deepEqual(mitreFromTags(['mitre_privilege_escalation', 'T9999']), { techniques: ['T9999'], tactics: ['privilege-escalation'] });
    assert.equal(mitreFromTags(['container', 'shell']), undefined);
  });
});
