import type { RunEvent } from '../engine/events.js';
import type { RunSummary } from '../engine/ports.js';
import { runResult } from '../history/run-result.js';
import { describeEvent } from '../scoring/describe-event.js';
import type { Scorecard } from '../scoring/scorecard-schema.js';
import { durationText, timeText } from './format.js';
import { html, type Html } from './html.js';
import { resultBadge } from './layout.js';
import { timelineChart } from './timeline-chart.js';

/** What the run page shows beside the scorecard and journal; filled in by the parts that keep them. */
export interface RunExtras {
  /** Learnings and action items (the follow-ups of the run), as HTML; undefined when this deployment keeps none. */
  followUps?: Html;
}

/** Who acted in an event, as the journal names them; firedrill itself otherwise. */
export function actorOf(event: RunEvent): string {
  switch (event.type) {
    case 'run-created':
      return event.requestedBy;
    case 'approved':
    case 'abort-requested':
    case 'answer-submitted':
      return event.by;
    case 'detected':
    case 'signal-ignored':
      return event.by.source === 'chat' || event.by.source === 'cli' ? event.by.name : `${event.by.source} alert`;
    case 'taken-over':
      return event.to;
    default:
      return 'firedrill';
  }
}

const MEASURES = [
  { name: 'TTD', key: 'ttdMs', met: 'ttd', means: 'time to detect: from injection to the first alert or person' },
  { name: 'RTO', key: 'rtoMs', met: 'rto', means: 'time to recover: from injection until steady state held' },
  { name: 'RPO', key: 'rpoMs', met: 'rpo', means: 'data lost: newest data before injection minus newest data surviving' },
] as const;

export async function runPageBody(summary: RunSummary, scorecard: Scorecard | null, events: readonly RunEvent[], extras: RunExtras): Promise<Html> {
  const created = events.find((event) => event.type === 'run-created');
  const title = scorecard?.drill.title ?? (created?.type === 'run-created' ? created.drill.title : summary.drill);
  const result = runResult({ outcome: summary.outcome, timeline: scorecard?.timeline ?? null });
  const timeline = scorecard ? await timelineChart(scorecard) : null;
  return html`<h1>${title}</h1>
<p>${resultBadge(result)} Run <code class="id">${summary.id}</code> of <a href="/runs?drill=${encodeURIComponent(summary.drill)}">${summary.drill}</a>
in <a href="/runs?env=${encodeURIComponent(summary.environment)}">${summary.environment}</a>,
started ${timeText(summary.createdAt)}${scorecard ? html` by ${scorecard.requestedBy}` : ''}${summary.finishedAt ? html`, finished ${timeText(summary.finishedAt)}` : ' — still going'}.</p>
${scorecard?.reason ? html`<p class="card error">${scorecard.reason}</p>` : ''}
${scorecard ? scorecardSection(scorecard) : html`<p class="card">No scorecard yet: the run is going, or ended before it was scored.</p>`}
<h2>Timeline</h2>
${timeline ?? html`<p class="muted">Nothing was injected, so there is no timeline to draw.</p>`}
${extras.followUps ?? ''}
<h2>Journal</h2>
${journalTable(events)}`;
}

function scorecardSection(scorecard: Scorecard): Html {
  return html`<section class="card"><h2>Scorecard</h2>
<table class="scorecard"><thead><tr><th>Measure</th><th class="num">Measured</th><th class="num">Bounds</th><th class="num">Objective</th><th>Met</th></tr></thead>
<tbody>${MEASURES.map((measure) => {
    const bounds = scorecard.bounds[measure.key];
    const met = scorecard.met[measure.met];
    return html`<tr><th title="${measure.means}">${measure.name}</th><td class="num">${durationText(scorecard[measure.key])}</td>
<td class="num">${bounds ? `${durationText(bounds.low)} – ${durationText(bounds.high)}` : '–'}</td>
<td class="num">${durationText(scorecard.objectives[measure.key])}</td>
<td>${met === null ? html`<span class="muted">not judged</span>` : met ? html`<span class="met">met</span>` : html`<span class="missed">missed</span>`}</td></tr>`;
  })}</tbody></table>
${scorecard.detectedBy ? html`<p>Detected by ${scorecard.detectedBy.source}: ${scorecard.detectedBy.name}${scorecard.detectedBy.detail ? ` (${scorecard.detectedBy.detail})` : ''}.</p>` : ''}
<p>Recovery: ${scorecard.recovery.mode}${scorecard.recovery.runbook ? html`, runbook ${scorecard.recovery.runbook} ${scorecard.recovery.runbookOk === false ? 'failed' : ''}` : ''}.</p>
${scorecard.verification.length ? html`<h3>Verification</h3><ul>${scorecard.verification.map((check) => html`<li>${check.ok ? '✓' : '✗'} ${check.check}: ${check.detail}</li>`)}</ul>` : ''}
${scorecard.measurements.length ? html`<h3>Measurements</h3><ul>${scorecard.measurements.map((m) => html`<li>${m.name}: ${m.value}</li>`)}</ul>` : ''}
${scorecard.notes.length ? html`<h3>Notes</h3><ul>${scorecard.notes.map((note) => html`<li>${note}</li>`)}</ul>` : ''}
</section>`;
}

function journalTable(events: readonly RunEvent[]): Html {
  const injected = events.find((event) => event.type === 'injected');
  const offset = (event: RunEvent) => {
    if (!injected) return '';
    const ms = Date.parse(event.at) - Date.parse(injected.at);
    return `${ms < 0 ? '−' : '+'}${durationText(Math.abs(ms))}`;
  };
  return html`<table class="journal"><thead><tr><th>When (UTC)</th><th class="num">Since injection</th><th>Who</th><th>What</th></tr></thead>
<tbody>${events
    .filter((event) => event.type !== 'scored')
    .map((event) => html`<tr data-event="${event.type}"><td>${event.at.slice(0, 10)} ${event.at.slice(11, 19)}</td><td class="num">${offset(event)}</td><td>${actorOf(event)}</td><td>${describeEvent(event)}</td></tr>`)}</tbody></table>`;
}
