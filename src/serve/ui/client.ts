/**
 * The dashboard in the browser: a few pages drawn from the JSON API, routed by the address's
 * fragment (#/findings?severity=high), so every view can be bookmarked and the browser's back button
 * works. Runs as it is compiled (no bundler; one import, views.ts, served beside it); every text from
 * the server is set as text (never HTML; the drawings are rebuilt through an SVG allow-list), the token lives in sessionStorage for this tab only and travels in the Authorization
 * header, never in a cookie or a URL the server sees.
 */
import { compliancePage, rbacPage, reachPage, type Ui } from './views.js';

type Json = any; // the API's answers, read field by field below

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const TOKEN_KEY = 'kshield.token';
/** When the token came from the OIDC sign-in: its expiry (seconds since 1970). */
const EXPIRES_KEY = 'kshield.tokenExpires';
/** The binding secret of a sign-in this tab started. */
const BINDING_KEY = 'kshield.signInBinding';
const PAGE_SIZE = 50;

type Child = Node | string | number | null | undefined | false | Child[];

function h(tag: string, attrs: Record<string, string | boolean | ((e: Event) => void) | undefined> = {}, ...children: (Child | Child[])[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v as EventListener);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of (children as unknown[]).flat(Infinity) as Child[]) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function s(tag: string, attrs: Record<string, string | number> = {}, ...children: (Node | string)[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

const main = (): HTMLElement => document.getElementById('main')!;

function show(...nodes: Child[]): void {
  main().replaceChildren(...(nodes.filter((n) => n !== null && n !== undefined && n !== false) as (Node | string)[]).map((n) => (n instanceof Node ? n : String(n))));
}

class Unauthorized extends Error {}

async function api(path: string, init: RequestInit = {}): Promise<Json> {
  if (signInExpired()) throw new Unauthorized('your sign-in has expired: sign in again');
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new Unauthorized('log in with the token kshield serve printed');
  const response = await fetch(path, { ...init, headers: { ...(init.headers ?? {}), Authorization: `Bearer ${token}`, Accept: 'application/json' }, cache: 'no-store' });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(EXPIRES_KEY);
    throw new Unauthorized(body.error ?? 'the token was refused');
  }
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

/** The route and its parameters: "#/findings?severity=high" → ["findings", {severity: "high"}]. */
function route(): [string, URLSearchParams] {
  const hash = location.hash.replace(/^#\/?/, '');
  const q = hash.indexOf('?');
  return [q === -1 ? hash : hash.slice(0, q), new URLSearchParams(q === -1 ? '' : hash.slice(q + 1))];
}

function link(path: string, params: Record<string, string | number | null | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const text = q.toString();
  return `#/${path}${text ? `?${text}` : ''}`;
}

function sevBadge(severity: string, text?: string | number): HTMLElement {
  return h('span', { class: `sev ${severity}` }, text === undefined ? severity : `${severity} ${text}`);
}

function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

function objectName(f: Json): string {
  return `${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name}`;
}

// ---------------------------------------------------------------- login

function loginPage(message?: string): void {
  (document.getElementById('nav') as HTMLElement).hidden = true;
  document.getElementById('who')!.textContent = '';
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'off', placeholder: 'token', 'aria-label': 'token' }) as HTMLInputElement;
  const signIn = h('div', { id: 'signin' });
  const error = h('p', { class: 'error', id: 'login-error' }, message ?? '');
  error.hidden = !message;
  const form = h(
    'form',
    {
      class: 'card login',
      id: 'login',
      onsubmit: (e: Event) => {
        e.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, input.value.trim());
        sessionStorage.removeItem(EXPIRES_KEY);
        void render();
      },
    },
    h('h1', {}, 'Log in'),
    signIn,
    h('p', { class: 'muted' }, 'Paste the token kshield serve printed when it started (or the file given with --token-file), or an OIDC token of the configured issuer.'),
    input,
    h('button', { class: 'primary', type: 'submit' }, 'Log in'),
    error,
  );
  show(form);
  input.focus();
  // The sign-in button, when the server offers OIDC sign-in (/auth/config needs no token).
  void fetch('/auth/config', { cache: 'no-store' })
    .then((r) => (r.ok ? r.json() : { oidc: null }))
    .then((config: Json) => {
      if (!config.oidc) return;
      const button = h('button', { class: 'primary', type: 'button', id: 'signin-button' }, `Sign in with ${new URL(config.oidc.issuer).host}`);
      button.addEventListener('click', () => {
        button.setAttribute('disabled', '');
        startSignIn().catch((e: Error) => {
          button.removeAttribute('disabled');
          error.textContent = e.message;
          error.hidden = false;
        });
      });
      signIn.replaceChildren(button, h('p', { class: 'muted' }, 'or'));
    })
    .catch(() => undefined);
}

async function postJson(path: string, body: unknown): Promise<Json> {
  const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body), cache: 'no-store' });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
  return answer;
}

/**
 * OIDC sign-in, step 1: a random binding secret for this tab (sessionStorage; sent in a JSON body, never
 * in an address), then off to the issuer's authorization page the server prepared (state, nonce, PKCE).
 */
async function startSignIn(): Promise<void> {
  const binding = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  sessionStorage.setItem(BINDING_KEY, binding);
  const { authorizeUrl } = await postJson('/auth/start', { binding });
  location.assign(authorizeUrl);
}

/** Step 2, back from the issuer at #/signed-in: the ID token the server verified, fetched with this tab's binding. */
async function finishSignIn(): Promise<string | undefined> {
  history.replaceState(null, '', `${location.pathname}#/`);
  const binding = sessionStorage.getItem(BINDING_KEY);
  sessionStorage.removeItem(BINDING_KEY);
  if (!binding) return 'this tab did not start a sign-in: sign in again';
  try {
    const done = await postJson('/auth/redeem', { binding });
    sessionStorage.setItem(TOKEN_KEY, done.token);
    sessionStorage.setItem(EXPIRES_KEY, String(done.expires));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

let expiryTimer: ReturnType<typeof setTimeout> | undefined;

/** A signed-in token's end, known from its expiry: back to the login page then, without waiting for a refused request. */
function signInExpired(): boolean {
  const expires = Number(sessionStorage.getItem(EXPIRES_KEY) ?? 'NaN');
  if (!Number.isFinite(expires)) return false;
  const left = expires * 1000 - Date.now();
  if (left <= 0) {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(EXPIRES_KEY);
    return true;
  }
  expiryTimer ??= setTimeout(() => {
    expiryTimer = undefined;
    session = undefined;
    void render();
  }, Math.min(left + 500, 2 ** 31 - 1));
  return false;
}

// ---------------------------------------------------------------- overview

function countsRow(bySeverity: Record<string, number>, source?: string, scanId?: number): HTMLElement {
  return h(
    'div',
    { class: 'counts' },
    SEVERITIES.map((sev) => (scanId ? h('a', { href: link('findings', { source, scan: scanId, severity: sev }) }, sevBadge(sev, bySeverity[sev] ?? 0)) : sevBadge(sev, bySeverity[sev] ?? 0))),
  );
}

function bars(title: string, groups: Json[], filter: (key: string | null) => string): HTMLElement {
  const max = Math.max(1, ...groups.map((g) => g.total));
  return h(
    'section',
    {},
    h('h2', {}, title),
    groups.length === 0
      ? h('p', { class: 'muted' }, 'No findings.')
      : h(
          'div',
          { class: 'bars' },
          groups.slice(0, 15).flatMap((g) => {
            const bar = h('div', { class: `bar${g.bySeverity.critical > 0 ? ' critical' : g.bySeverity.high > 0 ? ' high' : ''}` });
            bar.style.width = `${Math.max(2, Math.round((g.total / max) * 100))}%`;
            return [h('a', { href: filter(g.key) }, g.key ?? '(none)'), h('div', {}, bar), h('span', {}, g.total)];
          }),
        ),
  );
}

async function overviewPage(params: URLSearchParams): Promise<void> {
  const sources: Json[] = await api('/api/sources');
  if (sources.length === 0) {
    show(h('h1', {}, 'Posture overview'), h('p', { class: 'muted', id: 'empty' }, 'No scans yet. Import one: POST /api/scans, kshield serve --import FILE, kshield cluster --report-to URL, or start kshield serve with --interval.'));
    return;
  }
  const chosen = sources.find((x) => x.source === params.get('source')) ?? sources[0];
  const cards = h(
    'div',
    { class: 'cards', id: 'clusters' },
    sources.map((x) =>
      h(
        'div',
        { class: 'card cluster', 'data-source': x.source },
        h('h3', {}, h('a', { href: link('', { source: x.source }) }, x.source)),
        h('div', { class: 'muted' }, `${x.latest.command} · ${when(x.latest.startedAt)} · ${x.scans} scan${x.scans === 1 ? '' : 's'}`),
        h('div', { class: 'score' }, x.latest.score === null ? '–' : `${x.latest.score}`, h('span', { class: 'muted' }, ' / 100')),
        countsRow(x.latest.bySeverity, x.source, x.latest.id),
        h(
          'div',
          { class: 'delta' },
          x.new === null
            ? h('span', { class: 'muted' }, 'first scan')
            : [
                h('a', { class: 'up', href: link('diff', { to: x.latest.id }) }, `${x.new} new`),
                ' · ',
                h('a', { class: 'down', href: link('diff', { to: x.latest.id }) }, `${x.fixed} fixed`),
                ' since the scan before',
              ],
        ),
        h('div', {}, h('a', { href: link('findings', { source: x.source, scan: x.latest.id }) }, `${x.latest.total} findings`), ' · ', h('a', { href: link('history', { source: x.source }) }, 'history')),
      ),
    ),
  );
  const o: Json = await api(`/api/scans/${chosen.latest.id}/overview`);
  const f = (name: string) => (key: string | null) => link('findings', { source: chosen.source, scan: chosen.latest.id, [name]: key ?? '-' });
  show(
    h('h1', {}, 'Posture overview'),
    cards,
    h('h2', {}, `${chosen.source}: scan ${o.scan.id} of ${when(o.scan.startedAt)}`),
    h('p', { class: 'muted' }, `${o.scan.resources} objects scanned · ${o.scan.total} findings (${o.scan.suppressed} suppressed) · score ${o.score ?? '–'}: ${o.scoreFormula}`),
    h('div', { class: 'cards' }, h('div', { class: 'card' }, bars('By category', o.byCategory, f('category'))), h('div', { class: 'card' }, bars('By namespace', o.byNamespace, f('namespace')))),
    h('div', { class: 'cards' }, h('div', { class: 'card' }, bars('By team', o.byTeam, f('team'))), h('div', { class: 'card' }, bars('By rule', o.byRule, f('rule')))),
  );
}

// ---------------------------------------------------------------- findings

async function scanFor(params: URLSearchParams): Promise<Json | undefined> {
  const id = params.get('scan');
  if (id) return api(`/api/scans/${encodeURIComponent(id)}`);
  const sources: Json[] = await api('/api/sources');
  const chosen = sources.find((x) => x.source === params.get('source')) ?? sources[0];
  return chosen?.latest;
}

const FILTERS = ['severity', 'category', 'namespace', 'team', 'rule', 'kind', 'q', 'suppressed', 'sort', 'order', 'notIn'];

async function findingsPage(params: URLSearchParams): Promise<void> {
  const scan = await scanFor(params);
  if (!scan) return show(h('h1', {}, 'Findings'), h('p', { class: 'muted' }, 'No scans yet.'));
  const offset = Number(params.get('offset') ?? '0') || 0;
  const query = new URLSearchParams();
  for (const k of FILTERS) if (params.get(k)) query.set(k, params.get(k)!);
  query.set('limit', String(PAGE_SIZE));
  query.set('offset', String(offset));
  const page: Json = await api(`/api/scans/${scan.id}/findings?${query}`);
  const current = (extra: Record<string, string | number | null>): string => {
    const p: Record<string, string | number | null> = { source: scan.source, scan: scan.id };
    for (const k of FILTERS) p[k] = params.get(k);
    return link('findings', { ...p, ...extra });
  };

  const field = (name: string, label: string, input: HTMLElement): HTMLElement => h('label', {}, label, input);
  const text = (name: string, placeholder: string): HTMLInputElement => h('input', { name, id: `filter-${name}`, value: params.get(name) ?? '', placeholder }) as HTMLInputElement;
  const severity = h('select', { name: 'severity', id: 'filter-severity' }, h('option', { value: '' }, 'any'), SEVERITIES.map((sv) => h('option', { value: sv, selected: params.get('severity') === sv }, sv))) as HTMLSelectElement;
  const inputs: Record<string, HTMLInputElement | HTMLSelectElement> = { severity, q: text('q', 'text'), namespace: text('namespace', 'namespace'), team: text('team', 'team'), rule: text('rule', 'rule id'), category: text('category', 'category') };
  const form = h(
    'form',
    {
      class: 'filters',
      id: 'filters',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const next: Record<string, string | null> = {};
        for (const [k, el] of Object.entries(inputs)) next[k] = el.value.trim() || null;
        location.hash = current({ ...next, offset: null });
      },
    },
    field('severity', 'Severity', severity),
    field('q', 'Search', inputs.q),
    field('namespace', 'Namespace', inputs.namespace),
    field('team', 'Team', inputs.team),
    field('rule', 'Rule', inputs.rule),
    field('category', 'Category', inputs.category),
    h('button', { class: 'primary', type: 'submit' }, 'Filter'),
    h('a', { href: link('findings', { source: scan.source, scan: scan.id }) }, 'clear'),
  );
  const sortHeader = (key: string, label: string): HTMLElement => {
    const active = (params.get('sort') ?? 'severity') === key;
    const order = active && params.get('order') !== 'desc' ? 'desc' : 'asc';
    return h('th', {}, h('a', { href: current({ sort: key, order, offset: null }), class: 'sort', 'data-sort': key }, label + (active ? (params.get('order') === 'desc' ? ' ▲' : ' ▼') : '')));
  };
  const rows = page.findings.map((f: Json) => {
    const target = link('finding', { scan: scan.id, seq: f.seq, rule: f.rule, kind: f.resource.kind, namespace: f.resource.namespace ?? '-', q: f.resource.name });
    return h(
      'tr',
      { class: 'row', 'data-seq': String(f.seq), onclick: () => (location.hash = target) },
      h('td', {}, sevBadge(f.severity)),
      h('td', {}, h('a', { href: target, class: 'rule' }, f.rule)),
      h('td', {}, f.category),
      h('td', {}, f.resource.namespace ?? ''),
      h('td', { class: 'object' }, `${f.resource.kind}/${f.resource.name}`),
      h('td', {}, f.team ?? ''),
      h('td', { class: 'message' }, f.message),
    );
  });
  const total = page.total ?? 0;
  show(
    h('h1', {}, 'Findings'),
    h('p', { class: 'muted' }, `${scan.source} · scan ${scan.id} of ${when(scan.startedAt)}`, params.get('notIn') ? ` · only those not in scan ${params.get('notIn')}` : ''),
    form,
    h('p', { id: 'total' }, `${total} finding${total === 1 ? '' : 's'}`),
    h(
      'table',
      { id: 'findings' },
      h('thead', {}, h('tr', {}, sortHeader('severity', 'Severity'), sortHeader('rule', 'Rule'), sortHeader('category', 'Category'), sortHeader('namespace', 'Namespace'), sortHeader('object', 'Object'), sortHeader('team', 'Team'), h('th', {}, 'Message'))),
      h('tbody', {}, rows),
    ),
    h(
      'div',
      { class: 'pager' },
      offset > 0 ? h('a', { href: current({ offset: Math.max(0, offset - PAGE_SIZE) }), id: 'prev' }, '← previous') : null,
      h('span', { class: 'muted' }, total === 0 ? '' : `${offset + 1}–${Math.min(total, offset + PAGE_SIZE)} of ${total}`),
      offset + PAGE_SIZE < total ? h('a', { href: current({ offset: offset + PAGE_SIZE }), id: 'next' }, 'next →') : null,
    ),
  );
}

async function findingPage(params: URLSearchParams): Promise<void> {
  const query = new URLSearchParams();
  for (const k of ['rule', 'kind', 'namespace', 'q']) if (params.get(k)) query.set(k, params.get(k)!);
  const d: Json = await api(`/api/scans/${encodeURIComponent(params.get('scan') ?? '')}/findings/${encodeURIComponent(params.get('seq') ?? '')}?${query}`);
  const f = d.finding;
  const location_ = f.line > 0 ? `${f.file}:${f.line}:${f.column}` : f.file;
  show(
    h('p', {}, h('a', { href: link('findings', { source: d.scan.source, scan: d.scan.id }) }, `← findings of ${d.scan.source}, scan ${d.scan.id}`)),
    h('h1', { id: 'finding-title' }, sevBadge(f.severity), ' ', f.rule),
    h('p', { class: 'message', id: 'finding-message' }, f.message),
    h(
      'dl',
      { class: 'kv' },
      h('dt', {}, 'Object'),
      h('dd', { id: 'finding-object' }, objectName(f)),
      h('dt', {}, 'Category'),
      h('dd', {}, f.category),
      h('dt', {}, 'Team'),
      h('dd', {}, f.team ?? '–'),
      h('dt', {}, 'Where'),
      h('dd', { class: 'mono' }, location_, f.path ? ` ${f.path}` : ''),
      h('dt', {}, 'Container'),
      h('dd', {}, f.container ?? '–'),
      h('dt', {}, 'Suppressed'),
      h('dd', {}, f.suppressed ? `yes (${f.suppression?.kind}${f.suppression?.reason ? `: ${f.suppression.reason}` : ''})` : 'no'),
      h('dt', {}, 'Fingerprint'),
      h('dd', { class: 'mono' }, f.fingerprint),
      h('dt', {}, 'Rule'),
      h('dd', {}, h('span', { class: 'mono' }, `kshield explain ${f.rule}`), ' prints why it matters and how to fix it'),
    ),
    f.related.length > 0 ? h('section', {}, h('h2', {}, 'Same cause, folded into this finding'), h('ul', {}, f.related.map((r: Json) => h('li', {}, sevBadge(r.severity), ' ', r.rule, ': ', r.message)))) : null,
    h(
      'section',
      { id: 'finding-history' },
      h('h2', {}, 'History'),
      h(
        'p',
        {},
        d.history.inPrevious === null ? 'The first scan of this cluster.' : d.history.inPrevious ? `Also in the scan before (${d.history.previousScan}).` : `New since the scan before (${d.history.previousScan}).`,
      ),
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Scan'), h('th', {}, 'When'), h('th', {}, 'Present'))),
        h('tbody', {}, d.history.scans.map((x: Json) => h('tr', {}, h('td', {}, h('a', { href: link('findings', { scan: x.id }) }, x.id)), h('td', {}, when(x.at)), h('td', {}, x.present ? 'yes' : 'no')))),
      ),
    ),
  );
}

// ---------------------------------------------------------------- history

function trendChart(series: Json[], source: string): SVGElement {
  const width = 900;
  const height = 260;
  const pad = { l: 44, r: 16, t: 14, b: 34 };
  const points = series.flatMap((x) => x.points);
  const times = points.map((p: Json) => new Date(p.at).getTime());
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const max = Math.max(1, ...points.map((p: Json) => p.total));
  const x = (t: number): number => pad.l + (t1 === t0 ? (width - pad.l - pad.r) / 2 : ((t - t0) / (t1 - t0)) * (width - pad.l - pad.r));
  const y = (v: number): number => height - pad.b - (v / max) * (height - pad.t - pad.b);
  const svg = s('svg', { class: 'trend', id: 'trend', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': 'findings over time' });
  for (const v of [0, Math.round(max / 2), max]) {
    svg.append(s('line', { x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v), stroke: '#e3e7ee' }), s('text', { x: 6, y: y(v) + 4 }, String(v)));
  }
  const colours = ['#2456c9', '#d0342c', '#e08a00', '#1d7f3a', '#7b3fc4', '#0f8b8d', '#8a94a6'];
  series.slice(0, colours.length).forEach((serie, i) => {
    const pts = serie.points.map((p: Json) => `${x(new Date(p.at).getTime()).toFixed(1)},${y(p.total).toFixed(1)}`).join(' ');
    svg.append(s('polyline', { points: pts, fill: 'none', stroke: colours[i], 'stroke-width': 2 }));
    for (const p of serie.points) {
      const a = s('a', { href: link('findings', { source, scan: p.scanId, ...(serie.key !== undefined && series.length > 1 ? {} : {}) }), class: 'point', 'data-scan': p.scanId });
      a.append(s('circle', { cx: x(new Date(p.at).getTime()), cy: y(p.total), r: 5, fill: colours[i] }, s('title', {}, `${serie.key ?? source}: ${p.total} findings, scan ${p.scanId} (${when(p.at)})`)));
      svg.append(a);
    }
    svg.append(s('text', { x: pad.l + 4 + i * 150, y: height - 8, fill: colours[i] }, String(serie.key ?? source)));
  });
  return svg;
}

async function historyPage(params: URLSearchParams): Promise<void> {
  const sources: Json[] = await api('/api/sources');
  if (sources.length === 0) return show(h('h1', {}, 'History'), h('p', { class: 'muted' }, 'No scans yet.'));
  const source = sources.find((x) => x.source === params.get('source'))?.source ?? sources[0].source;
  const groupBy = params.get('groupBy') ?? 'source';
  const q = new URLSearchParams({ source, groupBy });
  if (params.get('key')) q.set('key', params.get('key')!);
  const [series, scans]: Json[] = await Promise.all([api(`/api/trends?${q}`), api(`/api/scans?source=${encodeURIComponent(source)}&limit=50`)]);
  const shown = groupBy === 'source' || params.get('key') ? series : [...series].sort((a, b) => b.points.at(-1).total - a.points.at(-1).total).slice(0, 6);
  const rows = scans.map((scan: Json, i: number) => {
    const previous = scans[i + 1];
    return h(
      'tr',
      {},
      h('td', {}, h('a', { href: link('findings', { source, scan: scan.id }) }, scan.id)),
      h('td', {}, when(scan.startedAt)),
      h('td', {}, scan.command),
      h('td', {}, countsRow(scan.bySeverity)),
      h('td', {}, scan.score ?? '–'),
      h('td', {}, previous ? [h('a', { href: link('findings', { source, scan: scan.id, notIn: previous.id }), class: 'new-since' }, 'new since'), ' · ', h('a', { href: link('findings', { source, scan: previous.id, notIn: scan.id }), class: 'fixed-since' }, 'fixed since'), ' · ', h('a', { href: link('diff', { from: previous.id, to: scan.id }) }, 'diff')] : h('span', { class: 'muted' }, 'first')),
    );
  });
  show(
    h('h1', {}, `History of ${source}`),
    h(
      'p',
      {},
      sources.map((x) => h('a', { href: link('history', { source: x.source, groupBy }), class: 'tag' }, x.source)),
      ' Group by: ',
      ['source', 'namespace', 'team'].map((g) => [h('a', { href: link('history', { source, groupBy: g }), class: g === groupBy ? 'tag active' : 'tag' }, g === 'source' ? 'cluster' : g)]),
    ),
    shown.length > 0 && shown.some((x: Json) => x.points.length > 0) ? trendChart(shown, source) : h('p', { class: 'muted' }, 'No points.'),
    groupBy !== 'source' ? h('p', { class: 'muted' }, 'Showing ', shown.map((x: Json) => [h('a', { href: link('history', { source, groupBy, key: x.key ?? '-' }), class: 'tag' }, x.key ?? '(none)')])) : null,
    h('h2', {}, 'Scans'),
    h('table', { id: 'scans' }, h('thead', {}, h('tr', {}, h('th', {}, 'Scan'), h('th', {}, 'When'), h('th', {}, 'Command'), h('th', {}, 'Findings'), h('th', {}, 'Score'), h('th', {}, 'Compared with the scan before'))), h('tbody', {}, rows)),
  );
}

async function diffPage(params: URLSearchParams): Promise<void> {
  const q = new URLSearchParams({ to: params.get('to') ?? '' });
  if (params.get('from')) q.set('from', params.get('from')!);
  const d: Json = await api(`/api/diff?${q}`);
  const list = (findings: Json[], scanId: number): HTMLElement =>
    h(
      'table',
      {},
      h('tbody', {}, findings.map((f) => h('tr', {}, h('td', {}, sevBadge(f.severity)), h('td', {}, h('a', { href: link('finding', { scan: scanId, seq: f.seq, rule: f.rule, kind: f.resource.kind, namespace: f.resource.namespace ?? '-', q: f.resource.name }) }, f.rule)), h('td', {}, objectName(f)), h('td', {}, f.message)))),
    );
  show(
    h('h1', {}, `${d.to.source}: scan ${d.to.id} against scan ${d.from.id}`),
    h('p', {}, `${d.new} new, ${d.fixed} fixed, ${d.unchanged} unchanged.`),
    h('h2', {}, h('a', { href: link('findings', { scan: d.to.id, notIn: d.from.id }) }, `New since scan ${d.from.id} (${d.new})`)),
    list(d.newFindings, d.to.id),
    h('h2', {}, h('a', { href: link('findings', { scan: d.from.id, notIn: d.to.id }) }, `Fixed since (${d.fixed})`)),
    list(d.fixedFindings, d.from.id),
  );
}

// ---------------------------------------------------------------- compliance, RBAC, reachability (views.ts)

const ui: Ui = { h, api, show, link, scanFor, sevBadge, when };

// ---------------------------------------------------------------- wiring

let session: Json | undefined;

async function render(): Promise<void> {
  // A token given in the address (#token=...: what kshield serve prints) is taken and removed from it at once.
  const fromHash = /^#token=([A-Za-z0-9._~-]+)/.exec(location.hash);
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash[1]);
    history.replaceState(null, '', `${location.pathname}#/`);
  }
  if (location.hash.startsWith('#/sign-out')) {
    // Forgets the token in this tab (the issuer's own session, if any, is the issuer's).
    for (const key of [TOKEN_KEY, EXPIRES_KEY]) sessionStorage.removeItem(key);
    session = undefined;
    history.replaceState(null, '', `${location.pathname}#/`);
    return loginPage();
  }
  if (location.hash.startsWith('#/signed-in')) {
    const failed = await finishSignIn();
    if (failed) return loginPage(failed);
  }
  try {
    session ??= await api('/api/session');
    (document.getElementById('nav') as HTMLElement).hidden = false;
    document.getElementById('who')!.replaceChildren(`${session.user} · ${session.database} · `, h('a', { href: '#/sign-out', id: 'sign-out' }, 'sign out'));
    const [page, params] = route();
    for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', (a.getAttribute('href') ?? '').replace(/^#\/?/, '') === page);
    if (page === '' || page === 'overview') await overviewPage(params);
    else if (page === 'findings') await findingsPage(params);
    else if (page === 'finding') await findingPage(params);
    else if (page === 'history') await historyPage(params);
    else if (page === 'diff') await diffPage(params);
    else if (page === 'compliance') await compliancePage(ui, params, session);
    else if (page === 'rbac') await rbacPage(ui, params);
    else if (page === 'reach') await reachPage(ui, params);
    else show(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Overview')));
  } catch (error) {
    if (error instanceof Unauthorized) {
      session = undefined;
      // No token yet: the form alone; a refused one: the form with the server's reason.
      loginPage(error.message.startsWith('log in') ? undefined : error.message);
      return;
    }
    show(h('h1', {}, 'Error'), h('p', { class: 'error', id: 'error' }, (error as Error).message));
  }
}

window.addEventListener('hashchange', () => void render());
void render();
