/**
 * NetworkPolicy semantics, edge case by edge case, as the Kubernetes documentation describes them.
 * Each test builds a small cluster from YAML and asserts the allowed connections as `reach` reports them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadText } from '../src/sources/files.js';
import { buildModel, canConnect, reach, resolvePeer, type NetpolModel } from '../src/analysis/netpol.js';
import { PortSet } from '../src/analysis/ports.js';
import { parseCidr, ipBlockContainsIp, parseIp } from '../src/analysis/cidr.js';
import { calicoMatches, parseCalicoSelector } from '../src/analysis/calico-selector.js';

function model(...docs: string[]): NetpolModel {
  return malformedModel(0, ...docs);
}

/** `inputErrors`: how many wrong-typed fields the (deliberately malformed) input holds. */
function malformedModel(inputErrors: number, ...docs: string[]): NetpolModel {
  const loaded = loadText(docs.join('\n---\n'), 'test.yaml');
  assert.equal(loaded.errors.length, inputErrors, loaded.errors.map((e) => e.message).join('\n'));
  return buildModel(loaded.resources);
}

/** "src -> dst" => ports, for workload pairs only (addresses left out unless asked). */
function pairs(m: NetpolModel, withExternal = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of reach(m).connections) {
    const external = !m.workloadById.has(c.src) || !m.workloadById.has(c.dst);
    if (external && !withExternal) continue;
    out[`${c.src} -> ${c.dst}${c.except ? ` except ${c.except.join(',')}` : ''}`] = c.ports.toString();
  }
  return out;
}

function can(m: NetpolModel, src: string, dst: string, port: number, protocol: 'TCP' | 'UDP' | 'SCTP' = 'TCP'): boolean {
  const s = resolvePeer(m, src);
  const d = resolvePeer(m, dst);
  assert.ok(s && d, `${src} / ${dst} not found`);
  return canConnect(m, s, d, protocol, port).allowed;
}

function ns(name: string, labels: Record<string, string> = {}): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels: ${JSON.stringify(labels)}`;
}

function deploy(name: string, namespace: string, labels: Record<string, string>, ports = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: {matchLabels: ${JSON.stringify(labels)}}
  template:
    metadata: {labels: ${JSON.stringify(labels)}}
    spec:
      containers:
        - name: main
          image: registry.example.com/${name}:1
${ports ? `          ports:\n${ports}` : ''}`;
}

function policy(name: string, namespace: string, spec: string): string {
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec}`;
}

const A = deploy('a', 'shop', { app: 'a' });
const B = deploy('b', 'shop', { app: 'b' }, '            - {name: http, containerPort: 8080}\n            - {name: dns, containerPort: 5353, protocol: UDP}');
const C = deploy('c', 'other', { app: 'c' });

describe('isolation', () => {
  test('without policies every pod is non-isolated: everything is allowed, including addresses outside', () => {
    const m = model(A, B);
    assert.deepEqual(pairs(m, true), {
      'shop/Deployment/a -> shop/Deployment/a': 'all',
      'shop/Deployment/a -> shop/Deployment/b': 'all',
      'shop/Deployment/b -> shop/Deployment/a': 'all',
      'shop/Deployment/b -> shop/Deployment/b': 'all',
      'shop/Deployment/a -> 0.0.0.0/0': 'all',
      'shop/Deployment/a -> ::/0': 'all',
      'shop/Deployment/b -> 0.0.0.0/0': 'all',
      'shop/Deployment/b -> ::/0': 'all',
      '0.0.0.0/0 -> shop/Deployment/a': 'all',
      '0.0.0.0/0 -> shop/Deployment/b': 'all',
      '::/0 -> shop/Deployment/a': 'all',
      '::/0 -> shop/Deployment/b': 'all',
    });
  });

  test('an empty podSelector selects every pod of its namespace only; no ingress rules deny all ingress', () => {
    const m = model(A, B, C, policy('deny', 'shop', '  podSelector: {}'));
    const p = pairs(m);
    assert.equal(p['shop/Deployment/a -> shop/Deployment/b'], undefined);
    assert.equal(p['other/Deployment/c -> shop/Deployment/a'], undefined);
    // egress is not restricted by an Ingress-only policy, and the other namespace is untouched
    assert.equal(p['shop/Deployment/a -> other/Deployment/c'], 'all');
    assert.equal(p['other/Deployment/c -> other/Deployment/c'], 'all');
  });

  test('an absent podSelector is the same as {}', () => {
    const m = model(A, B, policy('deny', 'shop', '  policyTypes: [Ingress]'));
    assert.deepEqual(pairs(m), {});
  });

  test('pods a policy does not select stay non-isolated', () => {
    const m = model(A, B, policy('only-b', 'shop', '  podSelector: {matchLabels: {app: b}}'));
    const p = pairs(m);
    assert.equal(p['shop/Deployment/b -> shop/Deployment/a'], 'all');
    assert.equal(p['shop/Deployment/a -> shop/Deployment/b'], undefined);
  });

  test('a connection needs the source egress and the destination ingress', () => {
    const egressOnly = model(A, B, policy('a-out', 'shop', '  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress:\n    - to: [{podSelector: {matchLabels: {app: b}}}]\n      ports: [{port: 80}]'));
    assert.equal(pairs(egressOnly)['shop/Deployment/a -> shop/Deployment/b'], 'TCP/80');
    const bothSides = model(
      A,
      B,
      policy('a-out', 'shop', '  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress:\n    - to: [{podSelector: {matchLabels: {app: b}}}]\n      ports: [{port: 80}, {port: 443}]'),
      policy('b-in', 'shop', '  podSelector: {matchLabels: {app: b}}\n  ingress:\n    - ports: [{port: 443}, {port: 8443}]'),
    );
    assert.equal(pairs(bothSides)['shop/Deployment/a -> shop/Deployment/b'], 'TCP/443', 'only the ports both sides allow');
    assert.ok(!can(bothSides, 'shop/Deployment/a', 'shop/Deployment/b', 80));
    assert.ok(can(bothSides, 'shop/Deployment/a', 'shop/Deployment/b', 443));
  });
});

describe('rules and peers', () => {
  test('`ingress: []` allows nothing, `- {}` allows everything', () => {
    assert.deepEqual(pairs(model(A, B, policy('none', 'shop', '  podSelector: {matchLabels: {app: b}}\n  ingress: []')))['shop/Deployment/a -> shop/Deployment/b'], undefined);
    assert.equal(pairs(model(A, B, policy('all', 'shop', '  podSelector: {matchLabels: {app: b}}\n  ingress:\n    - {}')))['shop/Deployment/a -> shop/Deployment/b'], 'all');
  });

  test('`from` absent or empty means every source, including addresses outside the cluster', () => {
    for (const rule of ['    - ports: [{port: 8080}]', '    - from: []\n      ports: [{port: 8080}]']) {
      const m = model(A, B, C, policy('b', 'shop', `  podSelector: {matchLabels: {app: b}}\n  ingress:\n${rule}`));
      const p = pairs(m, true);
      assert.equal(p['shop/Deployment/a -> shop/Deployment/b'], 'TCP/8080');
      assert.equal(p['other/Deployment/c -> shop/Deployment/b'], 'TCP/8080');
      assert.equal(p['0.0.0.0/0 -> shop/Deployment/b'], 'TCP/8080');
    }
  });

  test('podSelector alone selects pods in the policy namespace only', () => {
    const C2 = deploy('c', 'other', { app: 'a' });
    const m = model(A, B, C2, policy('b', 'shop', '  podSelector: {matchLabels: {app: b}}\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: a}}}]'));
    const p = pairs(m);
    assert.equal(p['shop/Deployment/a -> shop/Deployment/b'], 'all');
    assert.equal(p['other/Deployment/c -> shop/Deployment/b'], undefined, 'same labels in another namespace do not match');
  });

  test('namespaceSelector and podSelector in one peer are ANDed; as two peers they are ORed', () => {
    const D = deploy('d', 'other', { app: 'd' });
    const base = [ns('shop'), ns('other', { team: 'x' }), A, B, C, D];
    const and = model(...base, policy('b', 'shop', '  podSelector: {matchLabels: {app: b}}\n  ingress:\n    - from:\n        - namespaceSelector: {matchLabels: {team: x}}\n          podSelector: {matchLabels: {app: c}}'));
    assert.deepEqual(
      Object.keys(pairs(and)).filter((k) => k.endsWith('-> shop/Deployment/b')),
      ['other/Deployment/c -> shop/Deployment/b'],
    );
    const or = model(...base, policy('b', 'shop', '  podSelector: {matchLabels: {app: b}}\n  ingress:\n    - from:\n        - namespaceSelector: {matchLabels: {team: x}}\n        - podSelector: {matchLabels: {app: c}}'));
    assert.deepEqual(
      Object.keys(pairs(or)).filter((k) => k.endsWith('-> shop/Deployment/b')).sort(),
      ['other/Deployment/c -> shop/Deployment/b', 'other/Deployment/d -> shop/Deployment/b'],
      'the podSelector peer alone looks in shop, where no pod has app=c',
    );
  });

  test('namespaceSelector: {} selects every namespace; the automatic metadata.name label is matched', () => {
    const all = model(A, B, C, policy('b', 'shop', '  podSelector: {matchLabels: {app: b}}\n  ingress:\n    - from: [{namespaceSelector: {}}]'));
    assert.equal(pairs(all)['other/Deployment/c -> shop/Deployment/b'], 'all');
    assert.equal(pairs(all)['shop/Deployment/a -> shop/Deployment/b'], 'all');
    assert.equal(pairs(all, true)['0.0.0.0/0 -> shop/Deployment/b'], undefined, 'pods only, not addresses');
    const byName = model(A, B, C, policy('b', 'shop', '  podSelector: {matchLabels: {app: b}}\n  ingress:\n    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: other}}}]'));
    assert.equal(pairs(byName)['other/Deployment/c -> shop/Deployment/b'], 'all');
    assert.equal(pairs(byName)['shop/Deployment/a -> shop/Deployment/b'], undefined);
  });

  test('a namespace without a Namespace object has only the automatic label, and a note says so', () => {
    const m = model(A, B, C, policy('b', 'shop', '  podSelector: {matchLabels: {app: b}}\n  ingress:\n    - from: [{namespaceSelector: {matchLabels: {team: x}}}]'));
    assert.equal(pairs(m)['other/Deployment/c -> shop/Deployment/b'], undefined);
    assert.ok(reach(m).notes.some((n) => n.includes('other') && n.includes('kubernetes.io/metadata.name')), reach(m).notes.join('\n'));
    const declared = model(ns('other', { team: 'x' }), A, B, C, policy('b', 'shop', '  podSelector: {matchLabels: {app: b}}\n  ingress:\n    - from: [{namespaceSelector: {matchLabels: {team: x}}}]'));
    assert.equal(pairs(declared)['other/Deployment/c -> shop/Deployment/b'], 'all');
  });

  test('ipBlock with except: an outside peer with its exceptions; addresses inside the exceptions are denied', () => {
    const m = model(A, policy('a', 'shop', '  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]\n      ports: [{port: 5432}]'));
    assert.deepEqual(pairs(m, true), {
      'shop/Deployment/a -> 10.0.0.0/8 except 10.1.0.0/16': 'TCP/5432',
      '0.0.0.0/0 -> shop/Deployment/a': 'all',
      '::/0 -> shop/Deployment/a': 'all',
    });
    assert.ok(can(m, 'shop/Deployment/a', '10.2.3.4', 5432));
    assert.ok(!can(m, 'shop/Deployment/a', '10.1.3.4', 5432));
    assert.ok(!can(m, 'shop/Deployment/a', '192.168.1.1', 5432));
    assert.ok(reach(m).notes.some((n) => n.includes('10.0.0.0/8')), 'private ranges are noted');
  });

  test('ipBlock peers never match workloads: pod IPs are unknown', () => {
    const m = model(A, B, policy('b', 'shop', '  podSelector: {matchLabels: {app: b}}\n  ingress:\n    - from: [{ipBlock: {cidr: 0.0.0.0/0}}]'));
    assert.equal(pairs(m)['shop/Deployment/a -> shop/Deployment/b'], undefined);
    assert.equal(pairs(m, true)['0.0.0.0/0 -> shop/Deployment/b'], 'all');
  });
});

describe('ports', () => {
  const toB = (ports: string): NetpolModel => model(A, B, policy('b', 'shop', `  podSelector: {matchLabels: {app: b}}\n  ingress:\n    - from: [{podSelector: {}}]\n      ports: ${ports}`));

  test('protocol defaults to TCP; a protocol without port means all its ports', () => {
    assert.equal(pairs(toB('[{port: 53}]'))['shop/Deployment/a -> shop/Deployment/b'], 'TCP/53');
    assert.equal(pairs(toB('[{port: 53, protocol: UDP}, {port: 53}]'))['shop/Deployment/a -> shop/Deployment/b'], 'TCP/53, UDP/53');
    assert.equal(pairs(toB('[{protocol: UDP}]'))['shop/Deployment/a -> shop/Deployment/b'], 'UDP/1-65535');
  });

  test('endPort makes a range', () => {
    assert.equal(pairs(toB('[{port: 8000, endPort: 9000}]'))['shop/Deployment/a -> shop/Deployment/b'], 'TCP/8000-9000');
    const m = toB('[{port: 8000, endPort: 9000}]');
    assert.ok(can(m, 'shop/Deployment/a', 'shop/Deployment/b', 8500));
    assert.ok(!can(m, 'shop/Deployment/a', 'shop/Deployment/b', 9001));
  });

  test('named ports resolve against the destination pods, with the protocol', () => {
    assert.equal(pairs(toB('[{port: http}]'))['shop/Deployment/a -> shop/Deployment/b'], 'TCP/8080');
    assert.equal(pairs(toB('[{port: dns, protocol: UDP}]'))['shop/Deployment/a -> shop/Deployment/b'], 'UDP/5353');
    assert.equal(pairs(toB('[{port: dns}]'))['shop/Deployment/a -> shop/Deployment/b'], undefined, 'dns is a UDP port, the rule asks TCP');
    assert.equal(pairs(toB('[{port: missing}]'))['shop/Deployment/a -> shop/Deployment/b'], undefined);
  });

  test('egress named ports resolve against the destination, not the source', () => {
    const srcWithHttp = deploy('a', 'shop', { app: 'a' }, '            - {name: http, containerPort: 9999}');
    const m = model(srcWithHttp, B, policy('a', 'shop', '  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress:\n    - ports: [{port: http}]'));
    const p = pairs(m, true);
    assert.equal(p['shop/Deployment/a -> shop/Deployment/b'], 'TCP/8080');
    assert.equal(p['shop/Deployment/a -> shop/Deployment/a'], 'TCP/9999');
    assert.equal(p['shop/Deployment/a -> 0.0.0.0/0'], undefined, 'a named port cannot be resolved outside the cluster');
    assert.ok(reach(m).notes.some((n) => n.includes('named ports')));
  });

  test('port sets: union, intersection, formatting', () => {
    const s = PortSet.of('TCP', 80).union(PortSet.of('TCP', 81)).union(PortSet.of('UDP', 53));
    assert.deepEqual(s.format(), ['TCP/80-81', 'UDP/53']);
    assert.deepEqual(s.intersect(PortSet.of('TCP', 81, 100)).format(), ['TCP/81']);
    assert.equal(PortSet.ALL.format(), 'all');
    assert.ok(PortSet.ALL.intersect(PortSet.EMPTY).isEmpty());
  });
});

describe('policyTypes', () => {
  test('defaulting: Ingress always, Egress only when spec.egress has rules', () => {
    const withEgress = model(A, B, policy('a', 'shop', '  podSelector: {matchLabels: {app: a}}\n  egress:\n    - to: [{podSelector: {matchLabels: {app: b}}}]'));
    const p = pairs(withEgress, true);
    assert.equal(p['shop/Deployment/a -> shop/Deployment/b'], 'all');
    assert.equal(p['shop/Deployment/a -> 0.0.0.0/0'], undefined, 'egress-isolated');
    assert.equal(p['shop/Deployment/b -> shop/Deployment/a'], undefined, 'ingress-isolated too (Ingress is always defaulted)');
    const emptyEgress = model(A, B, policy('a', 'shop', '  podSelector: {matchLabels: {app: a}}\n  ingress: [{}]\n  egress: []'));
    assert.equal(pairs(emptyEgress, true)['shop/Deployment/a -> 0.0.0.0/0'], 'all', '`egress: []` without policyTypes does not isolate egress');
  });

  test('policyTypes [Egress] only: ingress rules are ignored and ingress stays open', () => {
    const m = model(A, B, policy('b', 'shop', '  podSelector: {matchLabels: {app: b}}\n  policyTypes: [Egress]\n  ingress: []\n  egress: []'));
    const p = pairs(m, true);
    assert.equal(p['shop/Deployment/a -> shop/Deployment/b'], 'all');
    assert.equal(p['shop/Deployment/b -> shop/Deployment/a'], undefined);
    assert.equal(p['shop/Deployment/b -> 0.0.0.0/0'], undefined);
  });

  test('policies are additive: the union of every policy selecting a pod', () => {
    const m = model(
      A,
      B,
      policy('one', 'shop', '  podSelector: {matchLabels: {app: b}}\n  ingress:\n    - ports: [{port: 80}]'),
      policy('two', 'shop', '  podSelector: {}\n  ingress:\n    - ports: [{port: 443}]'),
      policy('deny', 'shop', '  podSelector: {}'),
    );
    assert.equal(pairs(m)['shop/Deployment/a -> shop/Deployment/b'], 'TCP/80, TCP/443');
    assert.equal(pairs(m)['shop/Deployment/b -> shop/Deployment/a'], 'TCP/443');
    const s = resolvePeer(m, 'shop/Deployment/a')!;
    const d = resolvePeer(m, 'shop/Deployment/b')!;
    const verdict = canConnect(m, s, d, 'TCP', 80);
    assert.deepEqual(verdict.ingress.selecting, ['shop/deny', 'shop/one', 'shop/two']);
    assert.deepEqual(verdict.ingress.allowing, ['shop/one (ingress[0])']);
  });
});

describe('workloads', () => {
  test('pods are grouped under their owner chain; a bare pod is its own workload', () => {
    const m = model(
      `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-7d9f
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, controller: true}]
spec:
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web:1}]}`,
      `apiVersion: v1
kind: Pod
metadata:
  name: web-7d9f-abcde
  namespace: shop
  labels: {app: web, pod-template-hash: 7d9f}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d9f, controller: true}]
spec: {containers: [{name: web, image: web:1}]}`,
      `apiVersion: v1
kind: Pod
metadata:
  name: api-5c6b-xyz
  namespace: shop
  labels: {app: api, pod-template-hash: 5c6b}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-5c6b, controller: true}]
spec: {containers: [{name: api, image: api:1}]}`,
      `apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop, labels: {app: debug}}
spec: {containers: [{name: debug, image: busybox:1}]}`,
    );
    assert.deepEqual(m.workloads.map((w) => w.id).sort(), ['shop/Deployment/api', 'shop/Deployment/web', 'shop/Pod/debug']);
  });

  test('objects without a namespace are in "default" (the loader notes it once, or places them with --apply-namespace)', () => {
    const m = model(`apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {containers: [{name: c, image: c:1}]}`);
    assert.deepEqual(m.workloads.map((w) => w.id), ['default/Pod/p']);
    // The count is the loader's one note for the whole run (test/namespace-option.test.ts), not the model's.
    assert.ok(!m.notes.some((n) => n.includes('"default"')), m.notes.join('\n'));
  });

  test('invalid selectors match nothing and are reported', () => {
    const m = model(A, B, policy('bad', 'shop', '  podSelector: {matchExpressions: [{key: app, operator: Equals, values: [a]}]}'));
    assert.equal(pairs(m)['shop/Deployment/b -> shop/Deployment/a'], 'all');
    assert.ok(m.problems.some((p) => p.path.startsWith('/spec/podSelector/matchExpressions/0')));
  });

  test('policy ports as the API server validates them: a quoted number is a name and rejected, named ports take no endPort', () => {
    const ports = (list: string) => policy('p', 'shop', `  podSelector: {matchLabels: {app: b}}\n  ingress: [{ports: ${list}}]`);
    // "8080" quoted is a string, and a string is a port name to the API: it has no letter, so the policy is rejected.
    const quoted = model(A, B, ports('[{port: "8080"}]'));
    assert.ok(quoted.problems.some((p) => p.path === '/spec/ingress/0/ports/0/port' && /number written as a string/.test(p.message)));
    assert.equal(pairs(quoted)['shop/Deployment/a -> shop/Deployment/b'], undefined, 'the rule matches no port');
    const named = model(A, B, ports('[{port: http, endPort: 9000}]'));
    assert.ok(named.problems.some((p) => p.path === '/spec/ingress/0/ports/0/endPort'));
    const bare = model(A, B, ports('[{endPort: 9000}]'));
    assert.ok(bare.problems.some((p) => p.path === '/spec/ingress/0/ports/0/endPort'));
    const valid = model(A, B, ports('[{port: http}, {port: 8080, endPort: 8081}]'));
    assert.deepEqual(valid.problems, []);
    assert.equal(pairs(valid)['shop/Deployment/a -> shop/Deployment/b'], 'TCP/8080-8081');
  });

  test('wrong types never crash the model', () => {
    const m = malformedModel(
      5,
      A,
      policy('x', 'shop', '  podSelector: 7\n  policyTypes: Ingress\n  ingress: {from: 1}\n  egress: [1, {to: "x", ports: [{port: -1}, {port: 80, endPort: 10}, {protocol: ICMP}]}]'),
      policy('y', 'shop', '  ingress: [{from: [{ipBlock: {cidr: nope}}, {}, {podSelector: {}, ipBlock: {cidr: 1.2.3.4/32}}]}]'),
    );
    assert.ok(m.problems.length >= 4);
    reach(m);
  });
});

describe('Cilium and Calico', () => {
  test('their pods are covered and reach says which namespaces are not exact', () => {
    const m = model(
      A,
      C,
      `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: lock, namespace: shop}
spec:
  endpointSelector: {matchLabels: {"k8s:app": a}}
  ingress: [{}]`,
    );
    assert.equal(m.foreign.length, 1);
    assert.deepEqual(m.foreign[0].selected.map((e) => m.endpoints[e].workload.id), ['shop/Deployment/a']);
    assert.ok(m.foreign[0].ingress && !m.foreign[0].egress);
    const notes = reach(m).notes;
    assert.ok(notes.some((n) => n.includes('not exact for namespace(s) shop:') && n.includes('CiliumNetworkPolicy shop/lock')), notes.join('\n'));
  });

  test('a cluster-wide Cilium policy selecting by namespace selects the whole namespace', () => {
    const m = model(
      A,
      C,
      `apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: lock}
spec:
  endpointSelector: {matchLabels: {"k8s:io.kubernetes.pod.namespace": other}}
  egress: [{}]`,
    );
    assert.deepEqual(m.foreign[0].selected.map((e) => m.endpoints[e].workload.id), ['other/Deployment/c']);
    assert.ok(m.foreign[0].selectsWholeNamespace('other'));
    assert.ok(!m.foreign[0].selectsWholeNamespace('shop'));
  });

  test('Calico selectors', () => {
    const sel = (text: string) => parseCalicoSelector(text);
    const labels = { app: 'web', tier: 'front' };
    assert.ok(calicoMatches(sel("app == 'web' && has(tier)")!, labels));
    assert.ok(!calicoMatches(sel("app == 'web' && !has(tier)")!, labels));
    assert.ok(calicoMatches(sel("app in {'api', 'web'} || env == 'x'")!, labels));
    assert.ok(calicoMatches(sel("env not in {'prod'}")!, labels));
    assert.ok(calicoMatches(sel('all()')!, {}));
    assert.ok(calicoMatches(sel("tier starts with 'fr' && (app contains 'e')")!, labels));
    assert.equal(sel('app === web'), undefined);
    const m = model(
      A,
      C,
      `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny}
spec:
  namespaceSelector: kubernetes.io/metadata.name == 'other'
  types: [Ingress, Egress]`,
    );
    assert.deepEqual(m.foreign[0].selected.map((e) => m.endpoints[e].workload.id), ['other/Deployment/c']);
    assert.ok(m.foreign[0].selectsWholeNamespace('other') && m.foreign[0].ingress && m.foreign[0].egress);
  });
});

describe('addresses', () => {
  test('CIDRs of both families', () => {
    const block = { cidr: parseCidr('0.0.0.0/0')!, except: [parseCidr('169.254.0.0/16')!] };
    assert.ok(!ipBlockContainsIp(block, parseIp('169.254.169.254')!));
    assert.ok(ipBlockContainsIp(block, parseIp('8.8.8.8')!));
    assert.ok(!ipBlockContainsIp(block, parseIp('::1')!), 'families do not mix');
    const v6 = parseCidr('2001:db8::/32')!;
    assert.ok(ipBlockContainsIp({ cidr: v6, except: [] }, parseIp('2001:db8:0:1::5')!));
    assert.equal(parseCidr('10.0.0.0/33'), undefined);
    assert.equal(parseCidr('10.0.0/8'), undefined);
    assert.equal(parseCidr(42), undefined);
  });
});
