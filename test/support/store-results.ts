/**
 * Large kshield JSON results for the store's tests and `bench:serve`, generated from a seed: the
 * shape `kshield cluster -o json` writes (format 2, cluster findings with no line), real rule ids
 * with their catalogue severities, a few hundred namespaces and a handful of teams, messages as long
 * as the rules write them, a share of suppressed findings and of folded (related) ones. A scan's
 * findings drift from the previous scan's (some fixed, some new) as a cluster's would.
 */
import type { JsonFinding, JsonReport } from '../../src/report/json.js';
import type { Severity } from '../../src/core/types.js';
import { SEVERITIES } from '../../src/core/types.js';
import { rules } from '../../src/rules/index.js';
import type { ObjectLabels } from '../../src/store/types.js';

/** mulberry32: small, fast, and the same numbers everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedResult {
  report: JsonReport;
  objectLabels: ObjectLabels[];
}

export interface GenerateOptions {
  findings: number;
  seed?: number;
  namespaces?: number;
  teams?: number;
  /** 0-based scan number of a series: each later scan fixes ~2% of the findings and adds ~2% new ones. */
  generation?: number;
  cluster?: string;
}

const KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Service', 'ConfigMap', 'Role', 'RoleBinding', 'Ingress', 'ServiceAccount'];

export function generateResult(options: GenerateOptions): GeneratedResult {
  const seed = options.seed ?? 0x5eed;
  const namespaces = options.namespaces ?? 300;
  const teams = options.teams ?? 24;
  const generation = options.generation ?? 0;
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const catalogue = rules.filter((r) => !r.id.startsWith('audit-') && !r.id.startsWith('drift-'));
  // Per-object findings: about 8 findings per object, so objects ≈ findings / 8.
  const objects = Math.max(1, Math.ceil(options.findings / 8));
  const objectLabels: ObjectLabels[] = [];
  for (let n = 0; n < namespaces; n++) {
    objectLabels.push({ apiVersion: 'v1', kind: 'Namespace', name: `ns-${n}`, labels: { team: `team-${n % teams}` } });
  }
  const findings: JsonFinding[] = [];
  let produced = 0;
  // Findings are drawn per (object, slot) from a stream that does not depend on the generation, and a
  // generation fixes or adds by a second, per-generation stream: scan N+1 is scan N with some change.
  for (let o = 0; produced < options.findings; o++) {
    const kind = KINDS[o % KINDS.length];
    const ns = `ns-${Math.floor(random() * namespaces)}`;
    const name = `app-${o}-${kind.toLowerCase()}`;
    if (o < objects && random() < 0.1) {
      objectLabels.push({ apiVersion: 'apps/v1', kind, namespace: ns, name, labels: { 'app.kubernetes.io/part-of': `product-${o % 40}` } });
    }
    const slots = 1 + Math.floor(random() * 15);
    for (let s = 0; s < slots && produced < options.findings; s++) {
      const rule = pick(catalogue);
      const container = random() < 0.7 ? `c${s % 3}` : null;
      const path = container ? `/spec/template/spec/containers/${s % 3}/securityContext/field${s}` : `/spec/field${s}`;
      const fixedIn = random();
      const addedIn = random();
      // This finding exists in generations [added, fixed): about 2% of them change per generation.
      const added = addedIn < 0.1 ? Math.floor(addedIn * 500) : 0;
      const fixed = fixedIn < 0.1 ? Math.floor(fixedIn * 500) + 1 : Infinity;
      const severity: Severity = random() < 0.1 ? pick(SEVERITIES) : rule.severity;
      const suppressed = random() < 0.03;
      const hasRelated = random() < 0.08;
      const message = `${kind} "${name}" ${container ? `container "${container}" ` : ''}${rule.title.toLowerCase()}: ${rule.description.slice(0, 40 + Math.floor(random() * 100))}`;
      if (generation < added || generation >= fixed) continue;
      findings.push({
        rule: rule.id,
        severity,
        message,
        resource: { apiVersion: kind === 'Role' || kind === 'RoleBinding' ? 'rbac.authorization.k8s.io/v1' : 'apps/v1', kind, namespace: ns, name },
        file: 'cluster',
        line: 0,
        column: 0,
        path,
        suppressed,
        suppression: suppressed ? { kind: 'annotation', reason: 'accepted risk', owner: null } : null,
        container,
        fingerprint: `${o.toString(16)}-${s.toString(16)}-${rule.id.length.toString(16)}${(o * 31 + s).toString(36)}`,
        related: hasRelated
          ? [{ rule: 'allow-privilege-escalation', severity: 'medium', message: `container "${container ?? 'c0'}" does not set allowPrivilegeEscalation: false`, line: 0, column: 0, path: `${path}/x`, container, fingerprint: `r${o}-${s}` }]
          : [],
      });
      produced++;
    }
  }
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byRule: Record<string, number> = {};
  let suppressed = 0;
  let related = 0;
  for (const f of findings) {
    if (f.suppressed) {
      suppressed++;
      continue;
    }
    bySeverity[f.severity]++;
    byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
    related += f.related.length;
  }
  const ruleIds = [...new Set(findings.map((f) => f.rule))].sort();
  const report: JsonReport = {
    version: '0.1.0',
    format: 2,
    rules: ruleIds.map((id) => {
      const r = rules.find((x) => x.id === id)!;
      return { id, title: r.title, severity: r.severity, remediation: r.remediation, references: r.references, docs: `docs/rules/${id}.md` };
    }),
    findings,
    summary: { bySeverity, byRule, resources: Math.ceil(findings.length / 8) + namespaces, files: 0, suppressed, related },
    errors: [],
    notes: [],
    cluster: { server: `https://${options.cluster ?? 'prod'}.example:6443`, context: options.cluster ?? 'prod', version: 'v1.31.0' },
  };
  return { report, objectLabels };
}
