/**
 * The report's one inline stylesheet: system fonts only (no web font to fetch), severity
 * colours that also read in grey print, and print rules that open every drill-down.
 */
export const REPORT_CSS = `
:root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f6f7f9;--card:#fff;--accent:#1d4ed8;
--critical:#b91c1c;--high:#c2410c;--medium:#b45309;--low:#2563eb;--informational:#64748b;--unspecified:#6b7280;
--good:#15803d;--fair:#ca8a04;--poor:#b91c1c}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header.top{background:#111827;color:#f9fafb;padding:20px 32px}
header.top h1{margin:0;font-size:22px;font-weight:650}
header.top p{margin:4px 0 0;color:#d1d5db}
main{max-width:1120px;margin:0 auto;padding:20px 32px 40px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 22px;margin:0 0 18px;break-inside:avoid}
section h2{margin:0 0 12px;font-size:17px}
section h2 .count{color:var(--muted);font-weight:400}
h3.sub-h{margin:14px 0 8px;font-size:13px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.04em}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:14px}
.kpi{border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.kpi .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.kpi .value{font-size:26px;font-weight:650;font-variant-numeric:tabular-nums}
.kpi.score .value{color:var(--accent);font-size:34px}
.kpi .sub{color:var(--muted);font-size:12px}
.sevs{display:flex;flex-wrap:wrap;gap:8px;margin:0 0 12px;padding:0;list-style:none}
.sev{white-space:nowrap;display:inline-block;border-radius:999px;padding:2px 10px;font-size:12px;font-weight:600;color:#fff;background:var(--unspecified)}
.sev.CRITICAL{background:var(--critical)}.sev.HIGH{background:var(--high)}.sev.MEDIUM{background:var(--medium)}
.sev.LOW{background:var(--low)}.sev.INFORMATIONAL{background:var(--informational)}
.state{font-size:12px;font-weight:600}
.state.open{color:var(--critical)}.state.accepted{color:var(--good)}.state.acceptance-expired{color:var(--high)}
.status{white-space:nowrap;font-size:12px;font-weight:600;border-radius:4px;padding:1px 6px;border:1px solid currentColor}
.status.active{color:var(--good)}.status.expiring{color:var(--fair)}.status.expired{color:var(--poor)}
.badge{font-size:11px;font-weight:700;color:#fff;background:#374151;border-radius:4px;padding:1px 5px;margin-left:6px}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:break-word}
th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.03em}
td.num,th.num{text-align:right}
.note{color:var(--muted);margin:6px 0}
.chart{width:100%;height:auto;display:block}
.chart .grid{stroke:var(--line)}
.chart .axis{fill:var(--muted);font-size:11px}
.trend-line{fill:none;stroke:var(--accent);stroke-width:2.5}
.trend-area{fill:var(--accent);opacity:.08}
.trend-dot{fill:#fff;stroke:var(--accent);stroke-width:2}
.bar-label{font-size:13px;fill:var(--ink)}
.bar-label .mandated{font-size:10px;font-weight:700;fill:var(--poor)}
.bar-track{fill:#eef0f3}
.bar-value{font-size:13px;fill:var(--ink)}
.bar.good .bar-fill{fill:var(--good)}.bar.fair .bar-fill{fill:var(--fair)}.bar.poor .bar-fill{fill:var(--poor)}
details.machine{border-bottom:1px solid var(--line)}
details.machine>summary{cursor:pointer;list-style:none;display:grid;grid-template-columns:2.2em minmax(0,2.6fr) minmax(0,1fr) minmax(0,1fr) 5em 4.5em 5em 5em minmax(0,1.5fr);gap:8px;padding:7px 8px;align-items:baseline}
details.machine>summary::-webkit-details-marker{display:none}
details.machine>summary:hover{background:#f3f4f6}
details.machine[open]>summary{background:#eef2ff}
details.machine .findings{padding:4px 8px 12px 3em}
.machines-head{display:grid;grid-template-columns:2.2em minmax(0,2.6fr) minmax(0,1fr) minmax(0,1fr) 5em 4.5em 5em 5em minmax(0,1.5fr);gap:8px;padding:6px 8px;border-bottom:1px solid var(--line)}
.machines-head span{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase}
.num{text-align:right}
.nowrap{white-space:nowrap}
.name{font-weight:600;overflow-wrap:break-word}
.rid{overflow-wrap:anywhere;color:var(--muted);font-size:12px;font-family:ui-monospace,Menlo,Consolas,monospace}
.twisty::before{content:"▸";color:var(--muted)}
details[open] .twisty::before{content:"▾"}
footer{color:var(--muted);font-size:12px;text-align:center;padding:10px}
@media print{
 body{background:#fff;font-size:11px}
 header.top{background:#fff;color:#000;border-bottom:2px solid #000;padding:8px 0}
 header.top p{color:#333}
 main{max-width:none;padding:8px 0}
 section{border:none;border-top:1px solid #999;border-radius:0;padding:8px 0}
 details.machine::details-content{content-visibility:visible;display:block}
 .twisty::before{content:""}
 .sev,.badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 .chart{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;
