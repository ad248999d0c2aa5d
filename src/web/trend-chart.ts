import type { RunRecord } from '../history/ports.js';
import { durationText, timeText } from './format.js';
import { html, type Html } from './html.js';
import { pointKey, svgChart } from './svg-chart.js';

const MEASURES = [
  { key: 'ttdMs', met: 'ttd', name: 'TTD', colour: '#2f5fb3' },
  { key: 'rtoMs', met: 'rto', name: 'RTO', colour: '#c2185b' },
  { key: 'rpoMs', met: 'rpo', name: 'RPO', colour: '#00897b' },
] as const;

/** Durations on one axis, in the unit that keeps its numbers short. */
function unitFor(maxMs: number): { name: string; ms: number } {
  if (maxMs < 120_000) return { name: 's', ms: 1_000 };
  if (maxMs < 7_200_000) return { name: 'min', ms: 60_000 };
  return { name: 'h', ms: 3_600_000 };
}

/**
 * TTD, RTO and RPO of a drill's recent runs in one environment, oldest to newest: a line per
 * measure, the bounds each measure's observations bracket as whiskers, and the newest run's
 * objectives as dashed lines. Each run's points carry data-run; a table says the same in words.
 */
export async function trendChart(environment: string, drill: string, runs: readonly RunRecord[]): Promise<Html> {
  const newest = runs.at(-1);
  const values = runs.flatMap((run) => MEASURES.flatMap((m) => [run[m.key], run.bounds[m.key]?.high ?? null]));
  const objectives = MEASURES.map((m) => newest?.objectives[m.key] ?? null);
  const unit = unitFor(Math.max(1, ...values.filter((v): v is number => v !== null), ...objectives.filter((v): v is number => v !== null)));
  const inUnit = (ms: number | null) => (ms === null ? null : Number((ms / unit.ms).toFixed(3)));
  const tags = new Map<string, Record<string, string>>();
  const series: Record<string, unknown>[] = MEASURES.map((measure, index) => {
    runs.forEach((run, point) => {
      if (run[measure.key] !== null) tags.set(pointKey(index, point), { 'data-run': run.id, 'data-measure': measure.met });
    });
    const objective = objectives[index] ?? null;
    return {
      type: 'line',
      name: measure.name,
      data: runs.map((run) => inUnit(run[measure.key])),
      connectNulls: true,
      showAllSymbol: true,
      symbolSize: 7,
      itemStyle: { color: measure.colour },
      lineStyle: { width: 2 },
      markLine:
        objective === null
          ? undefined
          : {
              symbol: 'none',
              silent: true,
              lineStyle: { type: 'dashed', color: measure.colour, width: 1.5 },
              label: { formatter: `${measure.name} objective ${durationText(objective)}`, position: 'insideEndTop', color: measure.colour, fontSize: 11 },
              data: [{ yAxis: inUnit(objective) }],
            },
    };
  });
  // The bounds as whiskers: where the truth lies for each measured point.
  const whiskers = runs.flatMap((run, point) =>
    MEASURES.flatMap((measure, index) => {
      const bounds = run.bounds[measure.key];
      return bounds && bounds.high > bounds.low ? [[point, inUnit(bounds.low), inUnit(bounds.high), index]] : [];
    }),
  );
  series.push({
    type: 'custom',
    name: 'bounds',
    silent: true,
    data: whiskers,
    z: 1,
    renderItem: (_params: unknown, api: { value(dim: number): number; coord(point: [number, number]): [number, number] }) => {
      const [x, low] = api.coord([api.value(0), api.value(1)]);
      const [, high] = api.coord([api.value(0), api.value(2)]);
      const colour = MEASURES[api.value(3)]!.colour;
      // One path per whisker (its stem and both caps): a page has hundreds of them.
      const pathData = `M${x - 4} ${low}H${x + 4}M${x} ${low}V${high}M${x - 4} ${high}H${x + 4}`;
      return { type: 'path', shape: { pathData }, style: { stroke: colour, lineWidth: 1.5, opacity: 0.6, fill: 'none' } };
    },
  });
  const title = `${drill} in ${environment}: TTD, RTO and RPO of the last ${runs.length} run(s)`;
  const chart = await svgChart({
    width: 560,
    height: 260,
    title,
    description: describeTrend(runs),
    tags,
    className: 'trend',
    option: {
      color: MEASURES.map((m) => m.colour),
      legend: { data: MEASURES.map((m) => m.name), top: 0, right: 10, textStyle: { fontSize: 12 } },
      grid: { left: 52, right: 20, top: 30, bottom: 30 },
      xAxis: { type: 'category', data: runs.map((run) => run.createdAt.slice(5, 10)), axisLabel: { fontSize: 11 } },
      yAxis: { type: 'value', name: unit.name, nameTextStyle: { fontSize: 11 }, axisLabel: { fontSize: 11 }, min: 0 },
      series,
    },
  });
  return html`<figure class="chart">${chart}${trendTable(runs)}</figure>`;
}

function describeTrend(runs: readonly RunRecord[]): string {
  if (!runs.length) return 'No finished runs yet.';
  const parts = MEASURES.map((measure) => {
    const judged = runs.filter((run) => run.met[measure.met] !== null);
    const met = judged.filter((run) => run.met[measure.met]).length;
    return judged.length ? `${measure.name} met its objective in ${met} of ${judged.length}` : `${measure.name} has no objective`;
  });
  return `${runs.length} finished run(s) from ${timeText(runs[0]!.createdAt)} to ${timeText(runs.at(-1)!.createdAt)}. ${parts.join('; ')}.`;
}

/** The chart's numbers as a table, for screen readers and for anyone who wants the figures. */
function trendTable(runs: readonly RunRecord[]): Html {
  const cell = (run: RunRecord, measure: (typeof MEASURES)[number]) => {
    const bounds = run.bounds[measure.key];
    const met = run.met[measure.met];
    return html`<td class="num ${met === false ? 'missed' : ''}">${durationText(run[measure.key])}${
      bounds && bounds.high > bounds.low ? html` <span class="muted">(${durationText(bounds.low)}–${durationText(bounds.high)})</span>` : ''
    }</td>`;
  };
  return html`<details class="alt"><summary>The figures (${runs.length} runs)</summary><table>
<thead><tr><th>Run</th><th>Started</th><th class="num">TTD</th><th class="num">RTO</th><th class="num">RPO</th></tr></thead>
<tbody>${runs.map((run) => html`<tr><td><a class="id" href="/runs/${run.id}">${run.id.slice(0, 8)}</a></td><td>${timeText(run.createdAt)}</td>${MEASURES.map((m) => cell(run, m))}</tr>`)}</tbody>
</table></details>`;
}
