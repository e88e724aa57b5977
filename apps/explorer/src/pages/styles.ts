/** The explorer's whole stylesheet, inlined in every page (no build step, no static files). */
export const styles = `
:root { --bg: #f6f7f9; --card: #fff; --text: #1d2330; --muted: #6b7385; --line: #e3e6ec; --accent: #3b6fd8;
  --accent-2: #1f9d8a; --ok: #1f9d55; --warn: #c27c0e; --bad: #c93434; --info: #6a4fd0; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text); }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
header { background: #161b26; color: #e8ebf2; padding: 0 24px; display: flex; align-items: center; gap: 24px; flex-wrap: wrap; }
header nav { display: flex; gap: 4px; align-items: center; flex-wrap: wrap; }
header nav a { color: #c6ccda; padding: 14px 10px; display: inline-block; border-bottom: 2px solid transparent; }
header nav a.active, header nav a:hover { color: #fff; border-bottom-color: var(--accent); text-decoration: none; }
header .brand { font-weight: 700; color: #fff; margin-right: 12px; letter-spacing: .02em; }
header .chain { margin-left: auto; font-size: 12px; color: #aab2c5; }
header .chain .error { color: #ff8c8c; }
main { max-width: 1240px; margin: 0 auto; padding: 20px 24px 40px; }
main.wide, footer.wide { max-width: 1720px; }
table.compact { font-size: 12.5px; } table.compact th, table.compact td { padding: 6px 5px; }
table.compact th { white-space: normal; letter-spacing: 0; font-size: 11px; }
main.wide, footer.wide { padding-left: 16px; padding-right: 16px; }
h1 { font-size: 22px; margin: 8px 0 16px; } h2 { font-size: 16px; margin: 28px 0 10px; }
h1 .mono { font-size: 18px; }
.muted { color: var(--muted); }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.break { word-break: break-all; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.stat .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.stat .value { font-size: 19px; font-weight: 600; margin-top: 4px; word-break: break-word; }
.stat .value .amount { font-size: 17px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px; margin-top: 12px; }
.chart { background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin: 0; padding: 10px 12px; }
.chart figcaption { font-weight: 600; margin-bottom: 6px; }
.chart .axis { stroke: var(--line); stroke-width: 1; }
.chart text { font-size: 11px; fill: var(--muted); } .chart .chart-value { fill: var(--text); }
.chart .chart-empty { font-size: 13px; }
.chart svg { display: block; max-height: 280px; }
.table-wrap { overflow-x: auto; border-radius: 8px; }
td .mono { white-space: nowrap; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f6; font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr:last-child td { border-bottom: 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin-bottom: 14px; }
.card h3 { margin: 0 0 8px; font-size: 15px; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.card h3 .muted { font-weight: normal; font-size: 13px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; word-break: break-all; }
.badge { display: inline-block; border-radius: 999px; padding: 1px 9px; font-size: 12px; font-weight: 600; color: #fff; white-space: nowrap; }
.badge.claimed { background: var(--info); } .badge.proof-required { background: var(--warn); }
.badge.proven { background: var(--accent); } .badge.settled { background: var(--ok); }
.badge.proof-missing, .badge.unreachable, .badge.flagged { background: var(--bad); }
.badge.passed { background: var(--ok); } .badge.failed { background: var(--bad); }
.badge.reachable { background: var(--ok); } .badge.phase { background: #5b6478; } .badge.probation { background: var(--warn); }
.audit-renders { display: flex; flex-wrap: wrap; gap: 12px; }
.audit-render { margin: 0; max-width: 300px; } .audit-render figcaption { font-size: 12px; margin-top: 6px; }
.audit-pair { display: flex; gap: 6px; } .audit-pair img { width: 128px; height: 128px; image-rendering: pixelated; border: 1px solid var(--line); }
.empty { color: var(--muted); padding: 14px; background: var(--card); border: 1px dashed var(--line); border-radius: 8px; }
.error-box { background: #fff4f4; border: 1px solid #f1c4c4; color: #8a1f1f; padding: 12px 14px; border-radius: 8px; }
footer { max-width: 1240px; margin: 0 auto; padding: 0 24px 30px; color: var(--muted); font-size: 12px; }
`;
