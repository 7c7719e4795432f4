/**
 * The bundled example application: the hardened shop must scan clean at medium and above, the
 * insecure one must trip the rules it was written to trip, and every finding must point at the
 * field it is about.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scanFiles, type ScanResult } from '../src/core/scan.js';
import { rules } from '../src/rules/index.js';
import { pointerTokens } from '../src/sources/yaml.js';
import { severityRank, type Finding } from '../src/core/types.js';

/** The repo root, whether this runs compiled from dist/test or from test/. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'examples'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repository root not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

const EXAMPLE = path.join(repoRoot(), 'examples', 'ecommerce');
const HARDENED = path.join(EXAMPLE, 'hardened');
const INSECURE = path.join(EXAMPLE, 'insecure');

/**
 * Rules the insecure variant was written to trip, each with a file where it must fire and the
 * mistake that trips it there. Only ids in the catalogue belong here; a test below names any
 * id that goes missing from the catalogue, so a renamed rule fails loudly, not silently.
 */
const EXPECTED_IN_INSECURE: Record<string, [file: string, why: string]> = {
  'privileged-container': ['node-agent.yaml', 'the agent runs privileged'],
  'host-network': ['node-agent.yaml', 'hostNetwork: true'],
  'host-pid': ['node-agent.yaml', 'hostPID: true'],
  'host-port': ['node-agent.yaml', 'hostPort 9100'],
  'host-path-volume': ['postgres.yaml', 'database files on a hostPath'],
  'container-runtime-socket-mount': ['node-agent.yaml', 'mounts /var/run/docker.sock'],
  'host-root-mount': ['node-agent.yaml', "mounts the node's /"],
  'host-log-mount': ['node-agent.yaml', 'mounts /var/log'],
  'writable-host-mount': ['postgres.yaml', 'the hostPath is mounted read-write'],
  'disallowed-capabilities': ['cart.yaml', 'adds NET_ADMIN and NET_RAW'],
  'dangerous-capabilities': ['node-agent.yaml', 'adds SYS_ADMIN'],
  'allow-privilege-escalation': ['cart.yaml', 'allowPrivilegeEscalation: true'],
  'run-as-non-root': ['payments.yaml', 'runAsNonRoot: false'],
  'run-as-root-user': ['storefront.yaml', 'runAsUser: 0'],
  'root-group-id': ['checkout.yaml', 'runAsGroup: 0'],
  'seccomp-profile-required': ['redis.yaml', 'no seccomp profile anywhere'],
  'capabilities-drop-all': ['orders.yaml', 'no container drops ALL'],
  'writable-root-filesystem': ['payments.yaml', 'readOnlyRootFilesystem: false'],
  'image-tag-latest': ['redis.yaml', 'redis:latest'],
  'image-tag-missing': ['postgres.yaml', 'image: postgres'],
  'cpu-limits-missing': ['catalog.yaml', 'requests but no limits'],
  'memory-limits-missing': ['cart.yaml', 'requests but no limits'],
  'liveness-probe-missing': ['orders.yaml', 'no probes'],
  'readiness-probe-missing': ['cart.yaml', 'a liveness probe only'],
  'probe-port-not-declared': ['cart.yaml', 'liveness probe on 8081, container declares 8080'],
  'probes-identical': ['checkout.yaml', 'liveness and readiness share one endpoint'],
  'hardcoded-secret': ['payments.yaml', 'provider API key as a literal env value'],
  'default-service-account': ['storefront.yaml', 'no serviceAccountName'],
  'service-account-token-automount': ['checkout.yaml', 'automountServiceAccountToken: true'],
  'missing-required-labels': ['redis.yaml', 'only an "app" label'],
  'namespace-pod-security-not-enforced': ['namespace.yaml', 'no pod-security.kubernetes.io/enforce label'],
  'default-namespace': ['order-export.yaml', 'namespace: default'],
  'removed-api-version': ['catalog.yaml', 'policy/v1beta1 PodDisruptionBudget'],
  'replicas-with-hpa': ['storefront.yaml', 'replicas set on an autoscaled Deployment'],
  'cronjob-concurrency-allowed': ['order-export.yaml', 'no concurrencyPolicy'],
  'cronjob-missing-deadline': ['order-export.yaml', 'no startingDeadlineSeconds'],
  'single-replica': ['payments.yaml', 'replicas: 1'],
  'missing-pod-disruption-budget': ['orders.yaml', 'two replicas, no PodDisruptionBudget'],
  'no-pod-spreading': ['checkout.yaml', 'no anti-affinity or topology spread'],
  'statefulset-service-name': ['postgres.yaml', 'the StatefulSet Service is not headless'],
  'secret-data-committed': ['postgres.yaml', 'the database password in a committed Secret'],
  'configmap-credentials': ['catalog.yaml', 'DATABASE_PASSWORD in a ConfigMap'],
  'legacy-service-account-token-secret': ['payments.yaml', 'a kubernetes.io/service-account-token Secret for CI'],
  'service-type-nodeport': ['storefront.yaml', 'the storefront on a NodePort'],
  'load-balancer-unrestricted': ['redis.yaml', 'Redis on a LoadBalancer without source ranges'],
  'sensitive-port-exposed': ['redis.yaml', 'port 6379 reachable from the internet'],
  'ingress-tls-missing': ['ingress.yaml', 'the Ingress has no tls section'],
  'rbac-cluster-admin-binding': ['payments.yaml', 'payments is bound to cluster-admin'],
  'rbac-anonymous-access': ['ops-access.yaml', 'the status page role is bound to system:unauthenticated'],
  'rbac-all-authenticated-access': ['ops-access.yaml', 'edit granted to system:authenticated'],
  'rbac-default-service-account-bound': ['storefront.yaml', 'view bound to the default service account'],
  'rbac-binding-role-not-found': ['ops-access.yaml', 'the deployer RoleBinding outlived its Role'],
  'rbac-binding-subject-not-found': ['ops-access.yaml', 'the release bot was renamed'],
  'rbac-wildcard-verbs': ['orders.yaml', 'verbs: ["*"]'],
  'rbac-wildcard-resources': ['node-agent.yaml', 'resources: ["*"]'],
  'rbac-secrets-read-cluster-wide': ['node-agent.yaml', 'get/list/watch on every resource, cluster-wide'],
  'rbac-secrets-read': ['orders.yaml', '"*" in a Role'],
  'rbac-create-pods': ['orders.yaml', '"*" in a Role'],
  'rbac-pod-exec': ['node-agent.yaml', 'pods/exec'],
  'rbac-escalate-bind': ['orders.yaml', '"*" verbs on every resource'],
  'rbac-impersonate': ['orders.yaml', '"*" verbs on every resource'],
  'rbac-nodes-proxy': ['node-agent.yaml', 'get on every resource includes nodes/proxy'],
  'rbac-serviceaccount-token': ['orders.yaml', '"*" in a Role'],
  'rbac-approve-csr': ['ops-access.yaml', 'the release bot approves client certificates'],
  'rbac-admission-webhook-modify': ['ops-access.yaml', 'the release bot patches the sidecar injector'],
  'namespace-without-network-policy': ['namespace.yaml', 'the shop namespace has no NetworkPolicy at all'],
  'missing-default-deny-ingress': ['namespace.yaml', 'no default-deny ingress policy in shop'],
  'missing-default-deny-egress': ['namespace.yaml', 'no default-deny egress policy in shop'],
};

const MEDIUM = severityRank('medium');

function describeFinding(f: Finding): string {
  return `${f.severity} ${f.rule} ${path.relative(EXAMPLE, f.file)}:${f.line}:${f.column} ${f.path}: ${f.message}`;
}

function workloadCount(result: ScanResult): number {
  return result.resources.filter((r) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(r.kind)).length;
}

const fileLines = new Map<string, string[]>();
function linesOf(file: string): string[] {
  let lines = fileLines.get(file);
  if (!lines) {
    lines = readFileSync(file, 'utf8').split(/\r?\n/);
    fileLines.set(file, lines);
  }
  return lines;
}

/** A finding's line and column lie inside its file, and that line names the field the pointer ends in. */
function assertPointsAtField(f: Finding): void {
  const lines = linesOf(f.file);
  assert.ok(f.line >= 1 && f.line <= lines.length, `line out of range: ${describeFinding(f)}`);
  const text = lines[f.line - 1];
  assert.ok(f.column >= 1 && f.column <= text.length + 1, `column out of range: ${describeFinding(f)}`);
  const last = pointerTokens(f.path).at(-1);
  if (last !== undefined && !/^\d+$/.test(last)) {
    assert.ok(text.includes(last), `line ${f.line} ("${text.trim()}") does not hold "${last}": ${describeFinding(f)}`);
  }
}

describe('example application: hardened shop', () => {
  let result: ScanResult;
  before(async () => {
    result = await scanFiles([HARDENED]);
  });

  test('loads without input errors', () => {
    assert.deepEqual(result.errors, []);
    assert.ok(result.resources.length > 40, `expected the whole shop, got ${result.resources.length} objects`);
  });

  test('has no unsuppressed finding at medium or above', () => {
    const serious = result.findings.filter((f) => !f.suppressed && severityRank(f.severity) >= MEDIUM);
    assert.deepEqual(serious.map(describeFinding), []);
  });

  test('suppresses nothing: it is clean, not silenced', () => {
    assert.deepEqual(result.findings.filter((f) => f.suppressed).map(describeFinding), []);
  });

  test('runs about eight services', () => {
    assert.ok(workloadCount(result) >= 8, `only ${workloadCount(result)} Deployments/StatefulSets/DaemonSets`);
  });

  test('any lower-severity finding points at its field', () => {
    for (const f of result.findings) assertPointsAtField(f);
  });
});

describe('example application: insecure shop', () => {
  let result: ScanResult;
  before(async () => {
    result = await scanFiles([INSECURE]);
  });

  test('loads without input errors', () => {
    assert.deepEqual(result.errors, []);
  });

  test('every expected rule is in the catalogue', () => {
    const ids = new Set(rules.map((r) => r.id));
    for (const id of Object.keys(EXPECTED_IN_INSECURE)) assert.ok(ids.has(id), `rule ${id} is not in the catalogue`);
  });

  test('flags the privileged node agent as critical', () => {
    const privileged = result.findings.filter((f) => f.rule === 'privileged-container');
    assert.ok(privileged.length > 0, 'no privileged-container finding');
    for (const f of privileged) {
      assert.equal(f.severity, 'critical');
      assert.equal(f.resource.kind, 'DaemonSet');
      assert.equal(f.resource.name, 'node-agent');
      assert.equal(path.basename(f.file), 'node-agent.yaml');
    }
  });

  test('trips every rule it was written to trip, in the file with the mistake', () => {
    // A rule whose finding was folded into another one with the same cause (reported as related) fired too.
    const fired = new Set(result.findings.filter((f) => !f.suppressed).flatMap((f) => [f.rule, ...(f.related ?? []).map((r) => r.rule)].map((rule) => `${rule} ${path.basename(f.file)}`)));
    const missing = Object.entries(EXPECTED_IN_INSECURE)
      .filter(([id, [file]]) => !fired.has(`${id} ${file}`))
      .map(([id, [file, why]]) => `${id} in ${file} (${why})`);
    assert.deepEqual(missing, []);
  });

  test('has many findings across many files', () => {
    const serious = result.findings.filter((f) => !f.suppressed && severityRank(f.severity) >= MEDIUM);
    assert.ok(serious.length >= 40, `only ${serious.length} findings at medium or above`);
    const files = new Set(serious.map((f) => path.basename(f.file)));
    assert.ok(files.size >= 8, `findings in only ${files.size} files: ${[...files].join(', ')}`);
  });

  test('every finding points inside its file, at the offending field', () => {
    assert.ok(result.findings.length > 0);
    for (const f of result.findings) assertPointsAtField(f);
  });

  test('runs about eight services', () => {
    assert.ok(workloadCount(result) >= 8, `only ${workloadCount(result)} Deployments/StatefulSets/DaemonSets`);
  });
});
