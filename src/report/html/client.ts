/**
 * The page's one script. It is written here as a function so the compiler checks it, and put into
 * the page as its source text: it must use nothing from outside its own body. It parses the JSON
 * island once, filters, searches and sorts arrays of indexes, and keeps in the DOM only the rows
 * in view (a fixed row height lets the scroll position say which ones), so 100,000 findings cost
 * no more DOM than 30. Every value from the input reaches the page through textContent only.
 */
/* eslint-disable */
export function reportClient(): void {
  type Row = [number, number, number, number, string, number, number, number, string, string, string, number, number];
  interface Data {
    severities: string[];
    rules: { id: string; title: string; severity: string; category: string; remediation: string; description: string }[];
    namespaces: string[];
    kinds: string[];
    files: string[];
    categories: string[];
    findings: Row[];
    details: {
      related?: { rule: string; severity: string; message: string; line: number; column: number; path: string }[];
      suppression?: string;
      locations?: { file: string; line: number; column: number; what: string }[];
    }[];
  }
  const island = document.getElementById('kshield-data');
  if (!island) return;
  const data = JSON.parse(island.textContent || '{}') as Data;
  const F = data.findings;
  const N = F.length;
  const ROW_H = 28;
  const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;
  const el = (tag: string, cls?: string, text?: string): HTMLElement => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const nsLabel = (i: number): string => (data.namespaces[i] === '' ? '(cluster-scoped)' : data.namespaces[i]);
  const objectText = (f: Row): string => {
    const ns = data.namespaces[f[2]];
    return ns ? data.kinds[f[3]] + '/' + ns + '/' + f[4] : data.kinds[f[3]] + '/' + f[4];
  };
  const locationText = (file: string, line: number, col: number): string => (line > 0 ? file + ':' + line + (col > 0 ? ':' + col : '') : file);
  const categoryOfRule = data.rules.map((r) => data.categories.indexOf(r.category));

  // Filters: options from the string tables, sorted for people.
  const ruleSel = $('f-rule') as HTMLSelectElement;
  const nsSel = $('f-namespace') as HTMLSelectElement;
  const catSel = $('f-category') as HTMLSelectElement;
  const search = $('f-search') as HTMLInputElement;
  const showSuppressed = $('f-suppressed') as HTMLInputElement;
  const sevBoxes = Array.from(document.querySelectorAll<HTMLInputElement>('input[data-severity]'));
  const fill = (sel: HTMLSelectElement, labels: string[]): void => {
    const order = labels.map((_, i) => i).sort((a, b) => (labels[a] < labels[b] ? -1 : labels[a] > labels[b] ? 1 : 0));
    for (const i of order) {
      const o = document.createElement('option');
      o.value = String(i);
      o.textContent = labels[i];
      sel.appendChild(o);
    }
  };
  fill(ruleSel, data.rules.map((r) => r.id));
  fill(nsSel, data.namespaces.map((_, i) => nsLabel(i)));
  fill(catSel, data.categories);

  // Sorting: an order of all findings per key, made when first asked for; filtering walks it.
  const byIndex = (a: number, b: number): number => a - b;
  const orders: Record<string, Int32Array> = {};
  const str = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const comparators: Record<string, (a: number, b: number) => number> = {
    location: byIndex,
    severity: (a, b) => F[a][0] - F[b][0] || a - b,
    rule: (a, b) => str(data.rules[F[a][1]].id, data.rules[F[b][1]].id) || a - b,
    object: (a, b) => str(data.namespaces[F[a][2]], data.namespaces[F[b][2]]) || str(data.kinds[F[a][3]], data.kinds[F[b][3]]) || str(F[a][4], F[b][4]) || a - b,
    message: (a, b) => str(F[a][8], F[b][8]) || a - b,
  };
  const orderOf = (key: string): Int32Array => {
    let o = orders[key];
    if (!o) {
      const idx = new Array<number>(N);
      for (let i = 0; i < N; i++) idx[i] = i;
      if (key !== 'location') idx.sort(comparators[key]);
      o = orders[key] = Int32Array.from(idx);
    }
    return o;
  };
  let sortKey = 'severity';
  let sortDesc = false;

  let hay: string[] | undefined;
  const haystack = (): string[] => {
    if (!hay) {
      hay = new Array<string>(N);
      for (let i = 0; i < N; i++) {
        const f = F[i];
        hay[i] = (f[8] + '\u0000' + data.rules[f[1]].id + '\u0000' + objectText(f) + '\u0000' + data.files[f[5]] + '\u0000' + f[10]).toLowerCase();
      }
    }
    return hay;
  };

  let view = new Int32Array(0);
  const stats = { firstRenderMs: 0, lastFilterMs: 0, shown: 0 };
  (window as unknown as { kshieldReport: unknown }).kshieldReport = stats;

  const apply = (): void => {
    const t0 = performance.now();
    const sev: boolean[] = data.severities.map((s) => sevBoxes.some((b) => b.dataset.severity === s && b.checked));
    const rule = ruleSel.value === '' ? -1 : Number(ruleSel.value);
    const ns = nsSel.value === '' ? -1 : Number(nsSel.value);
    const cat = catSel.value === '' ? -1 : Number(catSel.value);
    const q = search.value.trim().toLowerCase();
    const words = q ? q.split(/\s+/) : [];
    const h = words.length ? haystack() : undefined;
    const withSuppressed = showSuppressed.checked;
    const order = orderOf(sortKey);
    const out = new Int32Array(N);
    let n = 0;
    for (let k = 0; k < N; k++) {
      const i = order[sortDesc ? N - 1 - k : k];
      const f = F[i];
      if (!sev[f[0]]) continue;
      if (f[11] === 1 && !withSuppressed) continue;
      if (rule >= 0 && f[1] !== rule) continue;
      if (ns >= 0 && f[2] !== ns) continue;
      if (cat >= 0 && categoryOfRule[f[1]] !== cat) continue;
      if (h) {
        const s = h[i];
        let all = true;
        for (const w of words) if (s.indexOf(w) === -1) { all = false; break; }
        if (!all) continue;
      }
      out[n++] = i;
    }
    view = out.subarray(0, n);
    $('count').textContent = n === N ? 'Showing all ' + N + ' finding(s)' : 'Showing ' + n + ' of ' + N + ' finding(s)';
    (viewport as HTMLElement).scrollTop = 0;
    spacer.style.height = n * ROW_H + 'px';
    render(true);
    stats.lastFilterMs = performance.now() - t0;
    stats.shown = n;
  };

  // The virtual list: a spacer as tall as all rows, and a pool of row elements moved into view.
  const viewport = $('viewport');
  const spacer = $('spacer');
  const rowsBox = $('rows');
  const pool: HTMLElement[] = [];
  const cell = (row: HTMLElement, k: number): HTMLElement => row.children[k] as HTMLElement;
  const makeRow = (): HTMLElement => {
    const r = el('div', 'row');
    r.setAttribute('role', 'row');
    r.tabIndex = 0;
    for (const c of ['sev', 'rule', 'obj', 'loc', 'msg']) {
      const s = el('span', 'c ' + c);
      s.setAttribute('role', 'cell');
      r.appendChild(s);
    }
    return r;
  };
  let lastFirst = -1;
  const render = (force: boolean): void => {
    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_H) - 5);
    if (!force && first === lastFirst) return;
    lastFirst = first;
    const count = Math.min(view.length - first, Math.ceil(viewport.clientHeight / ROW_H) + 10);
    while (pool.length < count) rowsBox.appendChild((pool[pool.length] = makeRow()));
    for (let k = 0; k < pool.length; k++) {
      const r = pool[k];
      if (k >= count) {
        r.hidden = true;
        continue;
      }
      const i = view[first + k];
      const f = F[i];
      r.hidden = false;
      r.dataset.i = String(i);
      r.style.transform = 'translateY(' + (first + k) * ROW_H + 'px)';
      r.classList.toggle('suppressed', f[11] === 1);
      r.classList.toggle('selected', i === selected);
      const sev = data.severities[f[0]];
      const s = cell(r, 0);
      s.textContent = sev;
      s.className = 'c sev ' + sev;
      cell(r, 1).textContent = data.rules[f[1]].id;
      cell(r, 2).textContent = objectText(f);
      cell(r, 3).textContent = locationText(data.files[f[5]], f[6], f[7]);
      cell(r, 4).textContent = f[8];
    }
  };
  viewport.addEventListener('scroll', () => render(false), { passive: true });
  window.addEventListener('resize', () => render(true));

  // The detail of one finding: rule, remediation, place, related findings.
  let selected = -1;
  const detail = $('detail');
  const show = (i: number): void => {
    selected = i;
    const f = F[i];
    const rule = data.rules[f[1]];
    detail.replaceChildren();
    const head = el('h3');
    head.appendChild(el('span', 'sev ' + data.severities[f[0]], data.severities[f[0]]));
    head.appendChild(document.createTextNode(' ' + rule.id + ': ' + rule.title));
    detail.appendChild(head);
    detail.appendChild(el('p', 'message', f[8]));
    const dl = el('dl');
    const pair = (k: string, v: string): void => {
      if (!v) return;
      dl.appendChild(el('dt', '', k));
      dl.appendChild(el('dd', '', v));
    };
    pair('object', objectText(f));
    pair('source', locationText(data.files[f[5]], f[6], f[7]));
    pair('field', f[9]);
    pair('container', f[10]);
    pair('category', rule.category);
    const extra = f[12] >= 0 ? data.details[f[12]] : undefined;
    if (extra && extra.suppression) pair('suppressed', extra.suppression);
    if (extra && extra.locations) for (const l of extra.locations) pair(l.what, locationText(l.file, l.line, l.column));
    detail.appendChild(dl);
    detail.appendChild(el('h4', '', 'Remediation'));
    detail.appendChild(el('p', 'remediation', rule.remediation));
    detail.appendChild(el('p', 'muted', rule.description));
    if (extra && extra.related) {
      detail.appendChild(el('h4', '', extra.related.length + ' related finding(s), same cause'));
      const ul = el('ul');
      for (const r of extra.related) ul.appendChild(el('li', '', r.severity + ' ' + r.rule + ': ' + r.message + ' (' + locationText(data.files[f[5]], r.line, r.column) + ')'));
      detail.appendChild(ul);
    }
    detail.hidden = false;
    render(true);
  };
  rowsBox.addEventListener('click', (e) => {
    const r = (e.target as HTMLElement).closest('.row') as HTMLElement | null;
    if (r && r.dataset.i) show(Number(r.dataset.i));
  });
  rowsBox.addEventListener('keydown', (e) => {
    const r = (e.target as HTMLElement).closest('.row') as HTMLElement | null;
    if (r && r.dataset.i && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      show(Number(r.dataset.i));
    }
  });

  // Sorting by a column head: again reverses.
  const heads = Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-sort]'));
  const markSort = (): void => {
    for (const b of heads) b.setAttribute('aria-sort', b.dataset.sort === sortKey ? (sortDesc ? 'descending' : 'ascending') : 'none');
  };
  for (const b of heads)
    b.addEventListener('click', () => {
      const key = b.dataset.sort || 'location';
      if (key === sortKey) sortDesc = !sortDesc;
      else {
        sortKey = key;
        sortDesc = false;
      }
      markSort();
      apply();
    });

  let timer: number | undefined;
  search.addEventListener('input', () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(apply, N > 20000 ? 200 : 60) as unknown as number;
  });
  // Enter (or leaving the box) searches at once.
  search.addEventListener('change', () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    apply();
  });
  for (const s of [ruleSel, nsSel, catSel, showSuppressed, ...sevBoxes]) s.addEventListener('change', apply);
  $('f-reset').addEventListener('click', () => {
    for (const b of sevBoxes) b.checked = true;
    ruleSel.value = nsSel.value = catSel.value = search.value = '';
    showSuppressed.checked = false;
    apply();
  });

  // The charts drive the filters: a severity bar shows that severity, a heatmap cell its namespace and category.
  const goTo = (): void => $('findings').scrollIntoView();
  const activate = (target: EventTarget | null): void => {
    const g = (target as Element | null)?.closest('[data-severity],[data-namespace]') as HTMLElement | SVGElement | null;
    if (!g || g instanceof HTMLInputElement) return;
    const d = (g as HTMLElement).dataset;
    if (d.severity) {
      for (const b of sevBoxes) b.checked = b.dataset.severity === d.severity;
    } else if (d.namespace !== undefined) {
      nsSel.value = String(data.namespaces.indexOf(d.namespace));
      catSel.value = String(data.categories.indexOf(d.category || ''));
    }
    apply();
    goTo();
  };
  for (const chart of Array.from(document.querySelectorAll('#severity-chart, #heatmap'))) {
    chart.addEventListener('click', (e) => activate(e.target));
    chart.addEventListener('keydown', (e) => {
      const k = (e as KeyboardEvent).key;
      if (k === 'Enter' || k === ' ') {
        e.preventDefault();
        activate(e.target);
      }
    });
  }

  markSort();
  apply();
  requestAnimationFrame(() => {
    stats.firstRenderMs = performance.now();
    document.body.dataset.ready = 'true';
  });
}
