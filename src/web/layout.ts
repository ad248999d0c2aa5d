import { html, trustedHtml, type Html } from './html.js';

/** Small, readable and printable: system fonts, one accent colour, result colours that also differ in lightness. */
const STYLE = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6472; --line: #d8dde5; --accent: #2f5fb3; --bg: #f7f8fa;
  --passed: #2e8540; --failed: #c62828; --aborted: #b26a00; --refused: #6b7280; --not-detected: #7b1fa2; --not-run: #e6e8ec; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header { background: #fff; border-bottom: 1px solid var(--line); padding: .6rem 1.5rem; display: flex; gap: 1.5rem; align-items: baseline; }
header strong { font-size: 1.1rem; } header nav a { margin-right: 1rem; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
a { color: var(--accent); } h1 { font-size: 1.6rem; margin: .5rem 0 1rem; } h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.card > h2:first-child { margin-top: 0; }
section.card, .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem; margin: 1rem 0; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.result { display: inline-block; padding: 0 .5rem; border-radius: 999px; color: #fff; font-size: .85rem; white-space: nowrap; }
.result-passed { background: var(--passed); } .result-failed { background: var(--failed); } .result-aborted { background: var(--aborted); }
.result-refused { background: var(--refused); } .result-not-detected { background: var(--not-detected); }
.result-not-run, .result-running { background: var(--not-run); color: var(--ink); }
.met { color: var(--passed); } .missed { color: var(--failed); font-weight: 600; } .muted { color: var(--muted); }
form.filters { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; background: #fff; padding: .8rem 1rem; border: 1px solid var(--line); border-radius: 8px; }
form.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
input, select, button { font: inherit; padding: .25rem .4rem; }
nav.pages { margin: 1rem 0; display: flex; gap: 1rem; align-items: center; }
table.heatmap td { text-align: center; padding: 0; width: 2.2rem; height: 1.6rem; border: 2px solid #fff; font-size: .75rem; color: #fff; }
table.heatmap th { white-space: nowrap; }
table.heatmap td[data-result="passed"] { background: var(--passed); } table.heatmap td[data-result="failed"] { background: var(--failed); }
table.heatmap td[data-result="aborted"] { background: var(--aborted); } table.heatmap td[data-result="refused"] { background: var(--refused); }
table.heatmap td[data-result="not-detected"] { background: var(--not-detected); } table.heatmap td[data-result="not-run"] { background: var(--not-run); color: var(--muted); }
.score { font-size: 2.4rem; font-weight: 700; } .chart svg { max-width: 100%; height: auto; }
details.alt summary { cursor: pointer; color: var(--muted); font-size: .85rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 1rem; }
.error { border-left: 4px solid var(--failed); }
code, .id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9em; }
`;

export interface PageShell {
  title: string;
  body: Html;
  /** Who is reading, when the access guard knows (a login). */
  visitor?: string;
}

export function layout({ title, body, visitor }: PageShell): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · firedrill</title>
<style>${trustedHtml(STYLE)}</style>
</head>
<body>
<header><strong>firedrill</strong>
<nav aria-label="pages"><a href="/">Overview</a><a href="/runs">Runs</a><a href="/score">Resilience score</a></nav>
${visitor ? html`<span class="muted">${visitor}</span>` : ''}
</header>
<main>
${body}
</main>
</body>
</html>
`.text;
}

export function resultBadge(result: string | null): Html {
  const name = result ?? 'running';
  return html`<span class="result result-${name}">${name.replace('-', ' ')}</span>`;
}
