/**
 * `kshield tenants -o html`: the tenant view as the same self-contained page as the other reports.
 * Static, like the node and probe views: the table of tenant namespaces (what each has of what a
 * tenant needs), what crosses tenant boundaries, and the findings per tenant namespace, with no
 * script, so the page's policy allows none.
 */
import type { Finding } from '../../core/types.js';
import type { TenantView } from '../../analysis/tenants.js';
import { escapeHtml } from './escape.js';
import { htmlPage } from './page.js';

export interface TenantsHtmlInput {
  view: TenantView;
  /** The findings of each tenant namespace (folded by cause, as the table prints them). */
  byNamespace: ReadonlyMap<string, readonly Finding[]>;
  notes: readonly string[];
  /** How tenants are told apart, one line. */
  scope: string;
}

/** A cell that says yes in green and no in red: what a tenant needs, had or missing. */
function had(ok: boolean, text: string): string {
  return `<span class="status ${ok ? 'pass' : 'fail'}">${escapeHtml(text)}</span>`;
}

export function renderTenantsHtml(input: TenantsHtmlInput): string {
  const { view } = input;
  const tenants = view.namespaces.filter((n) => n.tenant);
  const open = (name: string): number => (input.byNamespace.get(name) ?? []).filter((f) => !f.suppressed).length;
  const rows = tenants
    .map((n) => {
      const deny = n.defaultDenyIngress && n.defaultDenyEgress ? 'ingress+egress' : n.defaultDenyIngress ? 'ingress only' : n.defaultDenyEgress ? 'egress only' : 'none';
      const psa = n.podSecurity ?? (n.declared ? 'unset' : '?');
      const strictEnough = n.podSecurity === 'baseline' || n.podSecurity === 'restricted';
      return (
        `<tr><td><a href="#ns-${escapeHtml(encodeURIComponent(n.name))}">${escapeHtml(n.name)}</a></td>` +
        `<td>${had(n.defaultDenyIngress && n.defaultDenyEgress, deny)}</td>` +
        `<td>${had(n.resourceQuotas.length > 0, n.resourceQuotas.join(', ') || 'no')}</td>` +
        `<td>${had(n.limitRanges.length > 0, n.limitRanges.join(', ') || 'no')}</td>` +
        `<td>${had(strictEnough, psa)}</td><td>${n.workloads}</td><td>${open(n.name)}</td></tr>`
      );
    })
    .join('');
  const others = view.namespaces.filter((n) => !n.tenant).map((n) => n.name);
  const table = tenants.length
    ? `<table class="plain" id="tenants"><thead><tr><th>namespace</th><th>default deny</th><th>quota</th><th>limits</th><th>Pod Security</th><th>workloads</th><th>findings</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p class="muted">No tenant namespace in the input.</p>';
  const crossings = view.crossings.length
    ? `<table class="plain" id="crossings"><thead><tr><th>kind</th><th>from</th><th>to</th><th>what</th></tr></thead><tbody>${view.crossings
        .map((c) => `<tr><td>${escapeHtml(c.kind)}</td><td>${escapeHtml(c.from)}</td><td>${escapeHtml(c.to)}</td><td>${escapeHtml(c.what)}${c.via ? ` <span class="muted">(${escapeHtml(c.via)})</span>` : ''}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p class="muted">Nothing crosses tenant boundaries in the input.</p>';
  const findings = tenants
    .filter((n) => (input.byNamespace.get(n.name) ?? []).length > 0)
    .map((n) => {
      const list = (input.byNamespace.get(n.name) ?? [])
        .map(
          (f) =>
            `<tr><td><span class="sev ${escapeHtml(f.severity)}">${escapeHtml(f.severity)}</span>${f.suppressed ? ' <span class="muted">suppressed</span>' : ''}</td><td><code>${escapeHtml(f.rule)}</code></td><td>${escapeHtml(f.message)}${(f.related ?? []).map((r) => `<br><span class="muted">same cause: ${escapeHtml(r.severity)} ${escapeHtml(r.rule)}</span>`).join('')}</td><td><code>${escapeHtml(`${f.file}:${f.line}`)}</code></td></tr>`,
        )
        .join('');
      return `<h3 id="ns-${escapeHtml(encodeURIComponent(n.name))}">${escapeHtml(n.name)}</h3><table class="plain"><thead><tr><th>severity</th><th>rule</th><th>finding</th><th>source</th></tr></thead><tbody>${list}</tbody></table>`;
    })
    .join('');
  return htmlPage({
    title: 'kshield tenants report',
    subtitle: [input.scope, `${tenants.length} tenant namespace(s), ${view.crossings.length} crossing(s) of tenant boundaries.`, ...(others.length ? [`Not tenants: ${others.join(', ')}.`] : []), ...input.notes.map((n) => `Note: ${n}`)],
    sections: [
      { id: 'tenants', title: 'Tenant namespaces', body: table },
      { id: 'crossings', title: 'Crossing tenant boundaries', body: crossings },
      { id: 'findings', title: 'Findings in tenant namespaces', body: findings || '<p class="muted">None.</p>' },
    ],
  });
}
