/**
 * The dashboard's compliance view, RBAC graph and reachability map (loaded by client.ts as
 * /ui/views.js). Text from the server is set as text. The two drawings are the HTML report's own SVG
 * (report/html/graphs.ts, every label entity-escaped there), parsed here as XML and rebuilt keeping
 * only the drawing elements and attributes that code writes: no script, no event handler, no link
 * can come through, whatever the stored analyses held.
 */
type Json = any; // the API's answers, read field by field below

type Child = Node | string | number | null | undefined | false | Child[];

/** What client.ts lends the pages: its element builder, API call, router helpers. */
export interface Ui {
  h(tag: string, attrs?: Record<string, string | boolean | ((e: Event) => void) | undefined>, ...children: (Child | Child[])[]): HTMLElement;
  api(path: string): Promise<Json>;
  show(...nodes: Child[]): void;
  link(path: string, params?: Record<string, string | number | null | undefined>): string;
  scanFor(params: URLSearchParams): Promise<Json | undefined>;
  sevBadge(severity: string, text?: string | number): HTMLElement;
  when(iso: string): string;
}

const SVG_ELEMENTS = new Set(['svg', 'defs', 'marker', 'path', 'g', 'rect', 'text', 'title']);
const SVG_ATTRIBUTES = new Set([
  'class', 'id', 'viewBox', 'width', 'height', 'role', 'aria-label', 'x', 'y', 'd', 'rx', 'text-anchor', 'marker-end',
  'markerUnits', 'markerWidth', 'markerHeight', 'orient', 'refX', 'refY', 'fill', 'stroke', 'stroke-width',
]);

/** The server's SVG as DOM, through the allow-list above; null when it does not parse. */
export function drawing(markup: string): Element | null {
  const doc = new DOMParser().parseFromString(markup.replace(/^<svg /, '<svg xmlns="http://www.w3.org/2000/svg" '), 'image/svg+xml');
  const root = doc.documentElement;
  if (root.localName !== 'svg' || doc.getElementsByTagName('parsererror').length > 0) return null;
  const copy = (el: Element): Element | null => {
    if (!SVG_ELEMENTS.has(el.localName)) return null;
    const out = document.createElementNS('http://www.w3.org/2000/svg', el.localName);
    for (const a of Array.from(el.attributes)) {
      if (!SVG_ATTRIBUTES.has(a.name)) continue;
      // marker-end may only name a marker of the drawing itself.
      if (a.name === 'marker-end' && !/^url\(#[a-z-]+\)$/.test(a.value)) continue;
      out.setAttribute(a.name, a.value);
    }
    for (const c of Array.from(el.childNodes)) {
      if (c.nodeType === Node.TEXT_NODE) out.append(c.textContent ?? '');
      else if (c.nodeType === Node.ELEMENT_NODE) {
        const child = copy(c as Element);
        if (child) out.append(child);
      }
    }
    return out;
  };
  return copy(root);
}

/** Links to the latest scan of each source, for the page `page`. */
function sourceTags(ui: Ui, page: string, sources: Json[], current: string): HTMLElement {
  return ui.h('p', { id: 'sources' }, sources.map((x) => ui.h('a', { href: ui.link(page, { source: x.source }), class: x.source === current ? 'tag active' : 'tag' }, x.source)));
}

/** "Deployment ns/name" → the findings explorer's filter of that object. */
function objectFilter(object: string | undefined): { namespace?: string; q?: string } {
  const m = /^\S+ (?:([^/\s]+)\/)?(.+)$/.exec(object ?? '');
  if (!m) return {};
  return { namespace: m[1] ?? '-', q: m[2] };
}

// ---------------------------------------------------------------- compliance

export async function compliancePage(ui: Ui, params: URLSearchParams, session: Json): Promise<void> {
  const { h } = ui;
  const frameworks: Json[] = session.frameworks ?? [];
  if (frameworks.length === 0) return ui.show(h('h1', {}, 'Compliance'), h('p', { class: 'muted' }, 'No compliance frameworks in this build.'));
  const scan = await ui.scanFor(params);
  if (!scan) return ui.show(h('h1', {}, 'Compliance'), h('p', { class: 'muted' }, 'No scans yet.'));
  const framework = frameworks.some((f) => f.id === params.get('framework')) ? params.get('framework')! : frameworks[0].id;
  const [a, sources]: Json[] = await Promise.all([ui.api(`/api/compliance?scan=${scan.id}&framework=${encodeURIComponent(framework)}`), ui.api('/api/sources')]);
  const picker = h(
    'select',
    { id: 'framework', 'aria-label': 'framework', onchange: (e: Event) => (location.hash = ui.link('compliance', { source: scan.source, scan: scan.id, framework: (e.target as HTMLSelectElement).value })) },
    frameworks.map((f) => h('option', { value: f.id, selected: f.id === framework }, `${f.title} (${f.id})`)),
  );
  const findingLink = (f: Json): HTMLElement =>
    h(
      'li',
      {},
      ui.sevBadge(f.severity),
      ' ',
      h('a', { class: 'evidence-finding', href: ui.link('findings', { source: scan.source, scan: scan.id, rule: f.rule, ...objectFilter(f.object) }) }, f.object ?? f.rule),
      ': ',
      f.message,
    );
  const evidence = (e: Json): HTMLElement => {
    const [open, accepted] = a.findingCounts?.[e.ref.replace(/^rule:/, '')] ?? [0, 0];
    const rule = e.ref.startsWith('rule:') ? e.ref.slice(5) : null;
    return h(
      'div',
      { class: 'evidence', 'data-ref': e.ref },
      h('span', { class: `status-${e.status}` }, e.status),
      ' ',
      h('span', { class: 'mono' }, e.ref),
      e.detail ? h('span', { class: 'muted' }, ` — ${e.detail}`) : null,
      e.findings?.length ? h('ul', { class: 'evidence-findings' }, e.findings.map(findingLink)) : null,
      rule && open > (e.findings?.length ?? 0) ? h('div', {}, h('a', { href: ui.link('findings', { source: scan.source, scan: scan.id, rule }) }, `all ${open} findings of ${rule}`)) : null,
      e.accepted?.length ? h('div', { class: 'muted' }, `${accepted} accepted (suppressed): `, e.accepted.map((f: Json) => h('span', { class: 'tag' }, `${f.object ?? ''} (${f.suppression.kind}${f.suppression.reason ? `: ${f.suppression.reason}` : ''})`))) : null,
      e.checks?.length ? h('ul', {}, e.checks.map((c: Json) => h('li', {}, h('span', { class: `status-${c.status === 'pass' ? 'pass' : c.status === 'fail' ? 'fail' : 'manual'}` }, c.status), ` ${c.where}: ${c.evidence}`))) : null,
    );
  };
  const sectionTitle = new Map<string, string>((a.sections ?? []).map((x: Json) => [x.id, x.title]));
  const score = (x: Json): string => `${x.score === null ? '–' : `${x.score}%`} · ${x.pass} pass, ${x.fail} fail, ${x.manual} manual, ${x.notAssessed} not assessed · coverage ${x.coverage}%`;
  ui.show(
    h('h1', {}, `Compliance: ${a.title}${a.title.includes(String(a.version).replace(/^v/, '')) ? '' : ` ${a.version}`}`),
    sourceTags(ui, 'compliance', sources, scan.source),
    h('p', {}, h('label', {}, 'Framework ', picker), ' ', h('span', { class: 'muted' }, `${scan.source}, scan ${scan.id} of ${ui.when(scan.startedAt)}`)),
    a.notice ? h('p', { class: 'error', id: 'compliance-notice' }, a.notice) : null,
    (a.notes ?? []).length ? h('ul', { class: 'muted' }, a.notes.map((n: string) => h('li', {}, n))) : null,
    h('p', { id: 'compliance-overall' }, h('strong', {}, 'Overall: '), score(a.overall)),
    h(
      'table',
      { id: 'sections' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Section'), h('th', {}, 'Score'))),
      h('tbody', {}, (a.sections ?? []).map((x: Json) => h('tr', {}, h('td', {}, `${x.id} ${x.title}`), h('td', {}, score(x))))),
    ),
    h('p', { class: 'muted' }, a.formula),
    h(
      'table',
      { id: 'controls' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Control'), h('th', {}, 'Title'), h('th', {}, 'Status'), h('th', {}, 'Evidence'))),
      h(
        'tbody',
        {},
        (a.controls ?? []).map((c: Json) =>
          h(
            'tr',
            { class: 'control', 'data-control': c.id, 'data-status': c.status },
            h('td', { class: 'mono' }, c.id),
            h('td', {}, c.title, h('div', { class: 'muted' }, sectionTitle.get(c.section) ?? c.section)),
            h(
              'td',
              {},
              h('span', { class: `status status-${c.status}` }, c.status === 'not-assessed' ? 'not assessed' : c.status),
              c.attestation ? h('div', { class: 'muted' }, `attested by ${c.attestation.by} until ${ui.when(c.attestation.expires)}: ${c.attestation.evidence}`) : null,
              c.expiredAttestation ? h('div', { class: 'muted' }, `attestation by ${c.expiredAttestation.by} expired ${ui.when(c.expiredAttestation.expires)}`) : null,
              h('div', { class: 'muted reason' }, c.reason),
            ),
            h('td', {}, c.evidence.length ? c.evidence.map(evidence) : c.guidance ? h('span', { class: 'muted' }, c.guidance) : h('span', { class: 'muted' }, 'no evidence kshield can give')),
          ),
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------- RBAC graph

async function analysesPage(ui: Ui, params: URLSearchParams, page: 'rbac' | 'reach', title: string): Promise<{ scan: Json; d: Json; head: Child[] } | undefined> {
  const { h } = ui;
  const scan = await ui.scanFor(params);
  if (!scan) {
    ui.show(h('h1', {}, title), h('p', { class: 'muted' }, 'No scans yet.'));
    return undefined;
  }
  const [d, sources]: Json[] = await Promise.all([ui.api(`/api/scans/${scan.id}/${page}`), ui.api('/api/sources')]);
  const head: Child[] = [h('h1', {}, title), sourceTags(ui, page, sources, scan.source), h('p', { class: 'muted' }, `${scan.source}, scan ${scan.id} of ${ui.when(scan.startedAt)} (${scan.command})`)];
  if (!d.available) {
    ui.show(...head, h('p', { id: 'not-analysed' }, `Not analysed: this scan was stored without the analyses of its objects (the dashboard keeps no objects). ${d.how}.`));
    return undefined;
  }
  return { scan, d, head };
}

export async function rbacPage(ui: Ui, params: URLSearchParams): Promise<void> {
  const { h } = ui;
  const got = await analysesPage(ui, params, 'rbac', 'RBAC escalation');
  if (!got) return;
  const { d, head } = got;
  const svg = d.svg ? drawing(d.svg) : null;
  ui.show(
    ...head,
    h(
      'p',
      { id: 'rbac-summary' },
      `${d.toClusterAdmin} path(s) to full control of the cluster (cluster-admin or its equivalent)`,
      d.lesser > 0 ? `; ${d.lesser} path(s) to lesser goals (a namespace, the nodes, every Secret) are not drawn: kshield rbac paths lists them` : '',
      '.',
    ),
    svg ? h('div', { class: 'scroll' }, svg) : null,
    d.toClusterAdmin > d.drawn ? h('p', { class: 'muted' }, `Drawn: the first ${d.drawn} of ${d.toClusterAdmin} paths.`) : null,
    d.paths.length
      ? h(
          'section',
          {},
          h('h2', {}, 'The paths, step by step'),
          h('ol', { class: 'paths', id: 'rbac-paths' }, d.paths.map((p: Json) => h('li', {}, h('strong', {}, p.from), h('ul', { class: 'steps' }, p.steps.map((s: Json) => h('li', {}, `→ ${s.to} `, h('span', { class: 'muted' }, `[${s.why}]`))))))),
          d.toClusterAdmin > d.paths.length ? h('p', { class: 'muted' }, `${d.toClusterAdmin - d.paths.length} more path(s) not listed.`) : null,
        )
      : null,
  );
}

// ---------------------------------------------------------------- reachability

export async function reachPage(ui: Ui, params: URLSearchParams): Promise<void> {
  const { h } = ui;
  const got = await analysesPage(ui, params, 'reach', 'Reachability');
  if (!got) return;
  const { d, head } = got;
  if (d.workloads === 0) return ui.show(...head, h('p', { class: 'muted' }, 'No workload in this scan.'));
  const outside = 'outside the cluster';
  const cross = d.flows.filter((f: Json) => f.from !== outside && f.to !== outside);
  const inbound = d.flows.filter((f: Json) => f.from === outside);
  const outbound = d.flows.filter((f: Json) => f.to === outside);
  const sum = (fs: Json[]): number => fs.reduce((n, f) => n + f.pairs, 0);
  const svg = d.svg ? drawing(d.svg) : null;
  ui.show(
    ...head,
    h(
      'p',
      { id: 'reach-summary' },
      `${d.workloads} workload(s), ${d.connections} allowed connection(s). Drawn: ${sum(cross)} cross-namespace connection(s) in ${cross.length} namespace pair(s), ` +
        `${sum(inbound)} from outside the cluster into ${inbound.length} namespace(s), ${sum(outbound)} to outside from ${outbound.length} namespace(s); connections within a namespace are counted, not drawn (kshield netpol reach lists every one).`,
    ),
    svg ? h('div', { class: 'scroll' }, svg) : h('p', { class: 'muted' }, 'Nothing crosses a namespace or the cluster edge.'),
    d.flowsLeftOut > 0 ? h('p', { class: 'muted' }, `${d.flowsLeftOut} namespace pair(s) with the fewest connections left out.`) : null,
    h('h2', {}, 'From outside the cluster'),
    d.exposed.length === 0
      ? h('p', {}, 'No workload accepts connections from outside the cluster.')
      : h(
          'table',
          { id: 'exposed' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Workload'), h('th', {}, 'From'), h('th', {}, 'Ports'))),
          h('tbody', {}, d.exposed.map((e: Json) => h('tr', {}, h('td', {}, e.workload), h('td', {}, e.from), h('td', {}, e.ports)))),
        ),
    d.exposedTotal > d.exposed.length ? h('p', { class: 'muted' }, `${d.exposedTotal - d.exposed.length} more not listed.`) : null,
    d.notes.length ? h('details', {}, h('summary', {}, `${d.notes.length} note(s) on what the model cannot see`), h('ul', {}, d.notes.map((n: string) => h('li', {}, n)))) : null,
  );
}
