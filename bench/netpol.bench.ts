/**
 * `npm run bench:netpol`: NetworkPolicy reachability at scale, end to end in one process.
 *
 * Generates (seeded, in memory) BENCH_NETPOL_PODS Pod objects (default 10,000) as a live cluster
 * lists them: pods of Deployments (owned by ReplicaSets), of StatefulSets, and some bare pods,
 * in BENCH_NETPOL_NAMESPACES namespaces (default 50), plus BENCH_NETPOL_POLICIES NetworkPolicies
 * (default 2,000): a default deny and DNS egress per namespace, then per-app policies mixing pod
 * selectors, namespace selectors (one peer and separate peers), ipBlocks with except, named
 * ports and endPort ranges. Then it times: objects -> Resources, the model (selection indexes,
 * per-policy selected sets), the full reachability matrix, and rendering it as JSON.
 * Prints pods, workloads, policies, connections, time per phase, peak RSS, and the ratio against
 * the 5 s target. A benchmark reports: it exits 0 on a miss.
 */
import { resourcesFromObjects } from '../src/sources/files.js';
import { buildModel, reach } from '../src/analysis/netpol.js';
import { meshColumn } from '../src/analysis/mesh-reach.js';
import { envInt, fmt } from './measure.js';
import { Rng } from './rng.js';

const TARGET_MS = 5000;
const PODS = envInt('BENCH_NETPOL_PODS', 10_000);
const POLICIES = envInt('BENCH_NETPOL_POLICIES', 2_000);
const NAMESPACES = Math.max(1, envInt('BENCH_NETPOL_NAMESPACES', 50));
const REPLICAS = 10;

const TIERS = ['web', 'api', 'db', 'worker', 'cache'] as const;
const TEAMS = ['payments', 'search', 'checkout', 'platform', 'data'];

interface App {
  ns: string;
  name: string;
  tier: string;
  kind: 'Deployment' | 'StatefulSet' | 'Pod';
}

function generate(rng: Rng): { objects: unknown[]; pods: number; apps: App[] } {
  const objects: unknown[] = [];
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `ns-${i}`);
  for (const ns of namespaces) objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { team: rng.pick(TEAMS), env: rng.pick(['prod', 'staging']) } } });
  const apps: App[] = [];
  let pods = 0;
  let n = 0;
  while (pods < PODS) {
    const ns = namespaces[n % NAMESPACES];
    const tier = rng.pick(TIERS);
    const kind = rng.weighted([
      ['Deployment', 7],
      ['StatefulSet', 2],
      ['Pod', 1],
    ] as const);
    const name = `${tier}-${n++}`;
    apps.push({ ns, name, tier, kind });
    const replicas = kind === 'Pod' ? 1 : Math.min(REPLICAS, PODS - pods);
    const hash = (n * 2654435761 >>> 0).toString(16).slice(0, 8);
    for (let r = 0; r < replicas; r++) {
      const labels: Record<string, string> = { app: name, tier };
      const metadata: Record<string, unknown> = { name: kind === 'Pod' ? name : `${name}-${r}`, namespace: ns, labels };
      if (kind === 'Deployment') {
        labels['pod-template-hash'] = hash;
        metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-${hash}`, controller: true }];
      } else if (kind === 'StatefulSet') metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name, controller: true }];
      objects.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata,
        spec: { containers: [{ name: 'main', image: `registry.example.com/${tier}:1`, ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }] }] },
      });
      pods++;
    }
  }
  let policies = 0;
  const policy = (ns: string, name: string, spec: Record<string, unknown>): void => {
    objects.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec });
    policies++;
  };
  for (const ns of namespaces) {
    if (policies >= POLICIES) break;
    policy(ns, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    if (policies >= POLICIES) break;
    policy(ns, 'dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
    });
  }
  for (let i = 0; policies < POLICIES; i++) {
    const app = apps[i % apps.length];
    const shape = i % 5;
    const selector = { matchLabels: { app: app.name } };
    if (shape === 0)
      policy(app.ns, `p-${i}`, { podSelector: selector, ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'web' } } }], ports: [{ port: 'http' }] }] });
    else if (shape === 1)
      policy(app.ns, `p-${i}`, {
        podSelector: selector,
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: rng.pick(TEAMS) } }, podSelector: { matchLabels: { tier: 'api' } } }], ports: [{ port: 8080 }] }],
      });
    else if (shape === 2)
      policy(app.ns, `p-${i}`, {
        podSelector: { matchLabels: { tier: app.tier } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ podSelector: { matchLabels: { tier: 'db' } } }, { namespaceSelector: { matchLabels: { env: 'prod' } } }], ports: [{ port: 8000, endPort: 9000 }] }],
      });
    else if (shape === 3)
      policy(app.ns, `p-${i}`, {
        podSelector: selector,
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] } }] }],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '169.254.0.0/16'] } }], ports: [{ port: 443 }] }],
      });
    else policy(app.ns, `p-${i}`, { podSelector: selector, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { tier: 'worker' } } }], ports: [{ port: 'metrics' }] }] });
  }
  return { objects, pods, apps };
}

function time<T>(fn: () => T): [T, number] {
  const started = process.hrtime.bigint();
  const value = fn();
  return [value, Number(process.hrtime.bigint() - started) / 1e6];
}

const [generated, genMs] = time(() => generate(new Rng(20260101)));
const [loaded, loadMs] = time(() => resourcesFromObjects(generated.objects, '<bench>'));
if (loaded.errors.length) {
  process.stderr.write(`generated objects did not load: ${loaded.errors[0].message}\n`);
  process.exit(1);
}
const [model, modelMs] = time(() => buildModel(loaded.resources));
const [result, reachMs] = time(() => reach(model));
const [mesh, meshMs] = time(() => meshColumn(loaded.resources, model, result.connections));
const [json, renderMs] = time(() => JSON.stringify({ connections: result.connections.map((c, i) => ({ src: c.src, dst: c.dst, ...(c.except ? { except: c.except } : {}), ports: c.ports.format(), mesh: mesh[i] })) }));
const totalMs = loadMs + modelMs + reachMs + meshMs + renderMs;
const internal = result.connections.filter((c) => model.workloadById.has(c.src) && model.workloadById.has(c.dst)).length;
const rssMiB = process.resourceUsage().maxRSS / 1024;

const log = (line: string): void => void process.stdout.write(line + '\n');
log('kshield netpol reachability benchmark');
log(`  pods              ${fmt(generated.pods)} (as ${fmt(model.workloads.length)} workloads, ${fmt(model.endpoints.length)} distinct pod label sets) in ${NAMESPACES} namespaces`);
log(`  policies          ${fmt(model.policies.length)} NetworkPolicies`);
log(`  connections       ${fmt(result.connections.length)} (${fmt(internal)} between workloads), JSON ${fmt(json.length / 1024 / 1024, 1)} MiB`);
log(`  generate objects  ${fmt(genMs)} ms (not counted)`);
log(`  load              ${fmt(loadMs)} ms`);
log(`  model             ${fmt(modelMs)} ms`);
log(`  reachability      ${fmt(reachMs)} ms`);
log(`  mesh column       ${fmt(meshMs)} ms`);
log(`  render JSON       ${fmt(renderMs)} ms`);
log(`  total             ${fmt(totalMs)} ms`);
log(`  peak RSS          ${fmt(rssMiB)} MiB`);
log(`  target            ${fmt(TARGET_MS)} ms: ratio ${fmt(totalMs / TARGET_MS, 2)} -> ${totalMs <= TARGET_MS ? 'PASS' : 'MISS'}`);
