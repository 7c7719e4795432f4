/**
 * docs/peer-coverage.md must not rot: every check id of the peer tools has a row, and every kshield
 * rule id a row names exists in the catalogue.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rules } from '../src/rules/index.js';
import { evaluate } from '../src/engine/engine.js';
import { loadText } from '../src/sources/files.js';
import { PEER_CASES, type PeerCase } from './support/peer-cases.js';
import { parsePeerCoverage } from '../tools/peer-coverage.js';

/**
 * The peers' check ids, as published in 2026 (Polaris pkg/config/checks @c0e23a2, kube-score
 * README_CHECKS.md @06dedc9, KubeLinter docs/generated/checks.md @35de568, kubesec pkg/rules, the
 * Trivy KSV ids of Monokle's OPA set, Checkov's Kubernetes graph checks, Hadolint's DL checks of its README @00e6fec). Written the way the
 * projects list them: Polaris categories in brackets, "*" for KubeLinter defaults, "(opt)" for
 * kube-score optional checks, and KSV numbers abbreviated after the first.
 */
const PEERS: Record<string, string> = {
  Polaris: `automountServiceAccountToken[S], clusterrolePodExecAttach[S], clusterrolebindingClusterAdmin[S], clusterrolebindingPodExecAttach[S], cpuLimitsMissing[E], cpuRequestsMissing[E], dangerousCapabilities[S], deploymentMissingReplicas[R], hostIPCSet[S], hostNetworkSet[S], hostPIDSet[S], hostPathSet[S], hostPortSet[S], hostProcess[S], hpaMaxAvailability[R], hpaMinAvailability[R], insecureCapabilities[S], linuxHardening[S], livenessProbeMissing[R], memoryLimitsMissing[E], memoryRequestsMissing[E], metadataAndInstanceMismatched[R], missingNetworkPolicy[S], missingPodDisruptionBudget[R], notReadOnlyRootFilesystem[S], pdbDisruptionsIsZero[R], pdbMinAvailableGreaterThanHPAMinReplicas[R], priorityClassNotSet[R], privilegeEscalationAllowed[S], procMount[S], pullPolicyNotAlways[R], readinessProbeMissing[R], rolePodExecAttach[S], rolebindingClusterAdminClusterRole[S], rolebindingClusterAdminRole[S], rolebindingClusterRolePodExecAttach[S], rolebindingRolePodExecAttach[S], runAsPrivileged[S], runAsRootAllowed[S], sensitiveConfigmapContent[S], sensitiveContainerEnvVar[S], tagNotSpecified[R], tlsSettingsMissing[S], topologySpreadConstraint[R].
hostIPC, hostNetwork, hostPID, livenessProbe, readinessProbe, metadataAndNameMismatched, metadataMatchesName, multipleReplicasForDeployment, namespaceHasAlertmanagerConfig, notReadOnlyRootFileSystem, pdbDisruptionsAllowedGreaterThanZero, cpuLimitsRange, host_network.`,
  'kube-score': `deployment-strategy, deployment-replicas, ingress-targets-service, cronjob-has-deadline, cronjob-restartpolicy, container-resources, container-resource-requests-equal-limits (opt), container-cpu-requests-equal-limits (opt), container-memory-requests-equal-limits (opt), container-image-tag, container-image-pull-policy, container-ephemeral-storage-request-and-limit, container-ephemeral-storage-request-equals-limit (opt), container-ports-check (opt), environment-variable-key-duplication, statefulset-has-poddisruptionbudget, deployment-has-poddisruptionbudget, poddisruptionbudget-has-policy, pod-networkpolicy, networkpolicy-targets-pod, pod-probes, pod-probes-identical, container-security-context-user-group-id, container-security-context-privileged, container-security-context-readonlyrootfilesystem, container-seccomp-profile (opt), service-targets-pod, service-type, stable-version, deployment-has-host-podantiaffinity, statefulset-has-host-podantiaffinity, deployment-targeted-by-hpa-does-not-have-replicas-configured, statefulset-has-servicename, deployment-pod-selector-labels-match-template-metadata-labels, statefulset-pod-selector-labels-match-template-metadata-labels, label-values, horizontalpodautoscaler-has-target, horizontalpodautoscaler-replicas, pod-topology-spread-constraints.
container-security-context`,
  KubeLinter: `access-to-create-pods, access-to-secrets, cluster-admin-role-binding, dangling-horizontalpodautoscaler, dangling-ingress, dangling-networkpolicy, dangling-networkpolicypeer-podselector, dangling-service*, dangling-servicemonitor, default-service-account, deprecated-service-account-field*, dnsconfig-options, docker-sock*, drop-net-raw-capability*, duplicate-env-var*, env-value-from, env-var-secret*, exposed-services, host-ipc*, host-network*, host-pid*, hpa-minimum-three-replicas, invalid-target-ports*, job-ttl-seconds-after-finished*, latest-tag*, liveness-port*, minimum-three-replicas, mismatching-selector*, no-anti-affinity*, no-extensions-v1beta*, no-liveness-probe, no-node-affinity, no-read-only-root-fs*, no-readiness-probe, no-rolling-update-strategy, non-existent-service-account*, non-isolated-pod, pdb-max-unavailable*, pdb-min-available*, pdb-unhealthy-pod-eviction-policy*, priority-class-name, privilege-escalation-container*, privileged-container*, privileged-ports, read-secret-from-env-var, readiness-port*, required-annotation-email, required-label-owner, restart-policy, run-as-non-root*, scc-deny-privileged-container, schema-validation, sensitive-host-mounts*, sorted-keys, ssh-port*, startup-port*, unsafe-proc-mount, unsafe-sysctls*, unset-cpu-requirements*, unset-memory-requirements*, use-namespace, wildcard-in-rules, writable-host-mount.`,
  kubesec: `AllowPrivilegeEscalation, ApparmorAny, ApparmorUnconfined, AutomountServiceAccountToken, BindingsToSystemAnonymous, CapDropAll, CapDropAny, CapSysAdmin, DockerSock, HostAliases, HostIPC, HostNetwork, HostPID, HostUsers, LimitsCPU, LimitsMemory, Privileged, ProcMount, ReadOnlyRootFilesystem, RequestsCPU, RequestsMemory, RunAsGroup, RunAsNonRoot, RunAsUser, SeccompAny, SeccompUnconfined, SecretsAsEnvironmentVariables, ServiceAccountName, VolumeClaimAccessModeReadWriteOnce, VolumeClaimRequestsStorage.`,
  'Trivy (Monokle)': `KSV001, 002, 003, 005, 006, 008, 009, 010, 011, 012, 013, 014, 015, 016, 017, 018, 020, 021, 023, 024, 025, 027, 028, 029, 030.`,
  Hadolint: `DL1001, DL3000, DL3001, DL3002, DL3003, DL3004, DL3006, DL3007, DL3008, DL3009, DL3010, DL3011, DL3012, DL3013, DL3014, DL3015, DL3016, DL3018, DL3019, DL3020, DL3021, DL3022, DL3023, DL3024, DL3025, DL3026, DL3027, DL3028, DL3029, DL3030, DL3032, DL3033, DL3034, DL3035, DL3036, DL3037, DL3038, DL3040, DL3041, DL3042, DL3043, DL3044, DL3045, DL3046, DL3047, DL3048, DL3049, DL3050, DL3051, DL3052, DL3053, DL3054, DL3055, DL3056, DL3057, DL3058, DL3059, DL3060, DL3061, DL3062, DL3063, DL4000, DL4001, DL4003, DL4004, DL4005, DL4006.`,
  Checkov: `ClusterRoleBindingPE, RoleBindingPE, ImpersonatePermissions, ModifyServicesStatus, NoCreateNodesProxyOrPodsExec, NoExecuteCommandsInExistingPods, ReadAllSecrets, RequireAllPodsToHaveNetworkPolicy, DefaultNamespace.`,
};

const EXPECTED_COUNTS: Record<string, number> = { Polaris: 44 + 13, 'kube-score': 39 + 1, KubeLinter: 63, kubesec: 30, 'Trivy (Monokle)': 25, Checkov: 9, Hadolint: 67 };

function peerIds(list: string): string[] {
  return list
    .split(/[,\n]/)
    .map((s) =>
      s
        .trim()
        .replace(/\.$/, '')
        .replace(/\[[A-Z]\]$/, '')
        .replace(/\s*\(opt\)$/, '')
        .replace(/\*$/, ''),
    )
    .filter(Boolean)
    .map((id) => (/^\d{3}$/.test(id) ? `KSV${id}` : id));
}

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'docs'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
}

const doc = readFileSync(path.join(repoRoot(), 'docs', 'peer-coverage.md'), 'utf8');
const rows = parsePeerCoverage(doc);

test('the embedded peer lists hold the published number of ids', () => {
  for (const [peer, list] of Object.entries(PEERS)) {
    const ids = peerIds(list);
    assert.equal(new Set(ids).size, ids.length, `${peer} has no duplicates`);
    assert.equal(ids.length, EXPECTED_COUNTS[peer], peer);
  }
});

test('every peer check id has a row in docs/peer-coverage.md', () => {
  const have = new Set(rows.map((r) => `${r.peer}\u0000${r.id}`));
  const missing: string[] = [];
  for (const [peer, list] of Object.entries(PEERS)) for (const id of peerIds(list)) if (!have.has(`${peer}\u0000${id}`)) missing.push(`${peer} ${id}`);
  assert.deepEqual(missing, []);
});

test('every row is a known peer check, listed once', () => {
  const known = new Set(Object.entries(PEERS).flatMap(([peer, list]) => peerIds(list).map((id) => `${peer}\u0000${id}`)));
  const seen = new Set<string>();
  for (const r of rows) {
    const key = `${r.peer}\u0000${r.id}`;
    assert.ok(known.has(key), `line ${r.line}: ${r.peer} ${r.id} is not a peer check id`);
    assert.ok(!seen.has(key), `line ${r.line}: ${r.peer} ${r.id} is listed twice`);
    seen.add(key);
  }
});

test('every rule id named in docs/peer-coverage.md exists in the catalogue', () => {
  const catalogue = new Set(rules.map((r) => r.id));
  for (const r of rows) {
    assert.ok(r.none || r.rules.length > 0, `line ${r.line}: ${r.peer} ${r.id} names no rule and does not say none`);
    assert.ok(!(r.none && r.rules.length > 0), `line ${r.line}: "none" with rule ids`);
    for (const id of r.rules) assert.ok(catalogue.has(id), `line ${r.line}: ${r.peer} ${r.id} maps to unknown rule "${id}"`);
  }
});

test('every uncovered check says why', () => {
  for (const r of rows.filter((x) => x.none)) assert.ok(r.note.length > 10, `line ${r.line}: ${r.peer} ${r.id} needs a reason`);
});

test('the summary table agrees with the rows', () => {
  for (const peer of Object.keys(PEERS)) {
    const mine = rows.filter((r) => r.peer === peer);
    const covered = mine.filter((r) => !r.none).length;
    const line = new RegExp(`^\\| ${peer.replace(/[()]/g, '\\$&')} \\| ${mine.length} \\| ${covered} \\| ${mine.length - covered} \\|$`, 'm');
    assert.match(doc, line, `summary row for ${peer}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Mapping semantics: small manifests of our own, shaped like the success and failure cases of the
// peers' own fixtures (Polaris test/checks/<check>/, KubeLinter tests/checks/), run through the rules
// a row names. A peer failure must give a finding of one of them, a peer success none, except the
// cases the "Where we differ, and why" section explains.

const rulesById = new Map(rules.map((r) => [r.id, r]));
const rowOf = new Map(rows.map((r) => [`${r.peer}\u0000${r.id}`, r]));

function differSection(): string {
  const start = doc.indexOf('\n## Where we differ, and why');
  assert.ok(start >= 0, 'docs/peer-coverage.md has a "Where we differ, and why" section');
  const next = doc.indexOf('\n## ', start + 5);
  return doc.slice(start, next === -1 ? undefined : next);
}

/** Peer checks the section explains, as "Peer\0check" keys, from bullets starting "- **Peer `check`**[, **Peer `other`**]:". */
function explained(): Set<string> {
  const keys = new Set<string>();
  for (const line of differSection().split('\n')) {
    const head = /^- ((?:\*\*(?:Polaris|KubeLinter) `[^`]+`\*\*(?:, )?)+):/.exec(line);
    if (!head) continue;
    for (const m of head[1].matchAll(/\*\*(Polaris|KubeLinter) `([^`]+)`\*\*/g)) keys.add(`${m[1]}\u0000${m[2]}`);
  }
  return keys;
}

function firedRules(c: PeerCase): string[] {
  const row = rowOf.get(`${c.peer}\u0000${c.check}`);
  assert.ok(row && !row.none, `${c.peer} ${c.check} has a covered row`);
  const selected = row.rules.map((id) => rulesById.get(id)!);
  const text = c.objects.map((o) => JSON.stringify(o)).join('\n---\n');
  const loaded = loadText(text, `${c.check}.yaml`);
  assert.deepEqual(loaded.errors, [], `${c.peer} ${c.check} (${c.label}) loads`);
  const result = evaluate(loaded.resources, { rules: selected, ...(c.kubernetesVersion ? { settings: { kubernetesVersion: c.kubernetesVersion } } : {}) });
  assert.deepEqual(result.errors, [], `${c.peer} ${c.check} (${c.label}) evaluates`);
  return [...new Set(result.findings.map((f) => f.rule))].sort();
}

test('each mapped rule judges the peer-shaped cases as the peer does, except where the page says why not', () => {
  const wrong: string[] = [];
  for (const c of PEER_CASES) {
    const fired = firedRules(c);
    const kshield = fired.length > 0 ? 'fail' : 'pass';
    const agrees = kshield === c.peerVerdict;
    if (c.differs ? agrees : !agrees) {
      wrong.push(`${c.peer} ${c.check} "${c.label}": peer ${c.peerVerdict}, kshield ${kshield}${fired.length ? ` (${fired.join(', ')})` : ''}${c.differs ? ', but the case is listed as a difference' : ''}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('every difference is explained in the page, and every explained check has a differing case', () => {
  const have = explained();
  const differing = new Set(PEER_CASES.filter((c) => c.differs).map((c) => `${c.peer}\u0000${c.check}`));
  assert.deepEqual([...differing].filter((k) => !have.has(k)).map((k) => k.replace('\u0000', ' ')), [], 'differences without an explanation');
  assert.deepEqual([...have].filter((k) => !differing.has(k)).map((k) => k.replace('\u0000', ' ')), [], 'explanations without a differing case');
});

test('every covered Polaris and KubeLinter check has a failing and a passing case', () => {
  const historical = new Set(peerIds(PEERS.Polaris.split('\n')[1]));
  const missing: string[] = [];
  for (const r of rows) {
    if (r.none || (r.peer !== 'Polaris' && r.peer !== 'KubeLinter') || (r.peer === 'Polaris' && historical.has(r.id))) continue;
    const mine = PEER_CASES.filter((c) => c.peer === r.peer && c.check === r.id && !c.differs);
    for (const verdict of ['fail', 'pass'] as const) if (!mine.some((c) => c.peerVerdict === verdict)) missing.push(`${r.peer} ${r.id}: no agreeing ${verdict} case`);
  }
  assert.deepEqual(missing, []);
});

test('each rule of a several-rule mapping reports some failure of the peer check on its own', () => {
  // A union of rules is a faithful mapping only when each rule reports a part of what the peer fails;
  // a rule that fires only where the peer passes (a stricter control) does not belong in the row.
  const idle: string[] = [];
  for (const r of rows) {
    if (r.rules.length < 2 || (r.peer !== 'Polaris' && r.peer !== 'KubeLinter')) continue;
    const fails = PEER_CASES.filter((c) => c.peer === r.peer && c.check === r.id && c.peerVerdict === 'fail' && !c.differs);
    const fired = new Set(fails.flatMap((c) => firedRules(c)));
    for (const id of r.rules) if (!fired.has(id)) idle.push(`${r.peer} ${r.id}: ${id} reports none of its failure cases`);
  }
  assert.deepEqual(idle, []);
});

test('no several-rule mapping names a Restricted control next to a looser one for an any-of peer check', () => {
  // Polaris' linuxHardening is satisfied by any one mechanism: naming the rules that each require one
  // of them would report what Polaris accepts. It maps to the single rule with its meaning.
  const row = rowOf.get('Polaris\u0000linuxHardening');
  assert.deepEqual(row?.rules, ['linux-hardening-missing']);
});
