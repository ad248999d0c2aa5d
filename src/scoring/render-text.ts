import { formatDuration } from '../catalogue/duration.js';
import type { Scorecard } from './score-run.js';
import type { Range } from './scorecard-schema.js';
import { withBounds } from './measure-text.js';

type Objective = 'ttd' | 'rto' | 'rpo';
const MEASURES: { key: Objective; label: string; measured: (s: Scorecard) => number | null; target: (s: Scorecard) => number | null; bounds: (s: Scorecard) => Range | null }[] = [
  { key: 'ttd', label: 'TTD (time to detect)', measured: (s) => s.ttdMs, target: (s) => s.objectives.ttdMs, bounds: (s) => s.bounds.ttdMs },
  { key: 'rto', label: 'RTO (time to recover)', measured: (s) => s.rtoMs, target: (s) => s.objectives.rtoMs, bounds: (s) => s.bounds.rtoMs },
  { key: 'rpo', label: 'RPO (data lost)', measured: (s) => s.rpoMs, target: (s) => s.objectives.rpoMs, bounds: (s) => s.bounds.rpoMs },
];

export interface MeasureRow {
  label: string;
  measured: string;
  objective: string;
  verdict: string;
}

/** The three measures as display strings; shared by the text and Markdown renderings. */
export function measureRows(scorecard: Scorecard): MeasureRow[] {
  return MEASURES.map(({ key, label, measured, target, bounds }) => {
    const value = measured(scorecard);
    const objective = target(scorecard);
    const met = scorecard.met[key];
    return {
      label,
      measured: value === null ? notMeasured(scorecard, key) : withBounds(value, bounds(scorecard)),
      objective: objective === null ? '-' : formatDuration(objective),
      verdict: met === null ? '' : met ? 'met' : 'MISSED',
    };
  });
}

function notMeasured(scorecard: Scorecard, key: Objective): string {
  if (!scorecard.timeline.injectedAt) return 'n/a';
  if (key === 'ttd' && scorecard.timeline.recoveredAt) return 'not detected';
  return 'not measured';
}

/** Where the RPO came from: the marker read, its newest value before injection and after recovery. */
export function rpoSourceText(rpo: NonNullable<Scorecard['rpo']>): string {
  const read = rpo.source ? `${rpo.source}: ` : '';
  return `${read}newest before injection ${rpo.newestBefore ?? 'none'}, newest surviving ${rpo.newestAfter ?? 'none'}`;
}

export function offsetText(offsetMs: number | null): string {
  if (offsetMs === null) return '';
  return `${offsetMs < 0 ? '-' : '+'}${formatDuration(Math.abs(offsetMs))}`;
}

export function renderText(scorecard: Scorecard): string {
  const lines: string[] = [];
  const { drill } = scorecard;
  lines.push(`firedrill scorecard: ${scorecard.outcome.toUpperCase()}${scorecard.reason ? ` (${scorecard.reason})` : ''}`);
  lines.push(`${drill.title} [${drill.id}, ${drill.kind}, ${drill.severity}] in ${scorecard.environment}`);
  lines.push(`run ${scorecard.runId}, requested by ${scorecard.requestedBy}`);
  lines.push('');
  const rows = measureRows(scorecard);
  const width = Math.max(...rows.map((row) => row.label.length));
  const measuredWidth = Math.max(14, ...rows.map((row) => row.measured.length));
  lines.push(`  ${'measure'.padEnd(width)}  ${'measured'.padEnd(measuredWidth)}  objective`);
  for (const row of rows) {
    lines.push(`  ${row.label.padEnd(width)}  ${row.measured.padEnd(measuredWidth)}  ${row.objective.padEnd(10)}  ${row.verdict}`.trimEnd());
  }
  lines.push('');
  if (scorecard.detectedBy) {
    const { source, name, detail } = scorecard.detectedBy;
    lines.push(`detected by: ${source}: ${name}${detail ? ` (${detail})` : ''}`);
  }
  if (scorecard.recovery.runbook) {
    const result = scorecard.recovery.runbookOk === null ? 'still running' : scorecard.recovery.runbookOk ? 'finished' : 'FAILED';
    lines.push(`recovery: ${scorecard.recovery.runbook} (${result})`);
  } else {
    lines.push(`recovery: ${scorecard.recovery.mode}`);
  }
  if (scorecard.rpo) lines.push(`data: ${rpoSourceText(scorecard.rpo)}`);
  for (const { name, value } of scorecard.measurements ?? []) lines.push(`${name}: ${value}`);
  for (const note of scorecard.notes) lines.push(`note: ${note}`);
  lines.push('');
  lines.push(scorecard.timeline.injectedAt ? `timeline (t0 = fault in effect at ${scorecard.timeline.injectedAt})` : 'timeline');
  for (const event of scorecard.events) {
    lines.push(`  ${(offsetText(event.offsetMs) || event.at).padStart(8)}  ${event.text}`);
  }
  return `${lines.join('\n')}\n`;
}
