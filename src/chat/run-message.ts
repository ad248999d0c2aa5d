import { formatDuration } from '../catalogue/duration.js';
import { elapsedMs, findEvent, type RunEvent } from '../engine/events.js';
import { describeEvent } from '../scoring/describe-event.js';
import { hideProbeProcesses } from '../scoring/routine-processes.js';
import { measureRows, offsetText } from '../scoring/render-text.js';
import type { Scorecard } from '../scoring/score-run.js';
import type { ChatAction, ChatMessage, MessageTone } from './message.js';

/** Events that add nothing a person following the run needs to read. */
const QUIET = new Set<RunEvent['type']>(['rpo-baseline', 'scored']);

/** The live message of a run, from its journal so far: what happened, what it waits for. */
export function liveRunMessage(runId: string, events: readonly RunEvent[]): ChatMessage {
  const created = findEvent(events, 'run-created');
  const injected = findEvent(events, 'injected');
  const title = created ? `Drill ${created.drill.id} in ${created.environment}: ${created.drill.title}` : `Drill run ${short(runId)}`;
  const { status, tone } = liveStatus(events);
  const fields = [
    { label: 'Run', value: short(runId) },
    { label: 'Requested by', value: created?.requestedBy ?? '?' },
  ];
  if (created) fields.push({ label: 'Objectives', value: objectivesText(created.drill.objectives) });
  const lines = events
    .filter((event) => !QUIET.has(event.type))
    .filter(hideProbeProcesses())
    .map((event) => `${stamp(event, injected)}  ${describeEvent(event)}`);
  return { title, status, tone, fields, lines, actions: liveActions(runId, events) };
}

/** The run's final message: outcome, each objective measured against its target, timeline. */
export function scorecardMessage(scorecard: Scorecard): ChatMessage {
  const outcome = scorecard.outcome.toUpperCase();
  const tone: MessageTone = scorecard.outcome === 'pass' ? 'good' : scorecard.outcome === 'fail' ? 'bad' : 'warning';
  const fields = [
    { label: 'Run', value: short(scorecard.runId) },
    { label: 'Requested by', value: scorecard.requestedBy },
    ...measureRows(scorecard).map((row) => ({
      label: row.label,
      value: `${row.measured} (objective ${row.objective})${row.verdict ? ` ${row.verdict}` : ''}`,
    })),
  ];
  if (scorecard.detectedBy) fields.push({ label: 'Detected by', value: `${scorecard.detectedBy.source}: ${scorecard.detectedBy.name}` });
  const lines = [
    ...scorecard.events.map((event) => `${(offsetText(event.offsetMs) || event.at.slice(11, 19)).padStart(7)}  ${event.text}`),
    ...scorecard.notes.map((note) => `note: ${note}`),
  ];
  return {
    title: `Scorecard ${outcome}: ${scorecard.drill.id} in ${scorecard.environment}`,
    status: `${scorecard.drill.title}: ${outcome}${scorecard.reason ? ` (${scorecard.reason})` : ''}`,
    tone,
    fields,
    lines,
    actions: [],
  };
}

function liveStatus(events: readonly RunEvent[]): { status: string; tone: MessageTone } {
  const last = events.at(-1);
  const injected = findEvent(events, 'injected');
  const at = (event: RunEvent) => (injected ? `${offsetText(elapsedMs(injected, event))}` : event.at.slice(11, 19));
  const scored = findEvent(events, 'scored');
  if (scored) return { status: `scored: ${scored.outcome}`, tone: scored.outcome === 'pass' ? 'good' : 'bad' };
  const refused = findEvent(events, 'refused');
  if (refused) return { status: `refused: ${refused.reason}`, tone: 'bad' };
  const rollback = findEvent(events, 'rollback-started');
  if (rollback) return { status: `undoing the fault: ${rollback.reason}`, tone: 'warning' };
  const verified = findEvent(events, 'verified');
  if (verified) return { status: `verified at ${at(verified)}: ${verified.ok ? 'data checks passed' : 'data checks FAILED'}`, tone: verified.ok ? 'good' : 'bad' };
  const recovered = findEvent(events, 'recovered');
  if (recovered) return { status: `recovered at ${at(recovered)}; verifying the data`, tone: 'good' };
  const detected = injected && events.find((event) => event.type === 'detected' && event.seq > injected.seq);
  if (detected && detected.type === 'detected') {
    return { status: `detected at ${at(detected)} by ${detected.by.name}; waiting for recovery`, tone: 'warning' };
  }
  if (injected) return { status: `fault in effect since ${injected.at.slice(11, 19)} UTC; waiting for detection`, tone: 'bad' };
  if (findEvent(events, 'approval-requested') && !findEvent(events, 'approved')) {
    return { status: 'waiting for a second person to approve', tone: 'warning' };
  }
  return { status: last ? 'preflight: checking the target and the steady state' : 'starting', tone: 'info' };
}

function liveActions(runId: string, events: readonly RunEvent[]): ChatAction[] {
  if (findEvent(events, 'scored') || findEvent(events, 'refused') || findEvent(events, 'rollback-started')) return [];
  const abort: ChatAction = { kind: 'abort', label: 'Abort', target: runId, style: 'danger' };
  const injected = findEvent(events, 'injected');
  if (injected) {
    const detected = events.some((event) => event.type === 'detected' && event.seq > injected.seq);
    return detected ? [abort] : [{ kind: 'detected', label: 'Detected', target: runId, style: 'primary' }, abort];
  }
  if (findEvent(events, 'approval-requested') && !findEvent(events, 'approved')) {
    return [{ kind: 'approve', label: 'Approve', target: runId, style: 'primary' }, abort];
  }
  return [abort];
}

/** Wall-clock time before the injection, t0-relative after: a line never changes once shown. */
function stamp(event: RunEvent, injected: RunEvent | undefined): string {
  return injected && event.seq >= injected.seq ? offsetText(elapsedMs(injected, event)).padStart(8) : event.at.slice(11, 19).padStart(8);
}

function objectivesText(objectives: { ttdMs: number | null; rtoMs: number | null; rpoMs: number | null }): string {
  const parts = (['ttd', 'rto', 'rpo'] as const)
    .map((key) => [key, objectives[`${key}Ms`]] as const)
    .filter(([, ms]) => ms !== null)
    .map(([key, ms]) => `${key.toUpperCase()} ${formatDuration(ms!)}`);
  return parts.join(', ') || 'none';
}

export function short(runId: string): string {
  return runId.slice(0, 8);
}
