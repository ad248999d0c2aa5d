import type { DrillStanding, RunRecord, WeekCell } from '../history/ports.js';
import type { ScoredDrill } from '../scoring/environment-score.js';
import { weekStartsBefore } from '../scoring/environment-score.js';
import type { ResilienceScore } from '../scoring/resilience-score.js';
import type { ScorePoint } from '../scoring/environment-score.js';
import { percentText, RESULT_LABELS, timeText } from './format.js';
import { html, type Html } from './html.js';
import { resultBadge } from './layout.js';
import { pointKey, svgChart } from './svg-chart.js';
import { trendChart } from './trend-chart.js';

export const HEATMAP_WEEKS = 12;
export const TREND_RUNS = 20;

/** The resilience score of an environment now, and at each of the last weeks' starts then now (environment-score.ts). */
export interface EnvironmentScore {
  now: ResilienceScore;
  trend: ScorePoint[];
}

export interface EnvironmentOverview {
  name: string;
  drills: readonly ScoredDrill[];
  score: EnvironmentScore;
  standings: readonly DrillStanding[];
  trends: ReadonlyMap<string, readonly RunRecord[]>;
  weeks: readonly WeekCell[];
  /** Open action items, as HTML, when this deployment keeps them. */
  openActions?: Html;
}

/** The drills shown for an environment: those that apply there, and any others it has run. */
export function drillsShown(drills: readonly ScoredDrill[], standings: readonly DrillStanding[]): string[] {
  return [...new Set([...drills.map((drill) => drill.id), ...standings.map((standing) => standing.drill)])].sort();
}

export async function overviewBody(environments: readonly EnvironmentOverview[], now: Date): Promise<Html> {
  if (!environments.length) return html`<h1>Overview</h1><p>No environments are configured.</p>`;
  const sections = [];
  for (const environment of environments) sections.push(await environmentSection(environment, now));
  return html`<h1>Overview</h1>
<p class="muted">Per environment: the resilience score (<a href="/score">how it is computed</a>), each drill's last result and pass rate,
TTD/RTO/RPO trends against their objectives, and the last ${HEATMAP_WEEKS} weeks. Times are UTC.</p>
${sections}`;
}

async function environmentSection(environment: EnvironmentOverview, now: Date): Promise<Html> {
  const { score } = environment;
  const overdue = score.now.drills.filter((drill) => drill.overdue);
  const drills = drillsShown(environment.drills, environment.standings);
  const trendCharts = [];
  for (const drill of drills) {
    const runs = environment.trends.get(drill) ?? [];
    if (runs.length) trendCharts.push(html`<div><h3>${drill}</h3>${await trendChart(environment.name, drill, runs)}</div>`);
  }
  return html`<section class="card" id="env-${environment.name}">
<h2>${environment.name}</h2>
<p>Resilience score: <span class="score" data-score="${score.now.score ?? ''}">${score.now.score ?? '–'}</span>${score.now.score === null ? ' (no drill applies here)' : ' / 100'}
· <a href="/score#env-${environment.name}">why</a> · <a href="/runs?env=${encodeURIComponent(environment.name)}">runs</a></p>
${await scoreTrendChart(environment.name, score.trend)}
<h3>Drills</h3>
${standingsTable(environment.name, drills, environment.standings, score)}
${overdue.length ? html`<h3>Overdue</h3><ul class="overdue">${overdue.map((drill) => html`<li data-drill="${drill.drill}">${drill.title}: ${drill.lastRunAt ? html`due since ${timeText(drill.overdueSince)}` : 'never run here'}</li>`)}</ul>` : html`<p>No drill is overdue.</p>`}
${environment.openActions ?? ''}
<h3>Last ${HEATMAP_WEEKS} weeks</h3>
${heatmap(drills, environment.weeks, now)}
<h3>Trends</h3>
${trendCharts.length ? html`<div class="grid">${trendCharts}</div>` : html`<p class="muted">No finished runs yet.</p>`}
</section>`;
}

function standingsTable(environment: string, drills: readonly string[], standings: readonly DrillStanding[], score: EnvironmentScore): Html {
  const byDrill = new Map(standings.map((standing) => [standing.drill, standing]));
  const scored = new Map(score.now.drills.map((drill) => [drill.drill, drill]));
  return html`<table class="standings"><thead><tr><th>Drill</th><th>Last result</th><th>Last run (UTC)</th><th class="num">Pass rate</th><th class="num">Points</th></tr></thead>
<tbody>${drills.map((drill) => {
    const standing = byDrill.get(drill);
    const last = standing?.last ?? null;
    const drillScore = scored.get(drill);
    return html`<tr data-drill="${drill}"><td>${drillScore?.title ?? last?.title ?? drill}<br><span class="muted">${drill}</span></td>
<td>${last ? html`<a href="/runs/${last.id}">${resultBadge(last.result)}</a>` : resultBadge('not-run')}</td>
<td>${last ? timeText(last.createdAt) : '–'}</td>
<td class="num">${standing ? html`${percentText(standing.passedRuns, standing.finishedRuns)} <span class="muted">of ${standing.finishedRuns}</span>` : '–'}</td>
<td class="num">${drillScore ? `${drillScore.points} / ${drillScore.weight}` : html`<span class="muted" title="not in this environment's score">–</span>`}</td></tr>`;
  })}</tbody></table>
<p class="muted"><a href="/runs?env=${encodeURIComponent(environment)}">All runs in ${environment}</a></p>`;
}

/** Drills × weeks: each cell the worst result of the drill's runs that week (see ports.ts WeekCell). */
function heatmap(drills: readonly string[], cells: readonly WeekCell[], now: Date): Html {
  const weeks = weekStartsBefore(now, HEATMAP_WEEKS).map((start) => start.toISOString().slice(0, 10));
  const byKey = new Map(cells.map((cell) => [`${cell.drill}\u0000${cell.weekStart}`, cell]));
  return html`<table class="heatmap"><caption class="muted">Worst result per week: ${(['passed', 'failed', 'aborted', 'not-detected', 'refused', 'not-run'] as const).map((result) => RESULT_LABELS[result]).join(', ')}</caption>
<thead><tr><th>Drill</th>${weeks.map((week) => html`<th scope="col" title="week of ${week}">${week.slice(5)}</th>`)}</tr></thead>
<tbody>${drills.map(
    (drill) => html`<tr><th scope="row">${drill}</th>${weeks.map((week) => {
      const cell = byKey.get(`${drill}\u0000${week}`);
      const result = cell?.result ?? 'not-run';
      const label = cell ? `${drill}, week of ${week}: ${cell.runs} run(s), worst ${RESULT_LABELS[result]}` : `${drill}, week of ${week}: not run`;
      return html`<td data-result="${result}" title="${label}">${cell ? cell.runs : ''}</td>`;
    })}</tr>`,
  )}</tbody></table>`;
}

async function scoreTrendChart(environment: string, trend: readonly { at: string; score: number | null }[]): Promise<Html> {
  // Days, not instants: "now" moves on every request, and the chart is cached by what it shows.
  const tags = new Map(trend.map((point, index) => [pointKey(0, index), { 'data-at': point.at.slice(0, 10) }]));
  const known = trend.filter((point) => point.score !== null);
  const chart = await svgChart({
    width: 560,
    height: 160,
    className: 'score-trend',
    title: `Resilience score of ${environment} over the last ${trend.length - 1} weeks`,
    description: known.length ? trend.map((point) => `${point.at.slice(0, 10)}: ${point.score ?? 'none'}`).join('; ') : 'No score: no drill applies.',
    tags,
    option: {
      grid: { left: 40, right: 16, top: 14, bottom: 26 },
      xAxis: { type: 'category', data: trend.map((point) => point.at.slice(5, 10)), axisLabel: { fontSize: 11 } },
      yAxis: { type: 'value', min: 0, max: 100, interval: 25, axisLabel: { fontSize: 11 } },
      series: [{ type: 'line', data: trend.map((point) => point.score), symbolSize: 6, itemStyle: { color: '#2f5fb3' }, areaStyle: { opacity: 0.08 } }],
    },
  });
  return html`<figure class="chart">${chart}</figure>`;
}
