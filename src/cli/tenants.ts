/**
 * `kshield tenants [paths... | --cluster]`: tenant isolation per namespace, over the same inputs as
 * `kshield scan` (files, directories, `-`) or the live cluster. For each namespace: whether it is a
 * tenant, its default-deny NetworkPolicies, ResourceQuotas, LimitRanges and Pod Security Admission
 * level; then what crosses tenant boundaries (network, RBAC, DNS aliases, storage) and the findings
 * of the tenancy rules and the rules the view links (default deny, Pod Security Admission) in tenant
 * namespaces.
 *
 * Exit codes: 0 when no tenant namespace has an unsuppressed finding, 1 when one has, 2 on usage or
 * input errors (what could be read is still analysed and printed).
 */
import { Command, Option } from 'commander';
import type { Finding } from '../core/types.js';
import { evaluate } from '../engine/engine.js';
import { findRule, rules as catalogue } from '../rules/index.js';
import { foldFindings } from '../core/fold.js';
import { tenancyRules } from '../rules/tenancy/index.js';
import { buildModel } from '../analysis/netpol.js';
import { buildTenantView, formatTenantLabel, parseTenantLabel, type TenantLabel, type TenantView } from '../analysis/tenants.js';
import { settingsFromConfig } from '../config/config-file.js';
import { formatLocation } from '../report/describe.js';
import { renderTenantsHtml } from '../report/html/tenants.js';
import { noteText } from '../sources/placement.js';
import { sanitize } from '../core/text.js';
import { UsageError, EXIT } from '../core/errors.js';
import { singleFormatError, writeOutput } from './output.js';
import { analysisInputOptions, loadAnalysisInput, type AnalysisInputOptions } from './analysis-input.js';
import { loadConfigOption } from './scan.js';

export const TENANT_FORMATS = ['table', 'json', 'html'] as const;

/** Rules of other families a tenant's row links to: its default deny both ways and its Pod Security Admission level. */
export const LINKED_RULES = ['namespace-without-network-policy', 'missing-default-deny-ingress', 'missing-default-deny-egress', 'namespace-pod-security-not-enforced'] as const;

export interface TenantsCommandOptions extends AnalysisInputOptions {
  output: string;
  tenantLabel?: string;
  config?: string;
}

/** The namespace a finding is about: a Namespace object's own name, else the object's namespace. */
function findingNamespace(f: Finding): string {
  if (f.resource.kind === 'Namespace' && f.resource.apiVersion === 'v1') return f.resource.name;
  return f.resource.namespace ?? 'default';
}

interface TenantFinding {
  rule: string;
  severity: string;
  message: string;
  object: string;
  file: string;
  line: number;
  suppressed?: boolean;
  /** Findings of the same cause folded into this one. */
  related?: { rule: string; severity: string; message: string }[];
}

function findingJson(f: Finding): TenantFinding {
  const r = f.resource;
  return {
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    object: r.namespace ? `${r.namespace}/${r.kind}/${r.name}` : `${r.kind}/${r.name}`,
    file: f.file,
    line: f.line,
    ...(f.suppressed ? { suppressed: true } : {}),
    ...(f.related?.length ? { related: f.related.map((x) => ({ rule: x.rule, severity: x.severity, message: x.message })) } : {}),
  };
}

function yesNo(names: string[]): string {
  return names.length ? names.join(',') : 'no';
}

function renderTable(view: TenantView, byNamespace: Map<string, Finding[]>, notes: string[]): string {
  const tenants = view.namespaces.filter((n) => n.tenant);
  const header = ['NAMESPACE', 'DEFAULT-DENY', 'QUOTA', 'LIMITS', 'PSA', 'WORKLOADS', 'FINDINGS'];
  const rows = tenants.map((n) => [
    n.name,
    n.defaultDenyIngress && n.defaultDenyEgress ? 'ingress+egress' : n.defaultDenyIngress ? 'ingress only' : n.defaultDenyEgress ? 'egress only' : 'none',
    yesNo(n.resourceQuotas),
    yesNo(n.limitRanges),
    n.podSecurity ?? (n.declared ? 'unset' : '?'),
    String(n.workloads),
    String((byNamespace.get(n.name) ?? []).filter((f) => !f.suppressed).length),
  ].map((c) => sanitize(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out = [view.label ? `tenant namespaces (label ${sanitize(formatTenantLabel(view.label))}):` : 'tenant namespaces (every namespace but the platform\'s):', line(header), ...rows.map(line)];
  if (rows.length === 0) out.push('(no tenant namespace in the input)');
  const others = view.namespaces.filter((n) => !n.tenant).map((n) => n.name);
  if (others.length) out.push(`not tenants: ${sanitize(others.join(', '))}`);
  out.push('', 'crossing tenant boundaries:');
  if (view.crossings.length === 0) out.push('  (nothing)');
  for (const c of view.crossings) out.push(`  ${c.kind.padEnd(7)}  ${sanitize(c.from)} -> ${sanitize(c.to)}: ${sanitize(c.what)}${c.via ? ` (${sanitize(c.via)})` : ''}`);
  out.push('', 'findings in tenant namespaces:');
  const all = tenants.flatMap((n) => byNamespace.get(n.name) ?? []);
  if (all.length === 0) out.push('  (none)');
  for (const f of all)
  {
    out.push(`  ${sanitize(formatLocation(f.file, f.line, f.column))}: ${f.severity} ${f.rule}${f.suppressed ? ' (suppressed)' : ''}: ${sanitize(f.message)}`);
    for (const r of f.related ?? []) out.push(`    same cause: ${r.severity} ${r.rule}: ${sanitize(r.message)}`);
  }
  out.push('');
  for (const n of notes) out.push(`note: ${sanitize(n)}`);
  const open = all.filter((f) => !f.suppressed);
  const failing = new Set(open.map(findingNamespace));
  out.push(`${tenants.length} tenant namespace(s), ${failing.size} with findings (${open.length} finding(s)); ${view.crossings.length} crossing(s) of tenant boundaries.`);
  return out.join('\n');
}

export async function runTenants(paths: string[], opts: TenantsCommandOptions): Promise<number> {
  if (!(TENANT_FORMATS as readonly string[]).includes(opts.output)) throw singleFormatError(opts.output, TENANT_FORMATS);
  const config = await loadConfigOption(opts.config);
  const settings = settingsFromConfig(config);
  let label: TenantLabel | undefined;
  const labelText = opts.tenantLabel ?? settings.tenantLabel;
  if (labelText !== undefined) {
    try {
      label = parseTenantLabel(labelText);
    } catch (e) {
      throw new UsageError(`${opts.tenantLabel !== undefined ? '--tenant-label' : 'tenantLabel'}: ${(e as Error).message}`);
    }
  }
  const loaded = await loadAnalysisInput(paths, opts);
  for (const e of loaded.errors) process.stderr.write(`${sanitize(formatLocation(e.file, e.line))}: error: ${sanitize(e.message)}\n`);
  const model = buildModel(loaded.resources, { operatorWorkloads: settings.operatorWorkloads, kubernetesVersion: settings.kubernetesVersion });
  const view = buildTenantView(loaded.resources, { label, model });
  const rules = [...tenancyRules, ...LINKED_RULES.map((id) => findRule(id)!)];
  const result = evaluate(loaded.resources, { rules, settings: { ...settings, ...(label ? { tenantLabel: formatTenantLabel(label) } : {}) }, inlineSuppressions: config?.inlineSuppressions !== false, exemptions: config?.exemptions });
  for (const e of result.errors) process.stderr.write(`${sanitize(formatLocation(e.file, e.line))}: error: ${sanitize(e.message)}\n`);
  const tenantNames = new Set(view.namespaces.filter((n) => n.tenant).map((n) => n.name));
  const byNamespace = new Map<string, Finding[]>();
  // One cause, one finding, as in every report: a namespace without any policy lacks both default denies for that one reason.
  const folded = foldFindings(result.findings, new Map(catalogue.map((r, i) => [r.id, i])));
  for (const f of folded) {
    const ns = findingNamespace(f);
    if (!tenantNames.has(ns)) continue;
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), f]);
  }
  const notes = [...view.notes];
  if (loaded.namespaceNote) notes.unshift(noteText(loaded.namespaceNote));
  if (opts.output === 'json') {
    const out: Record<string, unknown> = {
      tenantLabel: label ? formatTenantLabel(label) : null,
      namespaces: view.namespaces.map((n) => ({
        name: n.name,
        tenant: n.tenant,
        declared: n.declared,
        defaultDeny: { ingress: n.defaultDenyIngress, egress: n.defaultDenyEgress },
        resourceQuotas: n.resourceQuotas,
        limitRanges: n.limitRanges,
        podSecurityEnforce: n.podSecurity ?? null,
        workloads: n.workloads,
        findings: (byNamespace.get(n.name) ?? []).map(findingJson),
      })),
      crossings: view.crossings,
    };
    if (notes.length) out.notes = notes;
    if (loaded.notCovered?.length) out.notCovered = loaded.notCovered;
    await writeOutput({ format: 'json' }, JSON.stringify(out, null, 2));
  } else if (opts.output === 'html') {
    const scope = label ? `Tenant namespaces: those labelled ${formatTenantLabel(label)}.` : "Tenant namespaces: every namespace but the platform's.";
    await writeOutput({ format: 'html' }, renderTenantsHtml({ view, byNamespace, notes, scope }));
  } else {
    await writeOutput({ format: 'table' }, renderTable(view, byNamespace, notes));
  }
  if (loaded.errors.length > 0 || result.errors.length > 0) return EXIT.usage;
  return [...byNamespace.values()].some((list) => list.some((f) => !f.suppressed)) ? EXIT.findings : EXIT.clean;
}

/** Registers `kshield tenants` on the program. */
export function registerTenants(program: Command): void {
  analysisInputOptions(program.command('tenants'))
    .description('tenant isolation per namespace: default deny, quota, limits, Pod Security level, and what crosses tenant boundaries. Exit 0 clean, 1 findings, 2 usage or input error')
    .argument('[paths...]', 'files, directories, or - to read standard input', [])
    .addOption(new Option('-o, --output <format>', 'table, json or html (one self-contained page)').default('table'))
    .option('--tenant-label <key[=value]>', 'tenant namespaces are those whose Namespace object carries this label (default: every namespace but the platform\'s)')
    .option('-c, --config <file>', 'configuration file (tenantLabel, exemptions, operatorWorkloads; default: ./.kshield.yaml if present)')
    .action(async (paths: string[], opts) => {
      process.exitCode = await runTenants(paths, opts);
    });
}
