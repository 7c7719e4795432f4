/**
 * The dashboard's files: the page (a shell with no data in it), its styles and its scripts. The
 * scripts are src/serve/ui/client.ts and the views.ts it imports, compiled by the project's normal `tsc`
 * and read from next to this module, so there is no bundler and nothing is fetched from anywhere but this server (the CSP says so).
 */
import { readFileSync } from 'node:fs';
import type { StaticAsset } from '../http.js';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kshield dashboard</title>
<link rel="stylesheet" href="/ui/app.css">
<link rel="icon" href="data:,">
<script type="module" src="/ui/app.js"></script>
</head>
<body>
<header class="top">
  <a class="brand" href="#/">kshield</a>
  <nav id="nav" hidden>
    <a href="#/">Overview</a>
    <a href="#/findings">Findings</a>
    <a href="#/history">History</a>
    <a href="#/compliance">Compliance</a>
    <a href="#/rbac">RBAC</a>
    <a href="#/reach">Reachability</a>
  </nav>
  <span id="who" class="who"></span>
</header>
<main id="main"><p class="muted">Loading…</p></main>
<noscript>The kshield dashboard needs JavaScript.</noscript>
</body>
</html>
`;

const CSS = `
:root { --bg: #f6f7f9; --fg: #1d2330; --muted: #667085; --line: #d9dde5; --card: #fff; --accent: #2456c9;
  --critical: #8f1029; --high: #d0342c; --medium: #e08a00; --low: #3c7dd9; --info: #8a94a6; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
header.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #141b2d; color: #fff; }
header.top a { color: #dfe6f5; text-decoration: none; }
header.top a.brand { font-weight: 700; font-size: 18px; color: #fff; }
nav a { margin-right: 16px; } nav a.active { color: #fff; border-bottom: 2px solid #7aa2ff; }
.who { margin-left: auto; color: #aab4c8; font-size: 13px; }
main { padding: 20px 24px; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 12px; } h2 { font-size: 17px; margin: 20px 0 8px; }
.muted { color: var(--muted); } .error { color: var(--high); font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.card h3 { margin: 0 0 4px; font-size: 16px; }
.score { font-size: 30px; font-weight: 700; }
.sev { display: inline-block; min-width: 68px; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; text-align: center; }
.sev.critical { background: var(--critical); } .sev.high { background: var(--high); } .sev.medium { background: var(--medium); }
.sev.low { background: var(--low); } .sev.info { background: var(--info); }
.counts { display: flex; gap: 6px; flex-wrap: wrap; margin: 8px 0; }
.delta { font-size: 13px; } .delta .up { color: var(--high); } .delta .down { color: #1d7f3a; }
table { border-collapse: collapse; width: 100%; background: var(--card); border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f6; font-weight: 600; white-space: nowrap; } th button { font: inherit; background: none; border: 0; cursor: pointer; padding: 0; }
tr.row { cursor: pointer; } tr.row:hover { background: #f0f4ff; }
form.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin-bottom: 12px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
input, select, button { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
.pager { display: flex; gap: 8px; align-items: center; margin: 10px 0; }
.bars { display: grid; grid-template-columns: 200px 1fr 60px; gap: 4px 10px; align-items: center; }
.bar { height: 12px; background: var(--accent); border-radius: 3px; }
.bar.critical { background: var(--critical); } .bar.high { background: var(--high); }
dl.kv { display: grid; grid-template-columns: 160px 1fr; gap: 4px 12px; } dl.kv dt { color: var(--muted); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
.login { max-width: 520px; margin: 60px auto; } .login input { width: 100%; margin: 8px 0; }
svg.trend { background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
svg.trend text { font-size: 11px; fill: var(--muted); }
.tag { display: inline-block; padding: 0 6px; border: 1px solid var(--line); border-radius: 4px; font-size: 12px; margin-right: 4px; }
.status-pass { color: #1d7f3a; font-weight: 600; } .status-fail { color: var(--high); font-weight: 600; }
.status-manual, .status-not-assessed { color: var(--muted); }
.tag.active { border-color: var(--accent); color: var(--accent); }
.evidence { margin-bottom: 6px; } .evidence ul { margin: 2px 0 0; padding-left: 18px; }
.scroll { overflow: auto; max-width: 100%; border: 1px solid var(--line); border-radius: 6px; background: #fbfbfc; }
.graph text { font-size: 12px; fill: var(--fg); } .graph text.head { font-weight: 600; }
.graph .node rect { fill: #e3f2fd; stroke: #1565c0; } .graph .node.capability rect { fill: #f1f3f5; stroke: #868e96; }
.graph .node.goal rect { fill: #ffebee; stroke: #c62828; stroke-width: 2; }
.graph .edge .line { fill: none; stroke: #555; stroke-width: 1.5; } .graph .edge .hit { fill: none; stroke: transparent; stroke-width: 10; }
.graph .edge:hover .line { stroke: var(--accent); stroke-width: 2.5; }
.graph .flow path { fill: none; stroke: #78909c; stroke-opacity: .7; } .graph .flow.inbound path { stroke: #c62828; }
.graph .flow.outbound path { stroke: #ef6c00; } .graph .flow:hover path { stroke-opacity: 1; stroke: var(--accent); }
.graph .ns rect { fill: #eef2f7; stroke: #90a4ae; } .graph .ns.outside rect { fill: #ffebee; stroke: #c62828; }
ol.paths li { margin-bottom: 6px; } ul.steps { list-style: none; padding-left: 16px; margin: 2px 0; }
`;

let script: string | undefined;
let views: string | undefined;

const compiled = (name: string): string => readFileSync(new URL(name, import.meta.url), 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');

/** The page, styles and scripts by path; the scripts are read once, on the first call. */
export function dashboardAssets(): Map<string, StaticAsset> {
  script ??= compiled('./client.js');
  // The compliance, RBAC and reachability pages: client.js imports them as ./views.js.
  views ??= compiled('./views.js');
  const page: StaticAsset = { type: 'text/html; charset=utf-8', body: PAGE };
  return new Map([
    ['/', page],
    ['/index.html', page],
    ['/ui/app.css', { type: 'text/css; charset=utf-8', body: CSS }],
    ['/ui/app.js', { type: 'text/javascript; charset=utf-8', body: script }],
    ['/ui/views.js', { type: 'text/javascript; charset=utf-8', body: views }],
  ]);
}
