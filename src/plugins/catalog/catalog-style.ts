/** The catalogue's one stylesheet, served from /catalog.css (the page's CSP allows no inline style). */
export const CATALOG_CSS = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5d6675; --line: #d9dee6; --accent: #2f6fdf; --bar: #4d8ae8; --warn: #d0562f; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.top { display: flex; justify-content: space-between; align-items: center; padding: 10px 24px; background: #1d2430; }
.top a { color: #fff; font-weight: 600; }
.top nav a { font-weight: 400; margin-left: 16px; color: #c9d4e5; }
main { max-width: 1120px; margin: 0 auto; padding: 8px 24px 48px; }
h1 { font-size: 26px; margin: 18px 0 6px; }
h2 { font-size: 20px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 0 0 4px; }
.muted { color: var(--muted); font-size: 13px; }
.empty { color: var(--muted); font-style: italic; }
.search { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; margin: 12px 0; }
.search label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); }
.search input { font: inherit; padding: 5px 8px; border: 1px solid var(--line); border-radius: 4px; min-width: 220px; }
.search button { font: inherit; padding: 5px 14px; border: 0; border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
table { border-collapse: collapse; }
table.sets { width: 100%; background: #fff; border: 1px solid var(--line); }
table.sets th, table.sets td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.sets th { background: #eef1f5; font-size: 13px; }
.num { text-align: right !important; white-space: nowrap; }
.tag { display: inline-block; font-size: 12px; padding: 0 7px; margin: 1px 0; border-radius: 10px; background: #e6eefc; }
table.stats th { text-align: left; font-weight: 500; color: var(--muted); padding: 2px 14px 2px 0; white-space: nowrap; vertical-align: top; }
table.stats td { padding: 2px 0; }
.crumbs { margin: 14px 0 0; font-size: 13px; }
.sample { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.feature { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 12px 0; }
.type { font: 12px ui-monospace, monospace; color: var(--muted); background: #eef1f5; padding: 1px 6px; border-radius: 4px; margin-left: 6px; }
.columns { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.plot { margin: 0; display: inline-block; }
.plot figcaption { font-size: 12px; color: var(--muted); text-align: center; }
.plot .bar { fill: var(--bar); }
.plot .bar:hover { fill: var(--accent); }
.plot .axis { stroke: #8a93a3; stroke-width: 1; }
.plot .tick { font-size: 10px; fill: var(--muted); }
.plot .marker { stroke: var(--warn); stroke-width: 1.5; stroke-dasharray: 4 3; }
.plot .marker-label { font-size: 10px; fill: var(--warn); }
.snippet pre { background: #1d2430; color: #e8edf5; padding: 12px 14px; border-radius: 6px; overflow-x: auto; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; user-select: all; }
`
