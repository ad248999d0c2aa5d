import type { Scorecard } from '../scoring/scorecard-schema.js';
import { durationText } from './format.js';
import { html, type Html } from './html.js';
import { pointKey, svgChart } from './svg-chart.js';

interface Mark {
  mark: string;
  label: string;
  atMs: number;
}

const sinceInjection = (scorecard: Scorecard, at: string | null) =>
  at && scorecard.timeline.injectedAt ? Date.parse(at) - Date.parse(scorecard.timeline.injectedAt) : null;

/**
 * The run drawn to scale from the injection: when it was detected, recovered and verified, with
 * the TTD and RTO objectives as markers and each measure's bounds as a band. Null for a run that
 * never injected (refused): there is nothing to draw.
 */
export async function timelineChart(scorecard: Scorecard): Promise<Html | null> {
  if (!scorecard.timeline.injectedAt) return null;
  // Measured durations where there are some (from the monotonic clock), wall-clock offsets otherwise.
  const detected = scorecard.ttdMs ?? sinceInjection(scorecard, scorecard.timeline.detectedAt);
  const recovered = scorecard.rtoMs ?? sinceInjection(scorecard, scorecard.timeline.recoveredAt);
  const verified = sinceInjection(scorecard, scorecard.timeline.verifiedAt);
  const events: Mark[] = [{ mark: 'injected', label: 'injected', atMs: 0 }];
  if (detected !== null) events.push({ mark: 'detected', label: `detected +${durationText(detected)}`, atMs: detected });
  if (recovered !== null) events.push({ mark: 'recovered', label: `recovered +${durationText(recovered)}`, atMs: recovered });
  if (verified !== null) events.push({ mark: 'verified', label: `verified +${durationText(verified)}`, atMs: Math.max(verified, recovered ?? 0) });
  const objectives: Mark[] = [];
  if (scorecard.objectives.ttdMs !== null) objectives.push({ mark: 'objective-ttd', label: `TTD objective ${durationText(scorecard.objectives.ttdMs)}`, atMs: scorecard.objectives.ttdMs });
  if (scorecard.objectives.rtoMs !== null) objectives.push({ mark: 'objective-rto', label: `RTO objective ${durationText(scorecard.objectives.rtoMs)}`, atMs: scorecard.objectives.rtoMs });

  const endMs = Math.max(1_000, ...events.map((e) => e.atMs), ...objectives.map((o) => o.atMs)) * 1.08;
  const unit = endMs < 180_000 ? { name: 's', ms: 1_000 } : endMs < 10_800_000 ? { name: 'min', ms: 60_000 } : { name: 'h', ms: 3_600_000 };
  const x = (ms: number) => Number((ms / unit.ms).toFixed(3));
  const tags = new Map<string, Record<string, string>>();
  events.forEach((event, index) => tags.set(pointKey(0, index), { 'data-mark': event.mark }));
  objectives.forEach((objective, index) => tags.set(pointKey(1, index), { 'data-mark': objective.mark }));
  const bands = (['ttdMs', 'rtoMs'] as const)
    .map((key) => scorecard.bounds[key])
    .filter((range) => range !== null && range.high > range.low)
    .map((range) => [{ xAxis: x(range!.low) }, { xAxis: x(range!.high) }]);

  const chart = await svgChart({
    width: 900,
    height: 184,
    className: 'timeline',
    title: `Timeline of run ${scorecard.runId}, to scale from the injection`,
    description: [...events, ...objectives].map((mark) => (mark.mark === 'injected' ? 'injected at 0' : mark.label)).join('; '),
    tags,
    option: {
      grid: { left: 30, right: 40, top: 56, bottom: 34 },
      xAxis: { type: 'value', min: 0, max: x(endMs), name: unit.name, nameGap: 8, axisLabel: { fontSize: 11 } },
      yAxis: { type: 'value', show: false, min: 0, max: 2 },
      series: [
        {
          type: 'line',
          // Every other label a line higher: marks close in time (recovered, verified) keep their labels apart.
          data: events.map((event, index) => ({ value: [x(event.atMs), 1], label: { formatter: event.label, offset: [0, index % 2 ? -16 : 0] } })),
          symbol: 'circle',
          symbolSize: 12,
          itemStyle: { color: '#2f5fb3' },
          lineStyle: { color: '#9fb3d9', width: 3 },
          label: {
            show: true,
            position: 'top',
            fontSize: 12,
            color: '#1d2430',
          },
          markArea: bands.length ? { silent: true, itemStyle: { color: 'rgba(47,95,179,0.12)' }, data: bands } : undefined,
        },
        {
          type: 'scatter',
          data: objectives.map((objective) => ({ value: [x(objective.atMs), 0.35], label: { formatter: objective.label } })),
          symbol: 'rect',
          symbolSize: [3, 60],
          itemStyle: { color: '#c62828' },
          label: {
            show: true,
            position: 'bottom',
            fontSize: 11,
            color: '#c62828',
          },
        },
      ],
    },
  });
  return html`<figure class="chart">${chart}</figure>`;
}
