/**
 * Scans spread over threads, and scans that drop objects as they go, must report exactly what a
 * scan keeping every object reports: same findings (cross-object ones included, with their
 * partners in other shards), positions, suppressions, exemption counts, errors and notes.
 */
import assert from 'node:assert/strict';
import { test, describe, before, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanFiles } from '../src/pipeline/scan-files.js';
import { type ScanOptions } from '../src/pipeline/prepare.js';
import { toJsonReport } from '../src/report/json.js';
import { splitFiles } from '../src/pipeline/threads.js';
import { projectResources } from '../src/pipeline/shard.js';
import { loadText } from '../src/sources/files.js';
import { parseConfig } from '../src/config/config-file.js';
import { rules } from '../src/rules/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.js');
let dir: string;

function write(rel: string, text: string): void {
  const file = path.join(dir, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

const deployment = (name: string, ns: string, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels: {app.kubernetes.io/name: ${name}, team: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      serviceAccountName: ${name}
      containers:
      - name: ${name}
        image: registry.example.com/shop/${name}:1.0.0
        envFrom:
        - secretRef: {name: ${name}-credentials}
        env:
        - name: MODE
          valueFrom: {configMapKeyRef: {name: ${name}-config, key: mode}}
${extra}`;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kshield-shard-'));
  cpSync(path.join(root, 'examples/ecommerce/insecure'), path.join(dir, 'a-insecure'), { recursive: true });
  cpSync(path.join(root, 'examples/ecommerce/hardened'), path.join(dir, 'b-hardened'), { recursive: true });
  // Partners of cross-object rules live in files far apart, so that any split separates some of them.
  for (let i = 0; i < 12; i++) {
    const ns = `team-${i % 3}`;
    write(`c-apps/${String(i).padStart(2, '0')}-app.yaml`, deployment(`app${i}`, ns));
    write(
      `z-partners/${String(i).padStart(2, '0')}-partners.yaml`,
      `apiVersion: v1
kind: Service
metadata: {name: app${i}, namespace: ${ns}}
spec:
  selector: {app: ${i % 2 === 0 ? `app${i}` : `nothing${i}`}}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: app${i}, namespace: ${ns}}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: app${i % 4 === 0 ? i : 'other'}}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app${i % 5 === 0 ? i : 'someone-else'}, namespace: ${ns}}
---
apiVersion: v1
kind: Secret
metadata: {name: app${i}-credentials, namespace: ${ns}}
stringData: {token: not-a-real-value-${i}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app${i}-config, namespace: ${ns}}
data: {${i % 2 === 0 ? 'mode' : 'other'}: fast}
`,
    );
  }
  // An operator's custom resource far from the Service selecting its pods, and one kshield does not know.
  write(
    'c-apps/99-operators.yaml',
    `apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s, namespace: team-0}
spec: {replicas: 2}
---
apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata: {name: events, namespace: team-1}
spec: {}
`,
  );
  write(
    'z-partners/99-operators.yaml',
    `apiVersion: v1
kind: Service
metadata: {name: prometheus, namespace: team-0}
spec:
  selector: {app.kubernetes.io/name: prometheus, app.kubernetes.io/instance: k8s}
  ports: [{port: 9090, targetPort: web}]
---
apiVersion: v1
kind: Service
metadata: {name: kafka, namespace: team-1}
spec:
  selector: {app: kafka}
  ports: [{port: 9092}]
`,
  );
  write('m-broken.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n');
  write('m-empty.yaml', '');
  write('m-note.yaml', 'just: a document\n');
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function report(options: ScanOptions): Promise<unknown> {
  const config = parseConfig(
    `exemptions:
- rules: [single-replica, missing-pod-disruption-budget]
  namespaces: [team-1]
  reason: migrating
  owner: platform
- rules: [run-as-non-root]
  reason: old
  owner: platform
  expires: 2020-01-01
`,
    '.kshield.yaml',
    rules,
  );
  const result = await scanFiles([dir], { config, now: new Date('2026-01-01T00:00:00Z'), ...options });
  return { ...toJsonReport(result), exemptions: result.exemptions.map((u) => [u.matched, u.expired]) };
}

describe('sharded and streaming scans', () => {
  test('every way of running a scan gives the same report', async () => {
    const kept = await report({});
    const streamed = await report({ keepResources: false });
    assert.deepEqual(streamed, kept);
    for (const jobs of [2, 3, 5]) assert.deepEqual(await report({ jobs }), kept, `${jobs} jobs`);
    const k = kept as { findings: { rule: string }[]; errors: unknown[]; notes: unknown[] };
    // The fixture really exercises cross-object rules, errors, notes and exemptions.
    for (const id of ['dangling-service', 'config-reference-missing', 'service-account-not-found', 'missing-pod-disruption-budget', 'exemption-expired'])
      assert.ok(k.findings.some((f) => f.rule === id), id);
    assert.ok(k.errors.length > 0 && k.notes.length > 0);
    // Custom resources reach the threads that judge the Services selecting operators' pods.
    const dangling = (k.findings as { rule: string; severity: string; resource: { name: string } }[]).filter((f) => f.rule === 'dangling-service');
    assert.ok(!dangling.some((f) => f.resource.name === 'prometheus'), 'the Prometheus object stands for the pods the Service selects');
    assert.deepEqual(
      dangling.filter((f) => f.resource.name === 'kafka').map((f) => f.severity),
      ['low'],
    );
  });

  test('files are split into contiguous runs of similar size', () => {
    const files = ['a', 'b', 'c', 'd', 'e'].map((n, i) => {
      const f = path.join(dir, `split-${n}.yaml`);
      writeFileSync(f, 'x'.repeat([100, 100, 100, 100, 400][i]));
      return f;
    });
    assert.deepEqual(splitFiles(files, 2), [files.slice(0, 4), files.slice(4)]);
    assert.deepEqual(splitFiles(files, 5), files.map((f) => [f]));
    assert.deepEqual(splitFiles(files.slice(0, 2), 4), [[files[0]], [files[1]]]);
  });

  test('secret and config values never leave the thread that parsed them', () => {
    const loaded = loadText(
      `apiVersion: v1
kind: Secret
metadata: {name: db}
data: {password: c3VwZXItc2VjcmV0LXZhbHVl}
stringData: {token: another-secret-value}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {url: postgres://user:hunter2-secret@db/x}
`,
      'x.yaml',
    );
    const projection = projectResources(loaded.resources);
    for (const value of ['c3VwZXItc2VjcmV0LXZhbHVl', 'another-secret-value', 'hunter2-secret']) assert.ok(!projection.includes(value), value);
    // The keys stay: rules check that referenced keys exist.
    for (const key of ['password', 'token', 'url']) assert.ok(projection.includes(`"${key}"`), key);
  });

  test('the CLI: --jobs changes nothing in the report, rejects nonsense, and JUnit still lists every check', () => {
    const run = (args: string[]) => spawnSync(process.execPath, [cli, 'scan', dir, '--fail-on', 'none', ...args], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
    const one = run(['-o', 'json', '--jobs', '1']);
    const three = run(['-o', 'json', '-j', '3']);
    assert.equal(one.status, 2, one.stderr); // the broken file
    assert.equal(three.status, 2);
    assert.equal(three.stdout, one.stdout);
    assert.equal(three.stderr, one.stderr);
    for (const bad of ['0', 'x', '1.5', '-2']) {
      const r = run(['-o', 'json', '--jobs', bad]);
      assert.equal(r.status, 2, bad);
      assert.match(r.stderr, /--jobs: expected a number from 1 to 64 or "auto"/);
    }
    const junitFile = path.join(dir, 'out', 'junit.xml');
    const junit = run(['-o', `junit=${junitFile}`, '-j', '3']);
    assert.equal(junit.status, 2, junit.stderr);
    const xml = readFileSync(junitFile, 'utf8');
    const cases = xml.match(/<testcase /g)?.length ?? 0;
    assert.ok(cases > 1000, `JUnit has a test case per object and rule (${cases})`);
  });
});
