import { formatDuration } from '../catalogue/duration.js';
import { countedDetection } from '../engine/detection.js';
import { findEvent, unresolvedAttention, type RunEvent } from '../engine/events.js';
import { measureRows, offsetText, rpoSourceText } from '../scoring/render-text.js';
import { journalLines, runStatus } from '../scoring/run-status.js';
import type { Scorecard } from '../scoring/score-run.js';
import type { ChatAction, ChatMessage, MessageTone } from './message.js';
import { runPageUrl } from '../web/run-link.js';

/** The live message of a run, from its journal so far: what happened, what it waits for. */
export function liveRunMessage(runId: string, events: readonly RunEvent[]): ChatMessage {
  const created = findEvent(events, 'run-created');
  const title = created ? `Drill ${created.drill.id} in ${created.environment}: ${created.drill.title}` : `Drill run ${short(runId)}`;
  const { status, tone } = runStatus(events);
  const fields = [
    { label: 'Run', value: short(runId) },
    { label: 'Requested by', value: created?.requestedBy ?? '?' },
  ];
  if (created) fields.push({ label: 'Objectives', value: objectivesText(created.drill.objectives) });
  const lines = journalLines(events);
  return { title, status, tone, fields, lines, actions: liveActions(runId, events) };
}

/**
 * The run's final message: outcome, each objective measured against its target, timeline;
 * with `publicUrl` (server.publicUrl), a link to the run's page.
 */
export function scorecardMessage(scorecard: Scorecard, publicUrl?: string): ChatMessage {
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
  if (scorecard.rpo) fields.push({ label: 'RPO read from', value: rpoSourceText(scorecard.rpo) });
  const lines = [
    ...scorecard.events.map((event) => `${(offsetText(event.offsetMs) || event.at.slice(11, 19)).padStart(7)}  ${event.text}`),
    ...scorecard.notes.map((note) => `note: ${note}`),
  ];
  const message: ChatMessage = {
    title: `Scorecard ${outcome}: ${scorecard.drill.id} in ${scorecard.environment}`,
    status: `${scorecard.drill.title}: ${outcome}${scorecard.reason ? ` (${scorecard.reason})` : ''}`,
    tone,
    fields,
    lines,
    actions: [],
  };
  if (publicUrl) message.link = { label: 'Run page', url: runPageUrl(publicUrl, scorecard.runId) };
  return message;
}

function liveActions(runId: string, events: readonly RunEvent[]): ChatAction[] {
  if (findEvent(events, 'scored') || findEvent(events, 'refused') || findEvent(events, 'rollback-started') || unresolvedAttention(events)) return [];
  const abort: ChatAction = { kind: 'abort', label: 'Abort', target: runId, style: 'danger' };
  const injected = findEvent(events, 'injected');
  if (injected) {
    return countedDetection(events) ? [abort] : [{ kind: 'detected', label: 'Detected', target: runId, style: 'primary' }, abort];
  }
  if (findEvent(events, 'approval-requested') && !findEvent(events, 'approved')) {
    return [{ kind: 'approve', label: 'Approve', target: runId, style: 'primary' }, abort];
  }
  return [abort];
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
