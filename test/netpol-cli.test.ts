/** `kshield netpol reach | can | generate` as a user runs them: the built CLI, its output and exit code. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load as loadYaml, loadAll } from 'js-yaml';

import { kshield, root, INSECURE, HARDENED } from './support/cli.js';

const FIXTURE = path.join(root, 'test/fixtures/netpol/cluster.yaml');

interface JsonConnection {
  src: string;
  dst: string;
  except?: string[];
  ports: 'all' | string[];
  mesh: { transport: string; why: string; ports?: unknown[]; authorization?: { effect: string; why: string } };
}

const NO_MESH = { transport: 'plaintext', why: 'neither end is in a mesh' };
const TO_OUTSIDE = { transport: 'unknown', why: 'an address outside the cluster: the application may use TLS itself' };

function reachJson(...paths: string[]): { connections: JsonConnection[]; notes?: string[] } {
  const r = kshield(['netpol', 'reach', ...paths, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { connections: JsonConnection[]; notes?: string[] };
}

/** DOT that Graphviz would read: one digraph, balanced braces and quotes, edges between declared nodes. */
function assertSaneDot(dot: string): void {
  assert.match(dot, /^digraph reach \{\n/);
  assert.ok(dot.trimEnd().endsWith('}'));
  const lines = dot.split('\n');
  let depth = 0;
  const declared = new Set<string>();
  const quoted = /"((?:[^"\\]|\\.)*)"/g;
  for (const line of lines) {
    const unquoted = line.replace(quoted, '');
    assert.ok(!unquoted.includes('"'), `unbalanced quote: ${line}`);
    depth += (unquoted.match(/\{/g) ?? []).length - (unquoted.match(/\}/g) ?? []).length;
    assert.ok(depth >= 0, `brace closes too early: ${line}`);
    const node = /^\s*("(?:[^"\\]|\\.)*") \[/.exec(line);
    if (node) declared.add(node[1]);
  }
  assert.equal(depth, 0, 'braces balance');
  for (const line of lines) {
    const edge = /^\s*("(?:[^"\\]|\\.)*") -> ("(?:[^"\\]|\\.)*") \[label="(?:[^"\\]|\\.)*"\];$/.exec(line);
    if (!line.includes(' -> ')) continue;
    assert.ok(edge, `malformed edge: ${line}`);
    assert.ok(declared.has(edge[1]) && declared.has(edge[2]), `edge between undeclared nodes: ${line}`);
  }
}

/** Mermaid flowchart: one header, subgraphs closed, edges between defined node ids, labels quoted. */
function assertSaneMermaid(text: string): void {
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], 'flowchart LR');
  let open = 0;
  const nodes = new Set<string>();
  for (const line of lines.slice(1)) {
    const t = line.trim();
    if (t.startsWith('subgraph ')) {
      assert.match(t, /^subgraph ns\d+\["[^"]*"\]$/);
      open++;
    } else if (t === 'end') open--;
    else if (t.includes('-->')) {
      const m = /^(n\d+) -->\|"[^"]*"\| (n\d+)$/.exec(t);
      assert.ok(m, `malformed edge: ${t}`);
      assert.ok(nodes.has(m[1]) && nodes.has(m[2]), `edge to an undefined node: ${t}`);
    } else {
      const m = /^(n\d+)(\["[^"]*"\]|\(\["[^"]*"\]\))$/.exec(t);
      assert.ok(m, `malformed node: ${t}`);
      nodes.add(m[1]);
    }
    assert.ok(open >= 0);
  }
  assert.equal(open, 0, 'every subgraph ends');
}

describe('netpol reach', () => {
  test('insecure shop: no policies, so every workload reaches every other on every port', () => {
    const { connections } = reachJson(INSECURE);
    const workloads = new Set(connections.filter((c) => !c.src.includes('/0')).map((c) => c.src));
    assert.ok(workloads.size >= 9, [...workloads].join(', '));
    const cart = connections.find((c) => c.src === 'shop/Deployment/cart' && c.dst === 'shop/StatefulSet/postgres');
    assert.deepEqual(cart, { src: 'shop/Deployment/cart', dst: 'shop/StatefulSet/postgres', ports: 'all', mesh: NO_MESH });
    assert.ok(connections.some((c) => c.src === 'shop/Deployment/payments' && c.dst === '0.0.0.0/0' && c.ports === 'all'));
  });

  test('hardened shop: only the declared paths, with ports, in the documented JSON shape', () => {
    const out = reachJson(HARDENED);
    assert.deepEqual(
      out.connections.find((c) => c.src === 'shop/Deployment/cart' && c.dst === 'shop/Deployment/redis'),
      { src: 'shop/Deployment/cart', dst: 'shop/Deployment/redis', ports: ['TCP/6379'], mesh: NO_MESH },
    );
    assert.deepEqual(
      out.connections.find((c) => c.src === 'shop/Deployment/payments' && c.dst === '0.0.0.0/0'),
      { src: 'shop/Deployment/payments', dst: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'], ports: ['TCP/443'], mesh: TO_OUTSIDE },
    );
    assert.equal(out.connections.find((c) => c.src === 'shop/Deployment/redis'), undefined, 'redis opens no connection');
    assert.equal(out.connections.find((c) => c.src === 'shop/Deployment/cart' && c.dst === 'shop/StatefulSet/postgres'), undefined);
    for (const c of out.connections) {
      assert.deepEqual(Object.keys(c).filter((k) => k !== 'except'), ['src', 'dst', 'ports', 'mesh']);
      assert.ok(['mtls', 'permissive', 'plaintext', 'unknown'].includes(c.mesh.transport), c.mesh.transport);
      if (c.ports !== 'all') for (const p of c.ports) assert.match(p, /^(TCP|UDP|SCTP)\/\d+(-\d+)?$/);
    }
  });

  test('table output lists sources, destinations and ports, then the notes and a summary', () => {
    const r = kshield(['netpol', 'reach', HARDENED]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^SOURCE\s+DESTINATION\s+PORTS\s+TRANSPORT\s+MESH POLICY$/m);
    assert.match(r.stdout, /^shop\/Deployment\/checkout\s+shop\/Deployment\/payments\s+TCP\/8080\s+plaintext\s+-$/m);
    assert.match(r.stdout, /allowed connection\(s\): 11 between workloads/);
  });

  test('fixture: named port resolved on the destination, endPort range, except list, Cilium note', () => {
    const out = reachJson(FIXTURE);
    assert.deepEqual(out.connections.find((c) => c.dst === 'data/StatefulSet/db'), {
      src: 'web/Deployment/front "quoted"',
      dst: 'data/StatefulSet/db',
      ports: ['TCP/5432'],
      // No Namespace object for data: whether a mesh injects its pods is not known.
      mesh: { transport: 'unknown', why: 'the server: the Namespace object of "data" is not in the input, so its mesh labels are unknown' },
    });
    assert.deepEqual(out.connections.find((c) => c.src === 'data/StatefulSet/db'), { src: 'data/StatefulSet/db', dst: '0.0.0.0/0', except: ['169.254.169.254/32'], ports: ['TCP/8000-9000'], mesh: TO_OUTSIDE });
    assert.ok(out.notes?.some((n) => n.startsWith('not exact for namespace(s) web:')), JSON.stringify(out.notes));
    assert.ok(out.notes?.some((n) => n.includes('data') && n.includes('Namespace object')));
  });

  for (const target of [INSECURE, HARDENED, FIXTURE]) {
    test(`DOT and Mermaid are well formed (${path.basename(target)})`, () => {
      const dot = kshield(['netpol', 'reach', target, '-o', 'dot']);
      assert.equal(dot.code, 0, dot.stderr);
      assertSaneDot(dot.stdout);
      const mermaid = kshield(['netpol', 'reach', target, '-o', 'mermaid']);
      assert.equal(mermaid.code, 0, mermaid.stderr);
      assertSaneMermaid(mermaid.stdout);
      const edges = (dot.stdout.match(/ -> /g) ?? []).length;
      assert.equal(edges, reachJson(target).connections.length, 'one edge per connection');
      assert.equal((mermaid.stdout.match(/-->/g) ?? []).length, edges);
    });
  }

  test('reads standard input', () => {
    const r = kshield(['netpol', 'reach', '-', '-o', 'json'], readFileSync(FIXTURE, 'utf8'));
    assert.equal(r.code, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as { connections: unknown[] }).connections.length > 0);
  });

  test('input errors exit 2 and name the file; no paths is a usage error', () => {
    const missing = kshield(['netpol', 'reach', 'does-not-exist.yaml']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does-not-exist\.yaml.*no such file/);
    const broken = kshield(['netpol', 'reach', '-'], 'kind: [unclosed\n');
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /<stdin>/);
    assert.doesNotMatch(broken.stderr, /internal error/);
    assert.equal(kshield(['netpol', 'reach']).code, 2);
    assert.equal(kshield(['netpol', 'reach', HARDENED, '-o', 'svg']).code, 2);
  });

  test('a malformed policy is a warning with its location, never a crash', () => {
    const r = kshield(['netpol', 'reach', '-'], `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: x}
spec:
  podSelector: {matchExpressions: [{key: a, operator: Nope}]}
  ingress: [{from: [{}]}, 7]
`);
    // ingress[1] is a number: the API server rejects that, so it is an input error (exit 2).
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /<stdin>:6: error: NetworkPolicy bad: spec\.ingress\[1\] must be a mapping, but is a number/);
    assert.match(r.stderr, /<stdin>:5:\d+: warning: NetworkPolicy bad: podSelector/);
  });
});

describe('netpol can', () => {
  test('allowed: exit 0, names the allowing policy on each side', () => {
    const r = kshield(['netpol', 'can', 'shop/Deployment/checkout', 'shop/Deployment/payments', HARDENED, '--port', '8080']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ALLOWED: shop\/Deployment\/checkout -> shop\/Deployment\/payments on TCP\/8080$/m);
    assert.match(r.stdout, /allowed by shop\/checkout \(egress\[0\]\)/);
    assert.match(r.stdout, /allowed by shop\/payments \(ingress\[0\]\)/);
  });

  test('denied: exit 1, names the isolating policies', () => {
    const r = kshield(['netpol', 'can', 'shop/Deployment/storefront', 'shop/StatefulSet/postgres', HARDENED, '--port', '5432']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^DENIED/m);
    assert.match(r.stdout, /ingress to shop\/StatefulSet\/postgres: isolated by shop\/default-deny-all, shop\/postgres/);
  });

  test('UDP, IP addresses and JSON', () => {
    const udp = kshield(['netpol', 'can', 'shop/Deployment/cart', 'shop/Deployment/redis', HARDENED, '--port', '6379', '--protocol', 'udp']);
    assert.equal(udp.code, 1);
    const out = kshield(['netpol', 'can', 'shop/Deployment/payments', '203.0.113.9', HARDENED, '--port', '443', '-o', 'json']);
    assert.equal(out.code, 0, out.stderr);
    const json = JSON.parse(out.stdout) as { allowed: boolean; egress: { allowing: string[] }; ingress: { applies: boolean } };
    assert.equal(json.allowed, true);
    assert.deepEqual(json.egress.allowing, ['shop/payments (egress[0])']);
    assert.equal(json.ingress.applies, false);
    const metadata = kshield(['netpol', 'can', 'shop/Deployment/payments', '169.254.169.254', HARDENED, '--port', '443']);
    assert.equal(metadata.code, 1, 'excepted by the ipBlock');
  });

  test('insecure shop: non-isolated pods allow anything', () => {
    const r = kshield(['netpol', 'can', 'shop/Deployment/cart', 'shop/StatefulSet/postgres', INSECURE, '--port', '5432']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /not isolated/);
  });

  test('unknown workloads and bad ports are usage errors (exit 2)', () => {
    const unknown = kshield(['netpol', 'can', 'shop/Deployment/nope', 'shop/Deployment/cart', HARDENED, '--port', '80']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /source "shop\/Deployment\/nope" not found in the input/);
    assert.equal(kshield(['netpol', 'can', 'shop/Deployment/cart', 'shop/Deployment/redis', HARDENED, '--port', '70000']).code, 2);
    assert.equal(kshield(['netpol', 'can', 'shop/Deployment/cart', 'shop/Deployment/redis', HARDENED, '--port', '80', '--protocol', 'ICMP']).code, 2);
    assert.equal(kshield(['netpol', 'can', 'shop/Deployment/cart', 'shop/Deployment/redis', HARDENED]).code, 2, '--port is required');
  });

  test('DST forgotten: the path taken as DST is named as a path, not "nothing to analyse"', () => {
    const relative = path.relative(root, HARDENED);
    for (const args of [
      ['shop/Deployment/cart', '--port', '80', relative],
      ['shop/Deployment/cart', '-p', '80', HARDENED, INSECURE],
      ['shop/Deployment/cart', '-p', '80', path.join(HARDENED, readdirSync(HARDENED).find((f) => f.endsWith('.yaml'))!)],
    ]) {
      const r = kshield(['netpol', 'can', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /error: DST is missing: ".+" looks like a path \((it is a directory|it is a file)\), not a workload \(namespace\/Kind\/name\) or an IP address/, args.join(' '));
      assert.doesNotMatch(r.stderr, /nothing to analyse/);
    }
    const stdin = kshield(['netpol', 'can', 'shop/Deployment/cart', '-p', '80', '-'], '');
    assert.equal(stdin.code, 2);
    assert.match(stdin.stderr, /DST is missing: "-" means standard input/);
    // A workload id or an address is still a destination, whatever exists on disk.
    assert.equal(kshield(['netpol', 'can', 'shop/Deployment/cart', 'shop/Deployment/redis', HARDENED, '-p', '6379']).code, 0);
    assert.equal(kshield(['netpol', 'can', 'shop/Deployment/payments', '203.0.113.9', HARDENED, '-p', '443']).code, 0);
  });

  test('--port: given twice is a usage error; a port name is refused with the reason', () => {
    const twice = kshield(['netpol', 'can', 'shop/Deployment/cart', 'shop/Deployment/redis', HARDENED, '--port', '6379', '-p', '80']);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /--port is given twice \(6379 and 80\): give it once/);
    assert.equal(twice.stdout, '');
    const named = kshield(['netpol', 'can', 'shop/Deployment/cart', 'shop/Deployment/redis', HARDENED, '--port', 'redis']);
    assert.equal(named.code, 2);
    assert.match(named.stderr, /--port: "redis" is a port name; give the number: NetworkPolicies resolve a named port on each destination pod/);
  });
});

describe('netpol generate', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kshield-netpol-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function generate(target: string, extra: string[] = []): { yaml: string; objects: Record<string, unknown>[] } {
    const r = kshield(['netpol', 'generate', target, ...extra]);
    assert.equal(r.code, 0, r.stderr);
    const objects = loadAll(r.stdout) as Record<string, unknown>[];
    return { yaml: r.stdout, objects: objects.filter((o) => o !== null && o !== undefined) };
  }

  test('writes valid networking.k8s.io/v1 NetworkPolicies: default deny and DNS per namespace', () => {
    const { objects } = generate(INSECURE);
    assert.ok(objects.length > 4);
    for (const o of objects) {
      assert.equal(o.apiVersion, 'networking.k8s.io/v1');
      assert.equal(o.kind, 'NetworkPolicy');
      const md = o.metadata as { name: string; namespace: string };
      assert.match(md.name, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      assert.ok(md.namespace);
    }
    for (const ns of ['shop', 'default']) {
      const deny = objects.find((o) => (o.metadata as { name: string; namespace: string }).name === 'default-deny-all' && (o.metadata as { namespace: string }).namespace === ns);
      assert.deepEqual(deny?.spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    }
    const dns = objects.find((o) => (o.metadata as { name: string }).name === 'allow-dns-egress');
    assert.deepEqual((dns?.spec as { egress: { ports: unknown }[] }).egress[0].ports, [
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
  });

  for (const [label, target] of [
    ['insecure', INSECURE],
    ['hardened (its own policies removed)', HARDENED],
  ] as const) {
    test(`fed back into reach, declared traffic is allowed and undeclared traffic denied (${label})`, () => {
      // Scan the workloads with only the generated policies: drop the example's own NetworkPolicies.
      const manifests = path.join(dir, `${label.split(' ')[0]}-manifests.yaml`);
      const docs: unknown[] = [];
      for (const f of readdirSync(target).filter((n) => n.endsWith('.yaml')).sort())
        for (const d of loadAll(readFileSync(path.join(target, f), 'utf8'))) if (d && (d as { kind?: string }).kind !== 'NetworkPolicy') docs.push(d);
      writeFileSync(manifests, docs.map((d) => JSON.stringify(d)).join('\n---\n'));
      const { yaml } = generate(manifests, ['--ingress-namespace', 'ingress-nginx']);
      const policies = path.join(dir, `${label.split(' ')[0]}-policies.yaml`);
      writeFileSync(policies, yaml);
      const connections = reachJson(manifests, policies).connections;
      const allowed = new Map(connections.map((c) => [`${c.src} -> ${c.dst}`, c.ports]));
      const declared = [
        ['shop/Deployment/storefront', 'shop/Deployment/catalog'],
        ['shop/Deployment/checkout', 'shop/Deployment/payments'],
        ['shop/Deployment/cart', 'shop/Deployment/redis'],
      ];
      for (const [src, dst] of declared) {
        const ports = allowed.get(`${src} -> ${dst}`);
        assert.ok(Array.isArray(ports) && ports.length > 0, `declared ${src} -> ${dst} must be allowed; got ${JSON.stringify(ports)}`);
      }
      for (const [src, dst] of [
        ['shop/Deployment/redis', 'shop/Deployment/cart'],
        ['shop/Deployment/payments', 'shop/Deployment/checkout'],
        ['shop/Deployment/storefront', 'shop/StatefulSet/postgres'],
        ['shop/Deployment/cart', 'shop/Deployment/cart'],
      ])
        assert.equal(allowed.get(`${src} -> ${dst}`), undefined, `undeclared ${src} -> ${dst} must be denied`);
      // Traffic from outside only where a NodePort/LoadBalancer Service publishes a workload; never outbound.
      const external = connections.filter((c) => !c.src.startsWith('shop/') || !c.dst.startsWith('shop/'));
      // The insecure shop publishes the storefront on a NodePort and Redis on an open LoadBalancer.
      const published = target === INSECURE ? ['shop/Deployment/redis', 'shop/Deployment/storefront'] : [];
      assert.deepEqual([...new Set(external.map((c) => c.dst))].sort(), published, JSON.stringify(external));
      // Every workload-to-workload connection left is one the manifests declare.
      const declaredPairs = new Set(yaml.split('\n').filter((l) => l.startsWith('# shop/')).map((l) => /^# (\S+) -> (\S+) via/.exec(l)?.slice(1, 3).join(' -> ')));
      for (const c of connections.filter((c) => !external.includes(c))) assert.ok(declaredPairs.has(`${c.src} -> ${c.dst}`), `undeclared connection ${c.src} -> ${c.dst}`);
    });
  }

  test('Ingress backends are allowed from the configured ingress namespace', () => {
    const { objects } = generate(HARDENED, ['--ingress-namespace', 'ingress-nginx']);
    const storefront = objects.find((o) => (o.metadata as { name: string }).name === 'allow-ingress-storefront');
    const from = JSON.stringify((storefront?.spec as { ingress: unknown[] }).ingress);
    assert.match(from, /"kubernetes.io\/metadata.name":"ingress-nginx"/);
    assert.match(from, /"port":"http"/, 'the Service targetPort name is kept: NetworkPolicy resolves it on the pods');
    const any = generate(HARDENED).objects.find((o) => (o.metadata as { name: string }).name === 'allow-ingress-storefront');
    assert.match(JSON.stringify(any?.spec), /"namespaceSelector":\{\}/, 'default: any namespace');
  });

  test('writes to a file, and the YAML parses as one document per policy', () => {
    const file = path.join(dir, 'out.yaml');
    const r = kshield(['netpol', 'generate', HARDENED, '--output-file', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /wrote \d+ NetworkPolicy object\(s\)/);
    const text = readFileSync(file, 'utf8');
    assert.equal(text.split('\n---\n').length, (loadAll(text) as unknown[]).length);
    assert.ok(loadYaml(text.split('\n---\n')[0]));
  });
});
