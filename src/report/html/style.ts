/** The page's style sheet (one <style> element, allowed by its hash in the Content-Security-Policy). */
export const STYLE = `
:root{--fg:#1d2430;--muted:#667085;--line:#d9dde3;--bg:#fff;--head:#f6f7f9;--accent:#0b5cad;
--critical:#b71c1c;--high:#e65100;--medium:#c79100;--low:#1565c0;--info:#607d8b}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:var(--head)}
header h1{margin:0 0 4px;font-size:20px}
nav{display:flex;gap:16px;padding:8px 24px;border-bottom:1px solid var(--line);position:sticky;top:0;background:var(--bg);z-index:2}
nav a{color:var(--accent);text-decoration:none}
main{padding:0 24px 40px}
section{margin-top:24px}
h2{font-size:17px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px}
.muted{color:var(--muted)}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
.cards{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
.card{border:1px solid var(--line);border-radius:6px;padding:12px 16px;background:#fff}
.card h3{margin:0 0 8px}
.chart text,.graph text{font-size:12px;fill:var(--fg)}
.chart .bar,.chart .cell{cursor:pointer}
.chart .bar:hover rect:nth-of-type(2),.chart .cell:hover rect{stroke:#000;stroke-width:1}
.chart text.n{font-size:11px;fill:#111}
.chart text.col{font-size:11.5px}
.scroll{overflow:auto;max-width:100%;border:1px solid var(--line);border-radius:6px;background:#fbfbfc}
.graph .node rect{fill:#e3f2fd;stroke:#1565c0}
.graph .node.capability rect{fill:#f1f3f5;stroke:#868e96}
.graph .node.goal rect{fill:#ffebee;stroke:#c62828;stroke-width:2}
.graph .edge .line{fill:none;stroke:#555;stroke-width:1.5}
.graph .edge .hit{fill:none;stroke:transparent;stroke-width:10}
.graph .edge:hover .line{stroke:var(--accent);stroke-width:2.5}
.graph .flow path{fill:none;stroke:#78909c;stroke-opacity:.7}
.graph .flow.inbound path{stroke:#c62828}
.graph .flow.outbound path{stroke:#ef6c00}
.graph .flow:hover path{stroke-opacity:1;stroke:var(--accent)}
.graph .ns rect{fill:#eef2f7;stroke:#90a4ae}
.graph .ns.outside rect{fill:#ffebee;stroke:#c62828}
.graph text.head{font-weight:600}
#filters{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:8px 0}
#filters fieldset{border:1px solid var(--line);border-radius:4px;padding:2px 8px;margin:0}
#filters select,#filters input[type=search]{font:inherit;padding:3px 6px;max-width:220px}
#f-search{width:220px}
#count{color:var(--muted);margin:4px 0}
.grid-head,.row{display:grid;grid-template-columns:84px minmax(140px,1.3fr) minmax(160px,1.6fr) minmax(140px,1.3fr) minmax(200px,3fr);gap:0 10px;align-items:center;padding:0 8px}
.grid-head{background:var(--head);border:1px solid var(--line);border-bottom:0;height:32px}
.grid-head button{font:inherit;font-weight:600;text-align:left;background:none;border:0;padding:0;cursor:pointer;color:var(--fg)}
.grid-head button[aria-sort=ascending]::after{content:" ▲"}
.grid-head button[aria-sort=descending]::after{content:" ▼"}
.viewport{position:relative;height:520px;overflow:auto;border:1px solid var(--line);contain:strict}
#spacer{width:1px}
#rows{position:absolute;top:0;left:0;right:0}
.row{position:absolute;left:0;right:0;height:28px;border-bottom:1px solid #eef0f3;cursor:pointer;white-space:nowrap}
.row:hover{background:#f5f9ff}
.row.selected{background:#e3f2fd}
.row.suppressed{opacity:.55}
.row .c{overflow:hidden;text-overflow:ellipsis}
.sev{font-weight:600;text-transform:uppercase;font-size:11.5px}
.sev.critical{color:var(--critical)}.sev.high{color:var(--high)}.sev.medium{color:var(--medium)}.sev.low{color:var(--low)}.sev.info{color:var(--info)}
#detail{margin-top:12px;border:1px solid var(--line);border-radius:6px;padding:8px 16px;background:#fcfcfd}
#detail dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px}
#detail dt{color:var(--muted)}
#detail dd{margin:0;word-break:break-all}
.status{display:inline-block;min-width:84px;text-align:center;border-radius:3px;font-size:12px;padding:0 4px}
.status.pass{background:#e8f5e9;color:#1b5e20}.status.fail{background:#ffebee;color:#b71c1c}
.status.manual{background:#fff8e1;color:#8d6e00}.status.warn{background:#fff3e0;color:#e65100}.status.not-assessed{background:#eceff1;color:#455a64}
table.plain{border-collapse:collapse;margin:8px 0}
table.plain th,table.plain td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
table.plain th{background:var(--head)}
.minibar .good{fill:#2e7d32}.minibar .fair{fill:#ef6c00}.minibar .poor{fill:#c62828}
.framework h3 .score{color:var(--accent);margin-left:8px}
details.control{border-bottom:1px solid #eef0f3;padding:3px 0}
details.control summary{cursor:pointer}
ul.evidence{margin:4px 0}
ol.paths li{margin-bottom:6px}
ul.steps{list-style:none;padding-left:16px;margin:2px 0}
.problems li{margin:2px 0}
`;
